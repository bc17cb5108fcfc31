// images/debian/haproxy in place of haproxy:2.6-bookworm: the lab's rendered haproxy.cfg at the official path
// starts, the lab's /ready healthcheck (bash /dev/tcp) passes with a leader and fails without, /metrics is
// served by the built-in Prometheus exporter, the process runs as haproxy (uid 99).
import * as assert from "assert";
import { haproxyReadyCheck } from "../../components/haproxy/haproxy";
import { HAPROXY_CONFIG_PATH, renderHaproxyConfig } from "../../components/haproxy/haproxyConfig";
import { execIn } from "../testbed/docker";
import { buildServiceImage, checkContract, imageSuite, startContainer, waitForCommand } from "./build";

const PORTS = { readWrite: 5001, readOnly: 5002, stats: 7001 };
const LEADER_API_PORT = 8008;

/** A container with the rendered config in place before it starts, as the lab's `uploads` do. */
async function startWithConfig(image: string, apiPort: number): Promise<string> {
  // The one "member" is a stand-in Patroni REST API in HAProxy itself: /primary answers 200 with the role, as a leader
  // whose promotion is done does (the lab's check wants both).
  const cfg = renderHaproxyConfig({ members: [{ name: "pg-1", host: "127.0.0.1", pgPort: 5432, apiPort }], ports: PORTS, bindAddress: "0.0.0.0" }) + [
    "", "frontend stand_in_patroni", "  mode http", `  bind 127.0.0.1:${LEADER_API_PORT}`,
    `  http-request return status 200 content-type application/json string '{"role": "primary", "state": "running"}'`, "",
  ].join("\n");
  return (await startContainer({ image, files: [{ path: HAPROXY_CONFIG_PATH, content: cfg }] })).id;
}

describe("images/debian/haproxy: the official haproxy image's contract", function () {
  let image: string;
  let healthy: string;

  imageSuite(async () => {
    image = await buildServiceImage("haproxy");
    healthy = await startWithConfig(image, LEADER_API_PORT);
    await waitForCommand(healthy, haproxyReadyCheck(PORTS.stats), 20_000, 500);
  });

  it("keeps the generic contract (user haproxy uid 99, config dir, bash for the healthcheck)", async function () {
    this.timeout(30_000);
    await checkContract("haproxy", { id: healthy });
    const id = await execIn(healthy, ["id"]);
    assert.match(id.stdout, /^uid=99\(haproxy\) gid=99\(haproxy\)/);
    const v = await execIn(healthy, ["haproxy", "-v"]);
    assert.match(v.stdout, /version 2\.6\./);
  });

  it("runs the lab's config in master-worker mode from the entrypoint, and it validates", async function () {
    const check = await execIn(healthy, ["haproxy", "-c", "-f", HAPROXY_CONFIG_PATH]);
    assert.strictEqual(check.code, 0, check.stdout + check.stderr);
    const cmdline = await execIn(healthy, ["sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"]);
    assert.match(cmdline.stdout, /haproxy -W -db -f \/usr\/local\/etc\/haproxy\/haproxy.cfg/);
  });

  it("serves Prometheus metrics on the stats port (exporter built in)", async function () {
    const r = await execIn(healthy, ["bash", "-c",
      `exec 3<>/dev/tcp/127.0.0.1/${PORTS.stats} && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`]);
    assert.match(r.stdout, / 200 /);
    assert.match(r.stdout, /^haproxy_backend_active_servers\{proxy="pg_read_write"\} 1$/m);
  });

  it("the lab's healthcheck fails while no leader answers", async function () {
    this.timeout(30_000);
    const noLeader = await startWithConfig(image, 1); // nothing listens on port 1
    await waitForCommand(noLeader, haproxyReadyCheck(PORTS.stats), 20_000, 500, { exitCode: 1 });
  });
});
