// What patroni-ha needs from lab:* (read by config.ts; imports nothing at run time).
import type { HomeworkNeeds } from "../../config";

export const needs = {
  /** Host ports: HAProxy's three, Grafana, Prometheus. */
  ports: { haproxyReadWrite: 5001, haproxyReadOnly: 5002, haproxyStats: 7001, grafana: 3000, prometheus: 9090 },
  secrets: { postgresPassword: "lab-pg-secret", replicationPassword: "lab-repl-secret", grafanaAdminPassword: "lab-grafana-secret" },
  /** Patroni builds FROM postgres; the traffic generator FROM node. */
  images: ["postgres", "etcd", "haproxy", "prometheus", "grafana", "node"],
} as const satisfies HomeworkNeeds;
