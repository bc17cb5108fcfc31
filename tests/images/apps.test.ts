// The lab's Node images (traffic generator, dv-loader, cdc writer/reader) build FROM images/debian/node
// (npm ci behind the proxy through NODE_EXTRA_CA_CERTS) and start as they do on the official image: usage,
// the honest healthcheck, and the named-variable refusals when run without their settings.
import * as assert from "assert";
import { containerLogs, docker } from "../testbed/docker";
import { buildContext, buildServiceImage, cleanupContainers } from "./build";

async function runOnce(image: string, cmd: string[] | undefined, env: string[] = [], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({ Image: image, Cmd: cmd, Env: env, Labels: { "lab.test": `images-${process.pid}` } });
  await c.start();
  const result = await Promise.race([
    c.wait() as Promise<{ StatusCode: number }>,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${image} ${cmd?.join(" ")} still running after ${timeoutMs} ms`)), timeoutMs)),
  ]);
  return { code: result.StatusCode, out: await containerLogs(c.id, 200) };
}

async function userOf(image: string): Promise<string> {
  return (await docker.getImage(image).inspect()).Config.User;
}

describe("the lab's Node images FROM images/debian/node", function () {
  let node: string;

  before(async function () {
    this.timeout(20 * 60_000);
    node = await buildServiceImage("node");
  });

  after(async function () {
    this.timeout(60_000);
    await cleanupContainers();
  });

  it("traffic generator: prints its usage, and its healthcheck fails without a recent acked write", async function () {
    this.timeout(15 * 60_000);
    const image = await buildContext("lab-test-traffic-generator:debian", ".", "apps/traffic-generator/Dockerfile", { NODE_IMAGE: node });
    assert.strictEqual(await userOf(image), "node");
    const help = await runOnce(image, ["--help"]);
    assert.strictEqual(help.code, 0, help.out);
    assert.match(help.out, /traffic-generator/);
    const health = await runOnce(image, ["health", "--status-file", "/tmp/traffic-status.json", "--max-age-s", "15"]);
    assert.strictEqual(health.code, 1, health.out);
  });

  it("dv-loader: loads its ES-module Kafka client and refuses to start without KAFKA_BOOTSTRAP, naming it", async function () {
    this.timeout(15 * 60_000);
    const image = await buildContext("lab-test-dv-loader:debian", ".", "apps/dv-loader/Dockerfile", { NODE_IMAGE: node });
    assert.strictEqual(await userOf(image), "node");
    const r = await runOnce(image, undefined, ["DWH_URL=postgresql://u:p@127.0.0.1:1/dwh", "DV_TOPIC_PREFIX=bookings"]);
    assert.strictEqual(r.code, 1, r.out);
    assert.match(r.out, /KAFKA_BOOTSTRAP/);
    const load = await runOnce(image, ["node", "-e", "require('./dist/main.js')"], ["KAFKA_BOOTSTRAP=x:1"]);
    assert.strictEqual(load.code, 0, load.out);
  });

  it("cdc-apps (context: the repository root): the writer and the reader refuse a missing URL, naming the variable", async function () {
    this.timeout(15 * 60_000);
    const image = await buildContext("lab-test-cdc-apps:debian", ".", "apps/cdc-apps/Dockerfile", { NODE_IMAGE: node });
    assert.strictEqual(await userOf(image), "node");
    const writer = await runOnce(image, undefined);
    assert.strictEqual(writer.code, 2, writer.out);
    assert.match(writer.out, /SOURCE_URL/);
    const reader = await runOnce(image, ["node", "dist/cdc-reader/src/main.js"]);
    assert.strictEqual(reader.code, 2, reader.out);
    assert.match(reader.out, /DESTINATION_URL/);
  });
});
