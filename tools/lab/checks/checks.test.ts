import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { LabDocker, LabService } from "../docker";
import { Check, CheckedLab, checklistLines, containersHealthy, fail, HOMEWORK_CHECKS, homeworksOf, pass, runChecks, settled } from ".";
import { parseInvocation } from "../args";
import { tablesAgree } from "./cdcDatavault";
import { dagRunsSucceeded } from "./airflow";

const svc = (service: string, over: Partial<LabService> = {}): LabService => ({
  name: `lab-x-${service}`, id: service, prefix: "lab-x", service, state: "running", health: "healthy", ports: {}, oneShot: false, ...over,
});
const labOf = (services: LabService[]) => new CheckedLab(new LabDocker(), "lab-x", services);

describe("lab CLI: `check` (pure: the framework, the checklist, which homework a lab is)", () => {
  it("tells each homework by its services, and only one per lab", () => {
    const names = (list: string[]) => homeworksOf(list.map((s) => svc(s)), HOMEWORK_CHECKS).map((h) => h.homework);
    assert.deepStrictEqual(names(["etcd-1", "pg-1", "pg-2", "pg-3", "haproxy", "prometheus", "traffic-generator"]), ["patroni-ha"]);
    assert.deepStrictEqual(names(["pg-1", "haproxy", "connect-1", "connect-2", "destination", "kafka", "cdc-writer"]), ["patroni-cdc"]);
    assert.deepStrictEqual(names(["postgres-primary", "postgres-replica", "dv-loader", "airflow-init", "airflow-webserver"]), ["cdc-datavault"]);
    assert.deepStrictEqual(names(["greenplum", "bookings-db", "airflow-webserver"]), ["greenplum-pxf"]);
    assert.deepStrictEqual(names(["greenplum", "minio", "airflow-webserver"]), ["partitions"]);
    assert.deepStrictEqual(names(["kafka"]), []);
  });

  it("runs every check once, bounded; a throw or a timeout is that check's failure with its `look`", async () => {
    const checks: Check[] = [
      { name: "passes", look: "-", run: async () => pass("3/3") },
      { name: "fails", look: "docker logs x", run: async () => fail("2/3") },
      { name: "throws", look: "the log", run: async () => { throw new Error("connect ECONNREFUSED 127.0.0.1:5001\nstack"); } },
      { name: "hangs", look: "the service", timeoutMs: 50, run: () => new Promise<never>(() => undefined) },
      { name: "own look", look: "generic", run: async () => fail("bad", "docker logs <prefix>-pg-1") },
    ];
    const seen: string[] = [];
    const r = await runChecks(labOf([]), checks, (x) => seen.push(x.name));
    assert.deepStrictEqual(seen, checks.map((c) => c.name));
    assert.deepStrictEqual(r.map((x) => [x.ok, x.figure, x.look]), [
      [true, "3/3", undefined], [false, "2/3", "docker logs x"], [false, "connect ECONNREFUSED 127.0.0.1:5001", "the log"],
      [false, "hangs: no answer within 50 ms", "the service"], [false, "bad", "docker logs lab-x-pg-1"],
    ]);
    assert.deepStrictEqual(checklistLines(r[0], 8), ["PASS  passes   3/3"]);
    assert.deepStrictEqual(checklistLines(r[1], 8), ["FAIL  fails    2/3", "               look at: docker logs x"]);
  });

  it("every container healthy: a one-shot job passes only exited with 0, and the failure names the containers to read", async () => {
    const ok = await containersHealthy.run(labOf([svc("pg-1"), svc("airflow-init", { oneShot: true, state: "exited", health: "-", exitCode: 0 })]));
    assert.deepStrictEqual(ok, { ok: true, figure: "1/1 healthy, 1/1 one-shot jobs exited 0" });
    const bad = await containersHealthy.run(labOf([svc("pg-1", { health: "unhealthy" }), svc("pg-2"), svc("airflow-init", { oneShot: true, state: "exited", health: "-", exitCode: 1 })]));
    assert.strictEqual(bad.ok, false);
    assert.strictEqual(bad.figure, "1/2 healthy, 0/1 one-shot jobs exited 0; not: pg-1 running/unhealthy, airflow-init exited (exit 1)");
    assert.strictEqual(bad.look, "docker logs lab-x-pg-1; docker logs lab-x-airflow-init");
  });

  it("settles a state a restart leaves briefly off, but gives up at once on a stopped service", async function () {
    this.timeout(20_000);
    let n = 0;
    assert.deepStrictEqual(await settled(async () => (++n < 3 ? fail(`try ${n}`) : pass(`try ${n}`)), 10_000), { ok: true, figure: "try 3" });
    const stopped = labOf([svc("prometheus", { state: "exited", health: "-" })]);
    const t = Date.now();
    const o = await settled(async () => pass(stopped.address("prometheus", 9090)), 10_000);
    assert.deepStrictEqual(o, { ok: false, figure: "lab-x-prometheus is exited, not running" });
    assert.ok(Date.now() - t < 1000, "waited for a stopped service");
    assert.deepStrictEqual(await settled(async () => fail("still off"), 1_500), { ok: false, figure: "still off" });
  });

  it("parses `check` and `check --json`, and refuses an argument", () => {
    const at = () => ({ stack: "dev", prefix: "lab-dev", from: "stack dev" });
    assert.strictEqual(parseInvocation(["check", "--json"], {}, at).flags.json, true);
    assert.strictEqual(parseInvocation(["check"], {}, at).flags.json, undefined);
    assert.throws(() => parseInvocation(["check", "x"], {}, at), /check: unexpected argument "x"/);
  });
});

