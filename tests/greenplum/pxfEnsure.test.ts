import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { waitFor } from "../testbed/proc";
import { makeSandbox, Sandbox } from "./sandbox";

const RUNS = 20;

describe("greenplum image: pxf-ensure.sh + entrypoint-wrapper.sh in a sandbox", function () {
  this.timeout(120_000);
  let sb: Sandbox;
  beforeEach(() => { sb = makeSandbox(); sb.set("db-up"); });
  afterEach(() => sb.remove());

  const read = (rel: string) => fs.readFileSync(path.join(sb.base, rel), "utf8");

  it(`is idempotent: the PXF_BASE tree after run 1 equals the tree after run ${RUNS}`, () => {
    let first: Record<string, string> = {};
    const millis: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const t0 = Date.now();
      const r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"]);
      millis.push(Date.now() - t0);
      assert.equal(r.status, 0, `run ${i}: ${r.stderr}`);
      assert.match(fs.readFileSync(path.join(sb.root, "base-entrypoint.out"), "utf8"), /arg=\/start_gpdb\.sh/);
      if (i === 1) first = sb.tree();
    }
    assert.deepEqual(sb.tree(), first);
    for (const f of ["conf/pxf-env.sh", "lib/postgresql-42.7.4.jar", "servers/bookings-db/jdbc-site.xml", "servers/minio/s3-site.xml", "run/", "logs/"]) {
      assert.ok(first[f], `${f} missing from ${Object.keys(first).join(", ")}`);
    }
    assert.equal(read("conf/pxf-env.sh").match(/^export PXF_JVM_OPTS=/gm)?.length, 1, "JVM options appended exactly once");
    assert.equal(sb.calls().filter((c) => c === "pxf prepare").length, 1, "prepare runs only on the first start");
    assert.equal(sb.calls().filter((c) => c.includes("CREATE EXTENSION IF NOT EXISTS pxf")).length, RUNS);
    assert.ok(first["servers/bookings-db/jdbc-site.xml"].startsWith("600 "), "the rendered file holding the password is private");
    console.log(`      ensure+wrapper: median ${millis.sort((a, b) => a - b)[RUNS >> 1]} ms, max ${millis[RUNS - 1]} ms per start`);
  });

  it("renders jdbc-site.xml from the environment with XML escaping, password never in the seed", () => {
    assert.equal(sb.run("pxf-ensure.sh").status, 0);
    const xml = read("servers/bookings-db/jdbc-site.xml");
    assert.match(xml, /<value>jdbc:postgresql:\/\/bookings-db:5432\/demo<\/value>/);
    assert.match(xml, /<value>s3cr&amp;t&lt;&quot;pw&quot;&gt;<\/value>/);
    assert.doesNotMatch(fs.readFileSync(path.join(sb.seed, "servers/bookings-db/jdbc-site.xml"), "utf8"), /s3cr/);
    assert.match(read("servers/minio/s3-site.xml"), /<value>minio123<\/value>/);
  });

  it("takes the password from BOOKINGS_DB_PASSWORD_FILE, and skips the server naming the key when neither is set", () => {
    const secret = path.join(sb.root, "secret");
    fs.writeFileSync(secret, "from-file\n");
    let r = sb.run("pxf-ensure.sh", [], { BOOKINGS_DB_PASSWORD: undefined, BOOKINGS_DB_PASSWORD_FILE: secret });
    assert.equal(r.status, 0, r.stderr);
    assert.match(read("servers/bookings-db/jdbc-site.xml"), /<value>from-file<\/value>/);
    fs.rmSync(path.join(sb.base, "servers/bookings-db/jdbc-site.xml"));
    r = sb.run("pxf-ensure.sh", [], { BOOKINGS_DB_PASSWORD: undefined });
    assert.equal(r.status, 0, "a missing password is a warning, not a crash loop");
    assert.match(r.stderr, /skipped .*bookings-db\/jdbc-site\.xml: template variable BOOKINGS_DB_PASSWORD is not set/);
    assert.ok(!fs.existsSync(path.join(sb.base, "servers/bookings-db/jdbc-site.xml")));
  });

  it("never fails when pxf cluster sync fails or pxf is absent; the wrapper still starts Greenplum", () => {
    sb.set("sync-rc", "3");
    let r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /WARNING: pxf cluster sync failed \(not fatal\): ERROR: sync failed on 1 out of 1 host/);
    assert.ok(fs.existsSync(path.join(sb.root, "base-entrypoint.out")));
    fs.rmSync(path.join(sb.root, "bin/pxf"));
    fs.rmSync(sb.base, { recursive: true });
    r = sb.run("pxf-ensure.sh");
    assert.equal(r.status, 0);
    assert.match(r.stderr, /pxf command not found: .* not prepared/);
    assert.match(r.stderr, /skip pxf cluster sync: pxf command not found/);
    assert.ok(fs.existsSync(path.join(sb.base, "lib/postgresql-42.7.4.jar")), "the seed still lands");
  });

  it("copies missing files only, and replaces changed ones with PXF_SEED_OVERWRITE=1", () => {
    assert.equal(sb.run("pxf-ensure.sh").status, 0);
    const jdbc = "servers/bookings-db/jdbc-site.xml";
    const seeded = read(jdbc);
    fs.writeFileSync(path.join(sb.base, jdbc), "<!-- edited by hand -->\n");
    fs.rmSync(path.join(sb.base, "servers/minio/s3-site.xml"));
    let r = sb.run("pxf-ensure.sh");
    assert.equal(read(jdbc), "<!-- edited by hand -->\n", "an existing file is kept");
    assert.match(r.stdout, /kept .*jdbc-site\.xml \(exists; PXF_SEED_OVERWRITE=1 replaces it\)/);
    assert.match(r.stdout, /wrote .*minio\/s3-site\.xml/);
    r = sb.run("pxf-ensure.sh", [], { PXF_SEED_OVERWRITE: "1" });
    assert.equal(read(jdbc), seeded);
    assert.match(r.stdout, /replaced .*jdbc-site\.xml/);
    const before = sb.tree();
    r = sb.run("pxf-ensure.sh", [], { PXF_SEED_OVERWRITE: "1", BOOKINGS_DB_PASSWORD: "rotated" });
    assert.match(r.stdout, /unchanged .*postgresql-42\.7\.4\.jar/);
    assert.match(read(jdbc), /<value>rotated<\/value>/, "overwrite picks up a new secret");
    assert.notDeepEqual(sb.tree(), before);
  });

  it("rejects bad settings naming the key and the value, and the wrapper still starts Greenplum", () => {
    let r = sb.run("pxf-ensure.sh", [], { PXF_SEED_OVERWRITE: "yes" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /PXF_SEED_OVERWRITE=yes: must be 0 or 1/);
    r = sb.run("pxf-ensure.sh", [], { PXF_ENSURE_POST_START: "later" });
    assert.match(r.stderr, /PXF_ENSURE_POST_START=later: must be background, foreground or off/);
    r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"], { PXF_SEED_DIR: path.join(sb.root, "nope") });
    assert.equal(r.status, 0);
    assert.match(r.stderr, /PXF_SEED_DIR=.*nope: no such directory/);
    assert.match(r.stderr, /pxf-ensure exited 1; starting Greenplum anyway/);
  });

  it("wrapper makes the tablespace directories of LAB_TABLESPACE_DIRS (mode 700), skipping a relative path by name", () => {
    const cold = path.join(sb.root, "data", "tablespaces", "cold");
    const r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"], { LAB_TABLESPACE_DIRS: `${cold} tablespaces/warm` });
    assert.equal(r.status, 0);
    assert.equal(fs.statSync(cold).mode & 0o777, 0o700);
    assert.match(r.stdout, new RegExp(`tablespace directory ${cold} ready`));
    assert.match(r.stderr, /LAB_TABLESPACE_DIRS=.*: 'tablespaces\/warm' is not an absolute path; skipped/);
    assert.ok(fs.existsSync(path.join(sb.root, "base-entrypoint.out")), "Greenplum still starts");
  });

  it("wrapper trusts gpadmin from the server's own addresses in an initialized cluster's pg_hba.conf, once (an engine restart changes the container's address)", () => {
    const data = path.join(sb.root, "hba-data");
    const hba = path.join(data, "master", "gpseg-1", "pg_hba.conf");
    const user = "gpadmin";
    let r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"], { GREENPLUM_DATA_DIRECTORY: data, GREENPLUM_USER: user });
    assert.equal(r.status, 0);
    assert.ok(!fs.existsSync(hba), "a cluster not initialized yet gets no pg_hba.conf from the wrapper");
    fs.mkdirSync(path.dirname(hba), { recursive: true });
    const init = "local    all         gpadmin         ident\nhost     all         gpadmin         192.168.48.4/32       trust\nhost all all 0.0.0.0/0 md5\n";
    fs.writeFileSync(hba, init, { mode: 0o600 });
    r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"], { GREENPLUM_DATA_DIRECTORY: data, GREENPLUM_USER: user });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(hba, "utf8"), `host all gpadmin samehost trust\n${init}`, "the trust line must come before the md5 catch-all");
    assert.equal(fs.statSync(hba).mode & 0o777, 0o600);
    assert.match(r.stdout, /gpadmin trusted from the server's own addresses/);
    r = sb.run("entrypoint-wrapper.sh", ["/start_gpdb.sh"], { GREENPLUM_DATA_DIRECTORY: data, GREENPLUM_USER: user });
    assert.equal(fs.readFileSync(hba, "utf8"), `host all gpadmin samehost trust\n${init}`, "a second start adds nothing");
    assert.ok(fs.existsSync(path.join(sb.root, "base-entrypoint.out")), "Greenplum still starts");
  });

  it("finds PXF_BASE from the environment only: PXF_BASE, then GREENPLUM_DATA_DIRECTORY/pxf; ~/.bashrc is ignored", () => {
    fs.writeFileSync(path.join(sb.root, ".bashrc"), `export PXF_BASE=${sb.root}/from-bashrc\n`);
    const data = path.join(sb.root, "gpdata");
    const r = sb.run("pxf-ensure.sh", [], { PXF_BASE: undefined, GREENPLUM_DATA_DIRECTORY: data });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`PXF_BASE=${data}/pxf \\(from GREENPLUM_DATA_DIRECTORY\\)`));
    assert.ok(fs.existsSync(path.join(data, "pxf/servers/bookings-db/jdbc-site.xml")));
    assert.ok(!fs.existsSync(path.join(sb.root, "from-bashrc")));
  });

  it("waits for the database a bounded time, and never fails when it stays down", () => {
    sb.clear("db-up");
    const t0 = Date.now();
    const r = sb.run("pxf-ensure.sh", [], { PXF_ENSURE_DB_WAIT_SECONDS: "1" });
    assert.equal(r.status, 0);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.match(r.stderr, /database demo did not accept CREATE EXTENSION pxf within 1s: psql: could not connect/);
    assert.ok(!sb.calls().includes("pxf cluster sync"), "no sync before the database is up");
  });

  it("in background mode returns at once and creates the extension once the database comes up", async () => {
    sb.clear("db-up");
    const out = path.join(sb.root, "ensure.out");
    const fd = fs.openSync(out, "w");
    const t0 = Date.now();
    const child = spawn(path.join(__dirname, "../../images/greenplum/pxf-ensure.sh"), [], {
      env: { ...sb.env, PXF_ENSURE_POST_START: "background", PXF_ENSURE_DB_WAIT_SECONDS: "20" }, stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    const took = Date.now() - t0;
    assert.equal(code, 0);
    assert.ok(took < 3000, `ensure blocked the start for ${took} ms`);
    assert.match(fs.readFileSync(out, "utf8"), /continue in the background/);
    sb.set("db-up");
    await waitFor("the background step to create the extension", 15_000,
      async () => (/extension pxf present in database demo/.test(fs.readFileSync(out, "utf8")) ? true : undefined), 100);
    await waitFor("the background sync", 15_000, async () => (sb.calls().includes("pxf cluster sync") ? true : undefined), 100);
  });

  it("wrapper execs the base entrypoint with the same arguments (same pid)", async () => {
    const args = ["/start_gpdb.sh", "two words", "--flag=x y", ""];
    const child = spawn(path.join(__dirname, "../../images/greenplum/entrypoint-wrapper.sh"), args, { env: sb.env, stdio: "ignore" });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 0);
    const seen = fs.readFileSync(path.join(sb.root, "base-entrypoint.out"), "utf8");
    assert.equal(seen, `pid=${child.pid}\n${args.map((a) => `arg=${a}\n`).join("")}`);
  });
});
