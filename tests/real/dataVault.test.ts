import { AIRFLOW_DAGS_DIR, BOOKINGS_SQL_DIR } from "../../program/paths";
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { Client } from "pg";
import { DvLoader } from "../../apps/dv-loader/src/loader";
import { hashKey } from "../../apps/dv-loader/src/mapping";
import { vaultCounts } from "../../apps/dv-loader/src/vault";
import { CDC_SETUP_SQL_DIR, DV_SOURCE_CONNECTOR, DV_SOURCE_SCHEMA, DV_TOPIC_PREFIX, dvSourceConfig } from "../../homeworks/cdc-datavault/connectors";
import { postgresSourceSecrets } from "../../components/kafka/debeziumConnectors";
import { KAFKA_CONNECTOR_PROVIDER_VERSION, kafkaConnectorProvider as provider } from "../../providers/kafkaConnector";
import { applyMigrations, loadMigrations } from "../../providers/sqlMigrations";
import { AIRFLOW_VENV } from "../testbed/cache";
import { KafkaLab, startKafka } from "../testbed/kafka";
import { LocalPostgres, startPostgres } from "../testbed/postgres";
import { requireBinary, stopAll, waitFor } from "../testbed/proc";
import { main as labCli } from "../../tools/lab";

const ROOT = path.join(__dirname, "..", "..");
/** The Airflow venv of .ci/install.d/35-python.sh (Airflow + the postgres provider, so psycopg2). */
const AIRFLOW_PYTHON = path.join(AIRFLOW_VENV, "bin", "python");

/**
 * The cdc-datavault homework end to end on local processes: the bookings schema on a logical-WAL PostgreSQL,
 * Debezium (registered by the KafkaConnector provider) → Kafka → the dv-loader → the Data Vault in a DWH database.
 */
