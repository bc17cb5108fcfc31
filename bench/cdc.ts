// CDC latency of the cdc-datavault path: source COMMIT → satellite row in the Data Vault, at a fixed update rate.
// Everything runs as local processes (PostgreSQL, KRaft broker, one Connect worker with Debezium, the dv-loader).
//   npx ts-node --transpile-only bench/cdc.ts [ratePerSecond=20] [seconds=15]
// Latency = sat_booking.load_date (clock_timestamp() of the loader's insert) − the moment COMMIT returned to the
// writer; both clocks are this machine's, so no skew. Each update gives its booking a new total, so each is one row.
import { BOOKINGS_SQL_DIR } from "../program/paths";
import * as path from "path";
import { Client } from "pg";
import { DvLoader } from "../apps/dv-loader/src/loader";
import { CDC_SETUP_SQL_DIR, DV_SOURCE_CONNECTOR, DV_SOURCE_SCHEMA, DV_TOPIC_PREFIX, dvSourceConfig } from "../homeworks/cdc-datavault/connectors";
import { KAFKA_CONNECTOR_PROVIDER_VERSION, kafkaConnectorProvider } from "../providers/kafkaConnector";
import { applyMigrations, loadMigrations } from "../providers/sqlMigrations";
import { startKafka } from "../tests/testbed/kafka";
import { startPostgres } from "../tests/testbed/postgres";
import { stopAll, waitFor } from "../tests/testbed/proc";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function intArg(i: number, dflt: number, max: number, name: string): number {
  const v = process.argv[i] === undefined ? dflt : Number(process.argv[i]);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} = ${process.argv[i]}: must be an integer 1..${max}`);
  return v;
}

async function main(): Promise<void> {
  const rate = intArg(2, 20, 500, "ratePerSecond");
  const seconds = intArg(3, 15, 300, "seconds");
  const root = path.join(__dirname, "..");
  const [pg, kafka] = await Promise.all([
    startPostgres({ name: "bench-cdc-pg", settings: { wal_level: "logical", max_replication_slots: 4, max_wal_senders: 4 } }),
    startKafka({ name: "bench-cdc", workers: 1 }),
  ]);
  const loader = new DvLoader({
    bootstrap: [kafka.bootstrap], topicPrefix: DV_TOPIC_PREFIX, sourceSchema: DV_SOURCE_SCHEMA, groupId: "bench", mode: "committed",
    dwh: pg.config("dwh"),
  });
  const writer = new Client(pg.config("demo"));
  try {
    await pg.createDatabase("demo");
    await pg.createDatabase("dwh");
    await applyMigrations(pg.config("demo"), [...loadMigrations(BOOKINGS_SQL_DIR), ...loadMigrations(CDC_SETUP_SQL_DIR)]);
    await applyMigrations(pg.config("dwh"), loadMigrations(path.join(root, "homeworks", "cdc-datavault", "sql", "datavault")));
    await kafkaConnectorProvider.create!({
      version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: kafka.connectUrl(0), name: DV_SOURCE_CONNECTOR, waitTimeoutMs: 90_000,
      config: dvSourceConfig({ db: { host: "127.0.0.1", port: pg.port, user: "postgres", database: "demo" } }),
    });
    await waitFor("the snapshot topics", 60_000, async () => { try { await loader.start(); return true; } catch (e) { await loader.stop(); throw e; } }, 1_000);
    const bookings = Number((await pg.query("select count(*) as n from bookings.bookings", [], "demo"))[0].n);
    await waitFor("the snapshot in the vault", 120_000, async () =>
      Number((await pg.query("select count(*) as n from dv.sat_booking", [], "dwh"))[0].n) === bookings ? true : undefined, 500);
    const refs = (await pg.query<{ book_ref: string }>("select book_ref from bookings.bookings order by book_ref", [], "demo")).map((r) => r.book_ref);
    await writer.connect();

    // Fixed rate: update i starts at t0 + i/rate, whatever the previous one took (so a slow commit shows up as latency).
    const total = rate * seconds;
    const committed = new Map<string, number>();
    const t0 = Date.now() + 200;
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const ref = refs[i % refs.length];
      const { rows } = await writer.query("update bookings.bookings set total_amount = total_amount + 1 where book_ref = $1 returning total_amount::text", [ref]);
      committed.set(`${ref}/${rows[0].total_amount}`, Date.now());
    }
    const sentSeconds = (Date.now() - t0) / 1000;
    // Updates commit after t0, so their rows load after it; the snapshot rows loaded before t0.
    const since = new Date(t0).toISOString();
    const query = `select h.book_ref, s.total_amount::text, extract(epoch from s.load_date) * 1000 as loaded
      from dv.sat_booking s join dv.hub_booking h using (booking_hk) where s.load_date >= $1`;
    const landed = await waitFor(`${total} new satellite rows`, 60_000, async () => {
      const rows = await pg.query(query, [since], "dwh");
      return rows.length >= total ? rows : undefined;
    }, 250);
    const latencies = landed.flatMap((r) => {
      const at = committed.get(`${r.book_ref}/${r.total_amount}`);
      return at === undefined ? [] : [Number(r.loaded) - at];
    }).sort((a, b) => a - b);
    if (latencies.length !== total) throw new Error(`matched ${latencies.length} of ${total} updates to satellite rows`);
    const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(`cdc-datavault latency, source COMMIT → dv.sat_booking row (Debezium → Kafka → dv-loader), ${total} updates at ${rate}/s over ${sentSeconds.toFixed(1)} s:`);
    console.log(`  p50 ${fmt(percentile(latencies, 50))}  p95 ${fmt(percentile(latencies, 95))}  p99 ${fmt(percentile(latencies, 99))}  max ${fmt(latencies[latencies.length - 1])}  min ${fmt(latencies[0])}`);
    console.log(`  loader: ${loader.status().records} records in ${loader.status().batches} batches`);
  } finally {
    await writer.end().catch(() => undefined);
    await loader.stop().catch(() => undefined);
    await kafka.stop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    await stopAll();
  }
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
