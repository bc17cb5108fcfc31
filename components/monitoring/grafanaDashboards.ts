// Pure: the seed's three Grafana dashboards (Patroni, HAProxy, etcd), built from a compact spec so the metric
// names live in one place and a real-service test can check that every one of them is really exported.
export interface PanelSpec {
  title: string;
  kind: "timeseries" | "stat";
  queries: { expr: string; legend: string }[];
  unit?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  panels: PanelSpec[];
}

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: "lab-patroni", title: "Patroni cluster",
    panels: [
      { title: "Leader (1 = primary)", kind: "stat", queries: [{ expr: "patroni_primary", legend: "{{name}}" }] },
      { title: "Replicas", kind: "stat", queries: [{ expr: "sum(patroni_replica)", legend: "replicas" }] },
      { title: "PostgreSQL running", kind: "timeseries", queries: [{ expr: "patroni_postgres_running", legend: "{{name}}" }] },
      { title: "Timeline (grows on each failover)", kind: "timeseries", queries: [{ expr: "max(patroni_postgres_timeline)", legend: "timeline" }] },
      { title: "WAL position (bytes)", kind: "timeseries", unit: "bytes", queries: [
        { expr: "patroni_xlog_location", legend: "{{name}} written" },
        { expr: "patroni_xlog_replayed_location", legend: "{{name}} replayed" },
      ] },
      { title: "Synchronous standby", kind: "timeseries", queries: [{ expr: "patroni_sync_standby", legend: "{{name}}" }] },
      { title: "Cluster without a leader lock", kind: "timeseries", queries: [{ expr: "max(patroni_cluster_unlocked)", legend: "unlocked" }] },
    ],
  },
  {
    uid: "lab-haproxy", title: "HAProxy",
    panels: [
      { title: "Servers up per backend", kind: "timeseries", queries: [{ expr: "haproxy_backend_active_servers", legend: "{{proxy}}" }] },
      { title: "Current sessions per frontend", kind: "timeseries", queries: [{ expr: "haproxy_frontend_current_sessions", legend: "{{proxy}}" }] },
      { title: "New sessions per second", kind: "timeseries", queries: [{ expr: "rate(haproxy_frontend_sessions_total[1m])", legend: "{{proxy}}" }] },
      { title: "Health check failures", kind: "timeseries", queries: [{ expr: "increase(haproxy_server_check_failures_total[5m])", legend: "{{proxy}}/{{server}}" }] },
    ],
  },
  {
    uid: "lab-etcd", title: "etcd",
    panels: [
      { title: "Has leader", kind: "stat", queries: [{ expr: "etcd_server_has_leader", legend: "{{instance}}" }] },
      { title: "Leader changes", kind: "timeseries", queries: [{ expr: "increase(etcd_server_leader_changes_seen_total[10m])", legend: "{{instance}}" }] },
      { title: "Proposals committed per second", kind: "timeseries", queries: [{ expr: "rate(etcd_server_proposals_committed_total[1m])", legend: "{{instance}}" }] },
      { title: "DB size", kind: "timeseries", unit: "bytes", queries: [{ expr: "etcd_mvcc_db_total_size_in_bytes", legend: "{{instance}}" }] },
    ],
  },
];

const PROMQL_WORDS = new Set(["sum", "max", "min", "avg", "rate", "increase", "by", "without", "count"]);

/** Metric names a dashboard's queries read (PromQL functions and label names left out). */
export function metricNames(spec: DashboardSpec): string[] {
  const names = new Set<string>();
  for (const p of spec.panels) {
    for (const q of p.queries) {
      const stripped = q.expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "");
      for (const m of stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []) if (!PROMQL_WORDS.has(m)) names.add(m);
    }
  }
  return [...names];
}

/** The Grafana dashboard JSON model for a spec, panels laid out two per row. */
export function renderDashboard(spec: DashboardSpec, datasourceUid: string): string {
  const panels = spec.panels.map((p, i) => ({
    id: i + 1,
    type: p.kind,
    title: p.title,
    datasource: { type: "prometheus", uid: datasourceUid },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
    targets: p.queries.map((q, j) => ({
      refId: String.fromCharCode(65 + j), expr: q.expr, legendFormat: q.legend,
      datasource: { type: "prometheus", uid: datasourceUid },
    })),
  }));
  return JSON.stringify({
    uid: spec.uid, title: spec.title, schemaVersion: 39, version: 1, editable: true,
    time: { from: "now-30m", to: "now" }, refresh: "5s", tags: ["lab"], panels,
  }, null, 2);
}
