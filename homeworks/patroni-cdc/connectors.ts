// The patroni-cdc homework's connectors (seed 004: register-postgres.json, register-sink.json, register-outbox.json):
// a Debezium source through HAProxy's read-write port on the permanent slot `source_slot`, a JDBC sink into
// destination_db, and an outbox source routing events to `Person.events`. Passwords go in sensitiveConfig.
import { badInput } from "../../providers/dynamic";
import * as path from "path";
import { sourceDir } from "../../program/paths";
import type { LogicalSlot } from "../../components/patroni/patroniConfig";
import type { ConnectorConfig } from "../../providers/kafkaConnector/policy";
import { PostgresEndpoint, changeTopic, jdbcSinkConfig, postgresSourceConfig } from "../../components/kafka/debeziumConnectors";

export const SOURCE_CONNECTOR = "source-connector";
export const SINK_CONNECTOR = "sink-connector";
export const OUTBOX_CONNECTOR = "outbox-connector";

export const SOURCE_DATABASE = "source_db";
export const DESTINATION_DATABASE = "destination_db";
export const SOURCE_SLOT = "source_slot";
/** The outbox connector streams from a slot of its own (one slot feeds one connector), also kept by Patroni. */
export const OUTBOX_SLOT = "outbox_slot";
export const SOURCE_PUBLICATION = "source_publication";
export const OUTBOX_PUBLICATION = "outbox_publication";

export const CDC_TABLE = "public.debezium_table";
export const SIGNAL_TABLE = "public.debezium_signal";
export const OUTBOX_TABLE = "public.outbox";
export const TOPIC_PREFIX = "source";
export const CDC_TOPIC = changeTopic(TOPIC_PREFIX, CDC_TABLE);
/** EventRouter routes by aggregatetype: the writer's `Person` rows land here. */
export const OUTBOX_TOPIC = "Person.events";

/** SQL folders, applied in this order: the cluster's `postgres` db (creates source_db), source_db, destination_db. */
export const PATRONI_CDC_SQL = {
  cluster: path.join(sourceDir(__dirname), "sql", "cluster"),
  source: path.join(sourceDir(__dirname), "sql", "source"),
  destination: path.join(sourceDir(__dirname), "sql", "destination"),
};

/** Patroni `slots:` (postgres0.yml in the seed): created on the leader, copied to the replicas, kept over failover. */
export const PATRONI_CDC_SLOTS: Record<string, LogicalSlot> = Object.freeze({
  [SOURCE_SLOT]: { type: "logical", database: SOURCE_DATABASE, plugin: "pgoutput" },
  [OUTBOX_SLOT]: { type: "logical", database: SOURCE_DATABASE, plugin: "pgoutput" },
});

/** Cluster-wide settings: logical decoding, and feedback so the primary keeps the catalog rows the replicas' slot copies need. */
export const PATRONI_CDC_PARAMETERS: Record<string, string> = Object.freeze({ wal_level: "logical", hot_standby_feedback: "on" });

/** Record format on the topics: JSON with inline schemas (default), or Avro with schemas in the registry. */
export type RecordFormat = { kind: "json" } | { kind: "avro"; registryUrl: string };

/**
 * Converter settings per connector. Avro uses the Connect image's Apicurio converter (Maven Central has no Confluent
 * converter), writing the Confluent wire format so Confluent-API clients (`lab consume --avro`) decode it.
 */
export function converterConfig(format: RecordFormat = { kind: "json" }): ConnectorConfig {
  if (format.kind === "json") return {};
  if (!/^https?:\/\/[^/\s]+/.test(format.registryUrl)) {
    throw badInput("format.registryUrl", format.registryUrl, "must be an http(s) URL of the registry's API");
  }
  const out: ConnectorConfig = {};
  for (const side of ["key", "value"]) {
    Object.assign(out, {
      [`${side}.converter`]: "io.apicurio.registry.utils.converter.AvroConverter",
      [`${side}.converter.apicurio.registry.url`]: format.registryUrl,
      [`${side}.converter.apicurio.registry.auto-register`]: "true",
      [`${side}.converter.apicurio.registry.find-latest`]: "true",
      [`${side}.converter.apicurio.registry.as-confluent`]: "true",
      [`${side}.converter.apicurio.registry.use-id`]: "contentId",
    });
  }
  return out;
}

