import type { ConnectorConfig } from "../../providers/kafkaConnector/policy";

/**
 * Generic connector configs for the lab's CDC: a Debezium PostgreSQL source (pgoutput, a named slot) and a Debezium
 * JDBC sink (upsert by record key, deletes applied, columns added as the source grows). Passwords are not in these
 * maps on purpose: pass them as the KafkaConnector's sensitiveConfig (see the *Secrets helpers).
 */

export const POSTGRES_SOURCE_CLASS = "io.debezium.connector.postgresql.PostgresConnector";
export const JDBC_SINK_CLASS = "io.debezium.connector.jdbc.JdbcSinkConnector";

export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface PostgresSourceArgs {
  db: PostgresEndpoint;
  /** The logical slot Debezium streams from (the seed's `source_slot`, declared in Patroni so it survives failover). */
  slot: string;
  /** Topics are named <topicPrefix>.<schema>.<table>. */
  topicPrefix: string;
  /** schema.table entries, e.g. ["public.debezium_table"]. */
  tables: string[];
  publication?: string;
  /** initial (default), no_data, always, ... */
  snapshotMode?: string;
  extra?: ConnectorConfig;
}

export function postgresSourceConfig(a: PostgresSourceArgs): ConnectorConfig {
  return {
    "connector.class": POSTGRES_SOURCE_CLASS,
    "tasks.max": "1",
    "plugin.name": "pgoutput",
    "slot.name": a.slot,
    "publication.name": a.publication ?? `${a.slot}_publication`,
    // Debezium creates the publication for exactly the captured tables when it is missing.
    "publication.autocreate.mode": "filtered",
    "database.hostname": a.db.host,
    "database.port": String(a.db.port),
    "database.user": a.db.user,
    "database.dbname": a.db.database,
    "topic.prefix": a.topicPrefix,
    "table.include.list": a.tables.join(","),
    "snapshot.mode": a.snapshotMode ?? "initial",
    ...a.extra,
  };
}

export function postgresSourceSecrets(password: string): ConnectorConfig {
  return { "database.password": password };
}

/** The topic Debezium writes a table's changes to. */
export function changeTopic(topicPrefix: string, table: string): string {
  return `${topicPrefix}.${table}`;
}

export interface JdbcSinkArgs {
  db: PostgresEndpoint;
  topics: string[];
  /** Table name in the destination; `${source.table}` keeps the source table's name. */
  tableNameFormat?: string;
  extra?: ConnectorConfig;
}

export function jdbcSinkConfig(a: JdbcSinkArgs): ConnectorConfig {
  return {
    "connector.class": JDBC_SINK_CLASS,
    "tasks.max": "1",
    "connection.url": `jdbc:postgresql://${a.db.host}:${a.db.port}/${a.db.database}`,
    "connection.username": a.db.user,
    "topics": a.topics.join(","),
    "insert.mode": "upsert",
    "primary.key.mode": "record_key",
    // A source DELETE arrives as a null-valued record: apply it instead of failing on it.
    "delete.enabled": "true",
    "schema.evolution": "basic",
    "collection.name.format": a.tableNameFormat ?? "${source.table}",
    ...a.extra,
  };
}

export function jdbcSinkSecrets(password: string): ConnectorConfig {
  return { "connection.password": password };
}
