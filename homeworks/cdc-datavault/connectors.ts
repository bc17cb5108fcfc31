// The cdc-datavault homework's Debezium source: the bookings tables the Data Vault models, from the primary,
// through a named slot and publication, with values the loader can hash without decoding (decimals as text).
import { ConnectorConfig } from "../../providers/kafkaConnector/policy";
import * as path from "path";
import { sourceDir } from "../../program/paths";
import { PostgresEndpoint, postgresSourceConfig } from "../../components/kafka/debeziumConnectors";
import { LOADED_TABLES } from "../../apps/dv-loader/src/mapping";

/** SQL the primary runs after datasets/bookings (replica identity, the signal table). */
export const CDC_SETUP_SQL_DIR = path.join(sourceDir(__dirname), "sql", "source-cdc");

export const DV_SOURCE_CONNECTOR = "bookings-source";
export const DV_SLOT = "bookings_dv_slot";
export const DV_PUBLICATION = "bookings_dv_publication";
export const DV_TOPIC_PREFIX = "cdc";
export const DV_SOURCE_SCHEMA = "bookings";

export interface DvSourceArgs {
  db: PostgresEndpoint;
  topicPrefix?: string;
  /** Extra settings (e.g. the converter when a schema registry is used). */
  extra?: ConnectorConfig;
}

/** The source connector's non-secret config; the password goes in sensitiveConfig (postgresSourceSecrets). */
export function dvSourceConfig(a: DvSourceArgs): ConnectorConfig {
  return postgresSourceConfig({
    db: a.db,
    slot: DV_SLOT,
    publication: DV_PUBLICATION,
    topicPrefix: a.topicPrefix ?? DV_TOPIC_PREFIX,
    // The signal table rides in the publication too: Debezium reads signals from the change stream.
    tables: [...LOADED_TABLES, "debezium_signal"].map((t) => `${DV_SOURCE_SCHEMA}.${t}`),
    extra: {
      // numeric(10,2) as "123.45", not base64 bytes: the satellite hash diff and the DWH read it as is.
      "decimal.handling.mode": "string",
      // The signal table lets `lab signal-snapshot` request an incremental snapshot.
      "signal.data.collection": `${DV_SOURCE_SCHEMA}.debezium_signal`,
      // Deletes carry the whole old row (the tables get REPLICA IDENTITY FULL in the primary's init SQL).
      "tombstones.on.delete": "true",
      ...a.extra,
    },
  });
}
