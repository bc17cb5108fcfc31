import * as assert from "assert";
import { DEFAULT_IMAGES } from "../../images/catalog";
import { composeMocked } from "../../tests/testbed/composeMocked";
import { assertContainerHygiene, container as containerNamed, containersOf, envOf, MockRun, Registered, waitsFor, mockImageId } from "../../tests/testbed/mockLab";

const SECRET_VALUES = ["postgresPassword-value", "replicationPassword-value", "airflowAdminPassword-value"];
const CONNECTOR = "pulumi-nodejs:dynamic/lab:KafkaConnector";
const MIGRATIONS = "pulumi-nodejs:dynamic/lab:SqlMigrations";

describe("stacks: cdc-datavault under mocks", () => {
  let run: MockRun;
  let out: Record<string, any>;
  const container = (name: string): Registered => containerNamed(run, `lab-dev-${name}`);
  const env = envOf;

  before(async () => {
    run = await composeMocked({ homeworks: ["cdc-datavault"] });
    out = run.outputs["cdc-datavault"] as Record<string, any>;
  });

  it("creates exactly the homework's containers and images", () => {
    assert.deepStrictEqual(containersOf(run).map((c) => c.inputs.name).sort(), [
      "lab-dev-airflow-db", "lab-dev-airflow-init", "lab-dev-airflow-scheduler", "lab-dev-airflow-webserver",
      "lab-dev-connect-1", "lab-dev-dv-loader", "lab-dev-kafka",
      "lab-dev-postgres-dwh", "lab-dev-postgres-presentation", "lab-dev-postgres-primary", "lab-dev-postgres-replica",
    ]);
    const images = run.byType("docker:index/image:Image").map((i) => i.inputs);
    assert.deepStrictEqual(images.map((i) => i.imageName).sort(), ["lab-dev-connect:local", "lab-dev-dv-loader:local"]);
    const connectImage = images.find((i) => i.imageName === "lab-dev-connect:local")!;
    assert.strictEqual(connectImage.build.args.KAFKA_IMAGE, DEFAULT_IMAGES.kafka, "Connect is built FROM the configured Kafka image");
    assert.match(connectImage.build.context, /images\/connect$/);
    assert.strictEqual(images.find((i) => i.imageName === "lab-dev-dv-loader:local")!.build.args.NODE_IMAGE, DEFAULT_IMAGES.node);
    assert.strictEqual(container("connect-1").inputs.image, mockImageId("lab-dev-connect:local"));
    assert.strictEqual(container("dv-loader").inputs.image, mockImageId("lab-dev-dv-loader:local"));
  });

  it("gives every container an honest healthcheck and loopback-only unique ports, with the seed's numbers", () => {
    assertContainerHygiene(run);
    const published = Object.fromEntries(containersOf(run).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => [c.inputs.name, p.external])));
    assert.deepStrictEqual(published, {
      "lab-dev-postgres-primary": 5432, "lab-dev-postgres-replica": 5433, "lab-dev-postgres-dwh": 5435,
      "lab-dev-postgres-presentation": 5436, "lab-dev-kafka": 9092, "lab-dev-connect-1": 8083, "lab-dev-airflow-webserver": 8080,
    });
    assert.deepStrictEqual(container("kafka").inputs.healthcheck.tests.slice(1, 2), ["/opt/kafka/bin/kafka-topics.sh"]);
    assert.match(container("connect-1").inputs.healthcheck.tests.join(" "), /wget .*127\.0\.0\.1:8083\/connectors/);
    assert.match(container("postgres-replica").inputs.healthcheck.tests[1], /pg_is_in_recovery\(\) and exists .*pg_stat_wal_receiver where status = 'streaming'/);
    assert.match(container("dv-loader").inputs.healthcheck.tests.join(" "), /127\.0\.0\.1:8090\/health.*process\.exit\(r\.ok \? 0 : 1\)/);
  });

  it("orders by health: replica after primary, Connect after Kafka, connector after Connect and the source SQL, loader after all", () => {
    const [primarySql, dwhSql, presentationSql] = ["primary-sql", "dwh-sql", "presentation-sql"].map((n) => run.byName(n));
    assert.deepStrictEqual(run.byType(MIGRATIONS).map((m) => m.name).sort(), ["dwh-sql", "presentation-sql", "primary-sql"]);
    assert.ok(waitsFor(container("postgres-replica"), [container("postgres-primary")]));
    assert.ok(waitsFor(primarySql, [container("postgres-primary")]), "SQL before the primary is healthy");
    assert.ok(waitsFor(dwhSql, [container("postgres-dwh")]));
    assert.ok(waitsFor(presentationSql, [container("postgres-presentation")]));
    assert.ok(waitsFor(container("connect-1"), [container("kafka")]));
    const connectors = run.byType(CONNECTOR);
    assert.deepStrictEqual(connectors.map((c) => c.inputs.name), ["bookings-source"]);
    assert.ok(waitsFor(connectors[0], [container("connect-1"), primarySql]), "connector registered before Connect is healthy");
    assert.ok(waitsFor(container("dv-loader"), [container("kafka"), container("postgres-dwh"), dwhSql, connectors[0]]));
    assert.ok(waitsFor(container("airflow-init"), [primarySql, presentationSql]));
  });

  it("applies the bookings schema plus the CDC setup to the primary, the Data Vault to the DWH", () => {
    const ids = (n: string) => run.byName(n).inputs.migrations.map((m: any) => m.id);
    assert.deepStrictEqual(ids("primary-sql"), ["001_schema", "002_reference_data", "003_generated_data", "100_cdc_setup"]);
    assert.deepStrictEqual(ids("dwh-sql"), ["001_datavault"]);
    assert.deepStrictEqual(ids("presentation-sql"), ["001_presentation"]);
    assert.strictEqual(run.byName("dwh-sql").inputs.port, 5435);
  });

  it("points Debezium at the primary inside the lab network, with a named slot and publication, password kept secret", () => {
    const c = run.byType(CONNECTOR)[0].inputs;
    assert.deepStrictEqual(c.connectUrl, ["http://127.0.0.1:8083"]);
    assert.strictEqual(c.config["database.hostname"], "postgres-primary");
    assert.strictEqual(c.config["database.port"], "5432");
    assert.strictEqual(c.config["slot.name"], "bookings_dv_slot");
    assert.strictEqual(c.config["publication.name"], "bookings_dv_publication");
    assert.strictEqual(c.config["decimal.handling.mode"], "string");
    assert.match(c.config["table.include.list"], /^bookings\.bookings,bookings\.tickets,bookings\.airports,bookings\.aircrafts,bookings\.flights,bookings\.ticket_flights,bookings\.debezium_signal$/);
    assert.ok(!("database.password" in c.config));
    assert.strictEqual(c.sensitiveConfig["database.password"], "postgresPassword-value");
  });

  it("clones the replica from the primary through the slot, and wires the loader to Kafka and the DWH", () => {
    const r = env(container("postgres-replica"));
    assert.strictEqual(r.PRIMARY_HOST, "postgres-primary");
    assert.strictEqual(r.REPLICA_SLOT, "replica_slot");
    assert.strictEqual(r.REPLICATION_PASSWORD, "replicationPassword-value");
    assert.strictEqual(container("postgres-replica").inputs.user, "postgres");
    assert.match(container("postgres-primary").inputs.uploads[0].content, /CREATE ROLE replicator WITH REPLICATION LOGIN/);
    assert.ok(container("postgres-primary").inputs.command.includes("wal_level=logical"));
    const l = env(container("dv-loader"));
    assert.strictEqual(l.KAFKA_BOOTSTRAP, "kafka:19092");
    assert.strictEqual(l.DV_TOPIC_PREFIX, "cdc");
    assert.strictEqual(l.DWH_URL, "postgresql://postgres:postgresPassword-value@postgres-dwh:5432/dwh");
    assert.match(container("connect-1").inputs.uploads[0].content, /bootstrap\.servers=kafka:19092\ngroup\.id=lab-dev-connect\n/);
    const k = env(container("kafka"));
    assert.strictEqual(k.KAFKA_ADVERTISED_LISTENERS, "INTERNAL://kafka:19092,HOST://127.0.0.1:9092");
  });

  it("exports endpoints, the Connect URL and topics, with connection strings secret and no plaintext secret elsewhere", () => {
    assert.strictEqual(out.primary, "127.0.0.1:5432");
    assert.strictEqual(out.replica, "127.0.0.1:5433");
    assert.strictEqual(out.dwh, "127.0.0.1:5435");
    assert.strictEqual(out.presentation, "127.0.0.1:5436");
    assert.strictEqual(out.connectUrl, "http://127.0.0.1:8083");
    assert.strictEqual(out.kafkaBootstrap, "127.0.0.1:9092");
    assert.strictEqual(out.airflow, "http://127.0.0.1:8080");
    assert.deepStrictEqual(out.topics, ["cdc.bookings.bookings", "cdc.bookings.tickets", "cdc.bookings.airports", "cdc.bookings.aircrafts", "cdc.bookings.flights", "cdc.bookings.ticket_flights"]);
    assert.strictEqual(out.primaryUrl, "postgresql://postgres:postgresPassword-value@127.0.0.1:5432/demo");
    assert.deepStrictEqual(run.secretOutputs, ["cdc-datavault"], "connection strings must be secret outputs");
    for (const [k, v] of Object.entries(out)) {
      if (/Url$/.test(k) && k !== "connectUrl") continue;
      for (const s of SECRET_VALUES) assert.ok(!JSON.stringify(v).includes(s), `output ${k} holds a plaintext secret`);
    }
  });
});
