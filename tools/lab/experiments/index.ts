// The seeds' experiments, written once: users run them against their lab (`npm run lab -- experiment <name>`), the
// e2e suite calls the exported functions. Each drives its own traffic through HAProxy, injects the fault on the
// container, restores it, and returns the figures (figures.ts renders them as one table).
import { ClientConfig, Client } from "pg";
import { HAPROXY_CONFIG_PATH } from "../../../components/haproxy/haproxyConfig";
import { PATRONI_PASSWORD_ENV } from "../../../components/patroni/patroniConfig";
import { connectRequest, ConnectorStatus } from "../../../providers/kafkaConnector";
import { waitUntil } from "../../../providers/retry";
import { LabDocker, LabService, numbered, pickService, publishedAddress } from "../docker";
import { leaderOf, Patroni, PatroniMember, replicasOf } from "../patroni";
import { ExperimentFigures, longestGap, lostIds, readOnlyRefusals, rowDiff } from "./figures";
import { ExperimentName } from "./names";
import { startTraffic, Traffic } from "./traffic";

export * from "./figures";
export * from "./names";

export interface ExperimentOptions {
  /** Writes per second (default 20). */
  ratePerSecond?: number;
  /** Seconds to watch after a fault that needs no recovery signal (a replica or etcd kill), default 10. */
  settleSeconds?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What an experiment needs of the running lab; lab() builds it from Docker. */
export interface LabHandle {
  docker: LabDocker;
  prefix: string;
  services: LabService[];
  /** host:port of HAProxy's read-write port on this host. */
  readWrite: string;
  password: string;
  /** Every Connect worker's published REST URL (patroni-cdc). */
  connectUrls: string[];
  /** host:port of the CDC destination database (patroni-cdc). */
  destination?: string;
}

/** A frontend's port from HAProxy's rendered config (components/haproxy/haproxyConfig.ts: pg_read_write_in, pg_read_only_in). */
export function frontendPortOf(haproxyConfig: string, frontend: string): number {
  const m = new RegExp(`frontend ${frontend}\\s*\\n\\s*bind\\s+[^\\s:]*:(\\d+)`).exec(haproxyConfig);
  if (!m) throw new Error(`HAProxy's config has no "frontend ${frontend}" with a bind line`);
  return Number(m[1]);
}

/** The read-write port from HAProxy's rendered config. */
export const readWritePortOf = (haproxyConfig: string): number => frontendPortOf(haproxyConfig, "pg_read_write_in");

/** host:port on this host of HAProxy's frontend (its port inside the container read from its config). */
export async function haproxyAddress(docker: LabDocker, services: LabService[], prefix: string, frontend: string): Promise<string> {
  const haproxy = pickService(services, "haproxy", prefix);
  const cfg = await docker.exec(haproxy.name, ["cat", HAPROXY_CONFIG_PATH], 10_000);
  const port = frontendPortOf(cfg.stdout, frontend);
  const a = publishedAddress(haproxy, port);
  if (!a) throw new Error(`${haproxy.name} does not publish its ${frontend} port ${port}`);
  return a;
}

/** The Connect worker (service name) a status's worker_id points at: connect-2:8083 → connect-2. */
export function workerService(workerId: string | undefined): string | undefined {
  return workerId?.split(":")[0] || undefined;
}

/** Finds what the experiments need in the lab with this prefix. `readWrite` overrides the HAProxy lookup. */
export async function lab(docker: LabDocker, prefix: string, over: { readWrite?: string; connectUrls?: string[] } = {}): Promise<LabHandle> {
  const services = await docker.services(prefix);
  const members = numbered(services, "pg");
  if (members.length === 0) throw new Error(`lab ${prefix} has no Patroni containers (pg-N): the experiments need patroni-ha or patroni-cdc`);
  const env = await docker.env(members[0].name);
  const password = env[PATRONI_PASSWORD_ENV.superuser];
  if (!password) throw new Error(`${members[0].name} has no ${PATRONI_PASSWORD_ENV.superuser} in its environment`);
  const readWrite = over.readWrite ?? await haproxyAddress(docker, services, prefix, "pg_read_write_in");
  const connectUrls = over.connectUrls ?? numbered(services, "connect").flatMap((s) => { const a = publishedAddress(s, 8083); return a ? [`http://${a}`] : []; });
  const dest = services.find((s) => s.service === "destination");
  return { docker, prefix, services, readWrite, password, connectUrls, destination: dest && publishedAddress(dest, 5432) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


function hostConn(hostPort: string, password: string, database: string): ClientConfig {
  const [host, port] = hostPort.split(":");
  return { host, port: Number(port), user: "postgres", password, database, connectionTimeoutMillis: 5_000, query_timeout: 30_000 };
}

/** One query on a connection of its own (closed whatever happens). */
export async function sql<T = any>(conn: ClientConfig, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client(conn);
  c.on("error", () => undefined);
  await c.connect();
  try { return (await c.query(text, params)).rows as T[]; } finally { await c.end().catch(() => undefined); }
}

/** Ids this run wrote: a range of its own, far above any identity sequence the lab's writers use. */
export function firstIdOf(now = Date.now()): number {
  return 1_000_000_000_000 + (now % 1_000_000_000) * 1000;
}

interface Run { traffic: Traffic; faultAt: number; firstId: number; table: string; conn: ClientConfig }

const WRITES_TABLE = "public.lab_experiment_writes";

async function startRun(h: LabHandle, o: ExperimentOptions, cdc: boolean): Promise<Run> {
  const conn = hostConn(h.readWrite, h.password, cdc ? "source_db" : "postgres");
  const table = cdc ? "public.debezium_table" : WRITES_TABLE;
  if (!cdc) await sql(conn, `create table if not exists ${WRITES_TABLE} (id bigint primary key, at timestamptz not null default clock_timestamp())`);
  const firstId = firstIdOf();
  const traffic = startTraffic({
    conn, table, ratePerSecond: o.ratePerSecond ?? 20, firstId, maxMs: 15 * 60_000, columns: cdc ? { name: "lab-experiment" } : undefined,
  });
  // Warm up: the fault must hit a lab that is taking writes.
  await waitUntil("the first acknowledged experiment write", 30_000, async () => (traffic.acks.length >= 5 ? true : undefined), 200)
    .catch((e) => { void traffic.stop(); throw new Error(`${e.message}; last write error: ${traffic.failures.at(-1)?.error ?? "none"}`); });
  await sleep(1_000);
  return { traffic, faultAt: 0, firstId, table, conn };
}

/** Waits for an acknowledged write after `after` (writes flow again). */
function writesResume(run: Run, after: () => number, timeoutMs = 90_000) {
  return waitUntil("writes acknowledged again through HAProxy", timeoutMs, async () => (run.traffic.acks.some((a) => a.ackedAt > after()) ? true : undefined), 100);
}

/** Stops the traffic and counts: outage from the fault on, and acknowledged ids missing now. */
async function finishRun(run: Run, h: LabHandle, f: Partial<ExperimentFigures>): Promise<Pick<ExperimentFigures, "writesAcked" | "outageMs" | "ackedWritesLost" | "readOnlyRefusals">> {
  await sleep(2_000);
  const stoppedAt = Date.now();
  await run.traffic.stop();
  const acked = run.traffic.acks.map((a) => a.id);
  const present = await waitUntil("reading back the experiment's rows", 60_000, async () =>
    sql<{ id: string }>(hostConn(h.readWrite, h.password, run.conn.database!), `select id from ${run.table} where id >= $1 and id < $2`, [run.firstId, run.firstId + run.traffic.attempted])
      .catch(() => undefined), 1_000);
  const lost = lostIds(acked, present.value.map((r) => Number(r.id)));
  if (lost.length) (f.notes ??= []).push(`lost acknowledged ids: ${lost.slice(0, 20).join(", ")}${lost.length > 20 ? ", ..." : ""}`);
  return {
    writesAcked: acked.length, outageMs: longestGap(run.traffic.acks, run.faultAt, stoppedAt).ms, ackedWritesLost: lost.length,
    readOnlyRefusals: readOnlyRefusals(run.traffic.failures, run.faultAt),
  };
}

async function members(h: LabHandle): Promise<PatroniMember[]> {
  return new Patroni(h.docker, await h.docker.services(h.prefix)).members();
}

/** Until Patroni lists a Sync Standby: before that, synchronous mode promotes no one. */
async function healthyCluster(h: LabHandle): Promise<{ leader: string; members: PatroniMember[] }> {
  const r = await waitUntil("a Patroni leader and a Sync Standby", 90_000, async () => {
    const m = await members(h).catch(() => undefined);
    const leader = m && leaderOf(m);
    return leader && m!.some((x) => x.role === "Sync Standby" && x.state === "streaming") ? { leader, members: m! } : undefined;
  }, 1_000);
  return r.value;
}

/** Until Patroni names a leader other than `old` (the lock of a killed leader expires after ttl). */
async function newLeader(h: LabHandle, old: string): Promise<string> {
  return (await waitUntil("a new Patroni leader", 120_000, async () => {
    const l = leaderOf((await members(h).catch(() => [])) ?? []);
    return l && l !== old ? l : undefined;
  }, 500)).value;
}

/** From now until `member` is back as a streaming replica. */
async function rejoinAsReplica(h: LabHandle, member: string): Promise<number> {
  const t0 = Date.now();
  await waitUntil(`${member} streaming again as a replica`, 180_000, async () => {
    const m = await members(h).catch(() => undefined);
    return m?.some((x) => x.member === member && x.role !== "Leader" && x.state === "streaming") ? true : undefined;
  }, 1_000);
  return Date.now() - t0;
}

async function rejoinHealthy(h: LabHandle, container: string): Promise<number> {
  const t0 = Date.now();
  await waitUntil(`${container} healthy again`, 180_000, async () => ((await h.docker.state(container)).health === "healthy" ? true : undefined), 500);
  return Date.now() - t0;
}

const containerOf = (h: LabHandle, service: string) => pickService(h.services, service, h.prefix).name;

/**
 * Starts the experiment's traffic, runs `fault` (inject, wait it out) and always `restore`; then the figures. A failing
 * step stops the traffic too (else it writes on until its maxMs) and the error shows the Patroni members as they are.
 */
async function underTraffic(h: LabHandle, o: ExperimentOptions, cdc: boolean, f: Partial<ExperimentFigures>,
  fault: (run: Run) => Promise<void>, restore: () => Promise<void> = async () => undefined): Promise<ExperimentFigures> {
  const run = await startRun(h, o, cdc);
  try {
    run.faultAt = Date.now();
    await fault(run);
  } catch (e) {
    await run.traffic.stop().catch(() => undefined);
    const m = await members(h).then((l) => l.map((x) => `${x.member} ${x.role} ${x.state}`).join("; "), (err: Error) => `unknown (${err.message})`);
    throw new Error(`${f.experiment}: ${(e as Error).message}\nPatroni members now: ${m}`);
  } finally {
    await restore().catch(() => undefined);
  }
  const figures = await finishRun(run, h, f);
  return { ...f, ...figures, ...(cdc ? { rowsLostSourceVsDestination: await cdcRowsLost(h, run) } : {}) } as ExperimentFigures;
}

/**
 * SIGKILL of the Patroni leader under traffic (`cdc`: with the CDC pipeline's figures): a new leader, writes again
 * within `writesMs`, `recovered` (what else must come back), then it is started again and rejoins as a replica.
 */
async function leaderKilled(h: LabHandle, o: ExperimentOptions, experiment: ExperimentName, cdc: boolean, writesMs?: number,
  recovered?: (run: Run, f: Partial<ExperimentFigures>) => Promise<void>): Promise<ExperimentFigures> {
  const { leader } = await healthyCluster(h);
  const target = containerOf(h, leader);
  const f: Partial<ExperimentFigures> = { experiment, target, leaderBefore: leader };
  return underTraffic(h, o, cdc, f, async (run) => {
    await h.docker.kill(target);
    o.log?.(`killed ${target}; waiting for a new leader`);
    // Not "writes resumed" alone: a write in flight when the kill lands is acknowledged after it.
    f.leaderAfter = await newLeader(h, leader);
    await writesResume(run, () => run.faultAt, writesMs);
    await recovered?.(run, f);
    await h.docker.start(target);
    f.rejoinMs = await rejoinAsReplica(h, leader);
  }, () => h.docker.start(target));
}

/** SIGKILL of the Patroni leader under traffic; then it is started again and rejoins as a replica. */
export function killLeader(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  return leaderKilled(h, o, "kill-leader", false);
}

/** SIGKILL of a replica (the sync standby: synchronous mode must pick another); started again afterwards. */
export async function killReplica(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  const c = await healthyCluster(h);
  const replica = replicasOf(c.members)[0]?.member;
  if (!replica) throw new Error("no streaming replica to kill");
  const target = containerOf(h, replica);
  const f: Partial<ExperimentFigures> = { experiment: "kill-replica", target, leaderBefore: c.leader };
  return underTraffic(h, o, false, f, async (run) => {
    await h.docker.kill(target);
    await sleep((o.settleSeconds ?? 10) * 1000);
    await writesResume(run, () => Date.now() - 1_000);
    await h.docker.start(target);
    f.rejoinMs = await rejoinAsReplica(h, replica);
    f.leaderAfter = leaderOf(await members(h));
  }, () => h.docker.start(target));
}

/** SIGKILL of one etcd member: the quorum of the other two keeps the leader key. */
export async function killEtcd(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  const c = await healthyCluster(h);
  const etcd = numbered(h.services, "etcd").find((s) => s.state === "running");
  if (!etcd) throw new Error("no running etcd member");
  const f: Partial<ExperimentFigures> = { experiment: "kill-etcd", target: etcd.name, leaderBefore: c.leader };
  return underTraffic(h, o, false, f, async (run) => {
    await h.docker.kill(etcd.name);
    await sleep((o.settleSeconds ?? 10) * 1000);
    await writesResume(run, () => Date.now() - 1_000);
    f.leaderAfter = leaderOf(await members(h));
    await h.docker.start(etcd.name);
    f.rejoinMs = await rejoinHealthy(h, etcd.name);
  }, () => h.docker.start(etcd.name));
}

/** docker restart of HAProxy: clients lose their sessions and reconnect. */
export async function restartHaproxy(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  const target = containerOf(h, "haproxy");
  const f: Partial<ExperimentFigures> = { experiment: "restart-haproxy", target };
  return underTraffic(h, o, false, f, async (run) => {
    await h.docker.restart(target);
    const restarted = Date.now();
    await writesResume(run, () => restarted);
    f.rejoinMs = (await rejoinHealthy(h, target)) + (restarted - run.faultAt);
  });
}

/** A planned patronictl switchover to the sync standby; the old leader rejoins as a replica. */
export async function switchover(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  const c = await healthyCluster(h);
  const candidate = replicasOf(c.members)[0]?.member;
  if (!candidate) throw new Error("no streaming replica to switch over to");
  const f: Partial<ExperimentFigures> = { experiment: "switchover", target: containerOf(h, c.leader), leaderBefore: c.leader };
  return underTraffic(h, o, false, f, async (run) => {
    await new Patroni(h.docker, h.services).switchover(c.leader, candidate);
    f.leaderAfter = await newLeader(h, c.leader);
    await writesResume(run, () => run.faultAt);
    f.rejoinMs = await rejoinAsReplica(h, c.leader);
  });
}

async function connectorStatuses(urls: string[]): Promise<Record<string, ConnectorStatus>> {
  const res = await connectRequest(urls, "GET", "/connectors?expand=status", "connectors");
  if (res.status !== 200) throw new Error(`GET /connectors?expand=status on ${res.url} answered HTTP ${res.status}`);
  return Object.fromEntries(Object.entries(res.body ?? {}).map(([name, v]: [string, any]) => [name, v.status as ConnectorStatus]));
}

/** Every connector and task RUNNING, none on `deadWorker` (a service name). */
export function allRunning(statuses: Record<string, ConnectorStatus>, deadWorker?: string): boolean {
  const all = Object.values(statuses);
  return all.length > 0 && all.every((s) => s.connector?.state === "RUNNING" && workerService(s.connector.worker_id) !== deadWorker &&
    (s.tasks ?? []).length > 0 && s.tasks!.every((t) => t.state === "RUNNING" && workerService(t.worker_id) !== deadWorker));
}

/** Source rows of this run missing in the destination, once the destination stopped catching up (bounded). */
async function cdcRowsLost(h: LabHandle, run: Run): Promise<number> {
  if (!h.destination) throw new Error(`lab ${h.prefix} has no destination container: the CDC experiments need patroni-cdc`);
  const range = [run.firstId, run.firstId + run.traffic.attempted];
  const ids = async (conn: ClientConfig, db: string) => (await sql<{ id: string }>({ ...conn, database: db },
    "select id from public.debezium_table where id >= $1 and id < $2", range)).map((r) => Number(r.id));
  const source = await ids(hostConn(h.readWrite, h.password, "source_db"), "source_db");
  let missing = source.length;
  await waitUntil("the destination to hold every source row of the run", 120_000, async () => {
    missing = rowDiff(source, await ids(hostConn(h.destination!, h.password, "destination_db"), "destination_db").catch(() => [])).missing.length;
    return missing === 0 ? true : undefined;
  }, 2_000).catch(() => undefined);
  return missing;
}

/** SIGKILL of the Connect worker running the source connector's task; the group moves it to a survivor. */
export async function killConnectWorker(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  if (h.connectUrls.length < 2) throw new Error(`lab ${h.prefix} publishes ${h.connectUrls.length} Connect worker(s); the experiment needs two`);
  const before = await connectorStatuses(h.connectUrls);
  if (!allRunning(before)) throw new Error(`not every connector is RUNNING before the fault: ${JSON.stringify(before)}`);
  const victim = workerService(Object.values(before).flatMap((s) => s.tasks ?? [])[0]?.worker_id) ?? "connect-1";
  const target = containerOf(h, victim);
  const f: Partial<ExperimentFigures> = { experiment: "kill-connect-worker", target };
  return underTraffic(h, o, true, f, async (run) => {
    await h.docker.kill(target);
    await waitUntil(`every connector RUNNING off ${victim}`, 180_000, async () =>
      (allRunning(await connectorStatuses(h.connectUrls).catch(() => ({})), victim) ? true : undefined), 1_000);
    f.timeToRunningMs = Date.now() - run.faultAt;
    await h.docker.start(target);
    f.rejoinMs = await rejoinHealthy(h, target);
  }, () => h.docker.start(target));
}

/** SIGKILL of the Patroni leader under CDC: Debezium follows HAProxy to the new leader, its slot kept by Patroni. */
export function cdcFailover(h: LabHandle, o: ExperimentOptions = {}): Promise<ExperimentFigures> {
  // The connectors must come back too, their source following HAProxy to the new leader.
  return leaderKilled(h, o, "cdc-failover", true, 120_000, async (run, f) => {
    await waitUntil("every connector RUNNING after the failover", 180_000, async () =>
      (allRunning(await connectorStatuses(h.connectUrls).catch(() => ({}))) ? true : undefined), 1_000);
    f.timeToRunningMs = Date.now() - run.faultAt;
  });
}

export const EXPERIMENTS: Record<ExperimentName, (h: LabHandle, o?: ExperimentOptions) => Promise<ExperimentFigures>> = {
  "kill-leader": killLeader,
  "kill-replica": killReplica,
  "kill-etcd": killEtcd,
  "restart-haproxy": restartHaproxy,
  switchover,
  "kill-connect-worker": killConnectWorker,
  "cdc-failover": cdcFailover,
};
