// What patroni-cdc needs from lab:* (read by config.ts before anything is created).
import { TRAFFIC_SETTING } from "../../components/apps/settings";
import { PATRONI_SETTING } from "../../components/patroni/settings";
import type { HomeworkNeeds } from "../../program/homeworks";
import { componentSwitch } from "../../program/settings";

export const needs = {
  ports: {
    haproxyReadWrite: 5001, haproxyReadOnly: 5002, haproxyStats: 7001, kafka: 9092, connect: 8083, connectWorker2: 8084,
    schemaRegistry: 8081, destination: 5434, pgAdmin: 5050,
  },
  secrets: { postgresPassword: "lab-pg-secret", replicationPassword: "lab-repl-secret" },
  /** Patroni builds FROM postgres, Connect FROM kafka (and a Debian stage), the writer and reader FROM node. */
  images: ["postgres", "etcd", "haproxy", "kafka", "schemaRegistry", "pgAdmin", "node", "debian"],
  settings: {
    patroni: PATRONI_SETTING,
    traffic: TRAFFIC_SETTING,
    /** The schema registry runs only from its registry image (Apicurio is not buildable from Maven Central). */
    schemaRegistry: componentSwitch({ ports: ["schemaRegistry"], images: ["schemaRegistry"] }),
  },
} as const satisfies HomeworkNeeds;
