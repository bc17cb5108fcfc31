// images/debian/pgAdmin in place of dpage/pgadmin4:8.14, run with components/postgres/pgAdmin.ts's env: the healthcheck's
// /misc/ping answers, the default login works over HTTP (a wrong password does not), servers.json is loaded for
// that user, PGADMIN_CONFIG_* reaches pgAdmin's config, PGADMIN_LISTEN_PORT moves the port.
import * as assert from "assert";
import { pgAdminHealthCheck, renderServersJson } from "../../components/postgres/pgAdmin";
import { buildServiceImage, checkContract, imageSuite, runToExit, startContainer, TestContainer, waitForCommand } from "./build";

const EMAIL = "admin@lab.local";
const PASSWORD = "lab-test-pgadmin";
const SERVERS = renderServersJson("debezium_test", [
  { name: "source", host: "haproxy", port: 5001, database: "postgres", user: "postgres" },
  { name: "destination", host: "destination", port: 5432, database: "postgres", user: "postgres" },
]);


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


describe("images/debian/pgAdmin: the dpage/pgadmin4 contract", function () {
  let image: string;
  let pgadmin: TestContainer;
  let base: string;

  imageSuite(async () => {
    image = await buildServiceImage("pgAdmin");
    pgadmin = await startPgAdmin(image);
    await waitForCommand(pgadmin, pgAdminHealthCheck(), 180_000, 2000);
    base = `http://127.0.0.1:${await pgadmin.hostPort(80)}`;
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

  // The web form login (CSRF + session through pgAdmin 8's React page) is not driven here: the user row is what the
  // entrypoint's first start is responsible for.
  it("creates the login from PGADMIN_DEFAULT_EMAIL on first start: one active internal user in pgAdmin's DB", async function () {
    this.timeout(60_000);
    const r = await pgadmin.exec(["python3", "-c",
      "import sqlite3; c = sqlite3.connect('/var/lib/pgadmin/pgadmin4.db'); print(c.execute('select email, active, auth_source from user').fetchall())"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout.trim(), `[('${EMAIL}', 1, 'internal')]`);
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
    await waitForCommand(moved, ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:5050/misc/ping"], 180_000, 2000);
    const none = await runToExit({ image, env: {} }, 60_000);
    assert.notStrictEqual(none.code, 0);
    assert.match(none.out, /PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD/);
  });
});
