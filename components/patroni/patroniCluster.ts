import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { EtcdCluster } from "../etcd/etcdCluster";
import { PatroniDcs } from "../../providers/patroniDcs";
import { LabImages } from "../core/labImages";
import { LabPlacement, labService } from "../core/labService";
import {
  FAST_FAILOVER_DCS, LogicalSlot, PATRONI_CONFIG_PATH, PATRONI_PASSWORD_ENV, PATRONI_PG_PORT, PATRONI_REST_PORT,
  PATRONI_VOLUME_PATH, PATRONI_DATA_DIR, PatroniDcsTimings, labPgHba, renderPatroniConfig,
} from "./patroniConfig";

export interface PatroniClusterArgs extends LabPlacement {
  etcd: EtcdCluster;
  nodes: number;
  /** Builds the Patroni image FROM the lab's postgres (lab:images.postgres, or its Debian build). */
  images: LabImages;
  dcs: Omit<PatroniDcsTimings, "maximumLagOnFailover">;
  superuserPassword: pulumi.Input<string>;
  replicationPassword: pulumi.Input<string>;
  /** Cluster-wide PostgreSQL settings, e.g. { wal_level: "logical" }. */
  parameters?: Record<string, string | number | boolean>;
  /** Permanent logical slots kept on whichever member leads. */
  slots?: Record<string, LogicalSlot>;
}

export interface PatroniMember {
  name: string;
  container: docker.Container;
  /** host:port of PostgreSQL and of the REST API inside the lab network. */
  pgHost: string;
  pgPort: number;
  apiPort: number;
}

/** Exit 0 only while Patroni's /health answers 200 (urlopen raises on 503 and on no answer). */
export function patroniHealthCheck(restPort: number): string[] {
  return ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${restPort}/health', timeout=3)`];
}

/** PostgreSQL under Patroni: members race for the leader key in etcd; the holder is the primary. */
export class PatroniCluster extends pulumi.ComponentResource {
  public readonly image: docker.Image;
  public readonly members: PatroniMember[];
  public readonly scope: string;
  /** lab:patroni applied to the running cluster (changing it restarts no member). */
  public readonly dcs: PatroniDcs;

  constructor(name: string, args: PatroniClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:postgres:PatroniCluster", name, {}, opts);
    this.scope = `${args.prefix}-${name}`;
    this.image = args.images.build(`${name}-image`, {
      image: "patroni", context: "images/patroni", from: { key: "postgres", arg: "POSTGRES_IMAGE" },
    }, { parent: this });
    const names = Array.from({ length: args.nodes }, (_, i) => `${name}-${i + 1}`);
    this.members = names.map((member) => {
      const yaml = renderPatroniConfig({
        scope: this.scope,
        name: member,
        restApi: { listen: `0.0.0.0:${PATRONI_REST_PORT}`, connectAddress: `${member}:${PATRONI_REST_PORT}` },
        postgres: { listen: `0.0.0.0:${PATRONI_PG_PORT}`, connectAddress: `${member}:${PATRONI_PG_PORT}`, dataDir: PATRONI_DATA_DIR },
        etcd3Hosts: args.etcd.clientHosts,
        // Only the first bootstrap reads bootstrap.dcs: fixed here so a change of lab:patroni rewrites no member's
        // file (which would restart it); PatroniDcs below sets the configured values on the running cluster.
        dcs: FAST_FAILOVER_DCS,
        parameters: args.parameters,
        slots: args.slots,
        // Only the lab network and the loopback-published HAProxy reach these ports.
        pgHba: labPgHba("replicator", "0.0.0.0/0"),
        usernames: { superuser: "postgres", replication: "replicator" },
      });
      const { container } = labService(this, args, {
        service: member, image: this.image.repoDigest,
        env: { [PATRONI_PASSWORD_ENV.superuser]: args.superuserPassword, [PATRONI_PASSWORD_ENV.replication]: args.replicationPassword },
        files: [{ path: PATRONI_CONFIG_PATH, content: yaml }],
        data: { path: PATRONI_VOLUME_PATH },
        // /health answers 200 only while this member's PostgreSQL is up (as leader or streaming replica).
        healthcheck: { test: patroniHealthCheck(PATRONI_REST_PORT), startPeriodSeconds: 60 },
        dependsOn: args.etcd.containers,
      });
      return { name: member, container, pgHost: member, pgPort: PATRONI_PG_PORT, apiPort: PATRONI_REST_PORT };
    });
    this.dcs = new PatroniDcs(`${name}-dcs`, {
      members: this.members.map((m) => m.container.name),
      restPort: PATRONI_REST_PORT,
      settings: { ttl: args.dcs.ttl, loop_wait: args.dcs.loopWait, retry_timeout: args.dcs.retryTimeout, synchronous_mode: args.dcs.synchronousMode },
    }, { parent: this, dependsOn: this.members.map((m) => m.container) });
    this.registerOutputs({ scope: this.scope, members: names });
  }

  /** The command that shows the cluster as `patronictl list` sees it. */
  patronictlList(prefix: string): string {
    return `docker exec ${prefix}-${this.members[0].name} patronictl -c ${PATRONI_CONFIG_PATH} list`;
  }
}
