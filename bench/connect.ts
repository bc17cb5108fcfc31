/**
 * Time from create to RUNNING for a Debezium source + JDBC sink pair, through the KafkaConnector provider, against
 * a local KRaft broker, two Connect workers and PostgreSQL 15 (needs `bash .ci/install.d/30-kafka.sh`).
 *   npx ts-node --transpile-only bench/connect.ts [runs=5]
 */
import { changeTopic, jdbcSinkConfig, jdbcSinkSecrets, postgresSourceConfig, postgresSourceSecrets } from "../components/kafka/debeziumConnectors";
import { KAFKA_CONNECTOR_PROVIDER_VERSION, KafkaConnectorInputs, kafkaConnectorProvider as provider } from "../providers/kafkaConnector";
import { startKafka } from "../tests/testbed/kafka";
import { startPostgres } from "../tests/testbed/postgres";
import { stopAll, waitFor } from "../tests/testbed/proc";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`runs = ${process.argv[2]}: must be an integer 1..50`);
  const t0 = Date.now();
  const [pg, lab] = await Promise.all([
    startPostgres({ name: "bench-pg", settings: { wal_level: "logical", max_replication_slots: 4, max_wal_senders: 4 } }),
    startKafka({ name: "bench", workers: 2 }),
  ]);
  console.log(`startup: broker ${lab.startup.brokerMs} ms, 2 workers +${lab.startup.workersMs} ms, with PostgreSQL ${Date.now() - t0} ms`);
  try {
    await pg.createDatabase("source_db");
    await pg.createDatabase("destination_db");
    await pg.query("create table public.bench (id int primary key, v text)", [], "source_db");
    await pg.query("insert into public.bench select g, 'row ' || g from generate_series(1, 100) g", [], "source_db");
    const db = (database: string) => ({ host: "127.0.0.1", port: pg.port, user: "postgres", database });
    const times: number[] = [];
    for (let run = 1; run <= runs; run++) {
      const prefix = `bench${run}`;
      const source: KafkaConnectorInputs = {
        version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: lab.connectUrl(0), name: `${prefix}-source`,
        config: postgresSourceConfig({ db: db("source_db"), slot: `${prefix}_slot`, topicPrefix: prefix, tables: ["public.bench"] }),
        sensitiveConfig: postgresSourceSecrets("bench"),
      };
      const sink: KafkaConnectorInputs = {
        version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: lab.connectUrl(1), name: `${prefix}-sink`,
        config: jdbcSinkConfig({ db: db("destination_db"), topics: [changeTopic(prefix, "public.bench")], tableNameFormat: `${prefix}_bench` }),
        sensitiveConfig: jdbcSinkSecrets("bench"),
      };
      const start = Date.now();
      const outs = await Promise.all([provider.create!(source), provider.create!(sink)]);
      const ms = Date.now() - start;
      const rows = await waitFor(`${prefix}: 100 rows in destination_db`, 60_000, async () => {
        const [r] = await pg.query("select count(*)::int as n from " + `${prefix}_bench`, [], "destination_db").catch(() => [{ n: 0 }]);
        return r.n === 100 ? Date.now() - start : undefined;
      }, 200);
      times.push(ms);
      console.log(`run ${run}: source+sink RUNNING in ${ms} ms; snapshot of 100 rows in the sink after ${rows} ms`);
      for (const o of outs) await provider.delete!(o.id, o.outs!);
      // Debezium leaves its slot behind on delete; an abandoned slot would hold WAL for the rest of the runs.
      await waitFor(`${prefix}_slot to be released`, 30_000, async () =>
        (await pg.query("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active", [`${prefix}_slot`])).length > 0
          ? true : undefined);
    }
    console.log(`create → RUNNING (source+sink, ${runs} runs): median ${median(times)} ms, min ${Math.min(...times)} ms, max ${Math.max(...times)} ms`);
  } finally {
    await lab.stop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    await stopAll();
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
