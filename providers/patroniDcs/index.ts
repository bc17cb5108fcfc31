// PatroniDcs: lab:patroni's timings and mode applied to the RUNNING cluster (Patroni keeps them in the DCS, so
// bootstrap.dcs in the YAML counts only at the first bootstrap). Set and read through `docker exec` on
// any live member (Patroni's REST PATCH/GET /config); a read shows drift (someone ran edit-config), an update
// changes no container.
import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource } from "../resource";
import { changedKeys, checkWith, VersionedInputs, withoutProviderKey } from "../dynamic";
import { retry } from "../retry";
import type Docker from "dockerode";
import { dockerExec } from "../docker";
import { DCS_KEYS, DcsSettings, parseShowConfig, patchConfigCommand, showConfigCommand, validateDcsSettings } from "./policy";

export * from "./policy";

export const PATRONI_DCS_PROVIDER_VERSION = "2";

export interface PatroniDcsInputs extends VersionedInputs {
  /** Container names of the members, tried in order: any live one answers for the cluster. */
  members: string[];
  /** Patroni's REST port inside the member. */
  restPort: number;
  settings: DcsSettings;
}

const POLICY = { timeoutMs: 90_000, initialDelayMs: 500, maxDelayMs: 3_000, attemptTimeoutMs: 20_000 };

/**
 * dockerode is required on first use, not when the provider host loads this provider: it takes 0.4-1 s to load,
 * and a no-op up only checks and diffs (bench/README-noop.md).
 */
function dockerClient(): Docker {
  const Dockerode: typeof Docker = require("dockerode");
  return new Dockerode();
}

/** Runs a patronictl command on the first member that succeeds; bounded by POLICY. */
async function onAnyMember(inputs: PatroniDcsInputs, cmd: string[], phase: string): Promise<string> {
  const docker = dockerClient();
  const { value } = await retry<string>(`patroni ${phase} on ${inputs.members.join(", ")}`, POLICY, async (timeoutMs) => {
    const failures: string[] = [];
    for (const m of inputs.members) {
      try {
        const r = await dockerExec(docker, m, cmd, { timeoutMs });
        if (r.exitCode === 0) return { value: r.stdout };
        failures.push(`${m}: exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" ")}`);
      } catch (e) {
        failures.push(`${m}: ${(e as Error).message}`);
      }
    }
    return { retry: failures.join("; ") };
  });
  return value;
}

async function liveSettings(inputs: PatroniDcsInputs): Promise<DcsSettings> {
  return parseShowConfig(await onAnyMember(inputs, showConfigCommand(inputs.restPort), "GET /config"));
}

const differing = (live: DcsSettings, want: DcsSettings) => DCS_KEYS.filter((k) => live[k] !== want[k]);

/** Edits only when the cluster differs (a fresh cluster bootstrapped with these values needs no edit). */
async function apply(inputs: PatroniDcsInputs): Promise<PatroniDcsInputs> {
  validateDcsSettings(inputs.settings);
  if (differing(await liveSettings(inputs), inputs.settings).length) {
    await onAnyMember(inputs, patchConfigCommand(inputs.restPort, inputs.settings), "PATCH /config");
    const live = await liveSettings(inputs);
    const off = differing(live, inputs.settings);
    if (off.length) throw new Error(`patroni PATCH /config did not take: ${off.map((k) => `${k} is ${live[k]}, wanted ${inputs.settings[k]}`).join("; ")}`);
  }
  return withoutProviderKey(inputs);
}

export const patroniDcsProvider: pulumi.dynamic.ResourceProvider<PatroniDcsInputs, PatroniDcsInputs> = {
  async check(_olds, news) {
    return checkWith(news, (n) => validateDcsSettings(n.settings));
  },
  async diff(_id, olds, news) {
    // Settings change in place; new members (a replaced cluster) need the settings applied again.
    return { changes: changedKeys(olds as any, news as any, ["settings", "members", "restPort", "version"]).length > 0, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const outs = await apply(inputs);
    return { id: inputs.members.join(","), outs };
  },
  async update(_id, _olds, news) {
    return { outs: await apply(news) };
  },
  async read(id, props) {
    const p = props as PatroniDcsInputs;
    return { id, props: { ...p, settings: await liveSettings(p) } };
  },
  // The settings live as long as the cluster: nothing to undo.
  async delete() {
    return;
  },
};

export interface PatroniDcsArgs {
  members: pulumi.Input<string>[];
  restPort: number;
  settings: pulumi.Input<DcsSettings>;
}

export class PatroniDcs extends LabDynamicResource {
  declare public readonly settings: pulumi.Output<DcsSettings>;

  constructor(name: string, args: PatroniDcsArgs, opts?: pulumi.CustomResourceOptions) {
    super(patroniDcsProvider, "PatroniDcs", name, { ...args, version: PATRONI_DCS_PROVIDER_VERSION }, opts);
  }
}
