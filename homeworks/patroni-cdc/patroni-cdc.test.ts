import * as assert from "assert";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULT_IMAGES } from "../../images/catalog";
import { renderServersJson } from "../../components/postgres/pgAdmin";
import { converterConfig } from "./connectors";
import { composeMocked } from "../../tests/testbed/composeMocked";
import { assertContainerHygiene, container as containerNamed, containersOf, envOf, MockRun, Registered, waitsFor, mockImageId } from "../../tests/testbed/mockLab";

const SECRET_VALUES = ["postgresPassword-value", "replicationPassword-value"];
const CONNECTOR = "pulumi-nodejs:dynamic/lab:KafkaConnector";
const MIGRATIONS = "pulumi-nodejs:dynamic/lab:SqlMigrations";
const GATE = "pulumi-nodejs:dynamic/lab:HealthGate";

describe("stacks: patroni-cdc under mocks", () => {
  let run: MockRun;
  let out: Record<string, any>;
  const container = (name: string): Registered => containerNamed(run, `lab-dev-${name}`);
  const env = envOf;
  const connector = (name: string) => {
    const c = run.byType(CONNECTOR).find((x) => x.inputs.name === name);
    assert.ok(c, `no connector ${name}`);
    return c;
  };

  before(async () => {
    run = await composeMocked({ homeworks: ["patroni-cdc"] });
    out = run.outputs["patroni-cdc"] as Record<string, any>;
  });

  it("creates exactly the seed's services: etcd ×3, Patroni ×3, HAProxy, destination, Kafka, Connect ×2, registry, pgAdmin, writer, reader", () => {
    assert.deepStrictEqual(containersOf(run).map((c) => c.inputs.name).sort(), [
      "lab-dev-cdc-reader", "lab-dev-cdc-writer", "lab-dev-connect-1", "lab-dev-connect-2", "lab-dev-destination",
      "lab-dev-etcd-1", "lab-dev-etcd-2", "lab-dev-etcd-3", "lab-dev-haproxy", "lab-dev-kafka",
      "lab-dev-pg-1", "lab-dev-pg-2", "lab-dev-pg-3", "lab-dev-pgadmin", "lab-dev-schema-registry",
    ]);
    const images = run.byType("docker:index/image:Image").map((i) => i.inputs);
    assert.deepStrictEqual(images.map((i) => i.imageName).sort(), ["lab-dev-cdc-apps:local", "lab-dev-connect:local", "lab-dev-patroni:local"]);
    const apps = images.find((i) => i.imageName === "lab-dev-cdc-apps:local")!;
    assert.match(apps.build.dockerfile, /apps\/cdc-apps\/Dockerfile$/);
    // The apps are npm workspaces: their image builds from the repository root (one lockfile).
    assert.strictEqual(apps.build.context, path.resolve(__dirname, "../.."));
    assert.strictEqual(apps.build.args.NODE_IMAGE, DEFAULT_IMAGES.node);
    for (const app of ["cdc-writer", "cdc-reader"]) {
      assert.strictEqual(container(app).inputs.image, mockImageId("lab-dev-cdc-apps:local"));
      assert.deepStrictEqual(container(app).inputs.command, ["node", `dist/${app}/src/main.js`]);
    }
  });

  it("gives every container an honest healthcheck and loopback-only unique ports, with the seed's numbers", () => {
    assertContainerHygiene(run);
    const published = containersOf(run).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => `${c.inputs.name.replace("lab-dev-", "")}:${p.external}`)).sort();
    assert.deepStrictEqual(published, [
      "connect-1:8083", "connect-2:8084", "destination:5434", "haproxy:5001", "haproxy:5002", "haproxy:7001", "kafka:9092", "pgadmin:5050", "schema-registry:8081",
    ]);
    assert.match(container("schema-registry").inputs.healthcheck.tests.join(" "), /curl -fsS .*127\.0\.0\.1:8080\/health\/ready/);
    assert.match(container("pgadmin").inputs.healthcheck.tests.join(" "), /wget .*127\.0\.0\.1:80\/misc\/ping/);
    assert.deepStrictEqual(container("cdc-writer").inputs.healthcheck.tests, ["CMD", "node", "dist/cdc-writer/src/health.js"]);
  });

  it("declares wal_level=logical and the permanent pgoutput slots in every Patroni member's config", () => {
    for (const m of ["pg-1", "pg-2", "pg-3"]) {
      const cfg = parse(container(m).inputs.uploads[0].content, { version: "1.1" });
      const dcs = cfg.bootstrap.dcs;
      assert.strictEqual(dcs.postgresql.parameters.wal_level, "logical");
      assert.strictEqual(dcs.postgresql.parameters.hot_standby_feedback, "on");
      assert.strictEqual(dcs.postgresql.use_slots, true);
      assert.deepStrictEqual(dcs.slots.source_slot, { type: "logical", database: "source_db", plugin: "pgoutput" });
      assert.deepStrictEqual(dcs.slots.outbox_slot, { type: "logical", database: "source_db", plugin: "pgoutput" });
    }
  });

  it("orders by health: SQL after its server's HealthGate, connectors after Connect and the schemas, the writer last", () => {
    assert.deepStrictEqual(run.byType(MIGRATIONS).map((m) => m.name).sort(), ["cluster-sql", "destination-sql", "source-sql"]);
    assert.deepStrictEqual(run.byType(GATE).map((m) => m.name).sort(), ["cluster-ready", "destination-ready", "source-ready"]);
    const [clusterSql, sourceSql, destSql] = ["cluster-sql", "source-sql", "destination-sql"].map((n) => run.byName(n));
    assert.ok(waitsFor(run.byName("cluster-ready"), [container("haproxy")]), "cluster SQL gate before HAProxy is healthy");
    assert.ok(waitsFor(clusterSql, [run.byName("cluster-ready")]));
    assert.ok(waitsFor(run.byName("source-ready"), [clusterSql]), "source_db schema before source_db exists");
    assert.ok(waitsFor(sourceSql, [run.byName("source-ready")]));
    assert.ok(waitsFor(run.byName("destination-ready"), [container("destination")]));
    assert.ok(waitsFor(destSql, [run.byName("destination-ready")]));
    assert.ok(waitsFor(container("haproxy"), ["pg-1", "pg-2", "pg-3"].map(container)));
    assert.ok(waitsFor(container("connect-2"), [container("kafka")]));
    const workers = [container("connect-1"), container("connect-2"), container("schema-registry")];
    assert.ok(waitsFor(connector("source-connector"), [...workers, sourceSql]), "source before Connect health / the schema");
    assert.ok(waitsFor(connector("outbox-connector"), [...workers, sourceSql]));
    assert.ok(waitsFor(connector("sink-connector"), [...workers, destSql, connector("source-connector")]));
    assert.ok(waitsFor(container("cdc-writer"), ["source-connector", "sink-connector", "outbox-connector"].map(connector)));
    assert.ok(waitsFor(container("cdc-reader"), [destSql]));
    assert.ok(waitsFor(container("pgadmin"), [container("haproxy"), container("destination")]));
  });

  it("applies the seed's SQL: source_db created on the leader, its tables + publications, destination_db's table", () => {
    const ids = (n: string) => run.byName(n).inputs.migrations.map((m: any) => m.id);
    assert.deepStrictEqual(ids("cluster-sql"), ["001_source_db"]);
    assert.deepStrictEqual(ids("source-sql"), ["001_source"]);
    assert.deepStrictEqual(ids("destination-sql"), ["001_destination"]);
    const sql = run.byName("source-sql").inputs.migrations[0].sql as string;
    for (const t of ["debezium_table", "outbox", "debezium_signal"]) assert.match(sql, new RegExp(`CREATE TABLE public\\.${t} \\(`));
    assert.match(sql, /CREATE PUBLICATION source_publication FOR TABLE public\.debezium_table, public\.debezium_signal/);
    assert.strictEqual(run.byName("source-sql").inputs.port, 5001, "source SQL goes through HAProxy's read-write port");
    assert.strictEqual(run.byName("source-sql").inputs.database, "source_db");
    assert.strictEqual(run.byName("destination-sql").inputs.port, 5434);
  });

  it("points Debezium at HAProxy on source_slot, the sink at destination_db with upsert/record_key/deletes/evolution", () => {
    const src = connector("source-connector").inputs;
    assert.deepStrictEqual(src.connectUrl, ["http://127.0.0.1:8083", "http://127.0.0.1:8084"]);
    assert.deepStrictEqual([src.config["database.hostname"], src.config["database.port"], src.config["database.dbname"]], ["haproxy", "5000", "source_db"]);
    assert.deepStrictEqual([src.config["slot.name"], src.config["plugin.name"], src.config["publication.name"]], ["source_slot", "pgoutput", "source_publication"]);
    assert.strictEqual(src.config["signal.data.collection"], "public.debezium_signal");
    assert.strictEqual(src.config["slot.drop.on.stop"], "false");
    assert.ok(!("database.password" in src.config));
    assert.strictEqual(src.sensitiveConfig["database.password"], "postgresPassword-value");
    const sink = connector("sink-connector").inputs.config;
    assert.strictEqual(sink["connection.url"], "jdbc:postgresql://destination:5432/destination_db");
    assert.deepStrictEqual([sink["insert.mode"], sink["primary.key.mode"], sink["delete.enabled"], sink["schema.evolution"]], ["upsert", "record_key", "true", "basic"]);
    assert.strictEqual(sink.topics, "source.public.debezium_table");
    const outbox = connector("outbox-connector").inputs.config;
    assert.strictEqual(outbox["transforms.outbox.type"], "io.debezium.transforms.outbox.EventRouter");
    assert.strictEqual(outbox["transforms.outbox.route.topic.replacement"], "${routedByValue}.events");
    assert.strictEqual(outbox["slot.name"], "outbox_slot");
  });

  it("wires the writer through HAProxy (outbox on) and the reader to destination_db; pgAdmin with the debezium_test servers", () => {
    const w = env(container("cdc-writer"));
    assert.strictEqual(w.SOURCE_URL, "postgresql://postgres:postgresPassword-value@haproxy:5000/source_db");
    assert.deepStrictEqual([w.WRITER_RATE, w.OUTBOX], ["10", "true"]);
    assert.strictEqual(env(container("cdc-reader")).DESTINATION_URL, "postgresql://postgres:postgresPassword-value@destination:5432/destination_db");
    const servers = JSON.parse(container("pgadmin").inputs.uploads[0].content).Servers;
    assert.deepStrictEqual(Object.values(servers).map((s: any) => [s.Name, s.Group, s.Host, s.Port]), [
      ["haproxy", "debezium_test", "haproxy", 5000], ["destination", "debezium_test", "destination", 5432],
    ]);
    assert.ok(!container("pgadmin").inputs.uploads[0].content.includes("postgresPassword-value"), "servers.json holds no password");
  });

  it("leaves the writer out when lab:traffic.enabled=false", async () => {
    const off = await composeMocked({ homeworks: ["patroni-cdc"], traffic: { enabled: false } });
    const names = off.byType("docker:index/container:Container").map((c) => c.inputs.name);
    assert.ok(!names.includes("lab-dev-cdc-writer") && names.includes("lab-dev-cdc-reader"), names.join(", "));
  });

  it("exports endpoints, connectors and topics; connection strings secret, no plaintext secret elsewhere", () => {
    assert.strictEqual(out.readWrite, "127.0.0.1:5001");
    assert.strictEqual(out.destination, "127.0.0.1:5434");
    assert.strictEqual(out.connectUrl, "http://127.0.0.1:8083,http://127.0.0.1:8084");
    assert.strictEqual(out.schemaRegistry, "http://127.0.0.1:8081/apis/ccompat/v7");
    assert.strictEqual(out.pgAdmin, "http://127.0.0.1:5050");
    assert.deepStrictEqual(out.connectors, ["source-connector", "sink-connector", "outbox-connector"]);
    assert.deepStrictEqual(out.topics, ["source.public.debezium_table", "Person.events"]);
    assert.strictEqual(out.sourceUrl, "postgresql://postgres:postgresPassword-value@127.0.0.1:5001/source_db");
    assert.deepStrictEqual(run.secretOutputs, ["patroni-cdc"], "connection strings must be secret outputs");
    for (const [k, v] of Object.entries(out)) {
      if (k === "sourceUrl" || k === "destinationUrl") continue;
      for (const s of SECRET_VALUES) assert.ok(!JSON.stringify(v).includes(s), `output ${k} holds a plaintext secret`);
    }
  });

  it("rejects bad input naming the key and the value", () => {
    assert.throws(() => converterConfig({ kind: "avro", registryUrl: "registry:8080" }), /format\.registryUrl = "registry:8080": must be an http/);
    assert.throws(() => renderServersJson("g", [{ name: "a", host: "h", port: 70000, database: "d", user: "u" }]), /servers\[0\]\.port = 70000/);
    const avro = converterConfig({ kind: "avro", registryUrl: "http://schema-registry:8080/apis/registry/v2" });
    assert.strictEqual(avro["value.converter"], "io.apicurio.registry.utils.converter.AvroConverter");
    assert.strictEqual(avro["key.converter.apicurio.registry.url"], "http://schema-registry:8080/apis/registry/v2");
  });
});
