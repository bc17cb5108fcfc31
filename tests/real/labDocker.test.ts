import * as assert from "assert";
import Docker from "dockerode";
import { main } from "../../tools/lab";
import { LabDocker } from "../../tools/lab/docker";
import { testBase } from "../images/build";

/**
 * The CLI's Docker half on this engine: containers this test creates (prefix lab-test-d<pid>, the lab's labels,
 * the lab's Debian base image) are found by label, listed by `status`, killed and started by service name.
 */
describe("real: lab CLI finds containers by their labels (dockerode)", function () {
  this.timeout(60_000);
  const docker = new Docker();
  const prefix = `lab-test-d${process.pid}`;
  const made: Docker.Container[] = [];
  const lab = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...argv, "--prefix", prefix], {}, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  before(async function () {
    this.timeout(900_000);
    const base = await testBase(); // the lab's debootstrapped Debian base: nothing is pulled
    for (const service of ["pg-1", "etcd-1"]) {
      const c = await docker.createContainer({
        name: `${prefix}-${service}`, Image: base, Cmd: ["sleep", "600"], Env: ["PATRONI_SUPERUSER_PASSWORD=pw-from-env"],
        Labels: { "lab.prefix": prefix, "lab.service": service },
        HostConfig: { PortBindings: service === "pg-1" ? { "5432/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } : {} },
        ExposedPorts: service === "pg-1" ? { "5432/tcp": {} } : undefined,
        Healthcheck: { Test: ["CMD", "true"], Interval: 1e9, Retries: 3 },
      });
      made.push(c);
      await c.start();
    }
  });
  after(async () => {
    for (const c of made) await c.remove({ force: true }).catch(() => undefined);
  });

  it("lists the lab's containers with state and published ports, and reads a container's environment", async () => {
    const d = new LabDocker(docker);
    const services = await d.services(prefix);
    assert.deepStrictEqual(services.map((s) => s.service), ["etcd-1", "pg-1"]);
    assert.match(Object.values(services[1].ports).map((p) => `${p.ip}:${p.port}`).join(), /^127\.0\.0\.1:\d+$/);
    assert.strictEqual((await d.env(`${prefix}-pg-1`)).PATRONI_SUPERUSER_PASSWORD, "pw-from-env");
    const r = await d.exec(`${prefix}-pg-1`, ["sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.deepStrictEqual(r, { exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("status lists every container; kill and start find the container by service name", async () => {
    const status = await lab("status");
    assert.strictEqual(status.code, 0, status.err);
    assert.match(status.out, new RegExp(`^lab ${prefix} \\(prefix from --prefix\\)`));
    assert.match(status.out, /^etcd-1\s+running/m);
    assert.match(status.out, /^pg-1\s+running .*127\.0\.0\.1:\d+→5432/m);
    const killed = await lab("kill", "etcd-1");
    assert.strictEqual(killed.code, 0, killed.err);
    assert.strictEqual((await made[1].inspect()).State.Running, false);
    const started = await lab("start", "etcd-1");
    assert.strictEqual(started.code, 0, started.err);
    assert.strictEqual((await made[1].inspect()).State.Running, true);
    const missing = await lab("kill", "pg-7");
    assert.strictEqual(missing.code, 1);
    assert.match(missing.err, new RegExp(`no container with labels lab.prefix=${prefix}, lab.service=pg-7; the lab has: etcd-1, pg-1`));
  });

  it("names the labs on the host when the prefix finds nothing", async () => {
    const out: string[] = [];
    const err: string[] = [];
    assert.strictEqual(await main(["kill", "pg-1", "--prefix", "lab-test-nothing-here"], {}, (l) => out.push(l), (l) => err.push(l)), 1);
    assert.match(err.join("\n"), new RegExp(`no containers with label lab.prefix=lab-test-nothing-here; labs on this host: .*${prefix}`));
  });
});
