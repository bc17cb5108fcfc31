// Homework patroni-cdc (seed 004): etcd ×3, Patroni ×3 with wal_level=logical and the permanent slots source_slot /
// outbox_slot, HAProxy; destination_db on its own PostgreSQL; Kafka (KRaft) with two Connect workers; Debezium
// through HAProxy's read-write port, a JDBC sink into destination_db, an outbox EventRouter to Person.events; a
// schema registry for the Avro option; pgAdmin; the writer and the reader.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config";
import { Kafka } from "../components/kafka";
import { KafkaConnect } from "../components/kafkaConnect";
import { labContainer } from "../components/labContainer";
import { LabNetwork } from "../components/network";
import { PgAdmin } from "../components/pgAdmin";
import { PG_PORT, PostgresServer } from "../components/postgresServer";
import { SchemaRegistry } from "../components/schemaRegistry";
import { jdbcSinkSecrets, postgresSourceSecrets } from "../debezium/connectors";
import {
  CDC_TOPIC, DESTINATION_DATABASE, OUTBOX_CONNECTOR, OUTBOX_TOPIC, PATRONI_CDC_PARAMETERS, PATRONI_CDC_SLOTS,
  PATRONI_CDC_SQL, PatroniCdcEndpoints, RecordFormat, SINK_CONNECTOR, SOURCE_CONNECTOR, SOURCE_DATABASE, SOURCE_SLOT,
  outboxConnectorConfig, sinkConnectorConfig, sourceConnectorConfig,
} from "../debezium/patroni-cdc";
import { HealthGate } from "../providers/healthGate";
import { KafkaConnector } from "../providers/kafkaConnector";
import { SqlMigrations } from "../providers/sqlMigrations";
import { haCluster } from "./haCluster";
import { HomeworkContext } from "./homework";

/** pgAdmin's login (an e-mail is required); its password is lab:postgresPassword. */
export const PGADMIN_EMAIL = "admin@lab.local";
/** Topics carry JSON with inline schemas; switch to { kind: "avro", ... } to put the schemas in the registry. */
const FORMAT_KIND: RecordFormat["kind"] = "json";

