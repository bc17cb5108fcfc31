// images/debian/prometheus in place of prom/prometheus: the official default command reads the lab's rendered
// config at /etc/prometheus/prometheus.yml, keeps its TSDB on /prometheus as nobody, the lab's wget healthcheck
// passes, and a scrape job is really scraped (up == 1 through the query API).
import * as assert from "assert";
import { renderPrometheusConfig } from "../../components/monitoring/monitoringConfig";
import { docker, execIn } from "../testbed/docker";
import { buildServiceImage, checkContract, imageSuite, startContainer, testVolume, waitForCommand } from "./build";

const READY = ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"];


describe("images/debian/prometheus: the prom/prometheus contract as the lab uses it", function () {
  let id: string;

  imageSuite(async () => {
    const image = await buildServiceImage("prometheus");
    const volume = await testVolume("prometheus-data");
    id = (await startContainer({
      image, volumes: [{ name: volume, path: "/prometheus" }],
      // 0644: readable by nobody, the user Prometheus runs as.
      files: [{ path: "/etc/prometheus/prometheus.yml", content: renderPrometheusConfig([{ job: "self", targets: ["127.0.0.1:9090"] }], 1) }],
    })).id;
    await waitForCommand(id, READY, 60_000);
  });

  it("keeps the generic contract (nobody, /bin/prometheus, promtool, wget, port 9090)", async function () {
    this.timeout(30_000);
    await checkContract("prometheus", { id });
    const args = (await docker.getContainer(id).inspect()).Args;
    assert.ok(args.includes("--config.file=/etc/prometheus/prometheus.yml") && args.includes("--storage.tsdb.path=/prometheus"), args.join(" "));
  });

  it("the lab's rendered config passes promtool", async function () {
    const r = await execIn(id, ["promtool", "check", "config", "/etc/prometheus/prometheus.yml"]);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
  });

  it("scrapes the job (up == 1 from the query API) and writes its TSDB on /prometheus as nobody", async function () {
    this.timeout(60_000);
    const out = await waitForCommand(id, ["wget", "-q", "-O", "-", "http://127.0.0.1:9090/api/v1/query?query=up{job=\"self\"}"], 40_000, 1000,
      { ok: (o) => JSON.parse(o).data.result.length === 1 });
    assert.strictEqual(JSON.parse(out).data.result[0].value[1], "1");
    const owner = await execIn(id, ["stat", "-c", "%U", "/prometheus/wal"]);
    assert.strictEqual(owner.stdout.trim(), "nobody");
  });

  it("the healthcheck fails where nothing serves (it can fail)", async function () {
    const r = await execIn(id, ["wget", "-q", "-T", "2", "-t", "1", "-O", "/dev/null", "http://127.0.0.1:9091/-/ready"]);
    assert.notStrictEqual(r.code, 0);
  });
});
