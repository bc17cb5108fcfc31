import * as assert from "assert";
import Docker from "dockerode";
import { CONTAINER_JOB_PROVIDER_VERSION, containerJobProvider, ContainerJobInputs, demux } from "../../providers/containerJob";
import { testBase } from "../images/build";

/**
 * providers/containerJob on this engine, with containers made as the docker provider makes a one-shot job's
 * (`start: false`): a job that exits 0 is recorded, one that exits non-zero fails with its own log lines and runs
 * again on the next try (the `up` after a fix), and an unchanged job is no change.
 */
describe("real: ContainerJob runs a created container to its end (dockerode)", function () {
  this.timeout(120_000);
  const docker = new Docker();
  const made: Docker.Container[] = [];
  let base: string;

  before(async function () {
    this.timeout(900_000);
    base = await testBase(); // the lab's debootstrapped Debian base: nothing is pulled
  });
  after(async () => {
    for (const c of made) await c.remove({ force: true }).catch(() => undefined);
  });

  /** A created, not started container, as `labJobContainer` gets it from the provider. */
  const created = async (name: string, script: string): Promise<ContainerJobInputs> => {
    const c = await docker.createContainer({ name: `lab-test-job${process.pid}-${name}`, Image: base, Cmd: ["bash", "-c", script], HostConfig: { RestartPolicy: { Name: "no" } } });
    made.push(c);
    return { name: `lab-test-job${process.pid}-${name}`, containerId: c.id, timeoutSeconds: 60, version: CONTAINER_JOB_PROVIDER_VERSION };
  };

  it("records a job that exits 0, and an unchanged one is no change", async () => {
    const inputs = await created("ok", "echo migrated; exit 0");
    const r = await containerJobProvider.create!(inputs);
    assert.strictEqual(r.outs!.exitCode, 0);
    assert.strictEqual((await docker.getContainer(inputs.containerId).inspect()).State.Status, "exited");
    assert.deepStrictEqual(await containerJobProvider.diff!(r.id, r.outs!, inputs), { changes: false, deleteBeforeReplace: false });
    assert.strictEqual((await containerJobProvider.diff!(r.id, r.outs!, { ...inputs, containerId: "other" })).changes, true);
  });

  it("fails with the exit code and the job's own last lines; the next try runs it again", async () => {
    const inputs = await created("fail", "if [ -f /tmp/second ]; then echo fixed; exit 0; fi; touch /tmp/second; for i in $(seq 1 60); do echo line $i; done; sleep 0.5; echo 'ERROR: relation missing' >&2; exit 3");
    await assert.rejects(containerJobProvider.create!(inputs), (e: Error) => {
      assert.match(e.message, new RegExp(`^${inputs.name} exited with code 3 after \\d+\\.\\d s; its last 40 log lines \\(docker logs ${inputs.name}\\):\n`));
      assert.match(e.message, /ERROR: relation missing$/);
      assert.doesNotMatch(e.message, /line 20\n/, "more than the last 40 lines");
      return true;
    });
    // The container keeps its filesystem: the second start sees the first one's file, as a retried init would.
    const again = await containerJobProvider.create!(inputs);
    assert.strictEqual(again.outs!.exitCode, 0);
  });

  it("fails when the job outlives its timeout", async () => {
    const inputs = { ...(await created("slow", "sleep 30")), timeoutSeconds: 1 };
    await assert.rejects(containerJobProvider.create!(inputs), (e: Error) => e.message === `${inputs.name} (a one-shot job) to exit: no answer within 1000 ms`);
  });

  it("reads Docker's multiplexed log frames", () => {
    const f = (stream: number, text: string) => {
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    assert.strictEqual(demux(Buffer.concat([f(1, "out\n"), f(2, "err\n")])), "out\nerr\n");
    assert.strictEqual(demux(Buffer.from("plain text\n")), "plain text\n");
  });
});
