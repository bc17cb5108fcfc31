import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { freePort } from "../testbed/ports";
import { makeSandbox, REPO, Sandbox } from "./sandbox";

describe("greenplum image: healthcheck.sh needs Greenplum AND PXF", function () {
  this.timeout(30_000);
  let sb: Sandbox;
  let server: http.Server;
  let pxfBody = '{"status":"UP","groups":["liveness","readiness"]}';
  let pxfCode = 200;
  let pxfUrl = "";
  before(async () => {
    const port = await freePort();
    server = http.createServer((_req, res) => {
      res.writeHead(pxfCode, { "content-type": "application/json" }).end(pxfBody);
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    pxfUrl = `http://127.0.0.1:${port}/actuator/health`;
  });
  after(async () => { await new Promise((resolve) => server.close(resolve)); });
  beforeEach(() => { sb = makeSandbox(); sb.set("db-up"); pxfBody = '{"status":"UP","groups":["liveness","readiness"]}'; pxfCode = 200; });
  afterEach(() => sb.remove());

  const check = (env: NodeJS.ProcessEnv = {}) => sb.runAsync("healthcheck.sh", [], { PXF_HEALTH_URL: pxfUrl, ...env });

  it("is healthy when both answer", async () => {
    const r = await check();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /healthy: greenplum answers, pxf UP/);
    assert.ok(sb.calls().some((c) => c.startsWith("psql ") && c.includes("select 1")));
  });

  it("is unhealthy when Greenplum is down, even with PXF up", async () => {
    sb.clear("db-up");
    const r = await check();
    assert.equal(r.status, 1);
    assert.match(r.stdout, /unhealthy: greenplum does not answer on database postgres: psql: could not connect/);
  });

  it("is unhealthy when PXF reports DOWN", async () => {
    pxfBody = '{"status":"DOWN"}';
    pxfCode = 503;
    const r = await check();
    assert.equal(r.status, 1);
    assert.match(r.stdout, /unhealthy: pxf does not answer at .*503/);
  });

  it("is unhealthy when PXF answers 200 without UP", async () => {
    pxfBody = '{"status":"OUT_OF_SERVICE"}';
    const r = await check();
    assert.equal(r.status, 1);
    assert.match(r.stdout, /unhealthy: pxf at .* reports \{"status":"OUT_OF_SERVICE"\}/);
  });

  it("is unhealthy when nothing listens on the PXF port", async () => {
    const r = await check({ PXF_HEALTH_URL: `http://127.0.0.1:${await freePort()}/actuator/health` });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /unhealthy: pxf does not answer/);
  });

  it("has no escape hatches that turn a failure into success", () => {
    for (const f of ["healthcheck.sh", "pxf-ensure.sh", "entrypoint-wrapper.sh"]) {
      const text = fs.readFileSync(path.join(REPO, "images/greenplum", f), "utf8");
      assert.doesNotMatch(text, /\|\|\s*(true|echo|:)\b/, `${f} hides a failure`);
    }
    const docker = fs.readFileSync(path.join(REPO, "images/greenplum/Dockerfile"), "utf8");
    assert.match(docker, /HEALTHCHECK .*--start-period=\d+s.*CMD \["\/usr\/local\/lib\/lab\/healthcheck\.sh"\]/);
  });
});

describe("greenplum image: fetch-jdbc-driver.sh", function () {
  this.timeout(30_000);
  let root = "";
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(require("os").tmpdir(), "lab-jdbc-"));
    fs.mkdirSync(path.join(root, "repo/org/postgresql/postgresql/42.7.4"), { recursive: true });
    fs.writeFileSync(path.join(root, "repo/org/postgresql/postgresql/42.7.4/postgresql-42.7.4.jar"), "jar bytes\n");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const fetch = (sha: string) => spawnSync(path.join(REPO, "images/greenplum/fetch-jdbc-driver.sh"), [], {
    encoding: "utf8",
    env: { ...process.env, MAVEN_REPO_URL: `file://${root}/repo`, PXF_LIB_DIR: path.join(root, "lib"), POSTGRES_JDBC_SHA256_OVERRIDE: sha },
  });
  const good = require("crypto").createHash("sha256").update("jar bytes\n").digest("hex");

  it("fetches the pinned jar into the build context and verifies its checksum", () => {
    fs.mkdirSync(path.join(root, "lib"));
    fs.writeFileSync(path.join(root, "lib/postgresql-42.2.0.jar"), "old");
    let r = fetch(good);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(root, "lib/postgresql-42.7.4.jar"), "utf8"), "jar bytes\n");
    assert.ok(!fs.existsSync(path.join(root, "lib/postgresql-42.2.0.jar")), "an old driver version is removed");
    r = fetch(good);
    assert.match(r.stdout, /already in place/);
  });

  it("refuses a jar whose checksum differs, leaving nothing behind", () => {
    const r = fetch("0".repeat(64));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /checksum mismatch .* expected 0{64}, got [0-9a-f]{64}/);
    assert.deepEqual(fs.readdirSync(path.join(root, "lib")), []);
  });

  it("pins a real Maven Central checksum in pxf/jdbc-driver.env", () => {
    const env = fs.readFileSync(path.join(REPO, "pxf/jdbc-driver.env"), "utf8");
    assert.match(env, /^POSTGRES_JDBC_VERSION=42\.7\.4$/m);
    assert.match(env, /^POSTGRES_JDBC_SHA256=[0-9a-f]{64}$/m);
    const docker = fs.readFileSync(path.join(REPO, "images/greenplum/Dockerfile"), "utf8");
    assert.match(docker, /ARG POSTGRES_JDBC_VERSION=42\.7\.4/, "Dockerfile and jdbc-driver.env agree on the version");
  });
});
