// What cdc-datavault needs from lab:* (read by config.ts; imports nothing at run time).
import type { HomeworkNeeds } from "../../config";

export const needs = {
  ports: { postgresPrimary: 5432, postgresReplica: 5433, dwh: 5435, presentation: 5436, kafka: 9092, connect: 8083, airflow: 8080 },
  secrets: { postgresPassword: "lab-pg-secret", replicationPassword: "lab-repl-secret", airflowAdminPassword: "lab-airflow-secret" },
  /** Connect builds FROM kafka (and a Debian stage), the dv-loader FROM node; Airflow's metadata database runs postgres. */
  images: ["postgres", "kafka", "node", "airflow", "debian"],
} as const satisfies HomeworkNeeds;
