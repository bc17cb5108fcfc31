// program/preflight.ts: what `pulumi up` checks before it registers anything. The pure rules on their own, then the checks
// on this host: a port a test server holds, a container of this lab or of another publishing one, and an image whose
// registry cannot resolve (.invalid never does, RFC 2606).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig, parseLabConfig } from "../config";
import { foreignHolders, imageProblem, portLine, preflight, preflightProblems, publishedPorts, pulledImages } from "./preflight";
import { rawConfig } from "../tests/testbed/rawConfig";
import { testBase } from "../tests/images/build";

const config = (values: Record<string, unknown>, stack = "patroni-ha") => parseLabConfig(rawConfig(values, stack));

/** A port nobody holds now (the kernel picks it), released at once. */
async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("preflight: the rules", () => {
  it("checks the ports the stack publishes: its homeworks' keys, without those of disabled components", () => {
    assert.deepStrictEqual(publishedPorts(config({})).map((p) => p.key).sort(), ["grafana", "haproxyReadOnly", "haproxyReadWrite", "haproxyStats", "prometheus"]);
    assert.ok(!publishedPorts(config({ grafana: { enabled: false } })).some((p) => p.key === "grafana"));
    assert.ok(!publishedPorts(config({ schemaRegistry: { enabled: false } }, "patroni-cdc")).some((p) => p.key === "schemaRegistry"));
  });

  it("checks the images up pulls: every one in registry mode, only the registry-only ones and the base in build mode", () => {
    assert.deepStrictEqual(pulledImages(config({})).map((i) => i.key).sort(), ["etcd", "grafana", "haproxy", "node", "postgres", "prometheus"]);
    assert.deepStrictEqual(pulledImages(config({ imageSource: "build" })).map((i) => i.key).sort(), ["debian", "grafana"]);
    assert.deepStrictEqual(pulledImages(config({}, "patroni-cdc")).map((i) => i.key).sort(), ["debian", "etcd", "haproxy", "kafka", "node", "pgAdmin", "postgres", "schemaRegistry"]);
    assert.deepStrictEqual(pulledImages(config({ imageSource: "build", debianBase: "debootstrap", grafana: { enabled: false } })), []);
  });

  it("names the key, the address, who holds it and the fix; this lab's own containers are no problem", () => {
    const busy = [{ key: "haproxyReadWrite", port: 5001 }, { key: "grafana", port: 3000 }, { key: "prometheus", port: 9090 }];
    const containers = [
      { name: "lab-patroni-ha-grafana", labels: { "lab.prefix": "lab-patroni-ha" }, ports: [{ ip: "127.0.0.1", port: 3000 }] },
      { name: "lab-other-prometheus", labels: { "lab.prefix": "lab-other" }, ports: [{ ip: "0.0.0.0", port: 9090 }] },
    ];
    const lines = foreignHolders(busy, "127.0.0.1", containers, ["lab-patroni-ha"]).map((h) => portLine(h, "127.0.0.1", h.port + 10000));
    assert.deepStrictEqual(lines, [
      "lab:ports.haproxyReadWrite = 5001: 127.0.0.1:5001 is in use by another program (pulumi config set --path lab:ports.haproxyReadWrite 15001)",
      "lab:ports.prometheus = 9090: 127.0.0.1:9090 is in use by container lab-other-prometheus (lab lab-other; another stack's) (pulumi config set --path lab:ports.prometheus 19090)",
    ]);
  });

  it("puts every unreachable image in one line naming lab:imageSource build", () => {
    const error = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    const line = imageProblem(config({}), [{ key: "postgres", ref: "postgres:15.10-bookworm", error }, { key: "grafana", ref: "grafana/grafana:11.3.1", error }])!;
    assert.match(line, /^lab:imageSource = "registry": 2 images not on this host \(postgres, grafana\) and the registry cannot be reached \(postgres:15\.10-bookworm: Get/);
    assert.match(line, /pulumi config set lab:imageSource build and pulumi config set lab:debianBase debootstrap; pulumi config set --path lab:grafana\.enabled false$/);
    assert.doesNotMatch(line, /\n/);
    assert.strictEqual(imageProblem(config({}), []), undefined);
  });
});

describe("preflight: on this host (Docker, real sockets)", function () {
  this.timeout(600_000);
  const prefix = `lab-preflight-${process.pid}`;
  const cleanup = () => {
    const ids = execFileSync("docker", ["ps", "-aq", "--filter", `label=lab.prefix=${prefix}`], { encoding: "utf8" }).split("\n").filter(Boolean);
    if (ids.length) execFileSync("docker", ["rm", "-f", ...ids]);
  };
  after(cleanup);

  /** A patroni-ha config of this test's own prefix, with every port free but those given. */
  async function labConfig(ports: Record<string, number>, extra: Record<string, unknown> = {}): Promise<LabConfig> {
    const all: Record<string, number> = {};
    for (const key of ["haproxyReadWrite", "haproxyReadOnly", "haproxyStats", "grafana", "prometheus"]) all[key] = ports[key] ?? await freePort();
    return config({ prefix, ports: all, imageSource: "build", debianBase: "debootstrap", grafana: { enabled: false }, ...extra });
  }

  it("passes a host where every port is free, and fails on one another program holds, in one error", async () => {
    assert.deepStrictEqual(await preflightProblems(await labConfig({})), []);
    const port = await freePort();
    const server = net.createServer().listen(port, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const cfg = await labConfig({ haproxyReadWrite: port });
      const problems = await preflightProblems(cfg);
      assert.strictEqual(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], new RegExp(`^lab:ports\\.haproxyReadWrite = ${port}: 127\\.0\\.0\\.1:${port} is in use by another program \\(pulumi config set --path lab:ports\\.haproxyReadWrite \\d+\\)$`));
      const free = Number(/ (\d+)\)$/.exec(problems[0])![1]);
      assert.notStrictEqual(free, port);
      // `up` stops with it before anything is created; a preview only warns.
      await assert.rejects(preflight(cfg, {}, false), (e: Error) => pulumi.RunError.isInstance(e) && e.message.includes(problems[0]));
      await preflight(cfg, {}, true);
      await preflight(cfg, { LAB_PREFLIGHT: "off" }, false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("lets this lab's own container hold its port, and names another lab's container", async () => {
    const port = await freePort();
    execFileSync("docker", ["run", "-d", "--name", `${prefix}-haproxy`, "--label", `lab.prefix=${prefix}`, "-p", `127.0.0.1:${port}:80`,
      await testBase(), "sleep", "infinity"], { stdio: "ignore", timeout: 60_000 });
    assert.deepStrictEqual(await preflightProblems(await labConfig({ haproxyReadWrite: port })), []);
    const other = await preflightProblems(await labConfig({ haproxyReadWrite: port }, { prefix: "lab-someone-else" }));
    assert.deepStrictEqual(other.map((l) => l.replace(/ \d+\)$/, " N)")), [
      `lab:ports.haproxyReadWrite = ${port}: 127.0.0.1:${port} is in use by container ${prefix}-haproxy (lab ${prefix}; another stack's) (pulumi config set --path lab:ports.haproxyReadWrite N)`,
    ]);
  });

  it("says in one line that a registry cannot be reached for an image not on this host", async () => {
    const cfg = await labConfig({}, { imageSource: "registry", images: { etcd: "registry.invalid/lab/etcd:3.5.17" } });
    const problems = await preflightProblems(cfg, { registryTimeoutMs: 20_000 });
    const line = problems.find((l) => l.startsWith("lab:imageSource"));
    assert.ok(line, problems.join("\n"));
    assert.match(line!, /not on this host \([^)]*etcd[^)]*\)/);
    assert.match(line!, /pulumi config set lab:imageSource build/);
  });
});
