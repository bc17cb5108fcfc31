// The real program, stack patroni-ha, in build mode against this Docker engine: one bring-up shared by every
// assertion (healthy containers, the Patroni roles, the seed tables through HAProxy, Prometheus targets, `lab check`
// passing and failing on a stopped Prometheus, the seed's experiments), a second run that must change nothing, a
// lab:patroni change applied in place, a restart of every container under writes, and a teardown that must leave
// nothing labelled (tests/e2e/suite.ts).
import * as assert from "assert";
import { Client } from "pg";
import { docker, execIn } from "../testbed/docker";
import { LabDocker } from "../../tools/lab/docker";
import { EXPERIMENTS, ExperimentFigures, ExperimentName, lab, renderFigures } from "../../tools/lab/experiments";
import { runLab } from "./harness";
import { describeLab, itChangesNothingOnASecondRun, itPassesTheLabCheck, itRunsTheReadmesFirstExperiment, itSurvivesARestartOfEveryContainer, labCheck, log, poll } from "./suite";

const RUN = `patroni-ha-${process.pid}`;
const PASSWORD = "e2e-postgres-pw";
const LAB = {
  stack: "patroni-ha",
  runId: RUN,
  // Its own prefix: a developer's `pulumi up` of patroni-ha on this host keeps its containers.
  config: { prefix: "lab-e2e-ha", imageSource: "build", debianBase: "debootstrap", buildNetwork: "host", grafana: { enabled: false } },
  secrets: { postgresPassword: PASSWORD, replicationPassword: "e2e-replication-pw", grafanaAdminPassword: "e2e-grafana-pw" },
  log: (line: string) => log(line),
};

