// Homework 3 (seed 003): etcd ×3, Patroni ×3, HAProxy, Prometheus + Grafana, the owners/events SQL and a
// traffic generator writing through the leader and reading from the replicas.
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { HAPROXY_METRICS_PATH } from "../components/haproxyConfig";
import { Monitoring } from "../components/monitoring";
import { LabNetwork } from "../components/network";
import { TrafficGenerator } from "../components/trafficGenerator";
import { SqlMigrations } from "../providers/sqlMigrations";
import { REPO_ROOT } from "../components/labContainer";
import { haCluster } from "./haCluster";
import { HomeworkContext } from "./homework";

export function patroniHa(ctx: HomeworkContext): Record<string, pulumi.Input<unknown>> {
  const { cfg, prefix, parent, images } = ctx;
  const opts = { parent };
  const net = new LabNetwork("net", { prefix }, opts);
  const { etcd, pg, proxy } = haCluster(ctx, net);
  const monitoring = new Monitoring("monitoring", {
    prefix, network: net, bindAddress: cfg.bindAddress,
    images: { prometheus: images.run("prometheus"), grafana: images.run("grafana") }, grafana: cfg.grafana.enabled,
    ports: { prometheus: cfg.ports.prometheus, grafana: cfg.ports.grafana },
    grafanaAdminPassword: cfg.secrets.grafanaAdminPassword,
    scrapeJobs: [
      { job: "patroni", targets: pg.members.map((m) => `${m.pgHost}:${m.apiPort}`) },
      { job: "haproxy", targets: [`${proxy.inLab.host}:${proxy.inLab.stats}`], metricsPath: HAPROXY_METRICS_PATH },
      { job: "etcd", targets: etcd.clientHosts },
    ],
    dependsOn: [proxy.container],
  }, opts);

  const password = cfg.secrets.postgresPassword;
  const url = (endpoint: string) => pulumi.secret(pulumi.interpolate`postgresql://postgres:${password}@${endpoint}/postgres`);

  // The seed's owners/events SQL through HAProxy, once it is healthy (a leader answers); SqlMigrations
  // itself waits (bounded) until a query goes through from this host.
  const sql = new SqlMigrations("owners-events", {
    connection: { host: cfg.bindAddress, port: cfg.ports.haproxyReadWrite, user: "postgres", database: "postgres", password },
    migrations: path.join(REPO_ROOT, "sql", "patroni-ha"),
  }, { parent, dependsOn: [proxy.container, pg.dcs] });
  if (cfg.traffic.enabled) {
    // Inside the lab network HAProxy listens on the seed's ports (5000 read-write, 5001 read-only).
    new TrafficGenerator("traffic-generator", {
      prefix, network: net, images, bindAddress: cfg.bindAddress, ratePerSecond: cfg.traffic.ratePerSecond,
      readWriteUrl: url(`${proxy.inLab.host}:${proxy.inLab.readWrite}`), readOnlyUrl: url(`${proxy.inLab.host}:${proxy.inLab.readOnly}`),
      dependsOn: [sql],
    }, opts);
  }
  return {
    readWrite: proxy.readWriteEndpoint,
    readOnly: proxy.readOnlyEndpoint,
    readWriteUrl: url(proxy.readWriteEndpoint),
    readOnlyUrl: url(proxy.readOnlyEndpoint),
    haproxyStats: proxy.statsUrl,
    grafana: monitoring.grafanaUrl,
    prometheus: monitoring.prometheusUrl,
    patronictlList: pg.patronictlList(prefix),
  };
}
