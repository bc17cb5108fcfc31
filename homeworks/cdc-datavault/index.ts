// Homework cdc-datavault (seed 002): a PostgreSQL primary (5432) with the bookings schema and a streaming replica
// (5433); Debezium in Kafka Connect streams the bookings tables into Kafka (KRaft); the dv-loader writes them into
// a Data Vault DWH (5435); Airflow's simple_dag copies figures from the primary into `presentation` (5436).
import * as path from "path";
import { AIRFLOW_DAGS_DIR, BOOKINGS_SQL_DIR, sourceDir } from "../../program/paths";
import * as pulumi from "@pulumi/pulumi";
import { Airflow, dagFiles } from "../../components/airflow/airflow";
import { postgresSourceSecrets } from "../../components/kafka/debeziumConnectors";
import { DvLoader } from "../../components/apps/dvLoader";
import { Kafka } from "../../components/kafka/kafka";
import { KafkaConnect } from "../../components/kafka/kafkaConnect";
import { LabNetwork } from "../../components/core/network";
import { PostgresServer } from "../../components/postgres/postgresServer";
import { LOADED_TABLES, topicOf } from "../../apps/dv-loader/src/mapping";
import { KafkaConnector } from "../../providers/kafkaConnector";
import { SqlMigrations, loadMigrations } from "../../providers/sqlMigrations";
import type { HomeworkContext, HomeworkDefinition } from "../../program/compose";
import {
  CDC_SETUP_SQL_DIR, DV_PUBLICATION, DV_SLOT, DV_SOURCE_CONNECTOR, DV_SOURCE_SCHEMA, DV_TOPIC_PREFIX, dvSourceConfig,
} from "./connectors";
import { needs } from "./needs";

export const SOURCE_DATABASE = "demo";
export const REPLICA_SLOT = "replica_slot";
export const REPLICATION_USER = "replicator";

export const homework: HomeworkDefinition<typeof needs> = { needs, compose };

function compose({ cfg, prefix, parent, images, ports, secrets }: HomeworkContext<typeof needs>): Record<string, pulumi.Input<unknown>> {
  const opts = { parent };
  const net = new LabNetwork("net", { prefix }, opts);
  const password = secrets.postgresPassword;
  const pg = { prefix, network: net, image: images.run("postgres"), bindAddress: cfg.bindAddress, superuserPassword: password };

  const primary = new PostgresServer("primary", {
    ...pg, service: "postgres-primary", port: ports.postgresPrimary, database: SOURCE_DATABASE,
    role: { kind: "primary", replicationUser: REPLICATION_USER, replicationPassword: secrets.replicationPassword, slot: REPLICA_SLOT },
  }, opts);
  const replica = new PostgresServer("replica", {
    ...pg, service: "postgres-replica", port: ports.postgresReplica, database: SOURCE_DATABASE, role: { kind: "replica", primary },
  }, opts);
  const dwh = new PostgresServer("dwh", { ...pg, service: "postgres-dwh", port: ports.dwh, database: "dwh", role: { kind: "standalone" } }, opts);
  const presentation = new PostgresServer("presentation", {
    ...pg, service: "postgres-presentation", port: ports.presentation, database: "presentation", role: { kind: "standalone" },
  }, opts);

  // The bookings data set is shared with greenplum-pxf (datasets/bookings); this homework's own SQL is in ./sql.
  // SQL runs from the Pulumi host through the published ports, each only after its server is healthy.
  const sourceSql = new SqlMigrations("primary-sql", {
    connection: primary.connection(),
    migrations: [...loadMigrations(BOOKINGS_SQL_DIR), ...loadMigrations(CDC_SETUP_SQL_DIR)],
  }, { parent, dependsOn: [primary.container] });
  const dwhSql = new SqlMigrations("dwh-sql", { connection: dwh.connection(), migrations: path.join(sourceDir(__dirname), "sql", "datavault") },
    { parent, dependsOn: [dwh.container] });
  const presentationSql = new SqlMigrations("presentation-sql", { connection: presentation.connection(), migrations: path.join(sourceDir(__dirname), "sql", "presentation") },
    { parent, dependsOn: [presentation.container] });

  const kafka = new Kafka("kafka", { prefix, network: net, image: images.run("kafka"), bindAddress: cfg.bindAddress, port: ports.kafka }, opts);
  const connect = new KafkaConnect("connect", {
    prefix, network: net, kafka, images, bindAddress: cfg.bindAddress, ports: [ports.connect],
  }, opts);
  // Registered once Connect answers and the tables (with their replica identity) exist.
  const source = new KafkaConnector("bookings-source", {
    connectUrl: connect.urls,
    name: DV_SOURCE_CONNECTOR,
    config: dvSourceConfig({ db: { ...primary.inLab, user: "postgres", database: SOURCE_DATABASE } }),
    sensitiveConfig: pulumi.output(password).apply(postgresSourceSecrets),
  }, { parent, dependsOn: [...connect.workers, sourceSql] });

  const loader = new DvLoader("dv-loader", {
    prefix, network: net, kafka, dwh, images, bindAddress: cfg.bindAddress,
    topicPrefix: DV_TOPIC_PREFIX, sourceSchema: DV_SOURCE_SCHEMA, dependsOn: [dwhSql, source],
  }, opts);

  const airflow = new Airflow("airflow", {
    prefix, network: net, bindAddress: cfg.bindAddress, port: ports.airflow,
    image: { ref: images.run("airflow") }, metadataImage: images.run("postgres"),
    adminPassword: secrets.airflowAdminPassword,
    connections: { lab_primary: primary.url(primary.database, primary.inLab), lab_presentation: presentation.url(presentation.database, presentation.inLab) },
    dags: dagFiles(AIRFLOW_DAGS_DIR, ["simple_dag.py"]),
    dependsOn: [sourceSql, presentationSql],
  }, opts);

  return {
    primary: primary.endpoint,
    replica: replica.endpoint,
    dwh: dwh.endpoint,
    presentation: presentation.endpoint,
    primaryUrl: primary.url(),
    replicaUrl: replica.url(),
    dwhUrl: dwh.url(),
    presentationUrl: presentation.url(),
    kafkaBootstrap: kafka.bootstrap,
    connectUrl: connect.urls.join(","),
    airflow: airflow.url,
    sourceConnector: DV_SOURCE_CONNECTOR,
    slot: DV_SLOT,
    publication: DV_PUBLICATION,
    topics: LOADED_TABLES.map((t) => topicOf(DV_TOPIC_PREFIX, DV_SOURCE_SCHEMA, t)),
    loaderHealth: pulumi.interpolate`docker exec ${loader.container.name} node -e "fetch('http://127.0.0.1:8090/health').then(async (r) => console.log(r.status, await r.text()))"`,
    credentials: `PostgreSQL (all four): postgres / lab:postgresPassword; replication: ${REPLICATION_USER} / lab:replicationPassword; `
      + `Airflow: ${airflow.adminUser} / lab:airflowAdminPassword (pulumi config get lab:<key>)`,
  };
}