describe("lab CLI: cdc-datavault's table-by-table checks (tablesAgree, no database)", () => {
  // The three databases' containers, published on loopback; the superuser password comes from the primary's env.
  const pgSvc = (service: string, port: number) => svc(service, { ports: { "5432/tcp": { ip: "127.0.0.1", port } } });
  const lab = new CheckedLab(Object.assign(new LabDocker(), { env: async () => ({ POSTGRES_PASSWORD: "pw" }) }), "lab-x",
    [pgSvc("postgres-primary", 15001), pgSvc("postgres-replica", 15002), pgSvc("postgres-dwh", 15003)]);
  // The bound is what a failure waits out; a pass comes as soon as the sides agree (a read a second).
  const agree = (o: { want: () => Record<string, number>; got: () => Record<string, number>; wantMoves?: boolean; everyTable?: boolean }, boundMs = 10_000) =>
    tablesAgree<number>({
      name: "t", look: "-", boundMs, wantMoves: o.wantMoves, everyTable: o.everyTable,
      want: async ({ primary }) => { assert.strictEqual(primary.port, 15001); return o.want(); },
      got: async ({ replica, dwh }) => { assert.deepStrictEqual([replica.port, dwh.port, dwh.database], [15002, 15003, "dwh"]); return o.got(); },
      passed: (want) => `${Object.keys(want).length} equal`,
      differs: (t, want, got) => `${t} ${got ?? "-"}/${want ?? "-"}`,
    });

  it("passes once the other side catches up, reading the reference once unless it moves", async function () {
    this.timeout(20_000);
    let wants = 0, gots = 0;
    const lagging = agree({ want: () => (wants++, { a: 1, b: 2 }), got: () => (gots++ < 2 ? { a: 1, b: 1 } : { a: 1, b: 2 }) });
    assert.deepStrictEqual(await lagging.run(lab), { ok: true, figure: "2 equal" });
    assert.strictEqual(wants, 1);
    let moved = 0;
    const growing = agree({ wantMoves: true, want: () => ({ a: ++moved }), got: () => ({ a: 3 }) });
    assert.deepStrictEqual(await growing.run(lab), { ok: true, figure: "1 equal" });
    assert.strictEqual(moved, 3);
  });

  it("fails after its bound naming each table that differs; with everyTable a table only the other side has too", async () => {
    const want = () => ({ a: 1, b: 2 }), got = () => ({ a: 1, b: 3, extra: 5 });
    assert.deepStrictEqual(await agree({ want, got }, 300).run(lab), { ok: false, figure: "1 of 2 tables differ: b 3/2" });
    assert.deepStrictEqual(await agree({ want, got, everyTable: true }, 300).run(lab), { ok: false, figure: "2 of 2 tables differ: b 3/2, extra 5/-" });
  });

  it("DAG runs: a DAG that has not succeeded names this lab's published Airflow address, and the unpause a paused DAG needs", async () => {
    // A stand-in for Airflow's REST API on loopback: simple_dag paused with one queued run, other_dag succeeded.
    const server = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.headers.authorization !== `Basic ${Buffer.from("airflow:pw").toString("base64")}`) { res.statusCode = 401; res.end("{}"); return; }
      if (req.url?.startsWith("/api/v1/dags/simple_dag/dagRuns")) res.end(JSON.stringify({ dag_runs: [{ dag_run_id: "manual_1", state: "queued" }] }));
      else if (req.url?.startsWith("/api/v1/dags/other_dag/dagRuns")) res.end(JSON.stringify({ dag_runs: [{ dag_run_id: "manual_2", state: "success" }] }));
      else if (req.url === "/api/v1/dags/simple_dag") res.end(JSON.stringify({ is_paused: true }));
      else { res.statusCode = 404; res.end("{}"); }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const web = svc("airflow-webserver", { ports: { "8080/tcp": { ip: "127.0.0.1", port } } });
      const lab = new (class extends CheckedLab {
        async envOf(_service: string, key: string) { return key.endsWith("USER") ? "airflow" : "pw"; }
      })(new LabDocker(), "lab-x", [web, svc("airflow-init", { oneShot: true, state: "exited" })]);
      const o = await dagRunsSucceeded(["other_dag", "simple_dag"]).run(lab);
      assert.strictEqual(o.ok, false);
      assert.match(o.figure, /^other_dag success \(manual_2\), simple_dag queued \(manual_1\); /);
      assert.ok(o.figure.includes(`unpause: curl -u airflow:<password> -X PATCH 'http://127.0.0.1:${port}/api/v1/dags/simple_dag?update_mask=is_paused'`), o.figure);
      assert.ok(o.figure.includes(`then trigger: curl -u airflow:<password> -X POST http://127.0.0.1:${port}/api/v1/dags/simple_dag/dagRuns`), o.figure);
      assert.deepStrictEqual(await dagRunsSucceeded(["other_dag"]).run(lab), { ok: true, figure: "other_dag success (manual_2)" });
    } finally { server.close(); }
  });
});
