// Every metric the provisioned Grafana dashboards query is really exported by the services they watch:
// scraped here from a local Patroni cluster, its etcd members and HAProxy (the same renderers as the containers).
import * as assert from "assert";
import { DASHBOARDS, metricNames } from "../../components/monitoring/grafanaDashboards";
import { HAPROXY_METRICS_PATH } from "../../components/haproxy/haproxyConfig";
import { LocalPatroniCluster, startPatroniCluster } from "../testbed/patroniCluster";

async function scrape(url: string): Promise<Set<string>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.strictEqual(res.status, 200, `${url} answered ${res.status}`);
  const names = new Set<string>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

describe("real: the Grafana dashboards query metrics that exist", function () {
  this.timeout(180_000);
  let cluster: LocalPatroniCluster;
  before(async () => {
    cluster = await startPatroniCluster({ scope: "dashboards", nodes: 2 });
    await cluster.waitForLeader({ replicas: 1, timeoutMs: 90_000 });
  });
  after(async () => { await cluster?.stop(); });

  it("finds every dashboard metric on Patroni, HAProxy or etcd /metrics", async () => {
    const exported = new Set<string>();
    const urls = [
      ...cluster.patroni.map((p) => `http://127.0.0.1:${p.apiPort}/metrics`),
      `http://127.0.0.1:${cluster.ports.stats}${HAPROXY_METRICS_PATH}`,
      ...cluster.etcd.map((e) => `http://127.0.0.1:${e.clientPort}/metrics`),
    ];
    for (const url of urls) for (const n of await scrape(url)) exported.add(n);
    for (const d of DASHBOARDS) {
      const missing = metricNames(d).filter((m) => !exported.has(m));
      assert.deepStrictEqual(missing, [], `dashboard ${d.title} queries metrics nobody exports`);
    }
  });
});
