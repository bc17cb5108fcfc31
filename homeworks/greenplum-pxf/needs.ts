// What greenplum-pxf needs from lab:* (read by config.ts before anything is created).
import type { HomeworkNeeds } from "../../program/homeworks";

export const needs = {
  ports: { greenplum: 5432, bookings: 5433, airflow: 8080 },
  secrets: { greenplumPassword: "lab-gp-secret", bookingsPassword: "lab-bookings-secret", airflowAdminPassword: "lab-airflow-secret" },
  /** The lab's Greenplum builds FROM greenplum; bookings and Airflow's metadata database run postgres. */
  images: ["postgres", "greenplum", "airflow"],
  settings: {},
} as const satisfies HomeworkNeeds;
