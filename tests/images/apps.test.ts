// The lab's Node images (traffic generator, dv-loader, cdc writer/reader) build FROM images/debian/node
// (npm ci behind the proxy through NODE_EXTRA_CA_CERTS) and start as they do on the official image: usage,
// the honest healthcheck, and the named-variable refusals when run without their settings.
import * as assert from "assert";
import { docker } from "../testbed/docker";
import { buildContext, buildServiceImage, imageSuite, runToExit } from "./build";

async function userOf(image: string): Promise<string> {
  return (await docker.getImage(image).inspect()).Config.User;
}

describe("the lab's Node images FROM images/debian/node", function () {
  let node: string;

  imageSuite(async () => {
    node = await buildServiceImage("node");
  });

  it("traffic generator: prints its usage, and its healthcheck fails without a recent acked write", async function () {
    this.timeout(15 * 60_000);
    const image = await buildContext("lab-test-traffic-generator:debian", ".", "apps/traffic-generator/Dockerfile", { NODE_IMAGE: node });
    assert.strictEqual(await userOf(image), "node");
    const help = await runToExit({ image, cmd: ["--help"] });
    assert.strictEqual(help.code, 0, help.out);
    assert.match(help.out, /traffic-generator/);
    const health = await runToExit({ image, cmd: ["health", "--status-file", "/tmp/traffic-status.json", "--max-age-s", "15"] });
    assert.strictEqual(health.code, 1, health.out);
  });

  it("dv-loader: loads its ES-module Kafka client and refuses to start without KAFKA_BOOTSTRAP, naming it", async function () {
    this.timeout(15 * 60_000);
    const image = await buildContext("lab-test-dv-loader:debian", ".", "apps/dv-loader/Dockerfile", { NODE_IMAGE: node });
    assert.strictEqual(await userOf(image), "node");
    const r = await runToExit({ image, env: { DWH_URL: "postgresql://u:p@127.0.0.1:1/dwh", DV_TOPIC_PREFIX: "bookings" } });
    assert.strictEqual(r.code, 1, r.out);
    assert.match(r.out, /KAFKA_BOOTSTRAP/);
    const load = await runToExit({ image, cmd: ["node", "-e", "require('./dist/main.js')"], env: { KAFKA_BOOTSTRAP: "x:1" } });
    assert.strictEqual(load.code, 0, load.out);
  });

  it("cdc-apps (context: the repository root): the writer and the reader refuse a missing URL, naming the variable", async function () {
    this.timeout(15 * 60_000);
    const image = await buildContext("lab-test-cdc-apps:debian", ".", "apps/cdc-apps/Dockerfile", { NODE_IMAGE: node });
    assert.strictEqual(await userOf(image), "node");
    const writer = await runToExit({ image });
    assert.strictEqual(writer.code, 2, writer.out);
    assert.match(writer.out, /SOURCE_URL/);
    const reader = await runToExit({ image, cmd: ["node", "dist/cdc-reader/src/main.js"] });
    assert.strictEqual(reader.code, 2, reader.out);
    assert.match(reader.out, /DESTINATION_URL/);
  });
});
