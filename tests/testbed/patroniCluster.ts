// A real Patroni cluster as local processes on 127.0.0.1: 3 etcd members (v3 API), N Patroni members (the venv
// from .ci/install.d/20-patroni.sh) and HAProxy, configured by the same renderers the containers use.
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ClientConfig } from "pg";
import { etcdClientHosts, etcdMemberArgs } from "../../components/etcd/etcdConfig";
import { HaproxyMember, renderHaproxyConfig } from "../../components/haproxy/haproxyConfig";
import {
  FAST_FAILOVER_DCS, LogicalSlot, PatroniDcsTimings, labPgHba, patroniPasswordEnv, renderPatroniConfig,
} from "../../components/patroni/patroniConfig";
import { freePorts, waitForTcp } from "./ports";
import { PG_BIN, PG_USER } from "./postgres";
import { Managed, chown, requireBinary, start, tempDir, waitFor } from "./proc";

export { PATRONI_VENV } from "./cache";
import { PATRONI_VENV } from "./cache";
const INSTALLED_BY = ".ci/install.d/20-patroni.sh";
const ETCD_BIN = process.env.ETCD_BIN ?? "/usr/bin/etcd";
const HAPROXY_BIN = process.env.HAPROXY_BIN ?? "/usr/sbin/haproxy";

export interface PatroniClusterOptions {
  scope?: string;
  /** Patroni members (default 3). */
  nodes?: number;
  /** Overrides of FAST_FAILOVER_DCS, e.g. { synchronousMode: false }. */
  dcs?: Partial<PatroniDcsTimings>;
  /** Cluster-wide PostgreSQL settings, e.g. { wal_level: "logical" } for CDC. */
  parameters?: Record<string, string | number | boolean>;
  /** Permanent logical slots (Patroni keeps them on whichever member leads). */
  slots?: Record<string, LogicalSlot>;
}

/** One row of the REST API's GET /cluster. */
export interface ClusterMember {
  name: string;
  role: "leader" | "replica" | "sync_standby" | "standby_leader" | string;
  state: string;
  host: string;
  port: number;
  timeline?: number;
  lag?: number | string;
}

export interface PatroniProcess {
  name: string;
  pgPort: number;
  apiPort: number;
  dataDir: string;
  configFile: string;
  proc: Managed;
}

export interface EtcdProcess {
  name: string;
  clientPort: number;
  peerPort: number;
  proc: Managed;
}

export interface LocalPatroniCluster {
  scope: string;
  root: string;
  patroni: PatroniProcess[];
  etcd: EtcdProcess[];
  haproxy: Managed;
  ports: { readWrite: number; readOnly: number; stats: number };
  superuser: { user: string; password: string };
  /** Connection settings through HAProxy (read-write goes to the leader, read-only to a replica). */
  readWrite(database?: string): ClientConfig;
  readOnly(database?: string): ClientConfig;
  readWriteUrl(database?: string): string;
  readOnlyUrl(database?: string): string;
  /** Direct connection to one member's PostgreSQL (bypassing HAProxy). */
  direct(member: string, database?: string): ClientConfig;
  statsUrl: string;
  /** GET /cluster from the first member whose REST API answers. */
  members(): Promise<ClusterMember[]>;
  /** The running leader's name, or undefined while there is none. */
  leader(): Promise<string | undefined>;
  /** Waits until a running leader exists (and `replicas` members are streaming from it, one of them the confirmed
   * synchronous standby when `syncStandby`); returns its name. In synchronous mode Patroni promotes only a confirmed
   * sync standby, so a leader killed before one exists is not replaced: fault tests wait for it. */
  waitForLeader(opts?: { timeoutMs?: number; replicas?: number; not?: string; syncStandby?: boolean }): Promise<string>;
  /** Signals a member. SIGKILL takes PostgreSQL down with Patroni, like killing the container; other signals go to
   * Patroni alone, like `docker stop`. */
  kill(member: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped/killed member again with its data dir (it rejoins as a replica). */
  restart(member: string): Promise<void>;
  /** Planned switchover through patronictl; returns patronictl's output. */
  switchover(opts?: { candidate?: string }): Promise<string>;
  /** Runs patronictl without blocking the event loop (traffic keeps flowing meanwhile); rejects on a non-zero exit. */
  patronictl(args: string[]): Promise<string>;
  killEtcd(index: number, signal?: NodeJS.Signals): Promise<void>;
  restartEtcd(index: number): Promise<void>;
  /** Last lines of every log, for failure messages. */
  logs(lines?: number): string;
  stop(): Promise<void>;
}

const postmasterGroups = new Set<number>();
// Patroni starts PostgreSQL in a session of its own: make sure no postmaster outlives the test process.
process.once("exit", () => { for (const g of postmasterGroups) { try { process.kill(-g, "SIGKILL"); } catch { /* gone */ } } });

/** The process group of the postmaster running in dataDir (read from postmaster.pid), if any. */
function postmasterGroup(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const [, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    return comm.startsWith("postgres") ? Number(pgrp) : undefined;
  } catch {
    return undefined;
  }
}

async function killPostmaster(dataDir: string, timeoutMs = 10_000): Promise<void> {
  const group = postmasterGroup(dataDir);
  if (group === undefined) return;
  try { process.kill(-group, "SIGKILL"); } catch { /* already gone */ }
  postmasterGroups.delete(group);
  await waitFor(`postmaster in ${dataDir} to die`, timeoutMs, async () => (postmasterGroup(dataDir) === undefined ? true : undefined), 100);
}

async function getJson<T>(url: string, timeoutMs = 1500): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return (await res.json()) as T;
}

