// The real Pulumi engine (built by .ci/pulumi/build.sh) runs tests/engine/program against a PostgreSQL and a
// Kafka Connect worker the test starts: create, no-op, one update, out-of-band deletes repaired by refresh + up,
// destroy, no plaintext secret in the state.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { KafkaLab, startKafka } from "../testbed/kafka";
import { PG_BIN, LocalPostgres, startPostgres } from "../testbed/postgres";
import { stopAll } from "../testbed/proc";
import { changesOnly, Engine, EngineStack, loadEngine } from "./harness";

describe("engine: pulumi up/refresh/destroy of the lab's resources", function () {
  this.timeout(600_000);
  this.bail(true); // each step builds on the state the previous one left
  let engine: Engine;
  let pg: LocalPostgres;
  let kafka: KafkaLab;
  let stack: EngineStack;
  const database = "engine_lab";
  // Trust auth ignores it; what matters is that it never shows up in the state in clear.
  const password = `pw-${crypto.randomBytes(9).toString("hex")}`;
  const tableExists = async (name: string) =>
    (await pg.query("select to_regclass($1) is not null as present", [name], database))[0].present as boolean;
  const connectors = async () => (await (await fetch(`${kafka.connectUrl(0)}/connectors`)).json()) as string[];
  const databaseExists = async () =>
    (await pg.query("select count(*)::int as n from pg_database where datname = $1", [database]))[0].n === 1;

  before(async () => {
    engine = loadEngine();
    [pg, kafka] = await Promise.all([startPostgres({ name: "engine-pg" }), startKafka({ name: "engine-kafka", workers: 1 })]);
    stack = new EngineStack(engine, `engine-${crypto.randomBytes(6).toString("hex")}`);
    await stack.init(
      { "engine:pgPort": pg.port, "engine:pgBin": PG_BIN, "engine:database": database, "engine:lockTimeoutMs": 5000,
        "engine:connectUrl": kafka.connectUrl(0) },
      { "engine:pgPassword": password },
    );
  });

  after(async () => {
    await stack?.remove();
    await kafka?.stop().catch(() => undefined);
    await pg?.stop().catch(() => undefined); // also removes its data dir
    await stopAll();
  });

  it("runs the CLI the build recorded", () => {
    assert.equal(engine.cliVersion, engine.builtVersion);
  });

  it("up creates the database (command provider), the schema and the connector (dynamic providers)", async () => {
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), { create: 6 }); // stack, command, 2 health gates, migrations, connector
    assert.equal(await tableExists("public.engine_probe"), true);
    const outputs = await stack.outputs();
    assert.equal(outputs.databaseCreated, `created ${database}`);
    assert.deepEqual(outputs.appliedMigrations, ["001_engine_probe"]);
    assert.equal(outputs.connectorState, "RUNNING");
    assert.deepEqual(await connectors(), ["engine-sink"]);
  });

  it("a second up changes nothing", async () => {
    assert.deepEqual(changesOnly(await stack.preview()), {});
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), {});
  });

  it("a changed setting is exactly one update", async () => {
    await stack.setConfig("engine:lockTimeoutMs", "7000");
    assert.deepEqual(changesOnly(await stack.preview()), { update: 1 });
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), { update: 1 });
  });

  it("refresh sees out-of-band deletes; up applies the migrations and creates the connector again", async () => {
    await pg.query("drop table engine_probe; delete from lab_migrations", [], database);
    const deleted = await fetch(`${kafka.connectUrl(0)}/connectors/engine-sink`, { method: "DELETE" });
    assert.equal(deleted.status, 204);
    await stack.refresh();
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), { create: 1, update: 1 });
    assert.deepEqual(await connectors(), ["engine-sink"]);
    assert.equal(await tableExists("public.engine_probe"), true);
    assert.equal((await pg.query("select count(*)::int as n from lab_migrations", [], database))[0].n, 1);
  });

  it("the exported state holds the password only encrypted", async () => {
    const text = await stack.exportText();
    assert.ok(text.includes("4dabf18193072939515e22adb298388d"), "the state marks secrets with the secret signature");
    assert.equal(text.includes(password), false, "the password appears in clear in `pulumi stack export`");
  });

  it("destroy leaves nothing behind on Connect and in PostgreSQL", async () => {
    await stack.destroy();
    assert.deepEqual(await connectors(), []);
    assert.equal(await databaseExists(), false);
    const remaining = JSON.parse(await stack.exportText()).deployment.resources ?? [];
    assert.deepEqual(remaining, []);
  });
});
