// images/debian/node in place of node:20.19.5-bookworm-slim: node 20.19.5 and its npm 10.8.2 in /usr/local, user
// node uid 1000, the official entrypoint's "options go to node", NODE_EXTRA_CA_CERTS on the system store.
import * as assert from "assert";
import { execIn } from "../testbed/docker";
import { buildServiceImage, checkContract, imageSuite, runToExit, startContainer, TestContainer } from "./build";

describe("images/debian/node: the official node image's contract", function () {
  let image: string;
  let box: TestContainer;

  imageSuite(async () => {
    image = await buildServiceImage("node");
    box = await startContainer({ image, cmd: ["sleep", "300"] });
  });

  it("keeps the generic contract (root by default, node/npm/npx in /usr/local/bin)", async function () {
    this.timeout(30_000);
    await checkContract("node", box);
    const id = await box.exec(["id", "node"]);
    assert.match(id.stdout, /^uid=1000\(node\) gid=1000\(node\)/);
    const home = await box.exec(["sh", "-c", "getent passwd node | cut -d: -f6; stat -c %U /home/node"]);
    assert.strictEqual(home.stdout, "/home/node\nnode\n");
  });

  it("node is 20.19.5, npm the 10.8.2 it bundles, and both run as user node", async function () {
    this.timeout(30_000);
    const v = await execIn(box.id, ["sh", "-c", "node --version && npm --version && npx --version"], { user: "node" });
    assert.strictEqual(v.code, 0, v.stderr);
    assert.deepStrictEqual(v.stdout.trim().split("\n"), ["v20.19.5", "10.8.2", "10.8.2"]);
    // 20.19 loads ES modules from require() without a flag: the dv-loader's Kafka client needs it.
    const esm = await box.exec(["sh", "-c", "cd /tmp && echo 'export const x = 42;' > m.mjs && node -e 'console.log(require(\"./m.mjs\").x)'"]);
    assert.strictEqual(esm.stdout.trim(), "42", esm.stderr);
  });

  it("NODE_EXTRA_CA_CERTS names the system store, which holds the host's extra CAs, and node loads it", async function () {
    const env = await box.exec(["sh", "-c", "echo $NODE_EXTRA_CA_CERTS; grep -c 'BEGIN CERTIFICATE' $NODE_EXTRA_CA_CERTS"]);
    const [file, count] = env.stdout.trim().split("\n");
    assert.strictEqual(file, "/etc/ssl/certs/ca-certificates.crt");
    assert.ok(Number(count) > 100, `system store has ${count} certificates`);
    // A file node cannot read makes it warn at start: none here.
    const warn = await box.exec(["node", "-e", "0"]);
    assert.strictEqual(warn.stderr, "");
  });

  it("the entrypoint hands options to node and runs commands as given", async function () {
    this.timeout(60_000);
    const opt = await runToExit({ image, cmd: ["-e", "console.log(6 * 7)"] });
    assert.deepStrictEqual(opt, { code: 0, out: "42\n" });
    const cmd = await runToExit({ image, cmd: ["sh", "-c", "echo via-sh"] });
    assert.deepStrictEqual(cmd, { code: 0, out: "via-sh\n" });
    const bad = await runToExit({ image, cmd: ["-e", "process.exit(3)"] });
    assert.strictEqual(bad.code, 3);
  });
});
