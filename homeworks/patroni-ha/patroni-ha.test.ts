import * as assert from "assert";
import { parseLabConfig } from "../../config";
import { composeLab } from "../../program/compose";
import { composeMocked, createdNames } from "../../tests/testbed/composeMocked";
import { rawConfig } from "../../tests/testbed/rawConfig";
import { MockRun, assertContainerHygiene, assertNoPlaintextSecrets, containersOf, runMocked, waitsFor, mockImageId } from "../../tests/testbed/mockLab";

const SECRET_VALUES = ["postgresPassword-value", "replicationPassword-value", "grafanaAdminPassword-value"];

describe("stacks: patroni-ha under mocks", () => {
  let run: MockRun;
  before(async () => { run = await composeMocked(); });

  it("creates exactly the expected containers, network, volumes and images", () => {
    assert.deepStrictEqual(createdNames(run), {
      containers: [
        "lab-dev-etcd-1", "lab-dev-etcd-2", "lab-dev-etcd-3", "lab-dev-grafana", "lab-dev-haproxy",
        "lab-dev-pg-1", "lab-dev-pg-2", "lab-dev-pg-3", "lab-dev-prometheus", "lab-dev-traffic-generator",
      ],
      networks: ["lab-dev-net"],
      volumes: [
        "lab-dev-etcd-1-data", "lab-dev-etcd-2-data", "lab-dev-etcd-3-data", "lab-dev-grafana-data",
        "lab-dev-pg-1-data", "lab-dev-pg-2-data", "lab-dev-pg-3-data", "lab-dev-prometheus-data",
      ],
      images: ["lab-dev-patroni:local", "lab-dev-traffic-generator:local"],
    });
    const images = run.byType("docker:index/image:Image");
    for (const i of images) assert.strictEqual(i.inputs.skipPush, true);
    assert.strictEqual(images.find((i) => /patroni/.test(i.inputs.imageName))!.inputs.build.args.POSTGRES_IMAGE, "postgres:15.10-bookworm");
  });

  it("runs Patroni from the image it built, by digest", () => {
    for (const c of containersOf(run).filter((x) => /-pg-\d$/.test(x.inputs.name))) {
      assert.strictEqual(c.inputs.image, mockImageId("lab-dev-patroni:local"));
    }
  });

  it("rejects bad config before registering anything, naming the key", async () => {
    const bad = await runMocked(() => {
      assert.throws(() => composeLab(parseLabConfig(rawConfig({ ports: { grafana: 70000 } }), ["ports"])), /lab:ports.grafana = 70000/);
      return {};
    });
    assert.strictEqual(bad.resources.length, 0);
  });

  it("gives every container an honest healthcheck, a restart policy and loopback-only unique ports", () => {
    assertContainerHygiene(run);
    const ports = containersOf(run).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => p.external)).sort();
    assert.deepStrictEqual(ports, [3000, 5001, 5002, 7001, 9090]); // the traffic generator publishes nothing
  });

  it("starts HAProxy only after every Patroni member is healthy, and Patroni after etcd", () => {
    const byName = (n: string) => containersOf(run).find((c) => c.inputs.name === n)!;
    const pg = ["lab-dev-pg-1", "lab-dev-pg-2", "lab-dev-pg-3"].map(byName);
    const etcd = ["lab-dev-etcd-1", "lab-dev-etcd-2", "lab-dev-etcd-3"].map(byName);
    assert.ok(waitsFor(byName("lab-dev-haproxy"), pg), "haproxy does not wait for the Patroni members");
    for (const m of pg) assert.ok(waitsFor(m, etcd), `${m.inputs.name} does not wait for etcd`);
    assert.ok(waitsFor(byName("lab-dev-prometheus"), [byName("lab-dev-haproxy")]));
    assert.ok(waitsFor(byName("lab-dev-grafana"), [byName("lab-dev-prometheus")]));
  });

  it("applies the owners/events SQL through HAProxy once the leader answers, then starts the traffic", () => {
    const sql = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/lab:SqlMigrations" && r.name === "owners-events")!;
    assert.ok(sql, "no owners-events SqlMigrations");
    const haproxy = containersOf(run).find((c) => c.inputs.name === "lab-dev-haproxy")!;
    assert.ok(waitsFor(sql, [haproxy]), "the SQL does not wait for a healthy HAProxy");
    assert.strictEqual(sql.inputs.port, 5001);
    assert.strictEqual(sql.inputs.host, "127.0.0.1");
    assert.match(JSON.stringify(sql.inputs), /owners_events/);
    const traffic = containersOf(run).find((c) => c.inputs.name === "lab-dev-traffic-generator")!;
    assert.ok(waitsFor(traffic, [sql]), "traffic starts before the tables exist");
    assert.ok(traffic.inputs.envs.includes("TRAFFIC_RW_URL=postgresql://postgres:postgresPassword-value@haproxy:5000/postgres"));
    // In-network addresses are the seed's (HAProxy 5000/5001), whatever the host ports; the host ports only publish.
    const proxy = containersOf(run).find((c) => c.inputs.name === "lab-dev-haproxy")!;
    assert.deepStrictEqual(proxy.inputs.ports.map((p: any) => [p.internal, p.external]), [[5000, 5001], [5001, 5002], [7000, 7001]]);
  });

  it("renders Patroni and HAProxy configs into the containers, with passwords only in the environment", () => {
    const pg1 = containersOf(run).find((c) => c.inputs.name === "lab-dev-pg-1")!;
    const yaml = pg1.inputs.uploads[0].content as string;
    assert.match(yaml, /etcd3:\n\s+hosts:\n\s+- etcd-1:2379\n\s+- etcd-2:2379\n\s+- etcd-3:2379/);
    assert.match(yaml, /synchronous_mode: true/);
    for (const s of SECRET_VALUES) assert.ok(!yaml.includes(s), "a password leaked into the Patroni YAML");
    assert.ok(pg1.inputs.envs.includes("PATRONI_SUPERUSER_PASSWORD=postgresPassword-value"));
    const haproxy = containersOf(run).find((c) => c.inputs.name === "lab-dev-haproxy")!;
    assert.match(haproxy.inputs.uploads[0].content, /server pg-2 pg-2:5432 check port 8008/);
  });

  it("exports endpoints, Grafana and the patronictl command, with connection strings secret", () => {
    const out = run.outputs["patroni-ha"] as Record<string, string>;
    assert.strictEqual(out.readWrite, "127.0.0.1:5001");
    assert.strictEqual(out.readOnly, "127.0.0.1:5002");
    assert.strictEqual(out.haproxyStats, "http://127.0.0.1:7001/");
    assert.strictEqual(out.grafana, "http://127.0.0.1:3000");
    assert.match(out.patronictlList, /docker exec lab-dev-pg-1 patronictl -c \S+ list/);
  });

  it("keeps plaintext secrets out of every non-secret output", () => assertNoPlaintextSecrets(run, "patroni-ha", SECRET_VALUES));
});