export async function startPatroniCluster(opts: PatroniClusterOptions = {}): Promise<LocalPatroniCluster> {
  const patroniBin = requireBinary(path.join(PATRONI_VENV, "bin", "patroni"), INSTALLED_BY);
  const patronictlBin = requireBinary(path.join(PATRONI_VENV, "bin", "patronictl"), INSTALLED_BY);
  requireBinary(ETCD_BIN, ".ci/install.d/10-debian.sh");
  requireBinary(HAPROXY_BIN, ".ci/install.d/10-debian.sh");
  requireBinary(path.join(PG_BIN, "postgres"), ".ci/install.d/10-debian.sh");

  const nodes = opts.nodes ?? 3;
  const scope = opts.scope ?? `lab-${randomBytes(3).toString("hex")}`;
  const root = tempDir(`lab-patroni-${scope}`, PG_USER);
  const [rw, ro, stats, ...rest] = await freePorts(3 + 2 * 3 + 2 * nodes);
  const superuser = { user: "postgres", password: randomBytes(12).toString("hex") };
  const passwordEnv = patroniPasswordEnv({ superuser: superuser.password, replication: randomBytes(12).toString("hex") });

  // etcd: a 3-member Raft group, so one member can die and the DCS keeps its quorum.
  const etcdMembers = [0, 1, 2].map((i) => ({ name: `etcd${i}`, host: "127.0.0.1", clientPort: rest[2 * i], peerPort: rest[2 * i + 1] }));
  // The same command line the etcd containers get (components/etcd/etcdConfig.ts), on loopback ports.
  const startEtcd = (e: (typeof etcdMembers)[number]): Managed => start({
    name: e.name, cmd: ETCD_BIN, logDir: root,
    args: [
      ...etcdMemberArgs(e, etcdMembers, { dataDir: path.join(root, e.name), listenHost: "127.0.0.1", clusterToken: scope }),
      "--logger", "zap", "--log-level", "warn",
    ],
  });
  const etcd: EtcdProcess[] = etcdMembers.map((e) => ({ ...e, proc: startEtcd(e) }));

  const dcs: PatroniDcsTimings = { ...FAST_FAILOVER_DCS, ...opts.dcs };
  const patroni: PatroniProcess[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `patroni${i + 1}`;
    const pgPort = rest[6 + 2 * i];
    const apiPort = rest[7 + 2 * i];
    const home = path.join(root, name);
    fs.mkdirSync(home, { recursive: true });
    const configFile = path.join(home, "patroni.yml");
    fs.writeFileSync(configFile, renderPatroniConfig({
      scope, name,
      restApi: { listen: `127.0.0.1:${apiPort}`, connectAddress: `127.0.0.1:${apiPort}` },
      postgres: {
        listen: `127.0.0.1:${pgPort}`, connectAddress: `127.0.0.1:${pgPort}`,
        dataDir: path.join(home, "data"), binDir: PG_BIN, pgpass: path.join(home, "pgpass"),
        // Small and unsynced: three servers share two cores and a tmp disk in CI.
        localParameters: { unix_socket_directories: home, shared_buffers: "32MB", fsync: "off" },
      },
      etcd3Hosts: etcdClientHosts(etcdMembers),
      dcs,
      parameters: opts.parameters,
      slots: opts.slots,
      pgHba: labPgHba("replicator", "127.0.0.1/32"),
      usernames: { superuser: superuser.user, replication: "replicator" },
    }));
    patroni.push({ name, pgPort, apiPort, dataDir: path.join(home, "data"), configFile, proc: undefined as unknown as Managed });
  }
  chown(root, PG_USER);
  const startPatroni = (p: PatroniProcess): void => {
    p.proc = start({ name: p.name, cmd: patroniBin, args: [p.configFile], user: PG_USER, logDir: root, env: { ...passwordEnv, HOME: path.dirname(p.configFile) } });
  };
  await Promise.all(etcd.map((e) => waitForTcp(e.clientPort, 20_000)));
  patroni.forEach(startPatroni);

  const haproxyMembers: HaproxyMember[] = patroni.map((p) => ({ name: p.name, host: "127.0.0.1", pgPort: p.pgPort, apiPort: p.apiPort }));
  const haproxyConfig = path.join(root, "haproxy.cfg");
  fs.writeFileSync(haproxyConfig, renderHaproxyConfig({
    members: haproxyMembers, ports: { readWrite: rw, readOnly: ro, stats }, bindAddress: "127.0.0.1",
  }));
  const haproxy = start({ name: "haproxy", cmd: HAPROXY_BIN, args: ["-db", "-f", haproxyConfig], logDir: root });

  const byName = (member: string): PatroniProcess => {
    const p = patroni.find((x) => x.name === member);
    if (!p) throw new Error(`no Patroni member named ${JSON.stringify(member)} (have ${patroni.map((x) => x.name).join(", ")})`);
    return p;
  };
  const conn = (port: number, database = "postgres"): ClientConfig => ({
    host: "127.0.0.1", port, user: superuser.user, password: superuser.password, database,
  });
  const url = (port: number, database = "postgres") =>
    `postgresql://${superuser.user}:${superuser.password}@127.0.0.1:${port}/${database}`;
  const trackPostmasters = () => patroni.forEach((p) => { const g = postmasterGroup(p.dataDir); if (g) postmasterGroups.add(g); });

  const cluster: LocalPatroniCluster = {
    scope, root, patroni, etcd, haproxy, superuser,
    ports: { readWrite: rw, readOnly: ro, stats },
    readWrite: (db) => conn(rw, db),
    readOnly: (db) => conn(ro, db),
    readWriteUrl: (db) => url(rw, db),
    readOnlyUrl: (db) => url(ro, db),
    direct: (member, db) => conn(byName(member).pgPort, db),
    statsUrl: `http://127.0.0.1:${stats}/`,

    async members() {
      let last: unknown;
      for (const p of patroni) {
        try {
          return (await getJson<{ members: ClusterMember[] }>(`http://127.0.0.1:${p.apiPort}/cluster`)).members;
        } catch (e) { last = e; }
      }
      throw new Error(`no Patroni REST API answered /cluster: ${String(last)}`);
    },
    async leader() {
      const members = await cluster.members();
      return members.find((m) => m.role === "leader" && m.state === "running")?.name;
    },
    async waitForLeader({ timeoutMs = 60_000, replicas = 0, not, syncStandby = false } = {}) {
      try {
        const what = `a leader${not ? ` other than ${not}` : ""} with ${replicas} streaming replicas${syncStandby ? " and a sync standby" : ""}`;
        const leader = await waitFor(what, timeoutMs, async () => {
          const members = await cluster.members();
          const lead = members.find((m) => m.role === "leader" && m.state === "running");
          const streaming = members.filter((m) => m.role !== "leader" && m.state === "streaming");
          const synced = !syncStandby || streaming.some((m) => m.role === "sync_standby");
          return lead && lead.name !== not && streaming.length >= replicas && synced ? lead.name : undefined;
        }, 200);
        trackPostmasters();
        return leader;
      } catch (e) {
        throw new Error(`${(e as Error).message}\n${cluster.logs(15)}`);
      }
    },
    async kill(member, signal = "SIGKILL") {
      const p = byName(member);
      p.proc.signal(signal);
      if (signal === "SIGKILL") await killPostmaster(p.dataDir);
    },
    async restart(member) {
      const p = byName(member);
      p.proc.signal("SIGKILL");
      await p.proc.exited;
      await killPostmaster(p.dataDir);
      startPatroni(p);
    },
    async switchover({ candidate } = {}) {
      const leader = await cluster.leader();
      if (!leader) throw new Error("switchover: there is no running leader");
      return cluster.patronictl(["switchover", scope, "--leader", leader, ...(candidate ? ["--candidate", candidate] : []), "--force"]);
    },
    patronictl(args) {
      return new Promise((resolve, reject) => {
        execFile(patronictlBin, ["-c", patroni[0].configFile, ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...passwordEnv } },
          (err, stdout, stderr) => (err ? reject(new Error(`patronictl ${args.join(" ")} failed: ${err.message}\n${stderr}${stdout}`)) : resolve(stdout)));
      });
    },
    async killEtcd(index, signal = "SIGKILL") {
      const e = etcd[index];
      if (!e) throw new Error(`no etcd member #${index} (have 0..${etcd.length - 1})`);
      e.proc.signal(signal);
      await e.proc.exited;
    },
    async restartEtcd(index) {
      await cluster.killEtcd(index);
      etcd[index].proc = startEtcd(etcdMembers[index]);
      await waitForTcp(etcd[index].clientPort, 20_000);
    },
    logs(lines = 30) {
      return [...patroni.map((p) => p.proc), ...etcd.map((e) => e.proc), haproxy]
        .map((m) => `--- ${m.name} (${m.logFile})\n${m.tail(lines)}`).join("\n");
    },
    async stop() {
      await haproxy.stop(2000);
      // The data is thrown away: no need to wait for a clean shutdown checkpoint (it takes ~10 s).
      await Promise.all(patroni.map((p) => p.proc.stop(1000)));
      await Promise.all(patroni.map((p) => killPostmaster(p.dataDir)));
      await Promise.all(etcd.map((e) => e.proc.stop(3000)));
      if (!process.env.LAB_KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
