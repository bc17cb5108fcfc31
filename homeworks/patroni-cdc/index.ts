// Homework patroni-cdc (seed 004): etcd ×3, Patroni ×3 with wal_level=logical and the permanent slots source_slot /
// outbox_slot, HAProxy; destination_db on its own PostgreSQL; Kafka (KRaft) with two Connect workers; Debezium
// through HAProxy's read-write port, a JDBC sink into destination_db, an outbox EventRouter to Person.events; a
// schema registry for the Avro option; pgAdmin; the writer and the reader.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../program/settings";
import { Address, postgresUrl } from "../../components/core/address";
import { jdbcSinkSecrets, postgresSourceSecrets } from "../../components/kafka/debeziumConnectors";
import { haCluster } from "../../components/patroni/haCluster";
import { Kafka } from "../../components/kafka/kafka";
import { KafkaConnect } from "../../components/kafka/kafkaConnect";
import { labService } from "../../components/core/labService";
import { LabNetwork } from "../../components/core/network";
import { PgAdmin } from "../../components/postgres/pgAdmin";
import { PostgresServer } from "../../components/postgres/postgresServer";
import { SchemaRegistry } from "../../components/kafka/schemaRegistry";
import { HealthGate } from "../../providers/healthGate";
import { KafkaConnector } from "../../providers/kafkaConnector";
import { SqlMigrations } from "../../providers/sqlMigrations";
import type { HomeworkContext, HomeworkDefinition } from "../../program/compose";
import {
  CDC_TOPIC, DESTINATION_DATABASE, OUTBOX_CONNECTOR, OUTBOX_TOPIC, PATRONI_CDC_PARAMETERS, PATRONI_CDC_SLOTS,
  PATRONI_CDC_SQL, PatroniCdcEndpoints, RecordFormat, SINK_CONNECTOR, SOURCE_CONNECTOR, SOURCE_DATABASE, SOURCE_SLOT,
  outboxConnectorConfig, sinkConnectorConfig, sourceConnectorConfig,
} from "./connectors";
import { needs } from "./needs";

/** pgAdmin's login (an e-mail is required); its password is lab:postgresPassword. */
export const PGADMIN_EMAIL = "admin@lab.local";
/** Topics carry JSON with inline schemas; switch to { kind: "avro", ... } to put the schemas in the registry. */
const FORMAT_KIND: RecordFormat["kind"] = "json";

export const homework: HomeworkDefinition<typeof needs> = { needs, compose };