describe("real: bookings → Debezium → Kafka → dv-loader → Data Vault", function () {
  this.timeout(180_000);
  let pg: LocalPostgres;
  let lab: KafkaLab;
  const loaders: DvLoader[] = [];

  const loader = (groupId: string, mode: "committed" | "earliest") => {
    const l = new DvLoader({
      bootstrap: [lab.bootstrap], topicPrefix: DV_TOPIC_PREFIX, sourceSchema: DV_SOURCE_SCHEMA, groupId, mode,
      dwh: pg.config("dwh"),
    });
    loaders.push(l);
    return l;
  };
  const source = <T = any>(sql: string, params?: unknown[]) => pg.query<T>(sql, params, "demo");
  const dwh = <T = any>(sql: string, params?: unknown[]) => pg.query<T>(sql, params, "dwh");
  const counts = async () => {
    const c = new Client(pg.config("dwh"));
    await c.connect();
    try { return await vaultCounts(c); } finally { await c.end(); }
  };
  /** What the source says the vault must hold after the snapshot. */
  const expected = async () => {
    const n = async (sql: string) => Number((await source(sql))[0].n);
    const flights = await n("select count(*) as n from bookings.flights");
    return {
      hub_booking: await n("select count(*) as n from bookings.bookings"),
      hub_ticket: await n("select count(*) as n from bookings.tickets"),
      hub_airport: await n("select count(*) as n from bookings.airports"),
      hub_aircraft: await n("select count(*) as n from bookings.aircrafts"),
      hub_flight: flights,
      link_ticket_booking: await n("select count(*) as n from bookings.tickets"),
      link_ticket_flight: await n("select count(*) as n from bookings.ticket_flights"),
      link_flight_airport: 2 * flights,
      link_flight_aircraft: flights,
      sat_booking: await n("select count(*) as n from bookings.bookings"),
      sat_ticket: await n("select count(*) as n from bookings.tickets"),
      sat_airport: await n("select count(*) as n from bookings.airports"),
      sat_aircraft: await n("select count(*) as n from bookings.aircrafts"),
      sat_flight: flights,
    };
  };
  /** Every row of every vault table but the load dates (which record when, not what). */
  const vaultFingerprint = async () => {
    const out: Record<string, string> = {};
    for (const table of Object.keys(await counts())) {
      const rows = await dwh(`select md5(string_agg(r::text, ',' order by r::text)) as h from (
        select to_jsonb(t) - 'load_date' as r from dv.${table} t) x`);
      out[table] = rows[0].h;
    }
    return out;
  };

  before(async () => {
    const t0 = Date.now();
    [pg, lab] = await Promise.all([
      startPostgres({ name: "dv-pg", settings: { wal_level: "logical", max_replication_slots: 4, max_wal_senders: 4 } }),
      startKafka({ name: "dv", workers: 1 }),
    ]);
    await pg.createDatabase("demo");
    await pg.createDatabase("dwh");
    await applyMigrations(pg.config("demo"), [...loadMigrations(BOOKINGS_SQL_DIR), ...loadMigrations(CDC_SETUP_SQL_DIR)]);
    await applyMigrations(pg.config("dwh"), loadMigrations(path.join(ROOT, "homeworks", "cdc-datavault", "sql", "datavault")));
    await pg.createDatabase("presentation");
    await applyMigrations(pg.config("presentation"), loadMigrations(path.join(ROOT, "homeworks", "cdc-datavault", "sql", "presentation")));
    console.log(`      postgres + kafka (1 worker) + schemas ready in ${Date.now() - t0} ms`);
  });
  after(async () => {
    await Promise.all(loaders.map((l) => l.stop().catch(() => undefined)));
    await lab?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await stopAll();
  });

  it("registers the Debezium source through the KafkaConnector provider with the named slot and publication", async () => {
    const t0 = Date.now();
    const res = await provider.create!({
      version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: lab.connectUrl(0), name: DV_SOURCE_CONNECTOR, waitTimeoutMs: 90_000,
      config: dvSourceConfig({ db: { host: "127.0.0.1", port: pg.port, user: "postgres", database: "demo" } }),
      sensitiveConfig: postgresSourceSecrets("unused-with-trust-auth"),
    });
    assert.strictEqual(res.outs?.connectorState, "RUNNING");
    const slots = await source("select slot_name, plugin from pg_replication_slots");
    assert.deepStrictEqual(slots, [{ slot_name: "bookings_dv_slot", plugin: "pgoutput" }]);
    const pub = await source("select tablename from pg_publication_tables where pubname = 'bookings_dv_publication' order by 1");
    assert.deepStrictEqual(pub.map((r) => r.tablename), ["aircrafts", "airports", "bookings", "debezium_signal", "flights", "ticket_flights", "tickets"]);
    console.log(`      source RUNNING ${Date.now() - t0} ms after create`);
  });

  it("fills the Data Vault: hub, link and satellite counts match the source", async () => {
    const t0 = Date.now();
    const want = await expected();
    assert.ok(want.hub_booking > 0 && want.link_ticket_flight > 0, `the bookings data is empty: ${JSON.stringify(want)}`);
    const first = loader("dv-loader", "committed");
    await waitFor("the snapshot topics to exist and the loader to subscribe", 60_000, async () => {
      try { await first.start(); return true; } catch (e) { await first.stop(); throw e; }
    }, 1_000);
    const got = await waitFor("vault counts to match the source", 90_000, async () => {
      const c = await counts();
      return Object.entries(want).every(([t, n]) => c[t] === n) ? c : undefined;
    }, 500).catch(async (e) => { throw new Error(`${e.message}\nwant ${JSON.stringify(want)}\ngot  ${JSON.stringify(await counts())}\nloader ${JSON.stringify(first.status())}`); });
    assert.deepStrictEqual(got, want);
    const hk = (await dwh("select booking_hk from dv.hub_booking where book_ref = (select min(book_ref) from dv.hub_booking)"))[0].booking_hk;
    const ref = (await dwh("select min(book_ref) as r from dv.hub_booking"))[0].r;
    assert.strictEqual(hk, hashKey(ref), "the DWH holds the md5 of the normalised business key");
    console.log(`      ${Object.values(want).reduce((a, b) => a + b, 0)} vault rows loaded in ${Date.now() - t0} ms; loader: ${first.status().records} records, ${first.status().batches} batches`);
  });

  it("adds exactly one satellite row for an updated booking, and none for an update that changes nothing", async () => {
    const before = await counts();
    const ref = (await source("select min(book_ref) as r from bookings.bookings"))[0].r;
    await source("update bookings.bookings set total_amount = total_amount + 1 where book_ref = $1", [ref]);
    // Same values again: a new LSN, the same hash diff.
    await source("update bookings.bookings set total_amount = total_amount where book_ref = $1", [ref]);
    const versions = await waitFor("the new booking version in sat_booking", 30_000, async () => {
      const rows = await dwh("select total_amount::text, hash_diff from dv.sat_booking s join dv.hub_booking h using (booking_hk) where h.book_ref = $1 order by source_lsn", [ref]);
      return rows.length >= 2 ? rows : undefined;
    });
    // Let the second (no-op) update pass through the loader before judging it.
    await loaders[0].waitCaughtUp(30_000);
    const after = await counts();
    assert.strictEqual(after.sat_booking, before.sat_booking + 1, "one new satellite row, not two");
    assert.deepStrictEqual({ ...after, sat_booking: 0 }, { ...before, sat_booking: 0 }, "nothing else changed");
    const want = (await source("select total_amount::text from bookings.bookings where book_ref = $1", [ref]))[0].total_amount;
    assert.strictEqual(versions.at(-1).total_amount, want);
    assert.notStrictEqual(versions[0].hash_diff, versions[1].hash_diff);
  });

  it("re-reads a table after `lab signal-snapshot` (Debezium's signal table), adding no satellite rows", async () => {
    const before = await counts();
    const status0 = loaders[0].status().records;
    const aircrafts = Number((await source("select count(*) as n from bookings.aircrafts"))[0].n);
    const errors: string[] = [];
    const code = await labCli(["signal-snapshot", "bookings.aircrafts"], { LAB_SOURCE_URL: pg.url("demo") }, () => undefined, (l) => errors.push(l));
    assert.strictEqual(code, 0, errors.join("\n"));
    await waitFor("the incremental snapshot's records at the loader", 60_000, async () =>
      (loaders[0].status().records - status0 >= aircrafts ? true : undefined), 250);
    await loaders[0].waitCaughtUp(30_000);
    assert.deepStrictEqual(await counts(), before, "a re-snapshot of unchanged rows must add nothing");
  });

  it("changes nothing when every topic is replayed from the start", async () => {
    await loaders[0].waitCaughtUp(30_000);
    await loaders[0].stop();
    const before = await vaultFingerprint();
    const t0 = Date.now();
    const replay = loader("dv-loader-replay", "earliest");
    await replay.start();
    await replay.waitCaughtUp(90_000);
    assert.ok(replay.status().records > 0, "the replay read nothing");
    assert.deepStrictEqual(replay.status().inserted, {}, "the replay inserted rows");
    assert.deepStrictEqual(await vaultFingerprint(), before);
    console.log(`      replayed ${replay.status().records} records in ${Date.now() - t0} ms: vault unchanged`);
  });

  it("simple_dag parses under Airflow and its copy fills the presentation table from the primary, idempotently", async () => {
    const python = requireBinary(AIRFLOW_PYTHON, ".ci/install.d/35-python.sh");
    const run = (code: string) => {
      const r = spawnSync(python, ["-c", code], {
        encoding: "utf8", timeout: 120_000, cwd: AIRFLOW_DAGS_DIR,
        env: { ...process.env, AIRFLOW_HOME: pg.dataDir + "-airflow", AIRFLOW__CORE__LOAD_EXAMPLES: "False", SRC: pg.url("demo"), DST: pg.url("presentation") },
      });
      assert.strictEqual(r.status, 0, `python failed: ${r.stderr}${r.stdout}`);
      return r.stdout.trim();
    };
    const tasks = run(`from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder="simple_dag.py", include_examples=False)
assert not bag.import_errors, bag.import_errors
print(",".join(t.task_id for t in bag.dags["simple_dag"].tasks))`).split("\n").pop();
    assert.strictEqual(tasks, "copy_to_presentation");
    const copy = `import os, psycopg2, simple_dag
print(simple_dag.copy_presentation(psycopg2.connect(os.environ["SRC"]), psycopg2.connect(os.environ["DST"])))`;
    const copied = Number(run(copy));
    const want = await source(`select count(*)::int as n, sum(p)::int as passengers from (select (scheduled_departure at time zone 'UTC')::date, departure_airport,
      (select count(*) from bookings.ticket_flights tf where tf.flight_id = any(array_agg(f.flight_id))) as p from bookings.flights f group by 1, 2) x`);
    const got = () => pg.query("select count(*)::int as n, sum(passengers)::int as passengers, sum(flights)::int as flights from public.presentation", [], "presentation");
    const first = await got();
    assert.strictEqual(copied, want[0].n);
    assert.deepStrictEqual(first, [{ n: want[0].n, passengers: want[0].passengers, flights: Number((await source("select count(*) as n from bookings.flights"))[0].n) }]);
    assert.strictEqual(Number(run(copy)), copied);
    assert.deepStrictEqual(await got(), first, "a second run changed the presentation figures");
  });
});
