// What patroni-cdc needs from lab:* (read by config.ts; imports nothing at run time).
import type { HomeworkNeeds } from "../../config";

export const needs = {
  ports: {
    haproxyReadWrite: 5001, haproxyReadOnly: 5002, haproxyStats: 7001, kafka: 9092, connect: 8083, connectWorker2: 8084,
    schemaRegistry: 8081, destination: 5434, pgAdmin: 5050,
  },
  secrets: { postgresPassword: "lab-pg-secret", replicationPassword: "lab-repl-secret" },
  /** Patroni builds FROM postgres, Connect FROM kafka (and a Debian stage), the writer and reader FROM node. */
  images: ["postgres", "etcd", "haproxy", "kafka", "schemaRegistry", "pgAdmin", "node", "debian"],
} as const satisfies HomeworkNeeds;
