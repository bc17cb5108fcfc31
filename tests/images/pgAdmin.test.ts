// images/debian/pgAdmin in place of dpage/pgadmin4:8.14, run with components/pgAdmin.ts's env: the healthcheck's
// /misc/ping answers, the default login works over HTTP (a wrong password does not), servers.json is loaded for
// that user, PGADMIN_CONFIG_* reaches pgAdmin's config, PGADMIN_LISTEN_PORT moves the port.
import * as assert from "assert";
import { pgAdminHealthCheck, renderServersJson } from "../../components/pgAdmin";
import { buildServiceImage, checkContract, cleanupContainers, startContainer, TestContainer } from "./build";

const EMAIL = "admin@lab.local";
const PASSWORD = "lab-test-pgadmin";
const SERVERS = renderServersJson("debezium_test", [
  { name: "source", host: "haproxy", port: 5001, database: "postgres", user: "postgres" },
  { name: "destination", host: "destination", port: 5432, database: "postgres", user: "postgres" },
]);

/** Runs a check command in the container until it exits 0 (bounded in count and time). */
async function waitForCheck(c: TestContainer, test: string[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "";
  for (let i = 0; i < 200 && Date.now() < until; i++) {
    const r = await c.exec(test[0] === "CMD" ? test.slice(1) : test).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
    if (r.code === 0) return;
    last = (r.stdout + r.stderr).slice(-500);
    await new Promise((res) => setTimeout(res, 2000));
  }
  throw new Error(`${test.join(" ")} never exited 0 in ${timeoutMs} ms: ${last}\n${await c.logs()}`);
}

/** Starts pgAdmin as the lab does: servers.json in place before the first start (the lab uploads it). */
function startPgAdmin(image: string, extraEnv: Record<string, string> = {}, port = 80) {
  return startContainer({
    image, ports: [port],
    env: {
      PGADMIN_DEFAULT_EMAIL: EMAIL, PGADMIN_DEFAULT_PASSWORD: PASSWORD, PGADMIN_SERVER_JSON_FILE: "/pgadmin4/servers.json",
      PGADMIN_CONFIG_MASTER_PASSWORD_REQUIRED: "False", LAB_SERVERS: SERVERS, ...extraEnv,
    },
    entrypoint: ["/bin/sh", "-c", "printf '%s' \"$LAB_SERVERS\" > /pgadmin4/servers.json && exec /entrypoint.sh"],
  });
}

/** pgAdmin's login form: GET /login for the session's CSRF token, then POST /authenticate/login. */
async function login(base: string, password: string): Promise<{ status: number; location: string | null; cookie: string }> {
  const page = await fetch(`${base}/login`);
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
  const html = await page.text();
  // A hidden form field in older pgAdmin, `csrfToken: '…'` in the page's script since the React login page.
  const token = (/csrf_token[^a-zA-Z0-9]+(?:value=")?([A-Za-z0-9._-]{20,})/.exec(html) ?? /csrf_?token['"]?\s*[:=]\s*['"]([A-Za-z0-9._-]{20,})/i.exec(html))?.[1];
  assert.ok(token, `no csrf token on /login: ${html.slice(0, 400)}`);
  const res = await fetch(`${base}/authenticate/login`, {
    method: "POST", redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrf_token: token, email: EMAIL, password, language: "en", internal_button: "Login" }).toString(),
  });
  return { status: res.status, location: res.headers.get("location"), cookie };
}

describe("images/debian/pgAdmin: the dpage/pgadmin4 contract", function () {
  let image: string;
  let pgadmin: TestContainer & { hostPort(p: number): Promise<number> };
  let base: string;

  before(async function () {
    this.timeout(20 * 60_000);
    image = await buildServiceImage("pgAdmin");
    pgadmin = await startPgAdmin(image);
    await waitForCheck(pgadmin, pgAdminHealthCheck(), 180_000);
    base = `http://127.0.0.1:${await pgadmin.hostPort(80)}`;
  });

  after(async function () {
    this.timeout(60_000);
    await cleanupContainers();
  });

  it("keeps the generic contract (user pgadmin, paths, tools, port 80)", async function () {
    this.timeout(60_000);
    await checkContract("pgAdmin", pgadmin);
    const id = await pgadmin.exec(["id"]);
    assert.match(id.stdout, /^uid=5050\(pgadmin\) gid=0\(root\)/);
  });

  it("answers the ping endpoint from the host", async function () {
    const res = await fetch(`${base}/misc/ping`);
    assert.strictEqual(res.status, 200);
    assert.strictEqual(await res.text(), "PING");
  });

  it("logs in with PGADMIN_DEFAULT_EMAIL/PASSWORD and refuses a wrong password", async function () {
    this.timeout(60_000);
    const ok = await login(base, PASSWORD);
    assert.strictEqual(ok.status, 302, `login: ${ok.status}`);
    assert.match(ok.location ?? "", /\/browser\/?$/);
    const bad = await login(base, "wrong-password");
    assert.doesNotMatch(bad.location ?? "", /\/browser\/?$/, "a wrong password logged in");
  });

  it("loaded servers.json for that user, in the lab's group", async function () {
    this.timeout(60_000);
    const r = await pgadmin.exec(["sh", "-c", `cd /venv/pgadmin4-app && python setup.py dump-servers /tmp/dump.json --user ${EMAIL} >/dev/null && cat /tmp/dump.json`]);
    assert.strictEqual(r.code, 0, r.stderr);
    const servers = Object.values(JSON.parse(r.stdout).Servers as Record<string, { Name: string; Group: string; Host: string; Port: number }>);
    assert.deepStrictEqual(servers.map((s) => [s.Name, s.Group, s.Host, s.Port]).sort(),
      [["destination", "debezium_test", "destination", 5432], ["source", "debezium_test", "haproxy", 5001]]);
  });

  it("writes PGADMIN_CONFIG_* into pgAdmin's config", async function () {
    this.timeout(60_000);
    const r = await pgadmin.exec(["sh", "-c", "cd /venv/pgadmin4-app && python -c 'import config; print(config.MASTER_PASSWORD_REQUIRED, config.SERVER_MODE)'"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout.trim().split("\n").pop(), "False True");
  });

  it("listens on PGADMIN_LISTEN_PORT when set, and refuses to start without a login", async function () {
    this.timeout(240_000);
    const moved = await startPgAdmin(image, { PGADMIN_LISTEN_PORT: "5050" }, 5050);
    await waitForCheck(moved, ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:5050/misc/ping"], 180_000);
    const none = await startContainer({ image, env: {} });
    const { docker } = await import("../../testbed/docker");
    const exit = await docker.getContainer(none.id).wait({ condition: "not-running" });
    assert.notStrictEqual(exit.StatusCode, 0);
    assert.match(await none.logs(), /PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD/);
  });
});
