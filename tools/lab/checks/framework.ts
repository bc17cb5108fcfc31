// `npm run lab -- check`: the one framework every homework's checks run in. A check reads the running lab (through
// the lab's own clients: dockerode, pg, Connect's REST, Kafka, S3, Airflow's REST) and gives a pass or a fail with
// its figure; a failed one names what to look at. Each check is bounded and runs alone (a throw is its failure).
import { ClientConfig } from "pg";
import { withTimeout } from "../../../providers/retry";
import { LabDocker, LabService, pickService, publishedAddress } from "../docker";

export interface Outcome {
  ok: boolean;
  /** What was measured, e.g. "3 members: pg-1 Leader, pg-2 Sync Standby, pg-3 Replica" or "a row in 0.43 s". */
  figure: string;
  /** On a failure: what to look at (overrides the check's own `look`). */
  look?: string;
}

export interface Check {
  name: string;
  /** What to look at when it fails: a command, a container, a log. */
  look: string;
  /** Bound of the whole check (default 60 s). */
  timeoutMs?: number;
  run(lab: CheckedLab): Promise<Outcome>;
}

export interface CheckResult extends Outcome {
  name: string;
  ms: number;
}

/** A homework's checks and the services that tell its lab apart from the others'. */
export interface HomeworkChecks {
  homework: string;
  /** Every one of these services runs in the homework's lab (and not all of them in another homework's). */
  marks: string[];
  checks: Check[];
}

/** The running lab as the checks see it: its containers, and their environment and published ports. */
export class CheckedLab {
  private readonly envs = new Map<string, Promise<Record<string, string>>>();

  constructor(readonly docker: LabDocker, readonly prefix: string, readonly services: LabService[]) {}

  service(name: string): LabService {
    return pickService(this.services, name, this.prefix);
  }

  /** A container's environment (what the program gave it: passwords included), read once. */
  env(service: string): Promise<Record<string, string>> {
    let e = this.envs.get(service);
    if (!e) this.envs.set(service, (e = this.docker.env(this.service(service).name)));
    return e;
  }

  /** One environment variable of a service, or an error naming both. */
  async envOf(service: string, key: string): Promise<string> {
    const v = (await this.env(service))[key];
    if (!v) throw new Error(`${this.service(service).name} has no ${key} in its environment`);
    return v;
  }

  /** host:port of a service's published container port. */
  address(service: string, containerPort: number): string {
    const s = this.service(service);
    // Final: waiting does not start it (settled gives up at once).
    if (s.state !== "running") throw Object.assign(new Error(`${s.name} is ${s.state}, not running`), { final: true });
    const a = publishedAddress(s, containerPort);
    if (!a) throw new Error(`${s.name} does not publish port ${containerPort}`);
    return a;
  }

  /** A PostgreSQL connection to a published port (bounded: 5 s to connect, 30 s a query). */
  pg(hostPort: string, password: string, database: string, user = "postgres"): ClientConfig {
    const [host, port] = hostPort.split(":");
    return { host, port: Number(port), user, password, database, connectionTimeoutMillis: 5_000, query_timeout: 30_000 };
  }
}

export const pass = (figure: string): Outcome => ({ ok: true, figure });
export const fail = (figure: string, look?: string): Outcome => ({ ok: false, figure, ...(look ? { look } : {}) });

/** Runs the checks one after the other, each bounded; a throw or a timeout is that check's failure. */
export async function runChecks(lab: CheckedLab, checks: Check[], onResult: (r: CheckResult) => void = () => undefined): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of checks) {
    const t = Date.now();
    const o = await withTimeout(c.name, c.timeoutMs ?? 60_000, c.run(lab)).catch((e): Outcome => fail((e as Error).message.split("\n")[0].slice(0, 300)));
    const r: CheckResult = { name: c.name, ok: o.ok, figure: o.figure, ...(o.ok ? {} : { look: (o.look ?? c.look).replaceAll("<prefix>", lab.prefix) }), ms: Date.now() - t };
    results.push(r);
    onResult(r);
  }
  return results;
}

/** One checklist line: PASS/FAIL, the check, its figure; a failure's next line says what to look at. */
export function checklistLines(r: CheckResult, width = 44): string[] {
  const head = `${r.ok ? "PASS" : "FAIL"}  ${r.name.padEnd(width)} ${r.figure}`;
  return r.ok ? [head] : [head, `      ${"".padEnd(width)} look at: ${r.look}`];
}

/** The homeworks whose marks all run in this lab. */
export function homeworksOf(services: readonly LabService[], all: readonly HomeworkChecks[]): HomeworkChecks[] {
  const names = new Set(services.map((s) => s.service));
  return all.filter((h) => h.marks.every((m) => names.has(m)));
}

/** Every container healthy; a one-shot job (airflow-init) exited with 0. */
export const containersHealthy: Check = {
  name: "every container healthy",
  look: "npm run lab -- status; docker logs <container>",
  async run(lab) {
    const bad = lab.services.filter((s) => (s.oneShot ? !(s.state === "exited" && s.exitCode === 0) : s.health !== "healthy"));
    const jobs = lab.services.filter((s) => s.oneShot).length;
    const figure = `${lab.services.length - jobs - bad.filter((s) => !s.oneShot).length}/${lab.services.length - jobs} healthy`
      + (jobs ? `, ${jobs - bad.filter((s) => s.oneShot).length}/${jobs} one-shot jobs exited 0` : "");
    if (bad.length === 0) return pass(figure);
    const what = bad.map((s) => `${s.service} ${s.state}${s.oneShot ? ` (exit ${s.exitCode ?? "-"})` : `/${s.health}`}`).join(", ");
    return fail(`${figure}; not: ${what}`, bad.map((s) => `docker logs ${s.name}`).join("; "));
  },
};

/** How long a check of a state that a restart or a failover leaves briefly off (roles, targets, connectors) retries. */
export const SETTLE_MS = 15_000;

/** Retries `attempt` (a throw counts as a failure) until it passes or `ms` have passed; the last outcome. */
export async function settled(attempt: () => Promise<Outcome>, ms = SETTLE_MS): Promise<Outcome> {
  const end = Date.now() + ms;
  for (let i = 0; ; i++) {
    let final = false;
    const o = await attempt().catch((e): Outcome => { final = !!(e as { final?: boolean }).final; return fail((e as Error).message.split("\n")[0].slice(0, 300)); });
    if (o.ok || final || Date.now() >= end || i >= 100) return o;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Seconds with two decimals, as the figures print them. */
export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
