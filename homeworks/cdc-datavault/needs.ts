// What cdc-datavault needs from lab:* (read by config.ts before anything is created).
import type { HomeworkNeeds } from "../../program/homeworks";

export const needs = {
  ports: { postgresPrimary: 5432, postgresReplica: 5433, dwh: 5435, presentation: 5436, kafka: 9092, connect: 8083, airflow: 8080 },
  secrets: { postgresPassword: "lab-pg-secret", replicationPassword: "lab-repl-secret", airflowAdminPassword: "lab-airflow-secret" },
  /** Connect builds FROM kafka (and a Debian stage), the dv-loader FROM node; Airflow's metadata database runs postgres. */
  images: ["postgres", "kafka", "node", "airflow", "debian"],
  settings: {},
} as const satisfies HomeworkNeeds;
