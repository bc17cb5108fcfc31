// What patroni-ha needs from lab:* (read by config.ts before anything is created).
import { TRAFFIC_SETTING } from "../../components/apps/settings";
import { PATRONI_SETTING } from "../../components/patroni/settings";
import type { HomeworkNeeds } from "../../program/homeworks";
import { componentSwitch } from "../../program/settings";

export const needs = {
  /** Host ports: HAProxy's three, Grafana, Prometheus. */
  ports: { haproxyReadWrite: 5001, haproxyReadOnly: 5002, haproxyStats: 7001, grafana: 3000, prometheus: 9090 },
  secrets: { postgresPassword: "lab-pg-secret", replicationPassword: "lab-repl-secret", grafanaAdminPassword: "lab-grafana-secret" },
  /** Patroni builds FROM postgres; the traffic generator FROM node. */
  images: ["postgres", "etcd", "haproxy", "prometheus", "grafana", "node"],
  settings: {
    patroni: PATRONI_SETTING,
    traffic: TRAFFIC_SETTING,
    /** Grafana runs only from its registry image (packaged nowhere else): off where nothing can be pulled. */
    grafana: componentSwitch({ ports: ["grafana"], images: ["grafana"] }),
  },
  /** The homework a stack named after none stands up. */
  isDefault: true,
} as const satisfies HomeworkNeeds;
