import * as assert from "assert";
import { randomUUID } from "crypto";
import { Client } from "pg";
import { Consumer, stringDeserializers } from "@platformatic/kafka";
import { WriterOptions } from "../../apps/cdc-writer/src/options";
import { WriterRun, WriterStats, startWriter } from "../../apps/cdc-writer/src/writer";
import { describeDiff, diffTables, readRows } from "../../apps/cdc-reader/src/reader";
import { jdbcSinkSecrets, postgresSourceSecrets } from "../../components/kafka/debeziumConnectors";
import {
  CDC_TOPIC, OUTBOX_CONNECTOR, OUTBOX_TOPIC, PATRONI_CDC_PARAMETERS, PATRONI_CDC_SLOTS, PATRONI_CDC_SQL, SCHEMA_CHANGE,
  SINK_CONNECTOR, SOURCE_CONNECTOR, SOURCE_SLOT, OUTBOX_SLOT, outboxConnectorConfig, sinkConnectorConfig, snapshotSignalSql,
  sourceConnectorConfig,
} from "../../homeworks/patroni-cdc/connectors";
import {
  getStatus, KAFKA_CONNECTOR_PROVIDER_VERSION, KafkaConnectorInputs, KafkaConnectorOutputs, kafkaConnectorProvider as provider,
} from "../../providers/kafkaConnector";
import { applyMigrations, loadMigrations } from "../../providers/sqlMigrations";
import { KafkaLab, startKafka } from "../testbed/kafka";
import { LocalPatroniCluster, startPatroniCluster } from "../testbed/patroniCluster";
import { LocalPostgres, startPostgres } from "../testbed/postgres";
import { stopAll, waitFor } from "../testbed/proc";

/**
 * Seed 004 on local processes: Patroni ×3 (etcd ×3, HAProxy) with the permanent logical slots, Kafka (KRaft) with
 * two Connect workers, a destination PostgreSQL; Debezium reads through HAProxy's read-write port. The writer runs
 * while the leader is SIGKILLed and while a Connect worker is SIGKILLed; afterwards source and destination are
 * compared row by row (a duplicate is a harmless upsert, a missing row is a lost change).
 */
