// The Greenplum homeworks' checks (seeds 000 and 001): Greenplum healthy, `pxf cluster status` as the README runs
// it, the seeds' DAGs run successfully, and (partitions) the dp-partition bucket in MinIO.
import { GREENPLUM_ADMIN } from "../../../components/greenplum/greenplum";
import { MINIO_API_PORT } from "../../../components/minio/minio";
import { PARTITION_BUCKET } from "../../../homeworks/partitions";
import { bucketExists } from "../../../providers/minioBucket";
import { dagRunsSucceeded } from "./airflow";
import { Check, containersHealthy, fail, HomeworkChecks, pass } from "./framework";

/** What the README runs (Greenplum.pxfStatusCommand), without the terminal. */
const PXF_STATUS = ["su", "-", GREENPLUM_ADMIN, "-c", "/usr/local/pxf/bin/pxf cluster status"];

const pxfClusterStatus: Check = {
  name: "pxf cluster status",
  look: "docker exec <prefix>-greenplum su - gpadmin -c '/usr/local/pxf/bin/pxf cluster status'; docker logs <prefix>-greenplum",
  timeoutMs: 90_000,
  async run(lab) {
    const r = await lab.docker.exec(lab.service("greenplum").name, PXF_STATUS, 60_000);
    const last = (r.stdout + r.stderr).trim().split("\n").filter(Boolean).slice(-1)[0] ?? "(no output)";
    return r.exitCode === 0 && /running on \d+ out of \d+ host/i.test(r.stdout) ? pass(last) : fail(`exit ${r.exitCode}: ${last}`);
  },
};

const bucket: Check = {
  name: `MinIO bucket ${PARTITION_BUCKET}`,
  look: "MinIO's console (http://127.0.0.1:9001); docker logs <prefix>-minio",
  async run(lab) {
    const env = await lab.env("minio");
    const endpoint = `http://${lab.address("minio", MINIO_API_PORT)}`;
    const exists = await bucketExists({ endpoint, bucket: PARTITION_BUCKET, region: "us-east-1", accessKey: env.MINIO_ROOT_USER, secretKey: env.MINIO_ROOT_PASSWORD });
    return exists ? pass(`${endpoint}/${PARTITION_BUCKET} exists`) : fail(`${endpoint} has no bucket ${PARTITION_BUCKET}`);
  },
};

export const greenplumPxfChecks: HomeworkChecks = {
  homework: "greenplum-pxf",
  marks: ["greenplum", "bookings-db"],
  checks: [containersHealthy, pxfClusterStatus, dagRunsSucceeded(["bookings_stg_ddl", "bookings_to_gp_stage"])],
};

export const partitionsChecks: HomeworkChecks = {
  homework: "partitions",
  marks: ["greenplum", "minio"],
  checks: [containersHealthy, pxfClusterStatus, dagRunsSucceeded(["partitioning_tool_migrations", "partitioning_test_part"]), bucket],
};