describeLab("e2e: patroni-ha in build mode on the real engine", LAB, [
  "etcd-1", "etcd-2", "etcd-3", "haproxy", "pg-1", "pg-2", "pg-3", "prometheus", "traffic-generator",
], (s) => {
  it("patronictl list shows one Leader, one Sync Standby and one streaming Replica", async function () {
    this.timeout(90_000);
    const roles = await poll("Leader + Sync Standby + streaming Replica", 60_000, async () => {
      const r = await execIn("lab-e2e-ha-pg-1", ["patronictl", "-c", "/etc/patroni/patroni.yml", "list", "-f", "json"]);
      assert.strictEqual(r.code, 0, r.stderr);
      const members: { Member: string; Role: string; State: string }[] = JSON.parse(r.stdout);
      const seen = members.map((m) => `${m.Role}:${m.State}`).sort();
      return JSON.stringify(seen) === JSON.stringify(["Leader:running", "Replica:streaming", "Sync Standby:streaming"]) ? seen : undefined;
    });
    assert.strictEqual(roles.length, 3);
  });

  it("has the seed's owners and events tables through HAProxy on 127.0.0.1:5001", async function () {
    this.timeout(30_000);
    const client = new Client({ host: "127.0.0.1", port: 5001, user: "postgres", password: PASSWORD, database: "postgres", connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const r = await client.query("select to_regclass('public.owners')::text as owners, to_regclass('public.events')::text as events, pg_is_in_recovery() as replica");
      assert.deepStrictEqual(r.rows[0], { owners: "owners", events: "events", replica: false });
      const n = await client.query("select count(*)::int as n from owners");
      assert.ok(n.rows[0].n > 0, "the seed rows are in owners");
    } finally {
      await client.end();
    }
  });

  it("Prometheus scrapes every target and each is up", async function () {
    this.timeout(90_000);
    const targets = await poll("every Prometheus target up", 60_000, async () => {
      const res = await fetch("http://127.0.0.1:9090/api/v1/targets?state=active");
      const body = (await res.json()) as { data: { activeTargets: { labels: { job: string; instance: string }; health: string; lastError: string }[] } };
      const t = body.data.activeTargets;
      return t.length > 0 && t.every((x) => x.health === "up") ? t : undefined;
    });
    assert.deepStrictEqual([...new Set(targets.map((t) => t.labels.job))].sort(), ["etcd", "haproxy", "patroni"]);
    assert.strictEqual(targets.length, 7, targets.map((t) => t.labels.instance).join(", "));
  });

  itPassesTheLabCheck(s);
  itRunsTheReadmesFirstExperiment(s, "patroni-ha");

  it("npm run lab -- check fails (exit 1) on a stopped Prometheus, naming the checks and what to look at", async function () {
    this.timeout(180_000);
    const prometheus = docker.getContainer("lab-e2e-ha-prometheus");
    await prometheus.stop({ t: 5 });
    try {
      const { code, report, stderr } = await labCheck(s);
      assert.strictEqual(code, 1, stderr);
      assert.deepStrictEqual(report.checks.filter((c) => !c.ok).map((c) => c.name), ["every container healthy", "Prometheus targets up"]);
      const healthy = report.checks[0];
      assert.match(healthy.figure, /^8\/9 healthy; not: prometheus exited\//);
      assert.strictEqual(healthy.look, "docker logs lab-e2e-ha-prometheus");
      assert.match(report.checks.at(-1)!.look!, /targets/);
      assert.match(stderr, /2 of 6 checks failed: every container healthy; Prometheus targets up/);
    } finally {
      await prometheus.start();
    }
    await poll("prometheus healthy again", 120_000, async () => ((await prometheus.inspect()).State.Health?.Status === "healthy" ? true : undefined));
  });

  // The seed's experiments, as `npm run lab -- experiment <name>` runs them against a user's lab: each drives
  // writes through HAProxy, injects the fault on the container, restores it and waits for it to rejoin.
  const figures: ExperimentFigures[] = [];
  const TTL = 20;
  for (const name of ["switchover", "kill-replica", "kill-etcd", "restart-haproxy", "kill-leader"] as ExperimentName[]) {
    it(`experiment ${name}: no acknowledged write lost`, async function () {
      this.timeout(10 * 60_000);
      const f = await EXPERIMENTS[name](await lab(new LabDocker(), "lab-e2e-ha"), { log: (l) => console.log(`      [${name}] ${l}`) });
      figures.push(f);
      console.log(renderFigures(f).split("\n").map((l) => `      ${l}`).join("\n"));
      assert.strictEqual(f.ackedWritesLost, 0, `${name} lost acknowledged writes`);
      assert.ok(f.writesAcked > 0, `${name}: no write was acknowledged`);
      if (name === "switchover") console.log(`      [switchover] outage ${(f.outageMs! / 1000).toFixed(2)} s against the goal 5 s: ${f.outageMs! <= 5_000 ? "met" : "NOT met"}`);
      if (name === "kill-leader") {
        assert.notStrictEqual(f.leaderAfter, f.leaderBefore);
        // HAProxy's read-write check passes only once the new leader is done promoting.
        assert.strictEqual(f.readOnlyRefusals, 0, renderFigures(f));
        console.log(`      [kill-leader] outage ${(f.outageMs! / 1000).toFixed(2)} s against the goal ttl + 3 = ${TTL + 3} s: ${f.outageMs! <= (TTL + 3) * 1000 ? "met" : "NOT met"}`);
      }
    });
  }

  itChangesNothingOnASecondRun(s);

  it("applies a new lab:patroni to the running cluster without replacing a member", async function () {
    this.timeout(30 * 60_000);
    const ids = async () => Object.fromEntries((await s.containers()).filter((c) => /-pg-\d$/.test(c.Names[0])).map((c) => [c.Names[0], c.Id]));
    const before = await ids();
    const changed = await s.phase("lab:patroni change", () => runLab({ ...LAB, config: { ...LAB.config, patroni: { ttl: 30, loopWait: 3, retryTimeout: 6, synchronousMode: true } } }));
    log(`lab:patroni change: ${JSON.stringify(changed.counts)}`);
    assert.deepStrictEqual({ ...changed.counts, same: 0 }, { created: 0, updated: 1, replaced: 0, same: 0 }, JSON.stringify(changed.ops));
    assert.deepStrictEqual(await ids(), before, "a member was replaced");
    const r = await execIn("lab-e2e-ha-pg-2", ["patronictl", "-c", "/etc/patroni/patroni.yml", "show-config"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ttl: 30$/m);
    assert.match(r.stdout, /^loop_wait: 3$/m);
    assert.match(r.stdout, /^retry_timeout: 6$/m);
  });

  itSurvivesARestartOfEveryContainer(s, {
    traffic: {
      conn: { host: "127.0.0.1", port: 5001, user: "postgres", password: PASSWORD, database: "postgres", connectionTimeoutMillis: 5000, query_timeout: 30_000 },
      table: "public.lab_restart_writes", setup: "create table if not exists public.lab_restart_writes (id bigint primary key)",
    },
  });
});
