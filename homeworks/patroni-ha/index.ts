// Homework patroni-ha (seed 003): etcd ×3, Patroni ×3, HAProxy, Prometheus + Grafana, the owners/events SQL and a
// traffic generator writing through the leader and reading from the replicas.
import * as path from "path";
import { sourceDir } from "../../program/paths";
import { haCluster } from "../../components/patroni/haCluster";
import { HAPROXY_METRICS_PATH } from "../../components/haproxy/haproxyConfig";
import { Monitoring } from "../../components/monitoring/monitoring";
import { LabNetwork } from "../../components/core/network";
import { TrafficGenerator } from "../../components/apps/trafficGenerator";
import { Address, hostPort, postgresUrl } from "../../components/core/address";
import { SqlMigrations } from "../../providers/sqlMigrations";
import type { HomeworkDefinition } from "../../program/compose";
import { needs } from "./needs";

export const homework: HomeworkDefinition<typeof needs> = {
  needs,
  compose({ cfg, prefix, parent, images, ports, secrets, settings }) {
    const opts = { parent };
    const net = new LabNetwork("net", { prefix }, opts);
    const password = secrets.postgresPassword;
    const { etcd, pg, proxy } = haCluster({
      prefix, network: net, images, bindAddress: cfg.bindAddress, dcs: settings.patroni,
      superuserPassword: password, replicationPassword: secrets.replicationPassword,
      ports: { readWrite: ports.haproxyReadWrite, readOnly: ports.haproxyReadOnly, stats: ports.haproxyStats },
    }, opts);
    const monitoring = new Monitoring("monitoring", {
      prefix, network: net, bindAddress: cfg.bindAddress,
      images: { prometheus: images.run("prometheus"), grafana: images.run("grafana") }, grafana: settings.grafana.enabled,
      ports: { prometheus: ports.prometheus, grafana: ports.grafana },
      grafanaAdminPassword: secrets.grafanaAdminPassword,
      scrapeJobs: [
        { job: "patroni", targets: pg.members.map((m) => `${m.pgHost}:${m.apiPort}`) },
        { job: "haproxy", targets: [hostPort(proxy.inLab.stats)], metricsPath: HAPROXY_METRICS_PATH },
        { job: "etcd", targets: etcd.clientHosts },
      ],
      dependsOn: [proxy.container],
    }, opts);

    const url = (at: Address) => postgresUrl({ user: "postgres", password, at, database: "postgres" });

    // The seed's owners/events SQL through HAProxy, once it is healthy (a leader answers); SqlMigrations
    // itself waits (bounded) until a query goes through from this host.
    const sql = new SqlMigrations("owners-events", {
      connection: { ...proxy.published.readWrite, user: "postgres", database: "postgres", password },
      migrations: path.join(sourceDir(__dirname), "sql"),
    }, { parent, dependsOn: [proxy.container, pg.dcs] });
    if (settings.traffic.enabled) {
      // Inside the lab network HAProxy listens on the seed's ports (5000 read-write, 5001 read-only).
      new TrafficGenerator("traffic-generator", {
        prefix, network: net, images, bindAddress: cfg.bindAddress, ratePerSecond: settings.traffic.ratePerSecond,
        readWriteUrl: url(proxy.inLab.readWrite), readOnlyUrl: url(proxy.inLab.readOnly),
        dependsOn: [sql],
      }, opts);
    }
    return {
      readWrite: proxy.readWriteEndpoint,
      readOnly: proxy.readOnlyEndpoint,
      readWriteUrl: url(proxy.published.readWrite),
      readOnlyUrl: url(proxy.published.readOnly),
      haproxyStats: proxy.statsUrl,
      grafana: monitoring.grafanaUrl,
      prometheus: monitoring.prometheusUrl,
      patronictlList: pg.patronictlList(prefix),
    };
  },
};
