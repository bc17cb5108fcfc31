// Pure renderer of one Patroni node's YAML: the containers (components) and the real tests (local processes)
// both call it, so what the tests prove is what the stack runs.
import { badInput } from "../../providers/dynamic";
import { stringify } from "yaml";

/** Patroni's own limits on its timings (seconds): lab:patroni (./settings.ts) and this renderer both check them. */
export const PATRONI_TIMING_LIMITS = { ttl: [20, 3600], loopWait: [1, 3600], retryTimeout: [3, 3600] } as const;

/** Patroni's rule between the timings (it rewrites values that break it): loop_wait + 2 × retry_timeout ≤ ttl. */
export function patroniTimingRule(p: { ttl: number; loopWait: number; retryTimeout: number }): string | undefined {
  if (p.loopWait + 2 * p.retryTimeout <= p.ttl) return undefined;
  return `Patroni needs loopWait + 2*retryTimeout <= ttl (${p.loopWait} + 2*${p.retryTimeout} = ${p.loopWait + 2 * p.retryTimeout} > ${p.ttl})`;
}

/** Where the image expects the rendered YAML (mounted read-only). */
export const PATRONI_CONFIG_PATH = "/etc/patroni/patroni.yml";
/** The volume mount point in the image; the data dir lives one level below so initdb can create it 0700. */
export const PATRONI_VOLUME_PATH = "/var/lib/postgresql/patroni";
export const PATRONI_DATA_DIR = `${PATRONI_VOLUME_PATH}/data`;
/** Ports inside a container. */
export const PATRONI_REST_PORT = 8008;
export const PATRONI_PG_PORT = 5432;

/** Leader election timings (seconds). Patroni's rules: ttl >= 20, loop_wait >= 1, retry_timeout >= 3,
 * loop_wait + 2 * retry_timeout <= ttl. */
export interface PatroniDcsTimings {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
  /** Bytes a replica may lag and still be promoted (ignored for the synchronous standby). */
  maximumLagOnFailover: number;
  /** On: a commit is acked only once a synchronous standby has it, so an unplanned leader kill loses no acked write. */
  synchronousMode: boolean;
}

/** The fastest failover Patroni allows: the leader key expires after ttl = 20 s (its minimum), replicas look
 * every 1 s (the new leader also picks its synchronous standby sooner), and a DCS hiccup is retried for 5 s before
 * the leader demotes itself (1 + 2*5 <= 20). */
export const FAST_FAILOVER_DCS: Readonly<PatroniDcsTimings> = Object.freeze({
  ttl: 20,
  loopWait: 1,
  retryTimeout: 5,
  maximumLagOnFailover: 1048576,
  synchronousMode: true,
});

export interface LogicalSlot {
  type: "logical";
  database: string;
  plugin: string;
}

export interface PatroniNode {
  /** Cluster name: the etcd key prefix every member shares. */
  scope: string;
  /** This member's name, unique in the scope. */
  name: string;
  /** host:port pairs; connectAddress is what the other members and HAProxy use. */
  restApi: { listen: string; connectAddress: string };
  postgres: {
    listen: string;
    connectAddress: string;
    dataDir: string;
    binDir?: string;
    /** Where Patroni writes its .pgpass for replication connections (default ~/pgpass of the OS user). */
    pgpass?: string;
    /** Settings that belong to this member only (e.g. unix_socket_directories); cluster-wide ones go in `parameters`. */
    localParameters?: Record<string, string | number | boolean>;
  };
  /** etcd members as host:port (v3 API). */
  etcd3Hosts: string[];
  dcs: PatroniDcsTimings;
  /** Cluster-wide PostgreSQL settings kept in the DCS, e.g. { wal_level: "logical" } for CDC. */
  parameters?: Record<string, string | number | boolean>;
  /** Permanent slots: Patroni recreates them on whichever member becomes leader. */
  slots?: Record<string, LogicalSlot>;
  pgHba: string[];
  usernames: { superuser: string; replication: string };
  /** Script Patroni runs once after bootstrapping the cluster (argument: a connection URL). */
  postInit?: string;
}

/** Environment variables Patroni reads the passwords from; the YAML never carries a secret. */
export const PATRONI_PASSWORD_ENV = Object.freeze({
  superuser: "PATRONI_SUPERUSER_PASSWORD",
  replication: "PATRONI_REPLICATION_PASSWORD",
});

/** The environment a Patroni process needs for the given passwords (same names for the container and the tests). */
export function patroniPasswordEnv(passwords: { superuser: string; replication: string }): Record<string, string> {
  return {
    [PATRONI_PASSWORD_ENV.superuser]: passwords.superuser,
    [PATRONI_PASSWORD_ENV.replication]: passwords.replication,
  };
}

/** pg_hba lines for a lab: local socket trusted, everything over TCP from `cidr` by password. */
export function labPgHba(replicationUser: string, cidr: string): string[] {
  return [
    "local all all trust",
    `host replication ${replicationUser} ${cidr} scram-sha-256`,
    `host all all ${cidr} scram-sha-256`,
  ];
}

function fail(key: string, value: unknown, why: string): never {
  throw badInput(`patroni ${key}`, value, why);
}

const HOST_PORT = /^[A-Za-z0-9.\-_]+:(\d{1,5})$|^\[[0-9a-fA-F:]+\]:(\d{1,5})$/;

function checkHostPort(key: string, value: string): void {
  const m = HOST_PORT.exec(value ?? "");
  const port = Number(m?.[1] ?? m?.[2]);
  if (!m || port < 1 || port > 65535) fail(key, value, "must be host:port with a port in 1..65535");
}

