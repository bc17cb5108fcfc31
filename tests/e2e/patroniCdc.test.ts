// The real program, stack patroni-cdc, in build mode against this Docker engine: one bring-up shared by every
// assertion (healthy containers, connectors RUNNING, the writer's rows in destination_db, outbox events, the seed's
// own connector JSON over plain HTTP, the fault experiments, the schema change with an incremental snapshot), a
// second run that must change nothing and a teardown that must leave nothing labelled.
import * as assert from "assert";
import { ClientConfig } from "pg";
import { describeDiff, diffTables, readRows } from "../../apps/cdc-reader/src/reader";
import { OUTBOX_TOPIC, SCHEMA_CHANGE, SIGNAL_TABLE, SINK_CONNECTOR, SOURCE_CONNECTOR, CDC_TABLE } from "../../homeworks/patroni-cdc/connectors";
import { deleteConnector, getConfig, getStatus, putConfig, setState } from "../../providers/kafkaConnector";
import { main as labCli } from "../../tools/lab";
import { LabDocker } from "../../tools/lab/docker";
import { cdcFailover, ExperimentFigures, killConnectWorker, lab, renderFigures, sql } from "../../tools/lab/experiments";
import { docker, execIn } from "../testbed/docker";
import { describeLab, itChangesNothingOnASecondRun, itPassesTheLabCheck, itRunsTheReadmesFirstExperiment, itSurvivesARestartOfEveryContainer, log, poll, seconds } from "./suite";

const RUN = `patroni-cdc-${process.pid}`;
const PREFIX = "lab-e2e-cdc";
const PASSWORD = "e2e-cdc-postgres-pw";
// Ports of their own: a developer's lab (or another e2e suite) on the default ports keeps running.
const PORTS = {
  haproxyReadWrite: 25001, haproxyReadOnly: 25002, haproxyStats: 27001, pgAdmin: 25050, kafka: 29092, connect: 28083, connectWorker2: 28084,
  schemaRegistry: 28081, destination: 25434,
};
const LAB = {
  stack: "patroni-cdc",
  runId: RUN,
  // The schema registry is registry-only (images/debian/schemaRegistry/README.md) and nothing can be pulled here:
  // the lab runs JSON records without it, so the Avro path is not checked in containers.
  config: { prefix: PREFIX, imageSource: "build", debianBase: "debootstrap", buildNetwork: "host", ports: PORTS, schemaRegistry: { enabled: false } },
  secrets: { postgresPassword: PASSWORD, replicationPassword: "e2e-cdc-replication-pw" },
  log: (line: string) => log(line),
};
const CONNECT_URLS = [`http://127.0.0.1:${PORTS.connect}`, `http://127.0.0.1:${PORTS.connect + 1}`];
/** Patroni's default leader lease (lab:patroni.ttl): an unplanned failover may take that long. */
const TTL_SECONDS = 20;
const SEED_PORT = 5000;

