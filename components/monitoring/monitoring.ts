import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DASHBOARDS, renderDashboard } from "./grafanaDashboards";
import { labContainer, labVolume } from "../lab/labContainer";
import {
  GRAFANA_DASHBOARD_DIR, GRAFANA_DATASOURCE_UID, ScrapeJob, renderGrafanaDashboardProvider,
  renderGrafanaDatasource, renderPrometheusConfig,
} from "./monitoringConfig";
import { LabNetwork } from "../lab/network";

export interface MonitoringArgs {
  prefix: string;
  network: LabNetwork;
  bindAddress: string;
  images: { prometheus: pulumi.Input<string>; grafana: pulumi.Input<string> };
  ports: { prometheus: number; grafana: number };
  /** Off where Grafana's registry image cannot be pulled (it is packaged nowhere else). */
  grafana: boolean;
  scrapeJobs: ScrapeJob[];
  grafanaAdminPassword: pulumi.Input<string>;
  /** Start scraping only once these are up (their containers are healthy). */
  dependsOn?: pulumi.Resource[];
}

/** Prometheus scraping the lab's /metrics endpoints and Grafana with the seed's three dashboards provisioned. */
export class Monitoring extends pulumi.ComponentResource {
  public readonly prometheus: docker.Container;
  public readonly grafana?: docker.Container;
  public readonly grafanaUrl?: string;
  public readonly prometheusUrl: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:monitoring:Monitoring", name, {}, opts);
    const common = { prefix: args.prefix, network: args.network.network, bindAddress: args.bindAddress, parent: this };
    this.prometheus = labContainer({
      ...common, service: "prometheus", image: args.images.prometheus,
      ports: [{ internal: 9090, external: args.ports.prometheus }],
      files: [{ path: "/etc/prometheus/prometheus.yml", content: renderPrometheusConfig(args.scrapeJobs) }],
      volumes: [{ volume: labVolume(args.prefix, "prometheus-data", this), path: "/prometheus" }],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"] },
      dependsOn: args.dependsOn,
    });
    if (args.grafana) this.grafana = labContainer({
      ...common, service: "grafana", image: args.images.grafana,
      ports: [{ internal: 3000, external: args.ports.grafana }],
      env: { GF_SECURITY_ADMIN_USER: "admin", GF_SECURITY_ADMIN_PASSWORD: args.grafanaAdminPassword, GF_ANALYTICS_REPORTING_ENABLED: "false", GF_ANALYTICS_CHECK_FOR_UPDATES: "false" },
      files: [
        { path: "/etc/grafana/provisioning/datasources/lab.yaml", content: renderGrafanaDatasource("http://prometheus:9090") },
        { path: "/etc/grafana/provisioning/dashboards/lab.yaml", content: renderGrafanaDashboardProvider() },
        ...DASHBOARDS.map((d) => ({ path: `${GRAFANA_DASHBOARD_DIR}/${d.uid}.json`, content: renderDashboard(d, GRAFANA_DATASOURCE_UID) })),
      ],
      volumes: [{ volume: labVolume(args.prefix, "grafana-data", this), path: "/var/lib/grafana" }],
      // /api/health answers 200 only once Grafana's database is usable.
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3000/api/health"], startPeriodSeconds: 30 },
      dependsOn: [this.prometheus],
    });
    if (args.grafana) this.grafanaUrl = `http://${args.bindAddress}:${args.ports.grafana}`;
    this.prometheusUrl = `http://${args.bindAddress}:${args.ports.prometheus}`;
    this.registerOutputs({ grafanaUrl: this.grafanaUrl, prometheusUrl: this.prometheusUrl });
  }
}
