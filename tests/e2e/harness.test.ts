// The harness on its own fixture: each input reaches the container, an unimplemented input fails by name, a second
// run changes nothing, a moved file of the image's context updates the image, teardown leaves nothing labelled.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { buildImage, docker, execIn } from "../testbed/docker";
import { E2E_LABEL, leftovers, recorded, RunResult, runLab, teardown } from "./harness";
import { testBase } from "../images/build";

const PROGRAM = path.join(__dirname, "fixture", "index.ts");
const RUN = `fixture-${process.pid}`;
const PREFIX = `lab-e2e-fx-${process.pid}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    }).on("error", reject);
  });
}

describe("e2e harness on its fixture program", function () {
  let port: number;
  let base: string;
  let first: RunResult;
  // The image's build context: a copy of fixture/image with one file its Dockerfile does not COPY.
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "lab-e2e-ctx-"));
  const args = () => ({ stack: "fixture", runId: RUN, program: PROGRAM, config: { prefix: PREFIX, port, base, context }, secrets: { token: "s3cret-token" } });
  const inspect = (name: string) => docker.getContainer(name).inspect();

  before(async function () {
    this.timeout(900_000);
    base = await testBase();
    port = await freePort();
    fs.copyFileSync(path.join(__dirname, "fixture", "image", "Dockerfile"), path.join(context, "Dockerfile"));
    fs.writeFileSync(path.join(context, "notes.txt"), "sent with the context, copied nowhere\n");
    first = await runLab(args());
  });
  after(async function () {
    this.timeout(120_000);
    await teardown(RUN);
    await teardown(`${RUN}-bad`);
    fs.rmSync(context, { recursive: true, force: true });
  });

  it("creates every resource once and returns the outputs", () => {
    assert.deepStrictEqual(first.counts, { created: 7, updated: 0, replaced: 0, same: 0 });
    assert.strictEqual(first.outputs.hello, "hello from fixture as fixture");
    assert.strictEqual(first.outputs.greeting, "HELLO FROM FIXTURE AS FIXTURE");
    const img = recorded(RUN).find((r) => r.type === "docker:index/image:Image")!;
    assert.match(String(first.outputs.repoDigest), /^sha256:[0-9a-f]{64}$/);
    assert.strictEqual(first.outputs.repoDigest, img.id);
  });

  it("gives the container every input the program set", async () => {
    const c = await inspect(`${PREFIX}-app`);
    assert.strictEqual(c.Config.Hostname, "app");
    assert.strictEqual(c.Config.User, "nobody");
    assert.deepStrictEqual(c.Config.Entrypoint, ["/bin/bash"]);
    assert.deepStrictEqual(c.Config.Cmd, ["/opt/fixture/serve.sh"]);
    assert.ok(c.Config.Env.includes("GREETING=HELLO FROM FIXTURE AS FIXTURE"), c.Config.Env.join(" "));
    assert.ok(c.Config.Env.includes("TOKEN=s3cret-token"), "the secret reaches the container unwrapped");
    assert.strictEqual(c.HostConfig.RestartPolicy?.Name, "unless-stopped");
    assert.deepStrictEqual(c.HostConfig.PortBindings["8080/tcp"], [{ HostIp: "127.0.0.1", HostPort: String(port) }]);
    assert.deepStrictEqual(c.NetworkSettings.Ports["8080/tcp"]?.map((b: any) => b.HostIp), ["127.0.0.1"]);
    const nets = c.NetworkSettings.Networks;
    assert.deepStrictEqual(Object.keys(nets), [`${PREFIX}-net`], "only on the lab network, not the default bridge");
    assert.ok(nets[`${PREFIX}-net`].Aliases?.includes("app-alias"), `aliases ${nets[`${PREFIX}-net`].Aliases}`);
    assert.deepStrictEqual(c.Mounts.map((m: any) => [m.Type, m.Name, m.Destination]), [["volume", `${PREFIX}-data`, "/data"]]);
    assert.deepStrictEqual(c.Config.Healthcheck, { Test: ["CMD", "test", "-s", "/tmp/ready"], Interval: 1e9, Timeout: 3e9, StartPeriod: 60e9, Retries: 5 });
    assert.strictEqual(c.State.Health?.Status, "healthy");
    assert.strictEqual(c.Config.Labels["lab.service"], "app");
    assert.strictEqual(c.Config.Labels[E2E_LABEL], RUN);
    const modes = await execIn(c.Id, ["stat", "-c", "%a %U %n", "/opt/fixture/serve.sh", "/opt/fixture/plain.txt"]);
    assert.strictEqual(modes.stdout.trim(), "755 root /opt/fixture/serve.sh\n644 root /opt/fixture/plain.txt");
    const ready = await execIn(c.Id, ["cat", "/tmp/ready"]);
    assert.strictEqual(ready.stdout.trim(), "HELLO FROM FIXTURE AS FIXTURE nobody", "the upload ran with env and user");
  });

  it("records container outputs as the provider does (inputs, canonical durations)", () => {
    const app = recorded(RUN).find((r) => r.name === "app")!;
    assert.strictEqual(app.outputs.healthcheck.startPeriod, "1m0s");
    assert.strictEqual(app.outputs.healthcheck.interval, "1s");
    assert.strictEqual(app.outputs.name, `${PREFIX}-app`);
    assert.strictEqual(app.outputs.networkDatas[0].networkName, `${PREFIX}-net`);
  });

  it("builds the image FROM the Debian base with its build args, and runs it", async () => {
    const c = await inspect(`${PREFIX}-built`);
    assert.strictEqual(c.Image, first.outputs.repoDigest);
    assert.strictEqual((await execIn(c.Id, ["cat", "/built.txt"])).stdout.trim(), "fixture-marker");
    assert.strictEqual(c.State.Running, true);
  });

  it("labels the network and volume with the run", async () => {
    const n = await docker.getNetwork(`${PREFIX}-net`).inspect();
    const v = await docker.getVolume(`${PREFIX}-data`).inspect();
    assert.strictEqual(recorded(RUN).find((r) => r.name === "data")!.id, `${PREFIX}-data`);
    assert.match(recorded(RUN).find((r) => r.name === "data")!.outputs.mountpoint, /\/volumes\//);
    assert.strictEqual(n.Labels?.[E2E_LABEL], RUN);
    assert.strictEqual(n.Labels?.["lab.prefix"], PREFIX);
    assert.strictEqual(v.Labels[E2E_LABEL], RUN);
  });

  it("changes nothing on a second run over the same state", async function () {
    this.timeout(120_000);
    const id = (await inspect(`${PREFIX}-app`)).Id;
    const second = await runLab(args());
    assert.deepStrictEqual(second.counts, { created: 0, updated: 0, replaced: 0, same: 7 });
    assert.strictEqual((await inspect(`${PREFIX}-app`)).Id, id, "the container was not recreated");
  });

  it("updates the image, and nothing else, when a file its build sends moves (the provider's context digest)", async function () {
    this.timeout(120_000);
    fs.renameSync(path.join(context, "notes.txt"), path.join(context, "moved.txt"));
    const moved = await runLab(args());
    const image = recorded(RUN).find((r) => r.type === "docker:index/image:Image")!;
    assert.strictEqual(moved.ops[image.urn], "update");
    assert.deepStrictEqual(moved.counts, { created: 0, updated: 1, replaced: 0, same: 6 });
    assert.strictEqual(image.id, first.outputs.repoDigest, "nothing COPYs the file: the image id, and so the container running it, stay");
  });

  it("replaces the container when an input that forces replacement changes", async function () {
    this.timeout(120_000);
    const id = (await inspect(`${PREFIX}-app`)).Id;
    const changed = await runLab({ ...args(), secrets: { token: "another-token" } });
    assert.strictEqual(changed.ops[recorded(RUN).find((r) => r.name === "app")!.urn], "replace");
    assert.deepStrictEqual({ ...changed.counts, same: 0 }, { created: 0, updated: 0, replaced: 1, same: 0 });
    const c = await inspect(`${PREFIX}-app`);
    assert.notStrictEqual(c.Id, id);
    assert.ok(c.Config.Env.includes("TOKEN=another-token"));
  });

  it("fails a run whose container sets an input the harness does not implement, naming it", async function () {
    this.timeout(120_000);
    const bad = `${RUN}-bad`;
    await assert.rejects(
      runLab({ ...args(), runId: bad, config: { prefix: `${PREFIX}-bad`, port: await freePort(), base, unimplemented: true } }),
      /urn:pulumi:fixture::lab::docker:index\/container:Container::app: .*input privileged is not implemented/,
    );
    await teardown(bad);
    assert.deepStrictEqual(await leftovers(bad), []);
  });

  it("builds with BuildKit and a failed build rejects with the RUN step's own output", async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-e2e-bk-"));
    try {
      fs.writeFileSync(path.join(dir, "Dockerfile"), `FROM ${base}\nRUN echo the-step-said-this >&2 && false\n`);
      await assert.rejects(buildImage({ tag: "lab-e2e-failing:never", context: dir, builder: "buildkit" }), /exit code: 1[\s\S]*the-step-said-this/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("teardown leaves no container, network or volume labelled with the run", async function () {
    this.timeout(120_000);
    await teardown(RUN);
    assert.deepStrictEqual(await leftovers(RUN), []);
    await assert.rejects(docker.getContainer(`${PREFIX}-app`).inspect(), /no such container/i);
  });
});