function checkInteger(key: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) fail(key, value, `must be an integer >= ${min}`);
}

/** Throws on timings Patroni would reject or silently rewrite. */
export function validateDcsTimings(dcs: PatroniDcsTimings): void {
  for (const k of ["ttl", "loopWait", "retryTimeout"] as const) checkInteger(`dcs.${k}`, dcs[k], PATRONI_TIMING_LIMITS[k][0]);
  checkInteger("dcs.maximumLagOnFailover", dcs.maximumLagOnFailover, 0);
  const broken = patroniTimingRule(dcs);
  if (broken) fail("dcs.ttl", dcs.ttl, broken);
  if (typeof dcs.synchronousMode !== "boolean") fail("dcs.synchronousMode", dcs.synchronousMode, "must be true or false");
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const MEMBER = /^[A-Za-z0-9][A-Za-z0-9_.\-]*$/;

export function validatePatroniNode(node: PatroniNode): void {
  if (!MEMBER.test(node.scope ?? "")) fail("scope", node.scope, "must be letters, digits, '.', '_' or '-'");
  if (!MEMBER.test(node.name ?? "")) fail("name", node.name, "must be letters, digits, '.', '_' or '-'");
  checkHostPort("restApi.listen", node.restApi.listen);
  checkHostPort("restApi.connectAddress", node.restApi.connectAddress);
  checkHostPort("postgres.listen", node.postgres.listen);
  checkHostPort("postgres.connectAddress", node.postgres.connectAddress);
  if (!node.postgres.dataDir?.startsWith("/")) fail("postgres.dataDir", node.postgres.dataDir, "must be an absolute path");
  if (!node.etcd3Hosts?.length) fail("etcd3Hosts", node.etcd3Hosts, "needs at least one etcd member");
  node.etcd3Hosts.forEach((h, i) => checkHostPort(`etcd3Hosts[${i}]`, h));
  validateDcsTimings(node.dcs);
  if (!node.pgHba?.length) fail("pgHba", node.pgHba, "needs at least one line, or nobody can connect");
  for (const [role, user] of Object.entries(node.usernames ?? {})) {
    if (!IDENT.test(user)) fail(`usernames.${role}`, user, "must be a lower-case SQL identifier");
  }
  for (const [name, slot] of Object.entries(node.slots ?? {})) {
    if (!IDENT.test(name)) fail(`slots.${name}`, name, "slot names are lower-case letters, digits and '_'");
    if (slot.type !== "logical") fail(`slots.${name}.type`, slot.type, "only logical slots are declared here");
    if (!slot.database) fail(`slots.${name}.database`, slot.database, "must name a database");
    if (!slot.plugin) fail(`slots.${name}.plugin`, slot.plugin, "must name an output plugin, e.g. pgoutput");
  }
  if (node.slots && Object.keys(node.slots).length && node.parameters?.wal_level !== "logical") {
    fail("parameters.wal_level", node.parameters?.wal_level, "must be 'logical' when logical slots are declared");
  }
}

/** The Patroni YAML for one member. Same input, same text. */
export function renderPatroniConfig(node: PatroniNode): string {
  validatePatroniNode(node);
  const { dcs } = node;
  const config = {
    scope: node.scope,
    name: node.name,
    restapi: { listen: node.restApi.listen, connect_address: node.restApi.connectAddress },
    etcd3: { hosts: [...node.etcd3Hosts] },
    bootstrap: {
      // Only read when the cluster is first created; later changes go through `patronictl edit-config`.
      dcs: {
        ttl: dcs.ttl,
        loop_wait: dcs.loopWait,
        retry_timeout: dcs.retryTimeout,
        maximum_lag_on_failover: dcs.maximumLagOnFailover,
        synchronous_mode: dcs.synchronousMode,
        postgresql: {
          use_pg_rewind: true, // an old leader rejoins as a replica without a fresh base backup
          use_slots: true,
          parameters: {
            // Every member may become leader, so each keeps enough senders and WAL for the others.
            max_connections: 100,
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: "128MB",
            hot_standby: "on",
            ...node.parameters,
          },
        },
        ...(node.slots && Object.keys(node.slots).length ? { slots: structuredClone(node.slots) } : {}),
      },
      initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }, "data-checksums"],
      ...(node.postInit ? { post_bootstrap: node.postInit } : {}),
    },
    postgresql: {
      listen: node.postgres.listen,
      connect_address: node.postgres.connectAddress,
      data_dir: node.postgres.dataDir,
      ...(node.postgres.binDir ? { bin_dir: node.postgres.binDir } : {}),
      ...(node.postgres.pgpass ? { pgpass: node.postgres.pgpass } : {}),
      pg_hba: [...node.pgHba],
      // Passwords come from PATRONI_SUPERUSER_PASSWORD / PATRONI_REPLICATION_PASSWORD.
      authentication: {
        superuser: { username: node.usernames.superuser },
        replication: { username: node.usernames.replication },
      },
      ...(node.postgres.localParameters ? { parameters: { ...node.postgres.localParameters } } : {}),
    },
    // Containers have no /dev/watchdog; say so instead of letting Patroni probe for one.
    watchdog: { mode: "off" },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  // YAML 1.1 like PyYAML, so strings such as "on"/"off" are quoted instead of read back as booleans.
  return stringify(config, { version: "1.1", lineWidth: 0 });
}