export interface PatroniCdcEndpoints {
  /** HAProxy's read-write address as Connect reaches it: Debezium always lands on the current leader. */
  source: PostgresEndpoint;
  destination: PostgresEndpoint;
}

/** What makes a source resilient to a leader change: retry the lost connection quickly, never drop the slot. */
const FAILOVER_SETTINGS: ConnectorConfig = {
  // The task fails on the dropped connection and Debezium restarts it after this pause (default 10 s).
  "retriable.restart.connector.wait.ms": "2000",
  "errors.max.retries": "-1",
  "slot.drop.on.stop": "false",
  // The slot is Patroni's (permanent, copied to replicas): Debezium must never create one somewhere else.
  "publication.autocreate.mode": "disabled",
  // Heartbeats move the slot's confirmed position even while only other tables change, so WAL does not pile up.
  "heartbeat.interval.ms": "1000",
  "status.update.interval.ms": "1000",
};

/** register-postgres.json: debezium_table (and the signal table) from source_slot through HAProxy. */
export function sourceConnectorConfig(e: PatroniCdcEndpoints, format?: RecordFormat): ConnectorConfig {
  return postgresSourceConfig({
    db: e.source,
    slot: SOURCE_SLOT,
    publication: SOURCE_PUBLICATION,
    topicPrefix: TOPIC_PREFIX,
    tables: [CDC_TABLE, SIGNAL_TABLE],
    extra: {
      ...FAILOVER_SETTINGS,
      "signal.data.collection": SIGNAL_TABLE,
      // Hand events to Connect every 100 ms instead of 500 ms when the queue is not full: commit → row under 1 s.
      "poll.interval.ms": "100",
      "incremental.snapshot.chunk.size": "2048",
      ...converterConfig(format),
    },
  });
}

/** register-sink.json: upsert by record key into destination_db.public.debezium_table, deletes applied. */
export function sinkConnectorConfig(e: PatroniCdcEndpoints, format?: RecordFormat): ConnectorConfig {
  return jdbcSinkConfig({
    db: e.destination,
    topics: [CDC_TOPIC],
    extra: converterConfig(format),
  });
}

/** register-outbox.json: the outbox table through EventRouter; aggregatetype `Person` → topic Person.events. */
export function outboxConnectorConfig(e: PatroniCdcEndpoints, format?: RecordFormat): ConnectorConfig {
  return postgresSourceConfig({
    db: e.source,
    slot: OUTBOX_SLOT,
    publication: OUTBOX_PUBLICATION,
    topicPrefix: "outbox",
    tables: [OUTBOX_TABLE],
    extra: {
      ...FAILOVER_SETTINGS,
      "tombstones.on.delete": "false",
      "transforms": "outbox",
      "transforms.outbox.type": "io.debezium.transforms.outbox.EventRouter",
      "transforms.outbox.route.topic.replacement": "${routedByValue}.events",
      "transforms.outbox.table.fields.additional.placement": "type:header:eventType",
      // The event body is the payload itself (a JSON document), not a Connect struct with a schema.
      "value.converter": "org.apache.kafka.connect.storage.StringConverter",
      ...(format?.kind === "avro" ? {} : { "key.converter": "org.apache.kafka.connect.storage.StringConverter" }),
    },
  });
}

/** alter-source-table.sh / alter-destination-table.sh: the seed's schema change, a new column on both sides. */
export const SCHEMA_CHANGE = {
  column: "description",
  source: `ALTER TABLE ${CDC_TABLE} ADD COLUMN IF NOT EXISTS description text NOT NULL DEFAULT 'added by the schema change'`,
  destination: `ALTER TABLE ${CDC_TABLE} ADD COLUMN IF NOT EXISTS description text`,
};

/** signal-snapshot.sql: the row that asks the source connector for an incremental snapshot of debezium_table. */
export function snapshotSignalSql(id: string): { text: string; values: string[] } {
  return {
    text: `INSERT INTO ${SIGNAL_TABLE} (id, type, data) VALUES ($1, 'execute-snapshot', $2)`,
    values: [id, JSON.stringify({ "data-collections": [CDC_TABLE], type: "incremental" })],
  };
}
