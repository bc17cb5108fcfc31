import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DASHBOARDS, renderDashboard } from "./grafanaDashboards";
import { httpUrl } from "../core/address";
import { LabPlacement, labService } from "../core/labService";
import {
  GRAFANA_DASHBOARD_DIR, GRAFANA_DATASOURCE_UID, ScrapeJob, renderGrafanaDashboardProvider,
  renderGrafanaDatasource, renderPrometheusConfig,
} from "./monitoringConfig";

export interface MonitoringArgs extends LabPlacement {
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
    const prometheus = labService(this, args, {
      service: "prometheus", image: args.images.prometheus,
      serves: { port: 9090, hostPort: args.ports.prometheus },
      files: [{ path: "/etc/prometheus/prometheus.yml", content: renderPrometheusConfig(args.scrapeJobs) }],
      data: { path: "/prometheus" },
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"] },
      dependsOn: args.dependsOn,
    });
    this.prometheus = prometheus.container;
    this.prometheusUrl = httpUrl(prometheus.published);
    if (args.grafana) {
      const grafana = labService(this, args, {
        service: "grafana", image: args.images.grafana,
        serves: { port: 3000, hostPort: args.ports.grafana },
        env: { GF_SECURITY_ADMIN_USER: "admin", GF_SECURITY_ADMIN_PASSWORD: args.grafanaAdminPassword, GF_ANALYTICS_REPORTING_ENABLED: "false", GF_ANALYTICS_CHECK_FOR_UPDATES: "false" },
        files: [
          { path: "/etc/grafana/provisioning/datasources/lab.yaml", content: renderGrafanaDatasource(httpUrl(prometheus.inLab)) },
          { path: "/etc/grafana/provisioning/dashboards/lab.yaml", content: renderGrafanaDashboardProvider() },
          ...DASHBOARDS.map((d) => ({ path: `${GRAFANA_DASHBOARD_DIR}/${d.uid}.json`, content: renderDashboard(d, GRAFANA_DATASOURCE_UID) })),
        ],
        data: { path: "/var/lib/grafana" },
        // /api/health answers 200 only once Grafana's database is usable.
        healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3000/api/health"], startPeriodSeconds: 30 },
        dependsOn: [this.prometheus],
      });
      this.grafana = grafana.container;
      this.grafanaUrl = httpUrl(grafana.published);
    }
    this.registerOutputs({ grafanaUrl: this.grafanaUrl, prometheusUrl: this.prometheusUrl });
  }
}