export function patroniCdc(ctx: HomeworkContext): Record<string, pulumi.Input<unknown>> {
  const { cfg, prefix, parent, images } = ctx;
  const opts = { parent };
  const password = cfg.secrets.postgresPassword;
  const net = new LabNetwork("net", { prefix }, opts);
  const { pg, proxy, ports } = haCluster(ctx, net, { parameters: PATRONI_CDC_PARAMETERS, slots: PATRONI_CDC_SLOTS });
  const destination = new PostgresServer("destination", {
    prefix, network: net, service: "destination", image: images.run("postgres"), bindAddress: cfg.bindAddress,
    port: cfg.ports.destination, database: DESTINATION_DATABASE, superuserPassword: password, role: { kind: "standalone" },
  }, opts);

  // SQL from the Pulumi host, each only once its server answers a query: source_db through HAProxy (the leader).
  const sqlOn = (name: string, host: string, port: number, database: string, migrations: string, after: pulumi.Resource[]) => {
    const conn = { host, port, user: "postgres", database, password };
    const gate = new HealthGate(`${name}-ready`, { target: { kind: "sql", ...conn }, timeoutMs: 180_000 }, { parent, dependsOn: after });
    return new SqlMigrations(`${name}-sql`, { connection: conn, migrations }, { parent, dependsOn: [gate] });
  };
  const clusterSql = sqlOn("cluster", cfg.bindAddress, ports.readWrite, "postgres", PATRONI_CDC_SQL.cluster, [proxy.container]);
  const sourceSql = sqlOn("source", cfg.bindAddress, ports.readWrite, SOURCE_DATABASE, PATRONI_CDC_SQL.source, [clusterSql]);
  const destinationSql = sqlOn("destination", cfg.bindAddress, cfg.ports.destination, DESTINATION_DATABASE, PATRONI_CDC_SQL.destination, [destination.container]);

  const kafka = new Kafka("kafka", { prefix, network: net, image: images.run("kafka"), bindAddress: cfg.bindAddress, port: cfg.ports.kafka }, opts);
  const connect = new KafkaConnect("connect", {
    prefix, network: net, kafka, images, bindAddress: cfg.bindAddress, ports: [cfg.ports.connect, cfg.ports.connectWorker2],
  }, opts);
  // Registry-only (Apicurio's build is not on Maven Central): lab:schemaRegistry.enabled=false leaves it out.
  const registry = cfg.schemaRegistry.enabled
    ? new SchemaRegistry("schema-registry", { prefix, network: net, image: images.run("schemaRegistry"), bindAddress: cfg.bindAddress, port: cfg.ports.schemaRegistry }, opts)
    : undefined;
  if (FORMAT_KIND === "avro" && !registry) throw new ConfigError("schemaRegistry.enabled", false, "the Avro record format needs the schema registry");
  const format: RecordFormat = FORMAT_KIND === "json" || !registry ? { kind: "json" } : { kind: "avro", registryUrl: registry.internalRegistryUrl };

  // Connect reaches HAProxy by service name on its in-network port (the seed's 5000), whatever the host port.
  const endpoints: PatroniCdcEndpoints = {
    source: { host: proxy.inLab.host, port: proxy.inLab.readWrite, user: "postgres", database: SOURCE_DATABASE },
    destination: { host: destination.internalHost, port: PG_PORT, user: "postgres", database: DESTINATION_DATABASE },
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
    image: "cdc-apps", from: { key: "node", arg: "NODE_IMAGE" }, context: "apps", dockerfile: "apps/cdc-apps/Dockerfile",
  }, opts);
  const inLab = (host: string, port: number, db: string) => pulumi.secret(pulumi.interpolate`postgresql://postgres:${password}@${host}:${port}/${db}`);
  const app = (service: string, main: string, env: Record<string, pulumi.Input<string>>, dependsOn: pulumi.Resource[]) => labContainer({
    prefix, service, image: appsImage.repoDigest, network: net.network, bindAddress: cfg.bindAddress, parent,
    command: ["node", `dist/${service}/src/${main}.js`], env,
    healthcheck: { test: ["CMD", "node", `dist/${service}/src/health.js`], startPeriodSeconds: 20 },
    dependsOn,
  });
  const writer = cfg.traffic.enabled ? app("cdc-writer", "main", {
    SOURCE_URL: inLab(proxy.inLab.host, proxy.inLab.readWrite, SOURCE_DATABASE),
    WRITER_RATE: String(cfg.traffic.ratePerSecond),
    WRITER_ROWS: "100",
    // The seed's OUTBOX=true: the outbox connector is registered, so every change also emits a Person event.
    OUTBOX: "true",
  }, [source, sink, outbox]) : undefined;
  app("cdc-reader", "main", { DESTINATION_URL: inLab(destination.internalHost, PG_PORT, DESTINATION_DATABASE) }, [destinationSql]);

  const pgAdmin = new PgAdmin("pgadmin", {
    prefix, network: net, image: images.run("pgAdmin"), bindAddress: cfg.bindAddress, port: cfg.ports.pgAdmin,
    email: PGADMIN_EMAIL, password, group: "debezium_test",
    servers: [
      { name: "haproxy", host: proxy.inLab.host, port: proxy.inLab.readWrite, database: SOURCE_DATABASE, user: "postgres" },
      { name: "destination", host: destination.internalHost, port: PG_PORT, database: DESTINATION_DATABASE, user: "postgres" },
    ],
    dependsOn: [proxy.container, destination.container],
  }, opts);

  const hostUrl = (endpoint: string, db: string) => pulumi.secret(pulumi.interpolate`postgresql://postgres:${password}@${endpoint}/${db}`);
  return {
    readWrite: proxy.readWriteEndpoint,
    readOnly: proxy.readOnlyEndpoint,
    haproxyStats: proxy.statsUrl,
    destination: destination.endpoint,
    sourceUrl: hostUrl(proxy.readWriteEndpoint, SOURCE_DATABASE),
    destinationUrl: hostUrl(destination.endpoint, DESTINATION_DATABASE),
    kafkaBootstrap: kafka.bootstrap,
    connectUrl: connect.urls.join(","),
    schemaRegistry: registry?.confluentUrl,
    pgAdmin: pgAdmin.url,
    connectors: [SOURCE_CONNECTOR, SINK_CONNECTOR, OUTBOX_CONNECTOR],
    connectorStates: pulumi.all([source.connectorState, sink.connectorState, outbox.connectorState]),
    slot: SOURCE_SLOT,
    topics: [CDC_TOPIC, OUTBOX_TOPIC],
    writer: writer ? writer.name : "off (lab:traffic.enabled=false)",
    patronictlList: pg.patronictlList(prefix),
    credentials: `PostgreSQL (HAProxy and destination): postgres / lab:postgresPassword; pgAdmin: ${PGADMIN_EMAIL} / lab:postgresPassword `
      + "(pulumi config get lab:postgresPassword)",
  };
}
