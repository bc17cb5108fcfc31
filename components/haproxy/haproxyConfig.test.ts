import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import {
  HAPROXY_READ_ONLY_BACKEND, HAPROXY_READ_WRITE_BACKEND, HaproxyConfigArgs, renderHaproxyConfig,
} from "./haproxyConfig";

const HAPROXY = "/usr/sbin/haproxy";

function args(over: Partial<HaproxyConfigArgs> = {}): HaproxyConfigArgs {
  return {
    members: [1, 2, 3].map((i) => ({ name: `patroni${i}`, host: `patroni${i}`, pgPort: 5432, apiPort: 8008 })),
    ports: { readWrite: 5001, readOnly: 5002, stats: 7001 },
    bindAddress: "0.0.0.0",
    ...over,
  };
}

/** Sections of an haproxy.cfg: "backend pg_read_write" -> its directive lines. */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of cfg.split("\n")) {
    if (!line.trim()) continue;
    if (/^\S/.test(line)) { current = []; out.set(line.trim(), current); } else current?.push(line.trim());
  }
  return out;
}

describe("renderHaproxyConfig", () => {
  const s = sections(renderHaproxyConfig(args()));

  it("sends read-write clients to the member whose REST API says /primary", () => {
    const rw = s.get(`backend ${HAPROXY_READ_WRITE_BACKEND}`)!;
    assert.ok(rw.includes("http-check send meth GET uri /primary"), rw.join("\n"));
    assert.ok(rw.includes("http-check expect status 200"));
    // Both expectations hold for one response: the leader lock (200) and a finished promotion (role primary).
    assert.strictEqual(rw[rw.indexOf("http-check expect status 200") + 1], `http-check expect string '"role": "primary"'`);
    assert.ok(rw.includes("option httpchk"));
    assert.deepStrictEqual(rw.filter((l) => l.startsWith("server")), [
      "server patroni1 patroni1:5432 check port 8008", "server patroni2 patroni2:5432 check port 8008", "server patroni3 patroni3:5432 check port 8008",
    ]);
    const defaults = rw.find((l) => l.startsWith("default-server"))!;
    assert.match(defaults, /inter 500ms .*fall 2 rise 1 on-marked-down shutdown-sessions/);
    assert.deepStrictEqual(s.get("frontend pg_read_write_in"), ["bind 0.0.0.0:5001", `default_backend ${HAPROXY_READ_WRITE_BACKEND}`]);
  });

  it("sends read-only clients to /replica members, falling back to the leader when none is up", () => {
    const ro = s.get(`backend ${HAPROXY_READ_ONLY_BACKEND}`)!;
    assert.ok(ro.includes("http-check send meth GET uri /replica"), ro.join("\n"));
    assert.ok(!ro.some((l) => l.includes('"role"')), "Patroni's /replica already answers 503 unless the role is replica");
    assert.deepStrictEqual(s.get("frontend pg_read_only_in"), [
      "bind 0.0.0.0:5002",
      `use_backend ${HAPROXY_READ_WRITE_BACKEND} if { nbsrv(${HAPROXY_READ_ONLY_BACKEND}) lt 1 }`,
      `default_backend ${HAPROXY_READ_ONLY_BACKEND}`,
    ]);
  });

  it("serves stats, Prometheus metrics and an honest readiness URI on the stats port", () => {
    const stats = s.get("listen stats")!;
    assert.ok(stats.includes("bind 0.0.0.0:7001"));
    assert.ok(stats.includes("stats uri /"));
    assert.ok(stats.includes("http-request use-service prometheus-exporter if { path /metrics }"));
    assert.ok(stats.includes("monitor-uri /ready"));
    assert.ok(stats.includes(`monitor fail if { nbsrv(${HAPROXY_READ_WRITE_BACKEND}) lt 1 }`));
  });

  it("takes check timings, ports and the bind address from its arguments", () => {
    const cfg = sections(renderHaproxyConfig(args({ bindAddress: "127.0.0.1", ports: { readWrite: 15001, readOnly: 15002, stats: 17001 }, check: { interMs: 500, fall: 3, rise: 2 } })));
    assert.ok(cfg.get("frontend pg_read_write_in")!.includes("bind 127.0.0.1:15001"));
    assert.ok(cfg.get("frontend pg_read_only_in")!.includes("bind 127.0.0.1:15002"));
    assert.ok(cfg.get("listen stats")!.includes("bind 127.0.0.1:17001"));
    assert.match(cfg.get(`backend ${HAPROXY_READ_ONLY_BACKEND}`)!.find((l) => l.startsWith("default-server"))!, /inter 500ms .*fall 3 rise 2 /);
  });

  it("rejects bad arguments, naming the key and value", () => {
    assert.throws(() => renderHaproxyConfig(args({ members: [] })), /haproxy members = \[\]/);
    assert.throws(() => renderHaproxyConfig(args({ ports: { readWrite: 70000, readOnly: 5002, stats: 7001 } })), /ports\.readWrite = 70000: must be an integer port 1\.\.65535/);
    assert.throws(() => renderHaproxyConfig(args({ ports: { readWrite: 5001, readOnly: 5001, stats: 7001 } })), /must differ/);
    assert.throws(() => renderHaproxyConfig(args({ members: [...args().members, args().members[0]] })), /members\[3\]\.name = "patroni1": is used twice/);
    assert.throws(() => renderHaproxyConfig(args({ members: [{ name: "p", host: "p q", pgPort: 5432, apiPort: 8008 }] })), /members\[0\]\.host = "p q"/);
    assert.throws(() => renderHaproxyConfig(args({ bindAddress: "any" })), /bindAddress = "any"/);
    assert.throws(() => renderHaproxyConfig(args({ check: { interMs: 0, fall: 1, rise: 1 } })), /check\.interMs = 0/);
  });

  it("passes `haproxy -c` (Debian's HAProxy 2.6)", () => {
    if (!fs.existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: run \`bash .ci/install.d/10-debian.sh\` first`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-check-"));
    try {
      // Member host names resolve only inside the lab network; the check needs resolvable ones.
      const file = path.join(dir, "haproxy.cfg");
      fs.writeFileSync(file, renderHaproxyConfig(args({ members: [1, 2, 3].map((i) => ({ name: `patroni${i}`, host: "127.0.0.1", pgPort: 5432 + i, apiPort: 8008 + i })) })));
      const r = spawnSync(HAPROXY, ["-c", "-f", file], { encoding: "utf8" });
      assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout + r.stderr, /Configuration file is valid/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("marks up, behind the read-write port, only a member that holds the lock and finished promoting (real HAProxy)", async function () {
    this.timeout(30_000);
    if (!fs.existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: run \`bash .ci/install.d/10-debian.sh\` first`);
    // Patroni's /primary answers as members in three states do: promoted, lock held but still in recovery, demoted.
    const states = { promoted: [200, "primary"], promoting: [200, "replica"], demoted: [503, "primary"] } as const;
    const servers = await Promise.all(Object.values(states).map(([code, role]) => new Promise<http.Server>((resolve) => {
      const srv = http.createServer((_req, res) => res.writeHead(code, { "Content-Type": "application/json" })
        .end(JSON.stringify({ state: "running", role, timeline: 2 }).replace(/":/g, '": ')));
      srv.listen(0, "127.0.0.1", () => resolve(srv));
    })));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-run-"));
    const file = path.join(dir, "haproxy.cfg");
    const ports = { readWrite: 25101, readOnly: 25102, stats: 25103 };
    fs.writeFileSync(file, renderHaproxyConfig({
      members: Object.keys(states).map((name, i) => ({ name, host: "127.0.0.1", pgPort: 25110 + i, apiPort: (servers[i].address() as AddressInfo).port })),
      ports, bindAddress: "127.0.0.1", check: { interMs: 200, fall: 1, rise: 1 },
    }).replace(/^ {2}log .*$/gm, ""));
    const proc = spawn(HAPROXY, ["-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    proc.stderr.on("data", (b) => { err += b; });
    try {
      let status: Record<string, string> = {};
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const csv = await fetch(`http://127.0.0.1:${ports.stats}/;csv`).then((r) => r.text()).catch(() => "");
        status = Object.fromEntries(csv.split("\n").map((l) => l.split(",")).filter((f) => f[0] === HAPROXY_READ_WRITE_BACKEND && f[1] !== "BACKEND")
          .map((f) => [f[1], `${f[17]} ${f[36]}`]));
        // Settled: every server past its first check (UP or DOWN with a check result).
        if (Object.values(status).length === 3 && Object.values(status).every((v) => /^(UP|DOWN) L7/.test(v))) break;
      }
      assert.match(status.promoted ?? "", /^UP L7OK/, `${JSON.stringify(status)} ${err}`);
      assert.match(status.promoting ?? "", /^DOWN L7RSP/, JSON.stringify(status));
      assert.match(status.demoted ?? "", /^DOWN L7STS/, JSON.stringify(status));
    } finally {
      proc.kill("SIGKILL");
      for (const s of servers) s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
