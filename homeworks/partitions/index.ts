// Homework partitions (seed 001): Greenplum with the partitioning_tool functions and a second tablespace `cold`, MinIO with the bucket
// dp-partition that PXF server `minio` unloads cold partitions to, and Airflow from the lab's image (yoyo + the DAGs
// generated from partitioning_configs/*.yaml), started once Greenplum is healthy and the tools are in.
import * as fs from "fs";
import * as path from "path";
import { sourceDir } from "../../program/paths";
import * as pulumi from "@pulumi/pulumi";
import { Airflow } from "../../components/airflow/airflow";
import { Greenplum, GREENPLUM_DATA_PATH } from "../../components/greenplum/greenplum";
import { Minio } from "../../components/minio/minio";
import { LabNetwork } from "../../components/core/network";
import { loadMigrations, migrationFrom, NO_TRANSACTION_MARK, SqlMigrations } from "../../providers/sqlMigrations";
import type { HomeworkContext, HomeworkDefinition } from "../../program/compose";
import { needs } from "./needs";

/** The bucket partitioning_tool.fn_part_tools_unload_to_s3_partitions writes to by default. */
export const PARTITION_BUCKET = "dp-partition";
/** The demo table test_part.yaml manages, created after the tools (Greenplum-only DDL). */
const DEMO_TABLE = path.join(sourceDir(__dirname), "sql", "demo", "test_part.sql");
/** The plpgsql tools; the Airflow image carries the same files for its check DAG (images/airflow/Dockerfile). */
export const PARTITIONING_TOOL_SQL = path.join(sourceDir(__dirname), "sql", "partitioning_tool");

/** The tablespace test_part.yaml moves old partitions to; its directory lives on Greenplum's data volume. */
export const COLD_TABLESPACE = { name: "cold", dir: `${GREENPLUM_DATA_PATH}/tablespaces/cold` } as const;

/**
 * The tools, the tablespace `cold` and then the demo table, in one history (public.lab_migrations) that this stack owns: Airflow's
 * partitioning_tool_migrations DAG only checks that every tool file is recorded there.
 */
export function partitionMigrations() {
  const demo = migrationFrom(DEMO_TABLE, fs.readFileSync(DEMO_TABLE, "utf8"));
  // CREATE TABLESPACE refuses a transaction block; recorded once, so it is not re-run.
  const cold = migrationFrom("800_tablespace_cold.sql",
    `${NO_TRANSACTION_MARK}\nCREATE TABLESPACE ${COLD_TABLESPACE.name} LOCATION '${COLD_TABLESPACE.dir}';\n`);
  return [...loadMigrations(PARTITIONING_TOOL_SQL), cold, { ...demo, id: "900_demo_test_part" }];
}

export const homework: HomeworkDefinition<typeof needs> = { needs, compose };

function compose({ cfg, prefix, parent, images, ports, secrets }: HomeworkContext<typeof needs>): Record<string, pulumi.Input<unknown>> {
  const opts = { parent };
  const net = new LabNetwork("net", { prefix }, opts);
  const minioSecret = secrets.minioSecretKey;
  const gpPassword = secrets.greenplumPassword;

  const minio = new Minio("minio", {
    prefix, network: net, bindAddress: cfg.bindAddress, image: images.run("minio"),
    ports: { api: ports.minio, console: ports.minioConsole },
    secretKey: minioSecret, buckets: [PARTITION_BUCKET],
    // The seed unloads partitions into the bucket: destroy empties it, unless lab:keepData keeps MinIO's volume.
    forceDestroy: !cfg.keepData,
  }, opts);

  const greenplum = new Greenplum("greenplum", {
    prefix, network: net, bindAddress: cfg.bindAddress, images, port: ports.greenplum,
    password: gpPassword, tablespaceDirs: [COLD_TABLESPACE.dir],
    servers: { minio: { endpoint: minio.innerEndpoint, accessKey: minio.accessKey, secretKey: minioSecret } },
  }, opts);
  const tools = new SqlMigrations("partitioning-tool", {
    connection: { ...greenplum.published, user: greenplum.user, database: greenplum.database, password: gpPassword },
    migrations: partitionMigrations(),
  }, { parent, dependsOn: [greenplum.container] });

  const airflow = new Airflow("airflow", {
    prefix, network: net, bindAddress: cfg.bindAddress, port: ports.airflow,
    // The lab image bakes the DAGs, the YAML configs, yoyo and the tools' SQL (images/airflow/README.md).
    image: {
      build: { context: ".", dockerfile: "images/airflow/Dockerfile", from: { key: "airflow", arg: "AIRFLOW_IMAGE" } }, images,
    },
    metadataImage: images.run("postgres"),
    adminPassword: secrets.airflowAdminPassword,
    connections: { greenplum: greenplum.innerUrl(gpPassword) },
    dependsOn: [greenplum.container, tools, ...minio.buckets],
  }, opts);

  return {
    greenplum: greenplum.endpoint,
    greenplumUrl: greenplum.url(gpPassword),
    minioApi: minio.apiUrl,
    minioConsole: minio.consoleUrl,
    bucket: PARTITION_BUCKET,
    airflow: airflow.url,
    credentials: `Greenplum: ${greenplum.user} / lab:greenplumPassword; MinIO: ${minio.accessKey} / lab:minioSecretKey; `
      + `Airflow: ${airflow.adminUser} / lab:airflowAdminPassword (pulumi config get lab:<key>)`,
    appliedTools: tools.applied.apply((rows) => (rows ?? []).map((r) => r.id)),
  };
}
