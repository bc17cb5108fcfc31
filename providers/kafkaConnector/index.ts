import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource } from "../resource";
import { changedKeys, checkWith, errorText, hasUnknowns, VersionedInputs, withoutProviderKey, withSecretOutputs } from "../dynamic";
import { deleteConnector, getConfig, getStatus, putConfig, setState, validateConfig, waitForState } from "./connect";
import {
  connectConfig, ConnectorConfig, ConnectorSpec, DesiredState, diffSpecs, liveDesiredState, normalizeConnectorSpec,
  pickUserKeys, redact, REPLACE_KEYS,
} from "./policy";

export * from "./policy";
export * from "./connect";

/** Bump when the provider's behaviour changes: the version input turns that into an update of every connector. */
export const KAFKA_CONNECTOR_PROVIDER_VERSION = "2";

export interface KafkaConnectorInputs extends VersionedInputs {
  /** Every Connect worker's REST URL (a list, or comma-separated); any live one is used. */
  connectUrl: string | string[];
  name: string;
  config: ConnectorConfig;
  /** Merged into the config sent to Connect; kept secret in the state (additionalSecretOutputs). */
  sensitiveConfig?: ConnectorConfig;
  state?: DesiredState;
  waitTimeoutMs?: number;
}

export interface KafkaConnectorOutputs extends KafkaConnectorInputs {
  /** Connect's own word for the connector's state when last seen (RUNNING, PAUSED, FAILED, UNASSIGNED...). */
  connectorState: string;
  /** The workers (host:port) running the connector and its tasks when last seen. */
  workers: string[];
}

const INPUT_KEYS = ["connectUrl", "name", "config", "sensitiveConfig", "state", "waitTimeoutMs", "version"] as const;

/** Secrets never leave in an error: Connect's messages may echo a password that failed. */
async function redacting<T>(spec: ConnectorSpec, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw new Error(redact(errorText(e), spec.sensitiveConfig));
  }
}

function outputsOf(inputs: KafkaConnectorInputs, spec: ConnectorSpec, connectorState: string, workers: string[]): KafkaConnectorOutputs {
  return {
    ...withoutProviderKey(inputs),
    name: spec.name, config: spec.config, sensitiveConfig: spec.sensitiveConfig,
    state: spec.state, waitTimeoutMs: spec.waitTimeoutMs, connectorState, workers,
  };
}

/** Validate (nothing is created when Connect finds errors), write the config, set the state, wait for it. */
async function apply(inputs: KafkaConnectorInputs, writeConfig: boolean): Promise<KafkaConnectorOutputs> {
  const spec = normalizeConnectorSpec(inputs);
  return redacting(spec, async () => {
    if (writeConfig) {
      const config = connectConfig(spec);
      await validateConfig(spec.connectUrls, spec.name, config);
      await putConfig(spec.connectUrls, spec.name, config);
    }
    await setState(spec.connectUrls, spec.name, spec.state);
    const reached = await waitForState(spec.connectUrls, spec.name, spec.state, spec.waitTimeoutMs);
    return outputsOf(inputs, spec, spec.state === "running" ? "RUNNING" : "PAUSED", reached.workers);
  });
}

/**
 * A Kafka Connect connector driven through Connect's REST API. check and diff are pure (preview never calls
 * Connect); create/update validate first, so a rejected config creates nothing.
 */
