import * as assert from "assert";
import { changeTopic, jdbcSinkConfig, jdbcSinkSecrets, postgresSourceConfig, postgresSourceSecrets } from "../../components/kafka/debeziumConnectors";
import {
  getConfig, getStatus, KAFKA_CONNECTOR_PROVIDER_VERSION, KafkaConnectorInputs, KafkaConnectorOutputs, kafkaConnectorProvider as provider,
} from "../../providers/kafkaConnector";
import { main } from "../../tools/lab";
import { KafkaLab, startKafka } from "../testbed/kafka";
import { LocalPostgres, startPostgres } from "../testbed/postgres";
import { stopAll, waitFor } from "../testbed/proc";

/**
 * The seed's Patroni + Debezium homework on local processes: PostgreSQL (wal_level=logical) → Debezium source →
 * Kafka (KRaft) → JDBC sink → a second database, with two Connect workers in one group. Everything goes through the
 * KafkaConnector provider's own create/update/read/delete.
 */
describe("real: KafkaConnector on Kafka Connect (2 workers) with Debezium", function () {
  this.timeout(240_000);
  let pg: LocalPostgres;
  let lab: KafkaLab;
  const SECRET = "lab-connect-secret-9f2c";
  const source = { name: "source-connector", outs: undefined as unknown as KafkaConnectorOutputs };
  const sink = { name: "sink-connector", outs: undefined as unknown as KafkaConnectorOutputs };

  const db = (database: string) => ({ host: "127.0.0.1", port: pg.port, user: "postgres", database });
  const sourceInputs = (connectUrl: string | string[]): KafkaConnectorInputs => ({
    version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl, name: source.name, waitTimeoutMs: 90_000,
    config: postgresSourceConfig({ db: db("source_db"), slot: "source_slot", topicPrefix: "source", tables: ["public.debezium_table"] }),
    sensitiveConfig: postgresSourceSecrets(SECRET),
  });
  const sinkInputs = (connectUrl: string | string[], extra: Record<string, string> = {}): KafkaConnectorInputs => ({
    version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl, name: sink.name, waitTimeoutMs: 90_000,
    config: jdbcSinkConfig({ db: db("destination_db"), topics: [changeTopic("source", "public.debezium_table")], extra }),
    sensitiveConfig: jdbcSinkSecrets(SECRET),
  });
  const rows = async (database: string) =>
    pg.query<{ id: number; name: string; amount: number }>("select id, name, amount from public.debezium_table order by id", [], database);
  /** Polls until the destination table holds exactly what the source holds. */
  const converged = (what: string) => waitFor(`destination_db to match source_db (${what})`, 60_000, async () => {
    const [want, got] = [await rows("source_db"), await rows("destination_db").catch(() => [])];
    return JSON.stringify(want) === JSON.stringify(got) ? got : undefined;
  }, 500);

  before(async () => {
    const t0 = Date.now();
    [pg, lab] = await Promise.all([
      startPostgres({ name: "kc-pg", settings: { wal_level: "logical", max_replication_slots: 4, max_wal_senders: 4 } }),
      startKafka({ name: "kc", workers: 2 }),
    ]);
    console.log(`      kafka broker ${lab.startup.brokerMs} ms, +2 workers ${lab.startup.workersMs} ms; all ready in ${Date.now() - t0} ms`);
    await pg.createDatabase("source_db");
    await pg.createDatabase("destination_db");
    await pg.query("create table public.debezium_table (id int primary key, name text not null, amount int)", [], "source_db");
    await pg.query("insert into public.debezium_table values (1, 'snapshot row', 10)", [], "source_db");
  });
  after(async () => {
    await lab?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await stopAll();
  });

  it("creates the Debezium source and the JDBC sink and waits until both are RUNNING", async () => {
    const t0 = Date.now();
    source.outs = (await provider.create!(sourceInputs(lab.connectUrl(0)))).outs!;
    // Through the other worker: it forwards the write to the group's leader.
    sink.outs = (await provider.create!(sinkInputs(lab.connectUrl(1)))).outs!;
    console.log(`      source + sink RUNNING ${Date.now() - t0} ms after create`);
    for (const c of [source, sink]) {
      assert.strictEqual(c.outs.connectorState, "RUNNING");
      const status = await getStatus(lab.connectUrl(0), c.name);
      assert.strictEqual(status?.connector?.state, "RUNNING", `${c.name}: ${JSON.stringify(status)}`);
      assert.ok((status?.tasks ?? []).length >= 1 && status!.tasks!.every((t) => t.state === "RUNNING"), JSON.stringify(status));
    }
    const [slot] = await pg.query("select slot_name, plugin from pg_replication_slots where slot_name = 'source_slot'");
    assert.strictEqual(slot?.plugin, "pgoutput");
    // The secret reached Connect (merged into the config) but the outputs keep it only in sensitiveConfig.
    const live = await getConfig(lab.connectUrl(0), source.name);
    assert.strictEqual(live?.["database.password"], SECRET);
    assert.ok(!JSON.stringify(source.outs.config).includes(SECRET));
  });

  it("replicates the snapshot, inserts, updates and deletes into destination_db", async () => {
    await converged("snapshot");
    await pg.query("insert into public.debezium_table values (2, 'two', 20), (3, 'three', 30), (4, 'four', 40)", [], "source_db");
    await pg.query("update public.debezium_table set amount = 222, name = 'two updated' where id = 2", [], "source_db");
    await pg.query("delete from public.debezium_table where id = 3", [], "source_db");
    const got = await converged("insert/update/delete");
    assert.deepStrictEqual(got.map((r) => r.id), [1, 2, 4]);
    assert.strictEqual(got[1].amount, 222);
    const topics = await lab.topics();
    assert.ok(topics.includes("source.public.debezium_table"), topics.join(","));
    // The change events themselves: the snapshot read, then the three inserts, keyed by id.
    const events = await lab.consume("source.public.debezium_table", 4, 30_000);
    const ops = events.map((e) => JSON.parse(e.value!).payload.op);
    assert.deepStrictEqual(ops, ["r", "c", "c", "c"]);
    assert.deepStrictEqual(events.map((e) => JSON.parse(e.key!).payload.id), [1, 2, 3, 4]);
    await assert.rejects(lab.consume("source.public.debezium_table", 500, 2000), /source\.public\.debezium_table/);
  });

  it("updates a setting in place, and read() reports drift on the user's keys only", async () => {
    const news = sinkInputs(lab.connectUrl(1), { "batch.size": "250" });
    const diff = await provider.diff!(sink.name, sink.outs, news);
    assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
    sink.outs = (await provider.update!(sink.name, sink.outs, news)).outs!;
    assert.strictEqual((await getConfig(lab.connectUrl(0), sink.name))?.["batch.size"], "250");

    // Out-of-band edit, as someone with curl would do: refresh sees it, `name` (added by Connect) is not reported.
    const live = (await getConfig(lab.connectUrl(0), sink.name))!;
    const res = await fetch(`${lab.connectUrl(0)}/connectors/${sink.name}/config`, {
      method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...live, "batch.size": "777" }),
    });
    assert.ok(res.ok, await res.text());
    const read = await provider.read!(sink.name, sink.outs);
    assert.ok(read.props, "the connector still exists");
    assert.strictEqual(read.props.config["batch.size"], "777");
    assert.ok(!("name" in read.props.config));
    assert.deepStrictEqual(Object.keys(read.props.config).sort(), Object.keys(sink.outs.config).sort());
    const drift = await provider.diff!(sink.name, read.props, news);
    assert.strictEqual(drift.changes, true);
    sink.outs = (await provider.update!(sink.name, read.props, news)).outs!;
    assert.strictEqual((await getConfig(lab.connectUrl(0), sink.name))?.["batch.size"], "250");

    await pg.query("insert into public.debezium_table values (5, 'after update', 50)", [], "source_db");
    await converged("after the sink update");
  });

  it("pauses and resumes through the state input", async () => {
    const paused = (await provider.update!(source.name, source.outs, { ...sourceInputs(lab.connectUrl(0)), state: "paused" })).outs!;
    assert.strictEqual((await getStatus(lab.connectUrl(1), source.name))?.connector?.state, "PAUSED");
    assert.strictEqual(paused.connectorState, "PAUSED");
    await pg.query("insert into public.debezium_table values (6, 'while paused', 60)", [], "source_db");
    source.outs = (await provider.update!(source.name, paused, sourceInputs(lab.connectUrl(0)))).outs!;
    assert.strictEqual(source.outs.connectorState, "RUNNING");
    await converged("after resume");
  });

  it("moves the connectors to the surviving worker when one is killed, and CDC goes on", async () => {
    const before = (await getStatus(lab.connectUrl(0), source.name))!;
    const victimId = before.tasks![0].worker_id!;
    const victim = [0, 1].find((i) => lab.connectUrl(i) === `http://${victimId}`);
    assert.ok(victim !== undefined, `task worker ${victimId} is neither ${lab.connectUrl(0)} nor ${lab.connectUrl(1)}`);
    const survivor = 1 - victim;
    const t0 = Date.now();
    await lab.killWorker(victim);
    const survivorId = lab.connectUrl(survivor).replace("http://", "");
    await waitFor(`source and sink RUNNING on ${survivorId} after killing ${victimId}`, 90_000, async () => {
      const all = await Promise.all([source.name, sink.name].map((n) => getStatus(lab.connectUrl(survivor), n)));
      return all.every((s) => s?.connector?.state === "RUNNING" && s.connector.worker_id === survivorId &&
        (s.tasks ?? []).length > 0 && s.tasks!.every((t) => t.state === "RUNNING" && t.worker_id === survivorId)) ? true : undefined;
    }, 1000);
    console.log(`      connectors RUNNING on the survivor ${Date.now() - t0} ms after SIGKILL of ${victimId}`);
    await pg.query("insert into public.debezium_table values (7, 'after failover', 70)", [], "source_db");
    await converged("after a worker was killed");
    await lab.restartWorker(victim);
  });

  it("reaches Connect through every worker: with worker 0 killed, read, update, the CLI and delete use worker 1", async () => {
    const both = [lab.connectUrl(0), lab.connectUrl(1)];
    await lab.killWorker(0);
    try {
      const t0 = Date.now();
      const read = await provider.read!(sink.name, { ...sink.outs, connectUrl: both });
      const readMs = Date.now() - t0;
      assert.strictEqual(read.id, sink.name, "the connector is still there");
      const t1 = Date.now();
      sink.outs = (await provider.update!(sink.name, sink.outs, sinkInputs(both))).outs!;
      console.log(`      worker 0 dead: read ${readMs} ms, update (moves to RUNNING) ${Date.now() - t1} ms through ${lab.connectUrl(1)}`);
      assert.strictEqual(sink.outs.connectorState, "RUNNING");
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(["connectors"], { LAB_CONNECT_URL: both.join(","), LAB_PREFIX: "lab-real-none" }, (l) => out.push(l), (l) => err.push(l));
      assert.strictEqual(code, 0, err.join("\n"));
      assert.match(out.join("\n"), /^sink-connector\t(RUNNING|UNASSIGNED)/m);
      const t2 = Date.now();
      await provider.delete!("scratch-absent", { ...sink.outs, name: "scratch-absent", connectUrl: both });
      console.log(`      worker 0 dead: delete (404 = gone) ${Date.now() - t2} ms`);
    } finally {
      await lab.restartWorker(0);
    }
  });

  it("rejects a config that fails validation, listing each field, and creates nothing", async () => {
    const bad = sourceInputs(lab.connectUrl(0));
    bad.name = "bad-source";
    bad.config = { ...bad.config, "database.port": "not-a-port", "snapshot.mode": "sometimes" };
    await assert.rejects(provider.create!(bad), (e: Error) => {
      assert.match(e.message, /connector bad-source: .*PostgresConnector rejected the config with \d+ error\(s\); nothing was created/);
      assert.match(e.message, /- database\.port: /);
      assert.match(e.message, /- snapshot\.mode: /);
      assert.ok(!e.message.includes(SECRET), "the secret must not appear in errors");
      return true;
    });
    const names = (await (await fetch(`${lab.connectUrl(0)}/connectors`)).json()) as string[];
    assert.ok(!names.includes("bad-source"), JSON.stringify(names));
  });

  it("deletes idempotently; read() then reports the connector gone", async () => {
    for (const c of [sink, source]) {
      await provider.delete!(c.name, c.outs);
      await provider.delete!(c.name, c.outs); // 404 the second time: still success
      assert.strictEqual(await getConfig(lab.connectUrl(0), c.name), undefined);
      const read = await provider.read!(c.name, c.outs);
      assert.strictEqual(read.id, undefined);
    }
  });
});