function compose({ cfg, prefix, parent, images, ports, secrets, settings }: HomeworkContext<typeof needs>): Record<string, pulumi.Input<unknown>> {
  const opts = { parent };
  const password = secrets.postgresPassword;
  const net = new LabNetwork("net", { prefix }, opts);
  const { pg, proxy } = haCluster({
    prefix, network: net, images, bindAddress: cfg.bindAddress, dcs: settings.patroni,
    superuserPassword: password, replicationPassword: secrets.replicationPassword,
    ports: { readWrite: ports.haproxyReadWrite, readOnly: ports.haproxyReadOnly, stats: ports.haproxyStats },
    parameters: PATRONI_CDC_PARAMETERS, slots: PATRONI_CDC_SLOTS,
  }, opts);
  const destination = new PostgresServer("destination", {
    prefix, network: net, service: "destination", image: images.run("postgres"), bindAddress: cfg.bindAddress,
    port: ports.destination, database: DESTINATION_DATABASE, superuserPassword: password, role: { kind: "standalone" },
  }, opts);

  // SQL from the Pulumi host, each only once its server answers a query: source_db through HAProxy (the leader).
  const sqlOn = (name: string, at: Address, database: string, migrations: string, after: pulumi.Resource[]) => {
    const conn = { ...at, user: "postgres", database, password };
    const gate = new HealthGate(`${name}-ready`, { target: { kind: "sql", ...conn }, timeoutMs: 180_000 }, { parent, dependsOn: after });
    return new SqlMigrations(`${name}-sql`, { connection: conn, migrations }, { parent, dependsOn: [gate] });
  };
  const clusterSql = sqlOn("cluster", proxy.published.readWrite, "postgres", PATRONI_CDC_SQL.cluster, [proxy.container]);
  const sourceSql = sqlOn("source", proxy.published.readWrite, SOURCE_DATABASE, PATRONI_CDC_SQL.source, [clusterSql]);
  const destinationSql = sqlOn("destination", destination.published, DESTINATION_DATABASE, PATRONI_CDC_SQL.destination, [destination.container]);

  const kafka = new Kafka("kafka", { prefix, network: net, image: images.run("kafka"), bindAddress: cfg.bindAddress, port: ports.kafka }, opts);
  const connect = new KafkaConnect("connect", {
    prefix, network: net, kafka, images, bindAddress: cfg.bindAddress, ports: [ports.connect, ports.connectWorker2],
  }, opts);
  // Registry-only (Apicurio's build is not on Maven Central): lab:schemaRegistry.enabled=false leaves it out.
  const registry = settings.schemaRegistry.enabled
    ? new SchemaRegistry("schema-registry", { prefix, network: net, image: images.run("schemaRegistry"), bindAddress: cfg.bindAddress, port: ports.schemaRegistry }, opts)
    : undefined;
  if (FORMAT_KIND === "avro" && !registry) throw new ConfigError("schemaRegistry.enabled", false, "the Avro record format needs the schema registry");
  const format: RecordFormat = FORMAT_KIND === "json" || !registry ? { kind: "json" } : { kind: "avro", registryUrl: registry.internalRegistryUrl };

  // Connect reaches HAProxy by service name on its in-network port (the seed's 5000), whatever the host port.
  const endpoints: PatroniCdcEndpoints = {
    source: { ...proxy.inLab.readWrite, user: "postgres", database: SOURCE_DATABASE },
    destination: { ...destination.inLab, user: "postgres", database: DESTINATION_DATABASE },
  };
  const sourceSecret = pulumi.output(password).apply(postgresSourceSecrets);
  const afterConnect = [...connect.workers, ...(registry ? [registry.container] : [])];
  const source = new KafkaConnector("source-connector", {
    connectUrl: connect.urls, name: SOURCE_CONNECTOR, config: sourceConnectorConfig(endpoints, format), sensitiveConfig: sourceSecret,
  }, { parent, dependsOn: [...afterConnect, sourceSql] });
  const sink = new KafkaConnector("sink-connector", {
    connectUrl: connect.urls, name: SINK_CONNECTOR, config: sinkConnectorConfig(endpoints, format),
    sensitiveConfig: pulumi.output(password).apply(jdbcSinkSecrets),
  }, { parent, dependsOn: [...afterConnect, destinationSql, source] });
  const outbox = new KafkaConnector("outbox-connector", {
    connectUrl: connect.urls, name: OUTBOX_CONNECTOR, config: outboxConnectorConfig(endpoints, format), sensitiveConfig: sourceSecret,
  }, { parent, dependsOn: [...afterConnect, sourceSql] });

  // The writer and the reader: one image, the command picks the app.
  const appsImage = images.build("cdc-apps-image", {
    image: "cdc-apps", from: { key: "node", arg: "NODE_IMAGE" }, context: ".", dockerfile: "apps/cdc-apps/Dockerfile",
  }, opts);
  const url = (at: Address, database: string) => postgresUrl({ user: "postgres", password, at, database });
  const app = (service: string, main: string, env: Record<string, pulumi.Input<string>>, dependsOn: pulumi.Resource[]) => labService(parent, { prefix, network: net, bindAddress: cfg.bindAddress }, {
    service, image: appsImage.repoDigest,
    command: ["node", `dist/${service}/src/${main}.js`], env,
    healthcheck: { test: ["CMD", "node", `dist/${service}/src/health.js`], startPeriodSeconds: 20 },
    dependsOn,
  });
  const writer = settings.traffic.enabled ? app("cdc-writer", "main", {
    SOURCE_URL: url(proxy.inLab.readWrite, SOURCE_DATABASE),
    WRITER_RATE: String(settings.traffic.ratePerSecond),
    WRITER_ROWS: "100",
    // The seed's OUTBOX=true: the outbox connector is registered, so every change also emits a Person event.
    OUTBOX: "true",
  }, [source, sink, outbox]) : undefined;
  app("cdc-reader", "main", { DESTINATION_URL: url(destination.inLab, DESTINATION_DATABASE) }, [destinationSql]);

  const pgAdmin = new PgAdmin("pgadmin", {
    prefix, network: net, image: images.run("pgAdmin"), bindAddress: cfg.bindAddress, port: ports.pgAdmin,
    email: PGADMIN_EMAIL, password, group: "debezium_test",
    servers: [
      { name: proxy.inLab.readWrite.host, ...proxy.inLab.readWrite, database: SOURCE_DATABASE, user: "postgres" },
      { name: destination.inLab.host, ...destination.inLab, database: DESTINATION_DATABASE, user: "postgres" },
    ],
    dependsOn: [proxy.container, destination.container],
  }, opts);

  return {
    readWrite: proxy.readWriteEndpoint,
    readOnly: proxy.readOnlyEndpoint,
    haproxyStats: proxy.statsUrl,
    destination: destination.endpoint,
    sourceUrl: url(proxy.published.readWrite, SOURCE_DATABASE),
    destinationUrl: url(destination.published, DESTINATION_DATABASE),
    kafkaBootstrap: kafka.bootstrap,
    connectUrl: connect.urls.join(","),
    schemaRegistry: registry?.confluentUrl,
    pgAdmin: pgAdmin.url,
    connectors: [SOURCE_CONNECTOR, SINK_CONNECTOR, OUTBOX_CONNECTOR],
    connectorStates: pulumi.all([source.connectorState, sink.connectorState, outbox.connectorState]),
    slot: SOURCE_SLOT,
    topics: [CDC_TOPIC, OUTBOX_TOPIC],
    writer: writer ? writer.container.name : "off (lab:traffic.enabled=false)",
    patronictlList: pg.patronictlList(prefix),
    credentials: `PostgreSQL (HAProxy and destination): postgres / lab:postgresPassword; pgAdmin: ${PGADMIN_EMAIL} / lab:postgresPassword `
      + "(pulumi config get lab:postgresPassword)",
  };
}
