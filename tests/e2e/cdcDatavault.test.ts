// The real program, stack cdc-datavault, in build mode against this Docker engine: one bring-up shared by every
// assertion (healthy containers, replica equal to the primary, the Data Vault filled by the dv-loader container and
// unchanged by a replay, simple_dag run inside the Airflow scheduler into `presentation`, idempotently), a second run
// that must change nothing and a teardown that must leave nothing labelled.
import * as assert from "assert";
import { ClientConfig } from "pg";
import { DvLoader } from "../../apps/dv-loader/src/loader";
import { hashKey } from "../../apps/dv-loader/src/mapping";
import { DV_SOURCE_SCHEMA, DV_TOPIC_PREFIX } from "../../homeworks/cdc-datavault/connectors";
import { execIn } from "../testbed/docker";
import { sql } from "../../tools/lab/experiments";
import { airflowApi, lastRun } from "../../tools/lab/checks/airflow";
import { CheckedLab } from "../../tools/lab/checks";
import { expectedVault as expectedVaultOf, tableChecksums, vaultRowCounts } from "../../tools/lab/checks/cdcDatavault";
import { LabDocker } from "../../tools/lab/docker";
import { describeLab, itChangesNothingOnASecondRun, itPassesTheLabCheck, itRunsTheReadmesFirstExperiment, itSurvivesARestartOfEveryContainer, labCheck, log, poll } from "./suite";

const RUN = `cdc-datavault-${process.pid}`;
const PREFIX = "lab-e2e-dv";
const PASSWORD = "e2e-dv-postgres-pw";
// Ports of their own: a developer's lab (or another e2e suite) on the default ports keeps running. Below the kernel's
// ephemeral range (32768+): a port there can be an outgoing connection's when the container binds it (seen: 35435).
const PORTS = { postgresPrimary: 31432, postgresReplica: 31433, dwh: 31435, presentation: 31436, kafka: 31092, connect: 31083, airflow: 31080 };
const LAB = {
  stack: "cdc-datavault",
  runId: RUN,
  config: { prefix: PREFIX, imageSource: "build", debianBase: "debootstrap", buildNetwork: "host", ports: PORTS },
  secrets: { postgresPassword: PASSWORD, replicationPassword: "e2e-dv-replication-pw", airflowAdminPassword: "e2e-dv-airflow-pw" },
  log: (line: string) => log(line),
};
const pg = (port: number, database: string): ClientConfig =>
  ({ host: "127.0.0.1", port, user: "postgres", password: PASSWORD, database, connectionTimeoutMillis: 5000, query_timeout: 60_000 });
const primary = pg(PORTS.postgresPrimary, "demo");
const replica = pg(PORTS.postgresReplica, "demo");
const dwh = pg(PORTS.dwh, "dwh");
const presentation = pg(PORTS.presentation, "presentation");
const counts = () => vaultRowCounts(dwh);
const expectedVault = () => expectedVaultOf(primary);

/** Every vault row but its load date (which records when, not what). */
async function vaultFingerprint(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of Object.keys(await counts())) {
    const [r] = await sql(dwh, `select md5(string_agg(r::text, ',' order by r::text)) as h from (select to_jsonb(t) - 'load_date' as r from dv.${table} t) x`);
    out[table] = r.h;
  }
  return out;
}