export const kafkaConnectorProvider: pulumi.dynamic.ResourceProvider<KafkaConnectorInputs, KafkaConnectorOutputs> = {
  async check(_olds, news) {
    return checkWith(news, normalizeConnectorSpec);
  },
  async diff(_id, olds, news) {
    // The same name on the same Connect cluster: the old connector must be gone before the new one is written.
    const deleteBeforeReplace = true;
    if (hasUnknowns(news)) {
      const keys = changedKeys(olds as any, news as any, INPUT_KEYS);
      return { changes: keys.length > 0, replaces: REPLACE_KEYS.filter((k) => keys.includes(k)), deleteBeforeReplace };
    }
    const d = diffSpecs(normalizeConnectorSpec(olds), normalizeConnectorSpec(news), olds.version !== news.version);
    return { changes: Object.keys(d.changed).length > 0, replaces: d.replaces, deleteBeforeReplace };
  },
  async create(inputs) {
    const outs = await apply(inputs, true);
    return { id: outs.name, outs };
  },
  async update(_id, olds, news) {
    const d = diffSpecs(normalizeConnectorSpec(olds), normalizeConnectorSpec(news), olds.version !== news.version);
    // A changed timeout or state alone must not restart the connector's tasks with an identical config.
    return { outs: await apply(news, d.configChanged || d.changed.version !== undefined) };
  },
  async read(id, props) {
    if (!props?.connectUrl) throw new Error(`connector ${id}: read needs the connectUrl from the state (import is not supported)`);
    const spec = normalizeConnectorSpec(props);
    return redacting(spec, async () => {
      const live = await getConfig(spec.connectUrls, spec.name);
      // Deleted out of band: no id tells the engine it is gone, so the next `up` creates it again.
      if (!live) return {};
      const status = await getStatus(spec.connectUrls, spec.name);
      const workers = status ? [...new Set([status.connector?.worker_id, ...(status.tasks ?? []).map((t) => t.worker_id)])]
        .filter((w): w is string => !!w).sort() : [];
      return {
        id,
        props: {
          ...props,
          config: pickUserKeys(live, Object.keys(spec.config)),
          sensitiveConfig: pickUserKeys(live, Object.keys(spec.sensitiveConfig)),
          state: (status && liveDesiredState(status)) ?? spec.state,
          connectorState: status?.connector?.state ?? "UNKNOWN",
          workers,
        },
      };
    });
  },
  async delete(id, props) {
    if (!props?.connectUrl) throw new Error(`connector ${id}: delete needs the connectUrl from the state`);
    await deleteConnector(normalizeConnectorSpec(props).connectUrls, props.name ?? id);
  },
};

export interface KafkaConnectorArgs {
  /**
   * Every Connect worker's REST URL, e.g. ["http://127.0.0.1:8083", "http://127.0.0.1:8084"] (or one string,
   * comma-separated); any live worker is used. URLs sharing none with the old ones replace the connector.
   */
  connectUrl: pulumi.Input<string | pulumi.Input<string>[]>;
  /** The connector's name in Connect; changing it replaces the connector. */
  name?: pulumi.Input<string>;
  /** Non-secret settings, connector.class included. */
  config: pulumi.Input<Record<string, pulumi.Input<string | number | boolean>>>;
  /** Secret settings (passwords): merged into the config sent to Connect, never logged, secret in the state. */
  sensitiveConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** running (default) or paused. */
  state?: pulumi.Input<DesiredState>;
  /** How long create/update wait for RUNNING/PAUSED (default 180000). */
  waitTimeoutMs?: pulumi.Input<number>;
}

/** A Kafka Connect connector (a Debezium source, a JDBC sink...) that create/update wait on until it runs. */
export class KafkaConnector extends LabDynamicResource {
  // `declare`: with target es2022 a plain field would be re-initialised to undefined after super() set it.
  declare public readonly connectUrl: pulumi.Output<string | string[]>;
  declare public readonly config: pulumi.Output<ConnectorConfig>;
  /** Secret in the state and in every output that derives from it. */
  declare public readonly sensitiveConfig: pulumi.Output<ConnectorConfig>;
  declare public readonly state: pulumi.Output<DesiredState>;
  declare public readonly connectorState: pulumi.Output<string>;
  declare public readonly workers: pulumi.Output<string[]>;

  constructor(name: string, args: KafkaConnectorArgs, opts?: pulumi.CustomResourceOptions) {
    super(kafkaConnectorProvider, "KafkaConnector", name, {
      connectUrl: args.connectUrl,
      name: args.name ?? name,
      config: args.config,
      sensitiveConfig: args.sensitiveConfig === undefined ? {} : pulumi.secret(args.sensitiveConfig),
      state: args.state ?? "running",
      waitTimeoutMs: args.waitTimeoutMs,
      version: KAFKA_CONNECTOR_PROVIDER_VERSION,
      connectorState: undefined,
      workers: undefined,
    }, withSecretOutputs(opts, ["sensitiveConfig"]));
  }
}
