// images/debian/etcd in place of quay.io/coreos/etcd: the lab's member command line (etcdMemberArgs) starts a
// member, the lab's healthcheck (etcdctl endpoint health) passes, etcdctl speaks v3, /metrics answers for Prometheus.
import * as assert from "assert";
import * as http from "http";
import { etcdHealthCheck } from "../../components/etcd/etcdCluster";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, etcdMemberArgs } from "../../components/etcd/etcdConfig";
import { buildServiceImage, checkContract, imageSuite, startContainer, testNetwork, TestContainer, waitForCommand } from "./build";

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}


describe("images/debian/etcd: the coreos/etcd contract as the lab uses it", function () {
  let member: TestContainer;

  imageSuite(async () => {
    const image = await buildServiceImage("etcd");
    const network = await testNetwork("etcd");
    const self = { name: "etcd-1", host: "etcd-1", clientPort: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT };
    member = await startContainer({
      image, network, aliases: ["etcd-1"], ports: [ETCD_CLIENT_PORT],
      cmd: ["etcd", ...etcdMemberArgs(self, [self], { dataDir: "/etcd-data", listenHost: "0.0.0.0", clusterToken: "lab-test" })],
    });
    await waitForCommand(member, etcdHealthCheck(ETCD_CLIENT_PORT).slice(1), 60_000, 500);
  });

  it("keeps the generic contract (root, etcd and etcdctl, ports 2379/2380)", async function () {
    this.timeout(30_000);
    await checkContract("etcd", member);
    const v = await member.exec(["etcd", "--version"]);
    assert.match(v.stdout, /etcd Version: 3\.4\./);
  });

  it("etcdctl speaks the v3 API: a key put is read back, and the member lists itself by the lab's name", async function () {
    const ep = `--endpoints=http://127.0.0.1:${ETCD_CLIENT_PORT}`;
    const put = await member.exec(["etcdctl", ep, "put", "/service/lab/leader", "pg-1"]);
    assert.strictEqual(put.code, 0, put.stderr);
    const got = await member.exec(["etcdctl", ep, "get", "--print-value-only", "/service/lab/leader"]);
    assert.strictEqual(got.stdout.trim(), "pg-1");
    const members = await member.exec(["etcdctl", ep, "member", "list"]);
    assert.match(members.stdout, /started, etcd-1, http:\/\/etcd-1:2380, http:\/\/etcd-1:2379/);
  });

  it("the healthcheck fails against a port nobody serves (it can fail)", async function () {
    this.timeout(30_000);
    const r = await member.exec(etcdHealthCheck(2399).slice(1));
    assert.notStrictEqual(r.code, 0);
  });

  it("serves /metrics and the v3 gateway on the client port (Prometheus and Patroni's etcd3 client)", async function () {
    const port = await member.hostPort(ETCD_CLIENT_PORT);
    const metrics = await get(`http://127.0.0.1:${port}/metrics`);
    assert.strictEqual(metrics.status, 200);
    assert.match(metrics.body, /^etcd_server_has_leader 1$/m);
    const version = JSON.parse((await get(`http://127.0.0.1:${port}/version`)).body);
    assert.match(version.etcdserver, /^3\.4\./);
  });
});
