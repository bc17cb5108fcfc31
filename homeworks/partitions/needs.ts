// What partitions needs from lab:* (read by config.ts before anything is created).
import type { HomeworkNeeds } from "../../program/homeworks";

export const needs = {
  ports: { greenplum: 5432, minio: 9000, minioConsole: 9001, airflow: 8080 },
  secrets: { greenplumPassword: "lab-gp-secret", minioSecretKey: "lab-minio-secret", airflowAdminPassword: "lab-airflow-secret" },
  /** The lab's Greenplum and Airflow images build FROM greenplum and airflow; Airflow's metadata database runs postgres. */
  images: ["postgres", "greenplum", "minio", "airflow"],
  settings: {},
} as const satisfies HomeworkNeeds;
