import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { HOMEWORK_CATALOG, parseLabConfig } from "../config";
import { ConfigError } from "./settings";

const { defaultPorts: DEFAULT_PORTS, needs: HOMEWORK_NEEDS, publicSecrets: PUBLIC_DEFAULT_SECRETS } = HOMEWORK_CATALOG;
import { rawConfig } from "../tests/testbed/rawConfig";

function rejects(values: Record<string, unknown>, pattern: RegExp, stack = "dev", missing: string[] = []) {
  assert.throws(() => parseLabConfig(rawConfig(values, stack, missing), Object.keys(values)), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

describe("config: lab:* parsing and validation", () => {
  it("defaults the dev stack to patroni-ha on loopback with the seed's ports", () => {
    const c = parseLabConfig(rawConfig());
    assert.deepStrictEqual(c.homeworks, ["patroni-ha"]);
    assert.strictEqual(c.bindAddress, "127.0.0.1");
    assert.strictEqual(c.prefix, "lab-dev");
    assert.strictEqual(c.ports.haproxyReadWrite, 5001);
    assert.strictEqual(c.ports.haproxyReadOnly, 5002);
    assert.strictEqual(c.ports.haproxyStats, 7001);
    assert.strictEqual(c.ports.grafana, 3000);
    assert.strictEqual(c.settings.patroni.synchronousMode, true);
  });

  it("picks the homework named like the stack", () => {
    assert.deepStrictEqual(parseLabConfig(rawConfig({}, "partitions")).homeworks, ["partitions"]);
  });

  it("overrides ports, images and patroni timings key by key", () => {
    const c = parseLabConfig(rawConfig({ ports: { grafana: 3300 }, images: { etcd: "mirror.local/etcd:v3.5.17" }, patroni: { ttl: 30 } }));
    assert.strictEqual(c.ports.grafana, 3300);
    assert.strictEqual(c.ports.haproxyStats, DEFAULT_PORTS.haproxyStats);
    assert.strictEqual(c.images.etcd, "mirror.local/etcd:v3.5.17");
    assert.strictEqual(c.settings.patroni.ttl, 30);
  });

  it("rejects an unknown homework, naming the key and the value", () => rejects({ homeworks: ["patroni-ha", "kafka-chaos"] }, /lab:homeworks = .*unknown homework "kafka-chaos"/));
  it("rejects a port out of range", () => rejects({ ports: { haproxyRw: 1 } }, /lab:ports.haproxyRw = 1: unknown key/));
  it("rejects a port above 65535", () => rejects({ ports: { haproxyReadWrite: 70000 } }, /lab:ports.haproxyReadWrite = 70000: must be 1..65535/));
  it("rejects a port used twice", () => rejects({ ports: { grafana: 5001 } }, /lab:ports.grafana = 5001: already used by lab:ports.haproxyReadWrite/));
  it("rejects a non-loopback bind without the opt-in", () => rejects({ bindAddress: "0.0.0.0" }, /lab:bindAddress = "0.0.0.0": is not a loopback address/));
  it("accepts a non-loopback bind with the opt-in", () => {
    assert.strictEqual(parseLabConfig(rawConfig({ bindAddress: "0.0.0.0", allowNonLoopback: true })).bindAddress, "0.0.0.0");
  });
  it("rejects a missing secret, naming it and the homework", () => rejects({}, /lab:grafanaAdminPassword = undefined: missing secret needed by patroni-ha/, "dev", ["grafanaAdminPassword"]));
  it("refuses the public default passwords when publishing beyond loopback", () => {
    const raw = rawConfig({ bindAddress: "192.0.2.10", allowNonLoopback: true }, "dev", [], { postgresPassword: PUBLIC_DEFAULT_SECRETS.postgresPassword });
    assert.throws(() => parseLabConfig(raw), /lab:postgresPassword = "\(the public default\)": lab:bindAddress = 192.0.2.10 publishes beyond this host/);
    assert.doesNotThrow(() => parseLabConfig(rawConfig({}, "dev", [], { postgresPassword: PUBLIC_DEFAULT_SECRETS.postgresPassword })));
  });
  it("rejects an empty secret, naming it", () => {
    assert.throws(() => parseLabConfig(rawConfig({}, "dev", [], { postgresPassword: " " })), /lab:postgresPassword = "\(empty\)": an empty secret is no password/);
  });
  it("does not ask for secrets the chosen homeworks do not use", () => {
    assert.doesNotThrow(() => parseLabConfig(rawConfig({}, "dev", ["minioSecretKey", "airflowAdminPassword"])));
  });
  it("rejects an unpinned image", () => rejects({ images: { grafana: "grafana/grafana:latest" } }, /lab:images.grafana = "grafana\/grafana:latest": must be pinned/));
  it("rejects an image without a tag", () => rejects({ images: { grafana: "grafana/grafana" } }, /lab:images.grafana .*must be pinned/));
  it("rejects an unknown image key", () => rejects({ images: { mysql: "mysql:8" } }, /lab:images.mysql .*unknown key/));
  it("rejects an unknown top-level key", () => rejects({ port: 5 }, /lab:port = 5: unknown key/));
  it("rejects a bad prefix", () => rejects({ prefix: "Lab_1" }, /lab:prefix = "Lab_1"/));
  it("enforces Patroni's ttl floor and timing rule", () => {
    rejects({ patroni: { ttl: 10 } }, /lab:patroni.ttl = 10: Patroni's minimum leader lease is 20 s/);
    rejects({ patroni: { retryTimeout: 10 } }, /lab:patroni = \{"ttl":20,"loopWait":1,"retryTimeout":10\}: Patroni needs loopWait \+ 2\*retryTimeout <= ttl \(1 \+ 2\*10 = 21 > 20\)/);
    // Blames the whole rule, not the key the user did not touch (ttl 20 with loopWait 30).
    rejects({ patroni: { loopWait: 30 } }, /lab:patroni = \{"ttl":20,"loopWait":30,"retryTimeout":5\}: Patroni needs/);
    // Patroni's own floors, before any component is registered (the renderer would otherwise be first to say no).
    rejects({ patroni: { retryTimeout: 2 } }, /lab:patroni.retryTimeout = 2: must be 3..3600/);
    rejects({ patroni: { loopWait: 0 } }, /lab:patroni.loopWait = 0: must be 1..3600/);
  });
  it("rejects two homeworks that publish the same service", () => rejects({ homeworks: ["greenplum-pxf", "partitions"] }, /lab:homeworks = .*greenplum-pxf and partitions both publish lab:ports.greenplum/));
  it("accepts two homeworks with disjoint ports in one stack", () => {
    assert.deepStrictEqual(parseLabConfig(rawConfig({ homeworks: ["patroni-ha", "greenplum-pxf"] })).homeworks, ["patroni-ha", "greenplum-pxf"]);
  });
  it("keeps every homework's own ports distinct by default", () => {
    for (const [hw, needs] of Object.entries(HOMEWORK_NEEDS)) {
      const ports = Object.values(needs.ports);
      assert.strictEqual(new Set(ports).size, ports.length, `${hw} has clashing default ports`);
    }
  });
  it("gives every homework's ports the catalog's defaults, and every public password a word of its own", () => {
    for (const needs of Object.values(HOMEWORK_NEEDS)) for (const [k, v] of Object.entries(needs.ports)) assert.strictEqual(DEFAULT_PORTS[k], v);
    const words = Object.values(PUBLIC_DEFAULT_SECRETS);
    // Pulumi masks each secret's text wherever it occurs: one inside another would mask part of it.
    for (const w of words) assert.deepStrictEqual(words.filter((o) => o.includes(w)), [w], `public default ${w} occurs inside another`);
  });
  it("defaults to registry images, a pulled Debian base, Docker's build network, linux/amd64, data deleted on destroy", () => {
    const c = parseLabConfig(rawConfig());
    assert.deepStrictEqual(c.build, { imageSource: "registry", debianBase: "pull", platform: "linux/amd64" });
    assert.strictEqual(c.keepData, false);
    assert.deepStrictEqual(c.settings.grafana, { enabled: true });
  });
  it("reads build mode, the debootstrap base, its mirror, the build network and the platform", () => {
    const c = parseLabConfig(rawConfig({ imageSource: "build", debianBase: "debootstrap", debianMirror: "http://mirror.example/debian", buildNetwork: "host", platform: "linux/arm64", keepData: true, grafana: { enabled: false } }));
    assert.deepStrictEqual(c.build, { imageSource: "build", debianBase: "debootstrap", debianMirror: "http://mirror.example/debian", network: "host", platform: "linux/arm64" });
    assert.strictEqual(c.keepData, true);
    assert.strictEqual(c.settings.grafana.enabled, false);
  });
  it("rejects a bad image source, base, mirror, build network, platform or keepData, naming key and value", () => {
    rejects({ imageSource: "local" }, /lab:imageSource = "local": must be one of: registry, build/);
    rejects({ debianBase: "scratch" }, /lab:debianBase = "scratch": must be one of: pull, debootstrap/);
    rejects({ debianMirror: "mirror/debian" }, /lab:debianMirror = "mirror\/debian": must be a Debian mirror URL/);
    rejects({ buildNetwork: "no such net" }, /lab:buildNetwork = "no such net": must be a Docker network name/);
    rejects({ platform: "windows/amd64" }, /lab:platform = "windows\/amd64": must be linux\/amd64 or linux\/arm64/);
    rejects({ keepData: "yes" }, /lab:keepData = "yes": must be true or false/);
    rejects({ grafana: { enabled: 1 } }, /lab:grafana.enabled = 1: must be true or false/);
  });
});

describe("config: Pulumi.yaml's schema", () => {
  it("gives every declared key a default (Pulumi refuses a stack lacking a declared key without one), so homeworks add keys without editing it", () => {
    const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
    const required = Object.entries(project.config).filter(([, v]) => !("default" in v)).map(([k]) => k);
    assert.deepStrictEqual(required, []);
    assert.strictEqual((project.config.ports as { type?: string }).type, "object");
    for (const key of Object.keys(HOMEWORK_CATALOG.publicSecrets)) assert.ok(!(key in project.config), `lab:${key} is declared in Pulumi.yaml`);
    // A homework's own settings live in its needs.ts only: one file to change (and its line in docs/configuration.md).
    for (const key of Object.keys(HOMEWORK_CATALOG.settings)) assert.ok(!(key in project.config), `lab:${key} is declared in Pulumi.yaml`);
  });
});
