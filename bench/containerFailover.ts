// Leader kill and switchover on a lab in containers, measured from the host: an independent writer (the lab CLI's
// experiment traffic, one pg client at a fixed rate through HAProxy's published read-write port, acked ids kept),
// the members' logs since the fault (where the time goes), the time a survivor needs to resolve the dead name,
// and how long writes met a member still promoting ("read-only transaction").
import { ClientConfig } from "pg";
import { LabDocker, numbered } from "../tools/lab/docker";
import { sql } from "../tools/lab/experiments";
import { AckedWrite, longestGap, lostIds } from "../tools/lab/experiments/figures";
import { startTraffic, Traffic } from "../tools/lab/experiments/traffic";
import { leaderOf, Patroni, PatroniMember } from "../tools/lab/patroni";
import { docker, execIn } from "../tests/testbed/docker";

export type Fault = "kill" | "switchover";

export interface ContainerSample {
  fault: Fault;
  sync: boolean;
  from: string;
  to: string;
  /** Longest gap between acked writes from the fault until the books close. */
  outageS: number;
  lost: number;
  acked: number;
  /** When patronictl first listed the new leader, from the fault. */
  newLeaderS: number;
  /** Writes refused as read-only after the fault (HAProxy sent them to a member still promoting), and their span. */
  readOnlyErrors: number;
  readOnlySpanS: number;
  /** Failed writes by kind (timeout, connection, read-only...). */
  failures: Record<string, number>;
  /** Seconds a survivor's getaddrinfo of the dead member's name took (kill only). */
  deadNameLookupS?: number;
  /** First log line of each kind on the survivors, seconds after the fault. */
  timeline: { atS: number; member: string; line: string }[];
}

export interface BenchLabHandle { prefix: string; readWrite: string; password: string }

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until probe returns a value, every `everyMs`, at most timeoutMs (and at most 10 000 tries). */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 10_000 && Date.now() < end; i++) {
    try { const v = await probe(); if (v !== undefined) return v; } catch (e) { last = e; }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

/** Log lines that mark where a failover spends its time (first of each kind per member is kept). */
export const TIMELINE_PATTERNS: [string, RegExp][] = [
  ["streaming broke", /terminating walreceiver|could not receive data from WAL stream|replication terminated by primary/],
  ["name lookup failed", /could not translate host name|Temporary failure in name resolution|Name or service not known/],
  ["REST call to a member failed", /Request failed to/],
  ["connect timed out", /ConnectTimeoutError|timeout expired|Connection timed out/],
  ["leader race", /Got response from|is the leader with the lock|following a different leader|no action\. I am/],
  ["promoted", /promoted self to leader|acquired session lock as a leader/],
  ["promotion done", /database system is ready to accept connections|archive recovery complete|selected new timeline/],
  ["sync standby set", /Assigning synchronous standby status|synchronous standby|Updating synchronous privilege/],
];

/** The first line of each TIMELINE_PATTERNS kind in `log` (docker logs with timestamps), at or after `since` ms. */
export function timelineOf(member: string, log: string, since: number): { atS: number; member: string; line: string }[] {
  const seen = new Set<string>();
  const out: { atS: number; member: string; line: string }[] = [];
  for (const raw of log.split("\n")) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) (.*)$/.exec(raw);
    if (!m) continue;
    const at = Date.parse(m[1]);
    if (at < since) continue;
    for (const [kind, re] of TIMELINE_PATTERNS) {
      if (seen.has(kind) || !re.test(m[2])) continue;
      seen.add(kind);
      out.push({ atS: (at - since) / 1000, member, line: `${kind}: ${m[2].trim().slice(0, 160)}` });
    }
  }
  return out;
}

/** A failed write's kind, from the pg client's error message. */
export function failureKind(message: string): string {
  if (/read-only transaction/.test(message)) return "read-only";
  if (/timeout|timed out/i.test(message)) return "timeout";
  if (/ECONNREFUSED|ECONNRESET|terminated|Connection terminated|closed|EPIPE|socket/i.test(message)) return "connection";
  return "other";
}

