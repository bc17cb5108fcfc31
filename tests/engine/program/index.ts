// The engine test's program: the lab's dynamic resources (HealthGate, SqlMigrations, KafkaConnector) against services the
// test started, plus a @pulumi/command local.Command (served by the plugin .ci/pulumi/build.sh installed).
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HealthGate } from "../../../providers/healthGate";
import { SqlMigrations } from "../../../providers/sqlMigrations";
import { KafkaConnector } from "../../../providers/kafkaConnector";
import { jdbcSinkConfig } from "../../../components/kafka/debeziumConnectors";

const cfg = new pulumi.Config("engine");
const pgPort = cfg.requireNumber("pgPort");
const pgBin = cfg.require("pgBin");
const database = cfg.require("database");
const password = cfg.requireSecret("pgPassword");

const pgArgs = `-h 127.0.0.1 -p ${pgPort} -U postgres`;
// The database comes and goes with a shell command, so destroy leaves nothing behind in PostgreSQL.
const db = new command.local.Command("database", {
  create: `"${pgBin}/createdb" ${pgArgs} ${database} && echo "created ${database}"`,
  delete: `"${pgBin}/dropdb" ${pgArgs} --force --if-exists ${database}`,
});

// Health gates: the SQL waits for the database to answer a query, the connector for Connect to answer HTTP.
const dbReady = new HealthGate("database-ready", {
  target: { kind: "sql", host: "127.0.0.1", port: pgPort, user: "postgres", database, password }, timeoutMs: 30000,
}, { dependsOn: db });

const schema = new SqlMigrations("schema", {
  connection: { host: "127.0.0.1", port: pgPort, user: "postgres", database, password },
  migrations: path.join(__dirname, "migrations"),
  dropOnDelete: true,
  lockTimeoutMs: cfg.getNumber("lockTimeoutMs"),
  readyTimeoutMs: 30000,
}, { dependsOn: dbReady });

// A JDBC sink into the same database, on the Kafka Connect worker the test started.
const connectUrl = cfg.require("connectUrl");
const connectReady = new HealthGate("connect-ready", { target: { kind: "http", url: `${connectUrl}/connectors` }, timeoutMs: 60000 });
const sink = new KafkaConnector("sink", {
  connectUrl,
  name: "engine-sink",
  config: jdbcSinkConfig({ db: { host: "127.0.0.1", port: pgPort, user: "postgres", database }, topics: ["engine.events"] }),
  sensitiveConfig: { "connection.password": password },
  waitTimeoutMs: 120000,
}, { dependsOn: [schema, connectReady] });

export const connectorState = sink.connectorState;
export const databaseCreated = db.stdout;
export const appliedMigrations = schema.applied.apply((applied) => applied.map((m) => m.id));
