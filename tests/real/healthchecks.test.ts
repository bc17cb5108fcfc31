// The containers' healthcheck commands, run for real against local services: each must pass while its
// service serves and fail when it does not (no check that cannot fail).
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { etcdHealthCheck } from "../../components/etcd/etcdCluster";
import { etcdMemberArgs } from "../../components/etcd/etcdConfig";
import { haproxyReadyCheck } from "../../components/haproxy/haproxy";
import { renderHaproxyConfig } from "../../components/haproxy/haproxyConfig";
import { patroniHealthCheck } from "../../components/patroni/patroniCluster";
import { freePorts, waitForTcp } from "../testbed/ports";
import { requireBinary, start, stopAll, tempDir, waitFor } from "../testbed/proc";

/** Runs a Docker exec-form healthcheck (["CMD", cmd, ...args]) on this host; resolves to its exit code.
 * Async: the fake services answer from this same process. */
function runCheck(test: string[]): Promise<number> {
  assert.strictEqual(test[0], "CMD");
  return new Promise((resolve) => {
    const child = spawn(test[1], test.slice(2), { stdio: "ignore", timeout: 10_000 });
    child.once("exit", (code) => resolve(code ?? -1));
    child.once("error", () => resolve(-1));
  });
}

/** A stand-in for Patroni's REST API whose answer the test switches. */
/** A stand-in Patroni REST API: the status it is told, with the body a leader done promoting answers. */
async function fakeRestApi(port: number, status: () => number): Promise<http.Server> {
  const srv = http.createServer((_req, res) => {
    const code = status();
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ state: "running", role: code === 200 ? "primary" : "replica" }, null, 1)); // Patroni writes `"role": "primary"`
  });
  await new Promise<void>((r) => srv.listen(port, "127.0.0.1", () => r()));
  return srv;
}

describe("real: container healthchecks pass when serving and fail when not", function () {
  this.timeout(60_000);
  const servers: net.Server[] = [];
  after(async () => {
    for (const s of servers) s.close();
    await stopAll();
  });

  it("Patroni: /health 200 passes, 503 and no answer fail", async () => {
    const [port] = await freePorts(1);
    let status = 200;
    const srv = await fakeRestApi(port, () => status);
    servers.push(srv);
    assert.strictEqual(await runCheck(patroniHealthCheck(port)), 0);
    status = 503;
    assert.notStrictEqual(await runCheck(patroniHealthCheck(port)), 0);
    srv.close();
    assert.notStrictEqual(await runCheck(patroniHealthCheck(port)), 0);
  });

  it("HAProxy: ready while a leader answers /primary, failing once none does", async () => {
    const haproxy = requireBinary("/usr/sbin/haproxy", ".ci/install.d/10-debian.sh");
    const [rw, ro, stats, api, pgPort] = await freePorts(5);
    let primary = 200;
    servers.push(await fakeRestApi(api, () => primary));
    const pg = net.createServer((s) => s.end());
    await new Promise<void>((r) => pg.listen(pgPort, "127.0.0.1", () => r()));
    servers.push(pg);
    const dir = tempDir("lab-haproxy-check");
    const cfg = path.join(dir, "haproxy.cfg");
    fs.writeFileSync(cfg, renderHaproxyConfig({
      members: [{ name: "pg-1", host: "127.0.0.1", pgPort, apiPort: api }],
      ports: { readWrite: rw, readOnly: ro, stats }, bindAddress: "127.0.0.1",
    }));
    const proc = start({ name: "haproxy", cmd: haproxy, args: ["-db", "-f", cfg], logDir: dir });
    await waitForTcp(stats, 10_000).catch((e) => { throw new Error(`${e.message}\n${proc.tail()}`); });
    await waitFor("HAProxy ready with a leader", 15_000, async () => ((await runCheck(haproxyReadyCheck(stats))) === 0 ? true : undefined));
    primary = 503; // the member is demoted: no leader behind the read-write port
    await waitFor("HAProxy not ready without a leader", 15_000, async () => ((await runCheck(haproxyReadyCheck(stats))) !== 0 ? true : undefined));
    primary = 200;
    await waitFor("HAProxy ready again", 15_000, async () => ((await runCheck(haproxyReadyCheck(stats))) === 0 ? true : undefined));
    await proc.stop();
    assert.notStrictEqual(await runCheck(haproxyReadyCheck(stats)), 0, "check passes with HAProxy stopped");
  });

  it("etcd: a member with quorum passes; a member that lost quorum fails", async () => {
    const etcd = requireBinary("/usr/bin/etcd", ".ci/install.d/10-debian.sh");
    requireBinary("/usr/bin/etcdctl", ".ci/install.d/10-debian.sh");
    const ports = await freePorts(4);
    const members = [0, 1].map((i) => ({ name: `etcd-${i + 1}`, host: "127.0.0.1", clientPort: ports[i * 2], peerPort: ports[i * 2 + 1] }));
    const dir = tempDir("lab-etcd-check");
    const procs = members.map((m) => start({
      name: m.name, cmd: etcd, logDir: dir, env: { ETCDCTL_API: "3" },
      args: etcdMemberArgs(m, members, { dataDir: path.join(dir, m.name), listenHost: "127.0.0.1", clusterToken: "check" }),
    }));
    const check = etcdHealthCheck(members[0].clientPort);
    await waitFor("etcd healthy", 30_000, async () => ((await runCheck(check)) === 0 ? true : undefined), 500);
    await procs[1].stop(); // 1 of 2 left: no quorum
    await waitFor("etcd unhealthy without quorum", 30_000, async () => ((await runCheck(check)) !== 0 ? true : undefined), 500);
  });
});