describeLab("e2e: cdc-datavault in build mode on the real engine", LAB, [
  "airflow-db", "airflow-init", "airflow-scheduler", "airflow-webserver", "connect-1", "dv-loader", "kafka",
  "postgres-dwh", "postgres-presentation", "postgres-primary", "postgres-replica",
], (s) => {
  const phase = s.phase;

  it("the replica equals the primary: rows and a checksum per table", async function () {
    this.timeout(180_000);
    const want = await tableChecksums(primary);
    assert.ok(Object.keys(want).includes("bookings.ticket_flights") && !/^0 rows/.test(want["bookings.ticket_flights"]), JSON.stringify(want));
    let got: Record<string, string> = {};
    await phase("replica caught up", () => poll("replica checksums equal to the primary's", 120_000, async () => {
      got = await tableChecksums(replica);
      return JSON.stringify(got) === JSON.stringify(want) ? true : undefined;
    }).catch((e) => { throw new Error(`${e.message}\nprimary ${JSON.stringify(want)}\nreplica ${JSON.stringify(got)}`); }));
    const [r] = await sql(replica, "select pg_is_in_recovery() as standby");
    assert.strictEqual(r.standby, true, "5433 is no standby");
    log(`${Object.keys(want).length} tables equal: ${Object.entries(want).map(([t, v]) => `${t} ${v.split(" ")[0]}`).join(", ")}`);
  });

  it("fills the Data Vault (hubs, links, satellites) equal to the source, through Debezium and the dv-loader container", async function () {
    this.timeout(300_000);
    const want = await expectedVault();
    assert.ok(want.hub_booking > 0 && want.link_ticket_flight > 0, `the bookings data is empty: ${JSON.stringify(want)}`);
    let got: Record<string, number> = {};
    await phase("vault filled", () => poll("vault counts to match the source", 240_000, async () => {
      got = await counts();
      return Object.entries(want).every(([t, n]) => got[t] === n) ? true : undefined;
    }, 2000).catch((e) => { throw new Error(`${e.message}\nwant ${JSON.stringify(want)}\ngot  ${JSON.stringify(got)}`); }));
    assert.deepStrictEqual(got, want);
    const [{ ref }] = await sql(dwh, "select min(book_ref) as ref from dv.hub_booking");
    const [{ hk }] = await sql(dwh, "select booking_hk as hk from dv.hub_booking where book_ref = $1", [ref]);
    assert.strictEqual(hk, hashKey(ref), "the DWH holds the md5 of the normalised business key");
    // Satellites carry the source's values: every booking's total_amount as in the primary.
    const src = await sql(primary, "select md5(string_agg(book_ref || ':' || total_amount::text, ',' order by book_ref)) as h from bookings.bookings");
    const vault = await sql(dwh, `select md5(string_agg(h.book_ref || ':' || s.total_amount::text, ',' order by h.book_ref)) as h
      from dv.hub_booking h join dv.sat_booking s using (booking_hk)`);
    assert.strictEqual(vault[0].h, src[0].h, "sat_booking's total_amount differs from bookings.bookings");
    log(`${Object.values(want).reduce((a, b) => a + b, 0)} vault rows`);
  });

  it("a replay of every topic from the start changes nothing in the vault", async function () {
    this.timeout(240_000);
    const before = await vaultFingerprint();
    const replay = new DvLoader({
      bootstrap: [`127.0.0.1:${PORTS.kafka}`], topicPrefix: DV_TOPIC_PREFIX, sourceSchema: DV_SOURCE_SCHEMA,
      groupId: `e2e-replay-${process.pid}`, mode: "earliest", dwh,
    });
    try {
      await phase("replay", async () => { await replay.start(); await replay.waitCaughtUp(180_000); });
      assert.ok(replay.status().records > 0, "the replay read nothing");
      assert.deepStrictEqual(replay.status().inserted, {}, "the replay inserted rows");
    } finally {
      await replay.stop();
    }
    assert.deepStrictEqual(await vaultFingerprint(), before);
  });

  it("npm run lab -- check before any DAG run: every check passes but simple_dag's last run (it never ran), exit 1", async function () {
    this.timeout(300_000);
    const { code, report, stderr } = await phase("lab check (no DAG run yet)", () => labCheck(s));
    assert.strictEqual(code, 1, stderr);
    const failed = report.checks.filter((c) => !c.ok);
    assert.deepStrictEqual(failed.map((c) => c.name), ["last run succeeded: simple_dag"], JSON.stringify(report.checks));
    // The hint: this lab's published Airflow (not the seed's 8080), and the unpause first (new DAGs start paused).
    const api = `http://127.0.0.1:${PORTS.airflow}/api/v1/dags/simple_dag`;
    assert.strictEqual(failed[0].figure, `simple_dag never ran; unpause: curl -u airflow:<password> -X PATCH '${api}?update_mask=is_paused' `
      + `-H 'content-type: application/json' -d '{"is_paused": false}'; then trigger: curl -u airflow:<password> -X POST ${api}/dagRuns `
      + "-H 'content-type: application/json' -d '{}'");
    assert.match(stderr, /1 of 5 checks failed: last run succeeded: simple_dag/);
  });

  describe("simple_dag inside the Airflow scheduler container", () => {
    const scheduler = `${PREFIX}-airflow-scheduler`;
    const figures = () => sql(presentation, `select count(*)::int as n, sum(flights)::int as flights, sum(passengers)::int as passengers,
      sum(revenue)::text as revenue, md5(string_agg(concat_ws(':', flight_date, departure_airport, flights, passengers, revenue), ',' order by flight_date, departure_airport)) as h
      from public.presentation`);
    const wanted = async () => (await sql(primary, `select count(*)::int as n, sum(flights)::int as flights, sum(passengers)::int as passengers,
      sum(revenue)::text as revenue, md5(string_agg(concat_ws(':', d, a, flights, passengers, revenue), ',' order by d, a)) as h from (
        select (f.scheduled_departure at time zone 'UTC')::date as d, f.departure_airport as a, count(distinct f.flight_id)::int as flights,
          count(tf.ticket_no)::int as passengers, coalesce(sum(tf.amount), 0)::numeric(14,2) as revenue
        from bookings.flights f left join bookings.ticket_flights tf on tf.flight_id = f.flight_id group by 1, 2) x`))[0];
    const dagsTest = async (date: string) => {
      const r = await execIn(scheduler, ["airflow", "dags", "test", "simple_dag", date], { timeoutMs: 300_000 });
      assert.strictEqual(r.code, 0, `airflow dags test: exit ${r.code}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
      const runs = await execIn(scheduler, ["airflow", "dags", "list-runs", "-d", "simple_dag", "-o", "json"], { timeoutMs: 120_000 });
      assert.strictEqual(runs.code, 0, runs.stderr);
      // stdout carries Airflow's own log lines too ("[2026-…] {…} INFO …"): the runs are the line that is a JSON array.
      const line = runs.stdout.split("\n").find((l) => /^\[(\{|\])/.test(l.trim()));
      assert.ok(line, `no JSON array in airflow dags list-runs' output:\n${runs.stdout.slice(-1500)}`);
      const run = (JSON.parse(line!) as { execution_date: string; state: string }[]).find((x) => x.execution_date.startsWith(date));
      assert.strictEqual(run?.state, "success", `simple_dag run of ${date}: ${JSON.stringify(run)}\n${r.stdout.slice(-1500)}`);
    };

    it("`airflow dags test simple_dag` succeeds and fills presentation with the primary's figures", async function () {
      this.timeout(420_000);
      await phase("simple_dag run 1", () => dagsTest("2024-03-01"));
      const want = await wanted();
      assert.ok(want.n > 0, "the primary has no flights");
      assert.deepStrictEqual((await figures())[0], want);
    });

    it("a rerun leaves presentation unchanged", async function () {
      this.timeout(420_000);
      const before = await figures();
      await phase("simple_dag run 2", () => dagsTest("2024-03-02"));
      assert.deepStrictEqual(await figures(), before);
    });
  });

  itChangesNothingOnASecondRun(s);

  describe("Airflow's REST API with basic auth, as with Airflow's own docker-compose", () => {
    const api = `http://127.0.0.1:${PORTS.airflow}/api/v1`;
    /** What `curl -u airflow:<password>` sends. */
    const call = (method: string, path: string, body?: unknown, password = LAB.secrets.airflowAdminPassword) => fetch(`${api}${path}`, {
      method, signal: AbortSignal.timeout(15_000), body: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Basic ${Buffer.from(`airflow:${password}`).toString("base64")}`, "content-type": "application/json" },
    });

    it("curl -u airflow:<password> -X POST .../dags/simple_dag/dagRuns: the run succeeds (and a wrong password is 401)", async function () {
      this.timeout(420_000);
      assert.strictEqual((await call("GET", "/dags", undefined, "wrong")).status, 401);
      const unpause = await call("PATCH", "/dags/simple_dag?update_mask=is_paused", { is_paused: false });
      assert.strictEqual(unpause.status, 200, await unpause.text());
      const post = await call("POST", "/dags/simple_dag/dagRuns", {});
      const run = (await post.json()) as { dag_run_id: string; state: string };
      assert.strictEqual(post.status, 200, JSON.stringify(run));
      const state = await phase("simple_dag run over REST", () => poll(`simple_dag run ${run.dag_run_id} to end`, 360_000, async () => {
        const r = (await (await call("GET", `/dags/simple_dag/dagRuns/${encodeURIComponent(run.dag_run_id)}`)).json()) as { state: string };
        return ["success", "failed"].includes(r.state) ? r.state : undefined;
      }, 2000));
      assert.strictEqual(state, "success");
      // The lab check reads the same API as the admin the lab made: its newest run is this one.
      const services = await new LabDocker().services(PREFIX);
      assert.strictEqual((await lastRun(await airflowApi(new CheckedLab(new LabDocker(), PREFIX, services)), "simple_dag"))?.dag_run_id, run.dag_run_id);
    });

    itPassesTheLabCheck(s);
    itRunsTheReadmesFirstExperiment(s, "cdc-datavault");
  });

  describe("an engine restart", () => {
    let before: Record<string, string> = {};
    itSurvivesARestartOfEveryContainer(s, {
      before: async () => { before = await tableChecksums(primary); },
      ready: {
        what: "the connector RUNNING",
        wait: () => poll("every connector and task RUNNING", 180_000, async () => {
          const res = await fetch(`http://127.0.0.1:${PORTS.connect}/connectors?expand=status`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          const all = res?.ok ? Object.values((await res.json()) as Record<string, { status: any }>) : [];
          return all.length > 0 && all.every(({ status }) => status.connector.state === "RUNNING" && status.tasks.length > 0 && status.tasks.every((t: any) => t.state === "RUNNING")) ? true : undefined;
        }).then(() => undefined),
      },
      after: async () => {
        const after = await tableChecksums(primary);
        const lost = Object.keys(before).filter((t) => after[t] !== before[t]);
        log(`restart: ${Object.keys(before).length} source tables unchanged but ${lost.length} (${lost.join(", ") || "0 rows lost"})`);
        assert.deepStrictEqual(lost, [], "source tables changed over the restart");
      },
    });
  });
});
