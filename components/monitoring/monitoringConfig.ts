// Pure: Prometheus scrape config and Grafana provisioning files, from typed inputs.
import { stringify } from "yaml";

export interface ScrapeJob {
  job: string;
  targets: string[];
  metricsPath?: string;
}

export function renderPrometheusConfig(jobs: ScrapeJob[], scrapeIntervalSeconds = 5): string {
  const names = jobs.map((j) => j.job);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`scrape job ${dup} is defined twice`);
  for (const j of jobs) if (j.targets.length === 0) throw new Error(`scrape job ${j.job} has no targets`);
  return stringify({
    global: { scrape_interval: `${scrapeIntervalSeconds}s`, evaluation_interval: `${scrapeIntervalSeconds}s` },
    scrape_configs: jobs.map((j) => ({
      job_name: j.job, metrics_path: j.metricsPath ?? "/metrics", static_configs: [{ targets: j.targets }],
    })),
  });
}

export const GRAFANA_DATASOURCE_UID = "lab-prometheus";
export const GRAFANA_DASHBOARD_DIR = "/etc/grafana/dashboards"; // outside the data volume, so a rebuild refreshes them;

export function renderGrafanaDatasource(prometheusUrl: string): string {
  return stringify({
    apiVersion: 1,
    datasources: [{ name: "Prometheus", uid: GRAFANA_DATASOURCE_UID, type: "prometheus", access: "proxy", url: prometheusUrl, isDefault: true, editable: false }],
  });
}

export function renderGrafanaDashboardProvider(): string {
  return stringify({
    apiVersion: 1,
    providers: [{ name: "lab", folder: "Lab", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: GRAFANA_DASHBOARD_DIR } }],
  });
}