describe("real: patroni-cdc — Debezium through Patroni survives failover", function () {
  this.timeout(300_000);
  let cluster: LocalPatroniCluster;
  let lab: KafkaLab;
  let dest: LocalPostgres;
  const writers: WriterRun[] = [];
  const outs: Record<string, KafkaConnectorOutputs> = {};

  const endpoints = () => ({
    source: { host: "127.0.0.1", port: cluster.ports.readWrite, user: "postgres", database: "source_db" },
    destination: { host: "127.0.0.1", port: dest.port, user: "postgres", database: "destination_db" },
  });
  const inputs = (name: string): KafkaConnectorInputs => {
    const e = endpoints();
    const password = cluster.superuser.password;
    const [config, sensitiveConfig] = name === SOURCE_CONNECTOR ? [sourceConnectorConfig(e), postgresSourceSecrets(password)]
      : name === OUTBOX_CONNECTOR ? [outboxConnectorConfig(e), postgresSourceSecrets(password)]
        : [sinkConnectorConfig(e), jdbcSinkSecrets("trust-auth-needs-none")];
    return { version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: lab.connectUrl(0), name, config, sensitiveConfig, waitTimeoutMs: 90_000 };
  };
  const writerOptions = (): WriterOptions => ({
    sourceUrl: cluster.readWriteUrl("source_db"), ratePerSecond: 200, rows: 0, outbox: true, batchMs: 20, timeoutMs: 2000,
  });
  const runWriter = () => { const w = startWriter(writerOptions()); writers.push(w); return w; };
  const ackedIds = (w: WriterRun) => w.acked.flatMap((b) => b.ids);
  const sourceRows = () => readRows(cluster.readWrite("source_db"));
  const destRows = () => readRows(dest.config("destination_db"));
  const logicalSlots = async (member: string) => {
    const c = new Client(cluster.direct(member, "postgres"));
    await c.connect();
    try {
      return (await c.query("select slot_name, confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_type = 'logical' order by 1")).rows;
    } finally { await c.end(); }
  };

  /** After the writer stopped: every source row reaches the destination with the same values (bounded wait). */
  async function assertNoLoss(what: string, w: WriterRun, stats: WriterStats): Promise<void> {
    const source = await sourceRows();
    const sourceIds = new Set(source.map((r) => r.id));
    const lostAcked = ackedIds(w).filter((id) => !sourceIds.has(id));
    assert.deepStrictEqual(lostAcked.slice(0, 10), [], `${what}: acknowledged writes missing from source_db itself (${lostAcked.length})`);
    let last = "";
    try {
      await waitFor(`destination_db to hold every source_db row (${what})`, 90_000, async () => {
        const d = diffTables(source, await destRows());
        last = describeDiff(d);
        return d.missing.length === 0 && d.different.length === 0 ? true : undefined;
      }, 1000);
    } catch (e) {
      throw new Error(`${what}: ${last} after the writer stopped (${JSON.stringify(stats)})\n${(e as Error).message}`);
    }
    console.log(`      ${what}: ${source.length} source rows, all in destination_db; writer ${JSON.stringify(stats)}`);
  }

  before(async function () {
    this.timeout(240_000);
    const t0 = Date.now();
    [cluster, lab, dest] = await Promise.all([
      startPatroniCluster({ parameters: PATRONI_CDC_PARAMETERS, slots: PATRONI_CDC_SLOTS }),
      startKafka({ name: "pcdc", workers: 2 }),
      startPostgres({ name: "pcdc-dest" }),
    ]);
    const leader = await cluster.waitForLeader({ replicas: 2, timeoutMs: 90_000 });
    // The same SQL files the stack applies: source_db on the leader through HAProxy, then its schema; destination_db.
    await applyMigrations(cluster.readWrite("postgres"), loadMigrations(PATRONI_CDC_SQL.cluster));
    await applyMigrations(cluster.readWrite("source_db"), loadMigrations(PATRONI_CDC_SQL.source));
    await dest.createDatabase("destination_db");
    await applyMigrations(dest.config("destination_db"), loadMigrations(PATRONI_CDC_SQL.destination));
    console.log(`      patroni (leader ${leader}) + kafka (2 workers) + destination ready in ${Date.now() - t0} ms`);
  });

  after(async () => {
    await Promise.all(writers.map((w) => w.stop().catch(() => undefined)));
    await lab?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await dest?.stop().catch(() => undefined);
    await stopAll();
  });

  it("keeps the permanent slots on the leader and copies them to both replicas", async () => {
    const t0 = Date.now();
    const members = cluster.patroni.map((p) => p.name);
    const want = [OUTBOX_SLOT, SOURCE_SLOT].sort();
    await waitFor("source_slot and outbox_slot on every member", 90_000, async () => {
      const all = await Promise.all(members.map(logicalSlots));
      return all.every((slots) => JSON.stringify(slots.map((s) => s.slot_name)) === JSON.stringify(want)) ? true : undefined;
    }, 1000).catch((e) => { throw new Error(`${e.message}\n${cluster.logs(10)}`); });
    console.log(`      slots on all ${members.length} members ${Date.now() - t0} ms after source_db was created`);
    const leader = (await cluster.leader())!;
    const c = new Client(cluster.direct(leader, "source_db"));
    await c.connect();
    const [slot] = (await c.query("select plugin, database from pg_replication_slots where slot_name = $1", [SOURCE_SLOT])).rows;
    await c.end();
    assert.deepStrictEqual(slot, { plugin: "pgoutput", database: "source_db" });
  });

  it("registers the source (through HAProxy), the sink and the outbox connector; all RUNNING", async () => {
    await dest.query("select 1", [], "destination_db");
    const t0 = Date.now();
    for (const name of [SOURCE_CONNECTOR, SINK_CONNECTOR, OUTBOX_CONNECTOR]) {
      outs[name] = (await provider.create!(inputs(name))).outs!;
      assert.strictEqual(outs[name].connectorState, "RUNNING", name);
    }
    console.log(`      3 connectors RUNNING ${Date.now() - t0} ms after create`);
    const w = runWriter();
    await waitFor("the first rows in destination_db", 60_000, async () => ((await destRows()).length >= 100 ? true : undefined), 500);
    await assertNoLoss("steady state", w, await w.stop());
  });

  it("SIGKILL of the leader: CDC resumes from the permanent slot on the new leader with 0 lost changes", async () => {
    const w = runWriter();
    await waitFor("writer acks", 20_000, async () => (w.stats().ackedRows >= 400 ? true : undefined), 200);
    // The source connector stops reading ~2 s before the kill: those rows exist only in WAL the slot must still
    // cover on the new leader (a slot created fresh at promotion would skip them). The outbox connector keeps
    // streaming through the kill, so the reconnect-and-retry path is exercised too (checked on Person.events).
    const paused = (await provider.update!(SOURCE_CONNECTOR, outs[SOURCE_CONNECTOR], { ...inputs(SOURCE_CONNECTOR), state: "paused" })).outs!;
    const streamedMax = Math.max(0, ...(await destRows()).map((r) => r.id));
    const acksAtPause = w.stats().ackedRows;
    await waitFor("2 s of writes past the paused source", 20_000, async () => (w.stats().ackedRows >= acksAtPause + 400 ? true : undefined), 200);
    const leader = (await cluster.leader())!;
    const slotsBefore = await Promise.all(cluster.patroni.map(async (p) => `${p.name}: ${JSON.stringify(await logicalSlots(p.name))}`));
    const t0 = Date.now();
    await cluster.kill(leader, "SIGKILL");
    const newLeader = await cluster.waitForLeader({ not: leader, timeoutMs: 90_000 });
    const promotedMs = Date.now() - t0;
    const slotsAfter = await logicalSlots(newLeader);
    assert.deepStrictEqual(slotsAfter.map((s) => s.slot_name), [OUTBOX_SLOT, SOURCE_SLOT],
      `the new leader ${newLeader} lacks the permanent slots; before the kill: ${slotsBefore.join("; ")}`);
    outs[SOURCE_CONNECTOR] = (await provider.update!(SOURCE_CONNECTOR, paused, inputs(SOURCE_CONNECTOR))).outs!;
    const acksAtKill = w.stats().ackedRows;
    await waitFor("writes acknowledged by the new leader", 60_000, async () => (w.stats().ackedRows > acksAtKill + 400 ? true : undefined), 200);
    await waitFor("source-connector RUNNING after the failover", 90_000, async () => {
      const s = await getStatus(lab.connectUrl(0), SOURCE_CONNECTOR);
      return s?.connector?.state === "RUNNING" && s.tasks?.every((t) => t.state === "RUNNING") ? true : undefined;
    }, 1000);
    const stats = await w.stop();
    const unstreamed = (await sourceRows()).filter((r) => r.id > streamedMax).length;
    console.log(`      ${leader} killed; ${newLeader} leads after ${promotedMs} ms; slots there: ${JSON.stringify(slotsAfter)}; `
      + `${unstreamed} rows committed after the source paused`);
    assert.ok(unstreamed >= 400, `only ${unstreamed} rows were left for the slot on the new leader to carry`);
    await assertNoLoss(`leader ${leader} SIGKILLed`, w, stats);
  });

  it("SIGKILL of a Connect worker: the connectors run on the other one, 0 lost changes", async () => {
    const w = runWriter();
    const before = (await getStatus(lab.connectUrl(0), SOURCE_CONNECTOR))!;
    const victimId = before.tasks![0].worker_id!;
    const victim = [0, 1].find((i) => lab.connectUrl(i) === `http://${victimId}`);
    assert.ok(victim !== undefined, `task worker ${victimId} is neither ${lab.connectUrl(0)} nor ${lab.connectUrl(1)}`);
    const survivor = 1 - victim;
    const survivorId = lab.connectUrl(survivor).replace("http://", "");
    await waitFor("writer acks", 20_000, async () => (w.stats().ackedRows >= 400 ? true : undefined), 200);
    const t0 = Date.now();
    await lab.killWorker(victim);
    await waitFor(`connectors RUNNING on ${survivorId}`, 90_000, async () => {
      const all = await Promise.all([SOURCE_CONNECTOR, SINK_CONNECTOR, OUTBOX_CONNECTOR].map((n) => getStatus(lab.connectUrl(survivor), n)));
      return all.every((s) => s?.connector?.state === "RUNNING" && s.connector.worker_id === survivorId &&
        (s.tasks ?? []).length > 0 && s.tasks!.every((t) => t.state === "RUNNING" && t.worker_id === survivorId)) ? true : undefined;
    }, 1000);
    console.log(`      connectors RUNNING on the survivor ${Date.now() - t0} ms after SIGKILL of ${victimId}`);
    const acks = w.stats().ackedRows;
    await waitFor("more writes after the move", 30_000, async () => (w.stats().ackedRows > acks + 400 ? true : undefined), 200);
    await assertNoLoss(`Connect worker ${victimId} SIGKILLed`, w, await w.stop());
    // Later steps create connectors through a live worker.
    outs.connectUrl = { connectUrl: lab.connectUrl(survivor) } as KafkaConnectorOutputs;
  });

  it("schema change: pause source, alter both tables, re-create the sink, resume, signal snapshot → destination complete", async () => {
    const connectUrl = outs.connectUrl.connectUrl;
    const on = (name: string): KafkaConnectorInputs => ({ ...inputs(name), connectUrl });
    const t0 = Date.now();
    outs[SOURCE_CONNECTOR] = (await provider.update!(SOURCE_CONNECTOR, { ...outs[SOURCE_CONNECTOR], connectUrl }, { ...on(SOURCE_CONNECTOR), state: "paused" })).outs!;
    assert.strictEqual(outs[SOURCE_CONNECTOR].connectorState, "PAUSED");
    await dest.query(SCHEMA_CHANGE.destination, [], "destination_db");
    const src = new Client(cluster.readWrite("source_db"));
    await src.connect();
    try {
      await src.query(SCHEMA_CHANGE.source);
      await provider.delete!(SINK_CONNECTOR, { ...outs[SINK_CONNECTOR], connectUrl });
      outs[SINK_CONNECTOR] = (await provider.create!(on(SINK_CONNECTOR))).outs!;
      outs[SOURCE_CONNECTOR] = (await provider.update!(SOURCE_CONNECTOR, outs[SOURCE_CONNECTOR], on(SOURCE_CONNECTOR))).outs!;
      assert.strictEqual(outs[SOURCE_CONNECTOR].connectorState, "RUNNING");
      const signal = snapshotSignalSql(randomUUID());
      await src.query(signal.text, signal.values);
    } finally { await src.end(); }
    const want = (await sourceRows()).length;
    const column = SCHEMA_CHANGE.column;
    let seen = "";
    await waitFor(`every destination row to carry ${column} after the incremental snapshot`, 120_000, async () => {
      const [r] = await dest.query(`select count(*)::int as rows, count(${column})::int as filled from public.debezium_table`, [], "destination_db");
      seen = JSON.stringify(r);
      return r.rows === want && r.filled === want ? true : undefined;
    }, 1000).catch((e) => { throw new Error(`${e.message}; destination ${seen}, source rows ${want}`); });
    const [values] = await dest.query(`select array_agg(distinct ${column}) as v from public.debezium_table`, [], "destination_db");
    assert.deepStrictEqual(values.v, ["added by the schema change"]);
    console.log(`      ${want} rows re-read by the incremental snapshot into the new column in ${Date.now() - t0} ms`);
  });

  it("delivers an outbox event on Person.events for every acknowledged write (EventRouter)", async () => {
    const want = new Set(writers.flatMap((w) => ackedIds(w)).map(String));
    const seen = new Set<string>();
    let sample: { key: string; value: string; eventType?: string } | undefined;
    const consumer = new Consumer<string, string, string, string>({
      clientId: "pcdc-test", groupId: `pcdc-${randomUUID()}`, bootstrapBrokers: [lab.bootstrap], deserializers: stringDeserializers,
    });
    try {
      const stream = await consumer.consume({ topics: [OUTBOX_TOPIC], autocommit: false, mode: "earliest" });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${OUTBOX_TOPIC}: ${[...want].filter((k) => seen.has(k)).length} of ${want.size} acknowledged writes' events within 60 s`)), 60_000);
        stream.on("data", (m) => {
          sample ??= { key: m.key, value: m.value, eventType: m.headers?.get?.("eventType")?.toString() };
          seen.add(m.key);
          if ([...want].every((k) => seen.has(k))) { clearTimeout(timer); resolve(); }
        });
        stream.on("error", (e: Error) => { clearTimeout(timer); reject(e); });
      });
      await Promise.resolve(stream.close()).catch(() => undefined);
    } finally {
      await Promise.resolve(consumer.close(true) as unknown as Promise<void>).catch(() => undefined);
    }
    const payload = JSON.parse(sample!.value);
    assert.strictEqual(String(payload.id), sample!.key, `the event body is the writer's payload: ${sample!.value}`);
    assert.ok(want.size > 1000, `only ${want.size} acknowledged writes`);
    console.log(`      ${want.size} acknowledged writes, each with an event on ${OUTBOX_TOPIC} (${CDC_TOPIC} carries the rows)`);
  });
});