async function logsSince(container: string, sinceMs: number): Promise<string> {
  const buf = (await docker.getContainer(container).logs({ stdout: true, stderr: true, timestamps: true, since: Math.floor(sinceMs / 1000) - 1 })) as unknown as Buffer;
  const parts: string[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len).toString("utf8"));
    i += 8 + len;
  }
  return parts.join("");
}

/** Seconds getaddrinfo of `name` takes inside `container` (it fails for a stopped member: the time to give up). */
export async function lookupSeconds(container: string, name: string): Promise<number> {
  const script = `import socket,time\nt=time.time()\ntry: socket.getaddrinfo('${name}', 8008)\nexcept Exception: pass\nprint(time.time()-t)`;
  const r = await execIn(container, ["python3", "-c", script], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`lookup of ${name} in ${container}: exit ${r.code}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** Writes `options timeout:1 attempts:1 ndots:0` into every running lab container's resolv.conf: what
 * components/core/resolver.ts's LAB_DNS_OPTIONS give through the provider's dnsOpts, for a lab created without them. */
export async function applyResolverOptions(prefix: string, options: readonly string[]): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`lab.prefix=${prefix}`] } });
  const done: string[] = [];
  for (const c of list) {
    // Docker bind-mounts the file: rewritten in place (sed -i's rename is refused).
    const r = await execIn(c.Id, ["sh", "-c", `keep=$(grep -v '^options' /etc/resolv.conf) && printf '%s\\noptions ${options.join(" ")}\\n' "$keep" > /etc/resolv.conf && cat /etc/resolv.conf`], { user: "root", timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`${c.Names[0]}: resolv.conf not written: ${r.stderr}`);
    done.push(c.Names[0].slice(1));
  }
  return done;
}

function conn(h: BenchLabHandle): ClientConfig {
  const [host, port] = h.readWrite.split(":");
  return { host, port: Number(port), user: "postgres", password: h.password, database: "postgres", connectionTimeoutMillis: 5_000, query_timeout: 30_000 };
}


const TABLE = "public.lab_bench_writes";

export class ContainerBench {
  private readonly ld = new LabDocker();
  /** resolverOptions: written again into a restarted member (Docker regenerates its resolv.conf on start). */
  constructor(private readonly h: BenchLabHandle, private readonly rate: number, private readonly log: (l: string) => void = console.log,
    private readonly resolverOptions?: readonly string[]) {}

  private container(member: string) { return `${this.h.prefix}-${member}`; }

  private async patroni(): Promise<Patroni> { return new Patroni(this.ld, await this.ld.services(this.h.prefix)); }

  async members(): Promise<PatroniMember[]> { return (await this.patroni()).members(); }

  /** Sets synchronous_mode on the running cluster (patronictl edit-config; no restart). */
  async setSync(sync: boolean): Promise<void> {
    await (await this.patroni()).patronictl(["edit-config", "-s", `synchronous_mode=${sync}`, "--force"]);
  }

  /** A leader and two streaming replicas, one of them the Sync Standby when `sync`: before that, a kill promotes no one. */
  async healthy(sync: boolean, timeoutMs = 180_000): Promise<string> {
    return until(`a leader, two streaming replicas${sync ? ", one Sync Standby" : ""}`, timeoutMs, async () => {
      const m = await this.members();
      const leader = leaderOf(m);
      const streaming = m.filter((x) => x.role !== "Leader" && x.state === "streaming");
      const ok = leader && streaming.length === 2 && (sync ? streaming.some((x) => x.role === "Sync Standby") : streaming.every((x) => x.role === "Replica"));
      return ok ? leader : undefined;
    }, 1000);
  }

  async measure(fault: Fault, sync: boolean): Promise<ContainerSample> {
    const from = await this.healthy(sync);
    await sql(conn(this.h), `create table if not exists ${TABLE} (id bigint primary key, at timestamptz not null default clock_timestamp())`);
    const firstId = 1_000_000_000_000 + (Date.now() % 1_000_000_000) * 1000;
    const traffic: Traffic = startTraffic({ conn: conn(this.h), table: TABLE, ratePerSecond: this.rate, firstId, maxMs: 10 * 60_000 });
    try {
      await until("writes before the fault", 30_000, async () => (traffic.acks.length >= this.rate * 2 ? true : undefined), 200);
      const faultAt = Date.now();
      const survivors = numbered(await this.ld.services(this.h.prefix), "pg").map((s) => s.service).filter((s) => s !== from);
      if (fault === "kill") await this.ld.kill(this.container(from));
      else void (await this.patroni()).switchover(from).catch((e) => this.log(`switchover: ${(e as Error).message}`));
      const to = await until("a new leader", 120_000, async () => {
        const l = leaderOf(await this.members().catch(() => []));
        return l && l !== from ? l : undefined;
      }, 300);
      const newLeaderS = (Date.now() - faultAt) / 1000;
      await until("a write acked after the new leader", 60_000, async () => (traffic.acks.some((a) => a.ackedAt > faultAt + newLeaderS * 1000) ? true : undefined), 100);
      const deadNameLookupS = fault === "kill" ? await lookupSeconds(this.container(to), from) : undefined;
      await sleep(2000); // steady writes again before the books are closed
      const stoppedAt = Date.now();
      await traffic.stop();
      const timeline = (await Promise.all(survivors.map(async (s) => timelineOf(s, await logsSince(this.container(s), faultAt), faultAt))))
        .flat().sort((a, b) => a.atS - b.atS);
      if (fault === "kill") { // back to three members for the next run
        await this.ld.start(this.container(from));
        if (this.resolverOptions) await applyResolverOptions(this.h.prefix, this.resolverOptions);
      }
      const acks: AckedWrite[] = traffic.acks;
      const present = await until("reading back the acked rows", 60_000, async () =>
        (await sql<{ id: string }>(conn(this.h), `select id from ${TABLE} where id >= $1 and id < $2`, [firstId, firstId + traffic.attempted])).map((r) => Number(r.id)), 1000);
      const lost = lostIds(acks.map((a) => a.id), present).length;
      const after = traffic.failures.filter((f) => f.at >= faultAt);
      const readOnly = after.filter((f) => failureKind(f.error) === "read-only");
      const failures: Record<string, number> = {};
      for (const f of after) failures[failureKind(f.error)] = (failures[failureKind(f.error)] ?? 0) + 1;
      const sample: ContainerSample = {
        fault, sync, from, to, outageS: longestGap(acks, faultAt, stoppedAt).ms / 1000, lost, acked: acks.length, newLeaderS,
        readOnlyErrors: readOnly.length, readOnlySpanS: readOnly.length ? (readOnly.at(-1)!.at - readOnly[0].at) / 1000 : 0,
        failures, deadNameLookupS, timeline,
      };
      this.log(`${fault.padEnd(10)} sync=${sync ? "on " : "off"} ${from} -> ${to}: outage ${sample.outageS.toFixed(2)} s, new leader listed at ${newLeaderS.toFixed(1)} s, ` +
        `acked ${sample.acked}, lost ${lost}, failed ${JSON.stringify(failures)}, read-only ${readOnly.length} over ${sample.readOnlySpanS.toFixed(2)} s` +
        (deadNameLookupS !== undefined ? `, lookup of ${from} in ${to}: ${deadNameLookupS.toFixed(2)} s` : ""));
      for (const t of timeline) this.log(`    +${t.atS.toFixed(2).padStart(6)} s ${t.member}: ${t.line}`);
      return sample;
    } finally {
      await traffic.stop();
    }
  }
}
