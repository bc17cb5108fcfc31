import * as assert from "assert";
import { parse } from "yaml";
import { DASHBOARDS, metricNames, renderDashboard } from "./grafanaDashboards";
import {
  GRAFANA_DASHBOARD_DIR, GRAFANA_DATASOURCE_UID, renderGrafanaDashboardProvider, renderGrafanaDatasource, renderPrometheusConfig,
} from "./monitoringConfig";

describe("components: Prometheus and Grafana provisioning", () => {
  it("renders a scrape job per service with its targets and path", () => {
    const cfg = parse(renderPrometheusConfig([
      { job: "patroni", targets: ["pg-1:8008", "pg-2:8008"] },
      { job: "haproxy", targets: ["haproxy:7001"], metricsPath: "/metrics" },
    ]));
    assert.strictEqual(cfg.global.scrape_interval, "5s");
    assert.deepStrictEqual(cfg.scrape_configs.map((j: any) => j.job_name), ["patroni", "haproxy"]);
    assert.deepStrictEqual(cfg.scrape_configs[0].static_configs[0].targets, ["pg-1:8008", "pg-2:8008"]);
    assert.strictEqual(cfg.scrape_configs[1].metrics_path, "/metrics");
  });

  it("refuses a duplicate job or a job without targets", () => {
    assert.throws(() => renderPrometheusConfig([{ job: "a", targets: ["x:1"] }, { job: "a", targets: ["y:1"] }]), /scrape job a is defined twice/);
    assert.throws(() => renderPrometheusConfig([{ job: "etcd", targets: [] }]), /scrape job etcd has no targets/);
  });

  it("provisions the datasource the dashboards point at, and the dashboard folder", () => {
    const ds = parse(renderGrafanaDatasource("http://prometheus:9090"));
    assert.strictEqual(ds.datasources[0].uid, GRAFANA_DATASOURCE_UID);
    assert.strictEqual(ds.datasources[0].url, "http://prometheus:9090");
    assert.strictEqual(parse(renderGrafanaDashboardProvider()).providers[0].options.path, GRAFANA_DASHBOARD_DIR);
  });

  it("builds the seed's three dashboards, each panel querying the provisioned datasource", () => {
    assert.deepStrictEqual(DASHBOARDS.map((d) => d.title), ["Patroni cluster", "HAProxy", "etcd"]);
    for (const spec of DASHBOARDS) {
      const d = JSON.parse(renderDashboard(spec, GRAFANA_DATASOURCE_UID));
      assert.strictEqual(d.uid, spec.uid);
      assert.strictEqual(d.panels.length, spec.panels.length);
      const ids = d.panels.map((p: any) => p.id);
      assert.strictEqual(new Set(ids).size, ids.length, `${spec.uid}: panel ids repeat`);
      for (const p of d.panels) {
        assert.ok(p.targets.length > 0, `${spec.uid}/${p.title} has no query`);
        for (const t of p.targets) assert.strictEqual(t.datasource.uid, GRAFANA_DATASOURCE_UID);
        assert.ok(p.gridPos.w > 0 && p.gridPos.h > 0);
      }
    }
  });

  it("extracts metric names from PromQL, leaving functions, labels and ranges out", () => {
    const names = metricNames({ uid: "x", title: "x", panels: [{ title: "t", kind: "timeseries", queries: [
      { expr: 'sum(rate(haproxy_frontend_sessions_total{proxy="rw"}[1m]))', legend: "" },
      { expr: "max(patroni_postgres_timeline)", legend: "" },
    ] }] });
    assert.deepStrictEqual(names.sort(), ["haproxy_frontend_sessions_total", "patroni_postgres_timeline"]);
  });
});
