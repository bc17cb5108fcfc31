// images/patroni FROM images/debian/postgres (lab:imageSource=build): the entrypoint refuses a missing config or
// password with its messages, and a member rendered as the lab renders it bootstraps a leader on the built etcd.
import * as assert from "assert";
import { etcdHealthCheck } from "../../components/etcd/etcdCluster";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, etcdMemberArgs } from "../../components/etcd/etcdConfig";
import { patroniHealthCheck } from "../../components/patroni/patroniCluster";
import {
  FAST_FAILOVER_DCS, PATRONI_CONFIG_PATH, PATRONI_DATA_DIR, PATRONI_PASSWORD_ENV, PATRONI_PG_PORT, PATRONI_REST_PORT,
  PATRONI_VOLUME_PATH, labPgHba, renderPatroniConfig,
} from "../../components/patroni/patroniConfig";
import { execIn } from "../testbed/docker";
import { buildContext, buildServiceImage, imageSuite, runToExit, startContainer, testNetwork, testVolume, waitForCommand } from "./build";

describe("images/patroni FROM the built postgres image", function () {
  let patroni: string;

  imageSuite(async () => {
    const postgres = await buildServiceImage("postgres");
    patroni = await buildContext("lab-test-patroni:debian", "images/patroni", undefined, { POSTGRES_IMAGE: postgres });
  }, 25);

  it("runs as postgres with Patroni 4.1.5 and the server binaries on PATH", async function () {
    this.timeout(30_000);
    const c = await startContainer({ image: patroni, entrypoint: ["sleep", "60"] });
    const r = await c.exec(["sh", "-c", "id -un; patroni --version; command -v postgres pg_ctl"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^postgres\npatroni 4\.1\.5\n\/usr\/lib\/postgresql\/15\/bin\/postgres\n/);
  });

  it("refuses a missing config, then missing passwords, with its messages (exit 64)", async function () {
    this.timeout(60_000);
    const none = await runToExit({ image: patroni });
    assert.strictEqual(none.code, 64);
    assert.match(none.out, /LAB_PATRONI_CONFIG=\/etc\/patroni\/patroni.yml is not a readable file/);
    const noPassword = await runToExit({ image: patroni, files: [{ path: PATRONI_CONFIG_PATH, content: "scope: x\n" }] });
    assert.strictEqual(noPassword.code, 64);
    assert.match(noPassword.out, /PATRONI_SUPERUSER_PASSWORD is empty/);
  });

  it("bootstraps a leader on the built etcd with the lab's rendered config", async function () {
    this.timeout(10 * 60_000);
    const etcdImage = await buildServiceImage("etcd");
    const network = await testNetwork("patroni");
    const self = { name: "etcd-1", host: "etcd-1", clientPort: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT };
    const etcd = await startContainer({
      image: etcdImage, network, aliases: ["etcd-1"],
      cmd: ["etcd", ...etcdMemberArgs(self, [self], { dataDir: "/etcd-data", listenHost: "0.0.0.0", clusterToken: "lab-test" })],
    });
    await waitForCommand(etcd.id, etcdHealthCheck(ETCD_CLIENT_PORT).slice(1), 60_000);
    const yaml = renderPatroniConfig({
      scope: "lab-test", name: "pg-1",
      restApi: { listen: `0.0.0.0:${PATRONI_REST_PORT}`, connectAddress: `pg-1:${PATRONI_REST_PORT}` },
      postgres: { listen: `0.0.0.0:${PATRONI_PG_PORT}`, connectAddress: `pg-1:${PATRONI_PG_PORT}`, dataDir: PATRONI_DATA_DIR },
      etcd3Hosts: [`etcd-1:${ETCD_CLIENT_PORT}`], dcs: FAST_FAILOVER_DCS,
      pgHba: labPgHba("replicator", "0.0.0.0/0"), usernames: { superuser: "postgres", replication: "replicator" },
    });
    const c = await startContainer({
      image: patroni, env: { [PATRONI_PASSWORD_ENV.superuser]: "su-pass", [PATRONI_PASSWORD_ENV.replication]: "repl-pass" },
      network, aliases: ["pg-1"], volumes: [{ name: await testVolume("patroni-data"), path: PATRONI_VOLUME_PATH }],
      files: [{ path: PATRONI_CONFIG_PATH, content: yaml }],
    });
    await waitForCommand(c, patroniHealthCheck(PATRONI_REST_PORT).slice(1), 180_000);
    const list = await c.exec(["patronictl", "-c", PATRONI_CONFIG_PATH, "list"]);
    assert.match(list.stdout, /pg-1.*Leader.*running/, list.stdout + list.stderr);
    const sql = await execIn(c.id, ["psql", "-h", "pg-1", "-U", "postgres", "-d", "postgres", "-tAc", "select pg_is_in_recovery()"], { env: ["PGPASSWORD=su-pass"] });
    assert.strictEqual(sql.stdout.trim(), "f", sql.stderr);
  });
});