/** The stack's writer mode (the seed's: rows 1..N updated round-robin, outbox on) against the real source schema. */
describe("real: cdc-writer updating rows 1..N with outbox events", function () {
  this.timeout(60_000);
  let pg: LocalPostgres;
  before(async () => {
    pg = await startPostgres({ name: "pcdc-writer" });
    await pg.createDatabase("source_db");
    await applyMigrations(pg.config("source_db"), loadMigrations(PATRONI_CDC_SQL.source));
  });
  after(async () => { await pg?.stop().catch(() => undefined); await stopAll(); });

  it("changes only rows 1..N, one outbox event per changed row, each batch one transaction", async () => {
    // 60 rows due per 10 ms batch against 5 rows: a batch must touch each row once, not fail on ON CONFLICT.
    const w = startWriter({ sourceUrl: pg.url("source_db"), ratePerSecond: 6000, rows: 5, outbox: true, batchMs: 10, timeoutMs: 2000 });
    await waitFor("writer batches", 20_000, async () => (w.acked.length >= 20 ? true : undefined), 50);
    const stats = await w.stop();
    assert.strictEqual(stats.failedBatches, 0, stats.lastError);
    const rows = await pg.query("select id, amount from public.debezium_table order by id", [], "source_db");
    assert.deepStrictEqual(rows.map((r) => Number(r.id)), [1, 2, 3, 4, 5]);
    const changes = w.acked.reduce((n, b) => n + b.ids.length, 0);
    assert.strictEqual(rows.reduce((n, r) => n + Number(r.amount), 0), changes, "every acknowledged change is one increment");
    const [events] = await pg.query("select count(*)::int as n, count(distinct aggregateid)::int as ids from public.outbox where aggregatetype = 'Person'", [], "source_db");
    assert.deepStrictEqual(events, { n: changes, ids: 5 });
  });

  it("a student's plain INSERT (name, amount) takes an id past the writer's rows, and the writer keeps going", async () => {
    const insert = async () => Number((await pg.query("INSERT INTO debezium_table (name, amount) VALUES ('x', 1) RETURNING id", [], "source_db"))[0].id);
    const w = startWriter({ sourceUrl: pg.url("source_db"), ratePerSecond: 200, rows: 50, outbox: false, batchMs: 10, timeoutMs: 2000 });
    await waitFor("writer batches", 20_000, async () => (w.acked.length >= 5 ? true : undefined), 50);
    const ids = [await insert(), await insert()];
    const stats = await w.stop();
    assert.strictEqual(stats.failedBatches, 0, stats.lastError);
    assert.ok(ids[0] > 50 && ids[1] === ids[0] + 1, `plain inserts took ids ${ids}, inside the writer's 1..50`);
    const [x] = await pg.query("select count(*)::int as n from public.debezium_table where name = 'x' and amount = 1", [], "source_db");
    assert.strictEqual(x.n, 2, "the writer changed a student's row");
  });
});