const source: ClientConfig = { host: "127.0.0.1", port: PORTS.haproxyReadWrite, user: "postgres", password: PASSWORD, database: "source_db", connectionTimeoutMillis: 5000, query_timeout: 30_000 };
const destination: ClientConfig = { ...source, port: PORTS.destination, database: "destination_db" };
/** Every connector with its status through any live worker (GET /connectors?expand=status). */
async function statuses(): Promise<Record<string, any>> {
  for (const url of CONNECT_URLS) {
    const res = await fetch(`${url}/connectors?expand=status`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    if (res?.ok) return Object.fromEntries(Object.entries(await res.json() as Record<string, any>).map(([k, v]) => [k, v.status]));
  }
  throw new Error(`no Connect worker answered on ${CONNECT_URLS.join(", ")}`);
}
const running = (s: any) => s?.connector?.state === "RUNNING" && (s.tasks ?? []).length > 0 && s.tasks.every((t: any) => t.state === "RUNNING");

/** Up to `max` records of a topic from its beginning, read by the lab CLI's consumer (`lab consume`). */
async function consume(topic: string, max: number, timeoutMs: number): Promise<{ key: unknown; value: any }[]> {
  const lines: string[] = [], errors: string[] = [];
  const code = await labCli(["consume", topic, "--from-beginning", "--max", String(max), "--timeout", String(timeoutMs), "--prefix", PREFIX],
    { LAB_PREFIX: PREFIX }, (l) => lines.push(l), (l) => errors.push(l));
  assert.strictEqual(code, 0, errors.join("\n"));
  return lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** Samples how many of the experiment's rows (ids >= 1e12) destination_db holds, for the longest stall. */
function watchDestination(): { stop(): { longestStallMs: number; samples: number } } {
  const seen: { at: number; n: number }[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped && i < 2000; i++) {
      const r = await sql(destination, "select count(*)::int as n from public.debezium_table where id >= 1000000000000").catch(() => undefined);
      if (r) seen.push({ at: Date.now(), n: r[0].n });
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  return {
    stop() {
      stopped = true;
      void loop;
      // Increases only: from the first new row to the last one, the longest time nothing new arrived.
      const rises = seen.filter((s, i) => i > 0 && s.n > seen[i - 1].n).map((s) => s.at);
      let longest = 0;
      for (let i = 1; i < rises.length; i++) longest = Math.max(longest, rises[i] - rises[i - 1]);
      return { longestStallMs: longest, samples: seen.length };
    },
  };
}

describeLab("e2e: patroni-cdc in build mode on the real engine", LAB, [
  "cdc-reader", "cdc-writer", "connect-1", "connect-2", "destination", "etcd-1", "etcd-2", "etcd-3", "haproxy", "kafka",
  "pg-1", "pg-2", "pg-3", "pgadmin",
], (s) => {
  const phase = s.phase;

  it("runs the source, sink and outbox connectors and their tasks RUNNING (Connect REST on both published ports)", async function () {
    this.timeout(120_000);
    const all = await poll("source, sink and outbox connectors RUNNING", 90_000, async () => {
      const s = await statuses();
      return ["source-connector", "sink-connector", "outbox-connector"].every((n) => running(s[n])) ? s : undefined;
    });
    assert.deepStrictEqual(Object.keys(all).sort(), ["outbox-connector", "sink-connector", "source-connector"]);
    for (const url of CONNECT_URLS) {
      const res = await fetch(`${url}/connectors`, { signal: AbortSignal.timeout(10_000) });
      assert.strictEqual(res.status, 200, url);
      assert.deepStrictEqual(((await res.json()) as string[]).sort(), ["outbox-connector", "sink-connector", "source-connector"], url);
    }
  });

  it("the writer runs and its rows arrive in destination_db (0 missing by id after a settle)", async function () {
    this.timeout(180_000);
    const writer = (await docker.getContainer(`${PREFIX}-cdc-writer`).inspect()).State;
    assert.ok(writer.Running, `cdc-writer is ${writer.Status}`);
    const newest = async () => Number((await sql(destination, "select coalesce(max(written_at), 'epoch') as w from public.debezium_table"))[0].w.getTime());
    const t0 = await newest();
    let last = "";
    const n = await phase("writer rows settled in destination", () => poll("destination_db to hold every source_db id", 120_000, async () => {
      const [s, d] = await Promise.all([readRows(source), readRows(destination)]);
      const diff = diffTables(s, d);
      last = `${s.length} source rows: ${describeDiff(diff)}`;
      return s.length >= 100 && diff.missing.length === 0 ? s.length : undefined;
    }).catch((e) => { throw new Error(`${e.message}; ${last}`); }));
    // Rows keep arriving: the newest change in the destination moves on while the writer writes.
    const t1 = await poll("a newer change in destination_db", 30_000, async () => { const t = await newest(); return t > t0 ? t : undefined; });
    log(`${n} ids in both; destination's newest change moved ${seconds(t1 - t0)} during the check`);
  });

  it("delivers outbox events on Person.events (the writer's OUTBOX=true), read with the lab's Kafka client", async function () {
    this.timeout(120_000);
    const records = await phase("outbox events read", () => consume(OUTBOX_TOPIC, 50, 30_000));
    assert.ok(records.length >= 50, `only ${records.length} records on ${OUTBOX_TOPIC} within 30 s`);
    const ids = new Set((await readRows(source)).map((r) => String(r.id)));
    for (const r of records.slice(0, 10)) {
      assert.ok(ids.has(String(r.key)), `event key ${JSON.stringify(r.key)} is no source_db id`);
      assert.strictEqual(String(r.value?.id), String(r.key), `the event body is the writer's payload: ${JSON.stringify(r.value)}`);
    }
  });

  itPassesTheLabCheck(s);
  itRunsTheReadmesFirstExperiment(s, "patroni-cdc");

  itChangesNothingOnASecondRun(s);

  it(`HAProxy listens on the seed's port ${SEED_PORT} inside the lab network (the seed's JSON says haproxy:${SEED_PORT}), not on the host port`, async function () {
    this.timeout(60_000);
    const probe = (port: number) => execIn(`${PREFIX}-connect-1`, ["bash", "-c", `exec 3<>/dev/tcp/haproxy/${port}`], { timeoutMs: 15_000 });
    const seed = await probe(SEED_PORT);
    assert.strictEqual(seed.code, 0, `haproxy:${SEED_PORT} refused inside the network: ${seed.stderr.trim()}`);
    const host = await probe(PORTS.haproxyReadWrite);
    assert.notStrictEqual(host.code, 0, `haproxy:${PORTS.haproxyReadWrite} (the host port) answers inside the network too`);
  });


  describe("the seed's register-postgres.json / register-sink.json (host haproxy, a slot of their own) over plain HTTP", () => {
    const SEED_SOURCE = "seed-source-connector";
    const SEED_SINK = "seed-sink-connector";
    const SEED_SLOT = "seed_slot";
    const SEED_TOPIC = "seed.public.debezium_table";
    // The seed's JSON, but on the port HAProxy listens on in the network (see the test above for 5000).
    const seedSource = {
      name: SEED_SOURCE,
      config: {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
        "database.hostname": "haproxy", "database.port": String(SEED_PORT), "database.user": "postgres",
        "database.password": PASSWORD, "database.dbname": "source_db", "topic.prefix": "seed", "plugin.name": "pgoutput",
        "slot.name": SEED_SLOT, "publication.name": "seed_publication", "publication.autocreate.mode": "filtered",
        "table.include.list": "public.debezium_table",
      },
    };
    const seedSink = {
      name: SEED_SINK,
      config: {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "tasks.max": "1",
        "connection.url": "jdbc:postgresql://destination:5432/destination_db", "connection.username": "postgres",
        "connection.password": PASSWORD, "topics": SEED_TOPIC, "insert.mode": "upsert", "primary.key.mode": "record_key",
        "delete.enabled": "true", "schema.evolution": "basic", "collection.name.format": "seed_debezium_table",
      },
    };

    after(async function () {
      this.timeout(120_000);
      // The slot is no Patroni permanent slot: left behind it would pin WAL on the leader.
      for (const name of [SEED_SOURCE, SEED_SINK]) await fetch(`${CONNECT_URLS[0]}/connectors/${name}`, { method: "DELETE", signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      await poll(`${SEED_SLOT} dropped`, 60_000, async () => {
        const r = await sql(source, "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active", [SEED_SLOT]);
        const left = await sql(source, "select 1 from pg_replication_slots where slot_name = $1", [SEED_SLOT]);
        return left.length === 0 ? r.length : undefined;
      }, 2000).catch((e) => log(e.message));
    });

    it("registers both with POST /connectors; they reach RUNNING and the writer's rows land in seed_debezium_table", async function () {
      this.timeout(240_000);
      for (const body of [seedSource, seedSink]) {
        const res = await fetch(`${CONNECT_URLS[0]}/connectors`, {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000),
        });
        assert.strictEqual(res.status, 201, `${body.name}: HTTP ${res.status} ${await res.text()}`);
      }
      await phase("seed connectors RUNNING", () => poll("seed connectors RUNNING", 120_000, async () => {
        const s = await statuses();
        if (s[SEED_SOURCE]?.tasks?.[0]?.state === "FAILED") throw new Error(`${SEED_SOURCE} task FAILED: ${String(s[SEED_SOURCE].tasks[0].trace).slice(0, 400)}`);
        return running(s[SEED_SOURCE]) && running(s[SEED_SINK]) ? true : undefined;
      }));
      const slot = await sql(source, "select plugin, database from pg_replication_slots where slot_name = $1", [SEED_SLOT]);
      assert.deepStrictEqual(slot, [{ plugin: "pgoutput", database: "source_db" }]);
      let last = "";
      await phase("seed sink delivered", () => poll("every source_db id in destination_db.seed_debezium_table", 120_000, async () => {
        const ids = new Set((await readRows(source)).map((r) => r.id));
        const got = new Set((await sql(destination, "select id from public.seed_debezium_table")).map((r) => Number(r.id)));
        const missing = [...ids].filter((id) => !got.has(id));
        last = `${missing.length} of ${ids.size} missing`;
        return missing.length === 0 ? true : undefined;
      }).catch((e) => { throw new Error(`${e.message}; ${last}`); }));
    });
  });

  describe("fault experiments (tools/lab/experiments) under the lab's own traffic", () => {
    const figures: ExperimentFigures[] = [];
    after(() => { for (const f of figures) console.log(renderFigures(f).split("\n").map((l) => `      ${l}`).join("\n")); });

    it(`kill the leader: 0 rows lost source vs destination, the destination stalls ≤ ttl + 5 s (${TTL_SECONDS + 5} s)`, async function () {
      this.timeout(15 * 60_000);
      const h = await lab(new LabDocker(), PREFIX);
      const watch = watchDestination();
      const f = await phase("experiment cdc-failover", () => cdcFailover(h, { ratePerSecond: 20, log: LAB.log }));
      const w = watch.stop();
      figures.push({ ...f, notes: [...(f.notes ?? []), `destination's longest stall: ${seconds(w.longestStallMs)} (${w.samples} samples)`] });
      assert.strictEqual(f.ackedWritesLost, 0, renderFigures(f));
      assert.strictEqual(f.rowsLostSourceVsDestination, 0, renderFigures(f));
      assert.notStrictEqual(f.leaderAfter, f.leaderBefore, renderFigures(f));
      assert.strictEqual(f.readOnlyRefusals, 0, `writes went to a member still read-only\n${renderFigures(f)}`);
      assert.ok(w.longestStallMs > 0 && w.longestStallMs <= (TTL_SECONDS + 5) * 1000, `destination stalled ${seconds(w.longestStallMs)}\n${renderFigures(f)}`);
    });

    it("kill a Connect worker: connectors and tasks RUNNING on the survivor and rows flowing again ≤ 15 s, 0 lost", async function () {
      this.timeout(15 * 60_000);
      const h = await lab(new LabDocker(), PREFIX);
      assert.deepStrictEqual(h.connectUrls.sort(), CONNECT_URLS);
      const watch = watchDestination();
      const f = await phase("experiment kill-connect-worker", () => killConnectWorker(h, { ratePerSecond: 20, log: LAB.log }));
      const w = watch.stop();
      figures.push({ ...f, notes: [...(f.notes ?? []), `destination's longest stall: ${seconds(w.longestStallMs)} (${w.samples} samples)`] });
      assert.strictEqual(f.rowsLostSourceVsDestination, 0, renderFigures(f));
      assert.ok(f.timeToRunningMs !== undefined && f.timeToRunningMs <= 15_000, `RUNNING on the survivor after ${seconds(f.timeToRunningMs ?? NaN)}\n${renderFigures(f)}`);
      assert.ok(w.longestStallMs > 0 && w.longestStallMs <= 15_000, `destination stalled ${seconds(w.longestStallMs)}\n${renderFigures(f)}`);
    });
  });

  describe("after the experiments", () => {
    itSurvivesARestartOfEveryContainer(s, {
      traffic: { conn: source, table: CDC_TABLE, columns: { name: "lab-restart" }, deliveredTo: destination },
      ready: {
        what: "connectors RUNNING",
        wait: () => poll("every connector and task RUNNING after the restart", 300_000, async () => (Object.values(await statuses()).every(running) ? true : undefined)).then(() => undefined),
      },
    });

    it("schema change + signal-table incremental snapshot completes the destination (README patroni-cdc §5)", async function () {
      this.timeout(10 * 60_000);
      await phase("schema change + incremental snapshot", async () => {
        await docker.getContainer(`${PREFIX}-cdc-writer`).stop({ t: 10 });
        // Every worker must be back (the experiments restart the ones they kill) before connectors are changed.
        await poll("connectors RUNNING before the schema change", 120_000, async () => (Object.values(await statuses()).every(running) ? true : undefined));
        await setState(CONNECT_URLS, SOURCE_CONNECTOR, "paused");
        await poll("source-connector PAUSED", 60_000, async () => ((await getStatus(CONNECT_URLS, SOURCE_CONNECTOR))?.connector?.state === "PAUSED" ? true : undefined));
        await sql(destination, SCHEMA_CHANGE.destination);
        await sql(source, SCHEMA_CHANGE.source);
        // delete-connector.sh sink-connector && register-sink.sh: the same config again, so the sink sees the new column.
        const sinkConfig = await getConfig(CONNECT_URLS, SINK_CONNECTOR);
        assert.ok(sinkConfig, "sink-connector has no config");
        assert.ok(await deleteConnector(CONNECT_URLS, SINK_CONNECTOR), "sink-connector was not there to delete");
        await putConfig(CONNECT_URLS, SINK_CONNECTOR, sinkConfig!);
        await setState(CONNECT_URLS, SOURCE_CONNECTOR, "running");
        await poll("source and sink RUNNING after the schema change", 90_000, async () => {
          const s = await statuses();
          return running(s[SOURCE_CONNECTOR]) && running(s[SINK_CONNECTOR]) ? true : undefined;
        });
        const lines: string[] = [], errors: string[] = [];
        const sourceUrl = `postgresql://postgres:${PASSWORD}@127.0.0.1:${PORTS.haproxyReadWrite}/source_db`;
        const code = await labCli(["signal-snapshot", CDC_TABLE, "--signal-table", SIGNAL_TABLE], { LAB_SOURCE_URL: sourceUrl, LAB_PREFIX: PREFIX }, (l) => lines.push(l), (l) => errors.push(l));
        assert.strictEqual(code, 0, errors.join("\n"));
        const want = Number((await sql(source, "select count(*)::int as n from public.debezium_table"))[0].n);
        let seen = "";
        await poll(`every destination row to carry ${SCHEMA_CHANGE.column} after the incremental snapshot`, 180_000, async () => {
          const [r] = await sql(destination, `select count(*)::int as rows, count(${SCHEMA_CHANGE.column})::int as filled from public.debezium_table`);
          seen = JSON.stringify(r);
          return r.rows === want && r.filled === want ? true : undefined;
        }).catch((e) => { throw new Error(`${e.message}; destination ${seen}, source rows ${want}; ${lines.join(" ")}`); });
        // The writer is stopped: now both sides must be equal value by value, not only by id.
        const diff = diffTables(await readRows(source), await readRows(destination));
        assert.deepStrictEqual({ missing: diff.missing.length, different: diff.different.length }, { missing: 0, different: 0 }, describeDiff(diff));
        log(`${want} rows re-read into ${SCHEMA_CHANGE.column}; ${lines.join(" ")}`);
      });
    });
  });
});
