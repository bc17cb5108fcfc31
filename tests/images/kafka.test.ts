// images/debian/kafka in place of apache/kafka:4.3.0: the lab's broker env really configures the broker, CLUSTER_ID
// formats the volume once, the healthcheck's kafka-topics.sh answers, records go through, a restart keeps the data.
import * as assert from "assert";
import { kafkaBrokerEnv, kafkaHealthCheck, KAFKA_INTERNAL_PORT } from "../../components/kafka/kafka";
import { docker } from "../testbed/docker";
import { buildServiceImage, checkContract, imageSuite, startContainer, testNetwork, testVolume, TestContainer, waitForCommand } from "./build";

const CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk";
const BOOTSTRAP = `127.0.0.1:${KAFKA_INTERNAL_PORT}`;


describe("images/debian/kafka: the apache/kafka contract", function () {
  let broker: TestContainer;

  imageSuite(async () => {
    const image = await buildServiceImage("kafka");
    const network = await testNetwork("kafka");
    const volume = await testVolume("kafka-data");
    const env = {
      ...kafkaBrokerEnv({ service: "kafka", bindAddress: "127.0.0.1", port: 9092, clusterId: CLUSTER_ID }),
      // '__' stands for '_' in a property name: listener.name.internal... has none, num.partitions shows the plain rule.
      KAFKA_NUM_PARTITIONS: "3",
    };
    broker = await startContainer({
      image, env, network, aliases: ["kafka"], volumes: [{ name: volume, path: "/var/lib/kafka/data" }],
    });
    await waitForCommand(broker, kafkaHealthCheck(), 180_000, 2000);
  });

  it("keeps the generic contract (user appuser, paths, tools, port 9092)", async function () {
    this.timeout(60_000);
    await checkContract("kafka", broker);
    const uid = await broker.exec(["id", "-u"]);
    assert.strictEqual(uid.stdout.trim(), "1000", "appuser has the official image's uid 1000");
  });

  it("turns KAFKA_* into server.properties, and nothing else", async function () {
    const r = await broker.exec(["cat", "/opt/kafka/config/server.properties"]);
    assert.strictEqual(r.code, 0, r.stderr);
    const props = Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    assert.strictEqual(props["log.dirs"], "/var/lib/kafka/data");
    assert.strictEqual(props["controller.quorum.voters"], "1@kafka:9093");
    assert.strictEqual(props["share.coordinator.state.topic.min.isr"], "1");
    assert.strictEqual(props["num.partitions"], "3");
    // The launcher's variables are not broker properties.
    assert.ok(!("heap.opts" in props), "KAFKA_HEAP_OPTS leaked into server.properties");
    assert.ok(!("version" in props), "KAFKA_VERSION leaked into server.properties");
  });

  it("maps '__' to '_' and '___' to '-' in property names", async function () {
    this.timeout(30_000);
    // Runs only the env -> properties half of the start script, on a scratch copy of it.
    const r = await broker.exec(["bash", "-c",
      "sed '/^export CLUSTER_ID/,$d; s#^config=.*#config=/tmp/p.properties#' /etc/kafka/docker/run > /tmp/render && "
      + "env -i KAFKA_A__B_C=1 KAFKA_X___Y=2 KAFKA_HEAP_OPTS=-Xmx1m PATH=$PATH bash /tmp/render && cat /tmp/p.properties"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split("\n").sort(), ["a_b.c=1", "x-y=2"]);
  });

  it("formats the log dirs with CLUSTER_ID", async function () {
    const r = await broker.exec(["cat", "/var/lib/kafka/data/meta.properties"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^cluster.id=${CLUSTER_ID}$`, "m"));
    assert.match(r.stdout, /^node.id=1$/m);
  });

  it("runs the broker JVM with KAFKA_HEAP_OPTS", async function () {
    const r = await broker.exec(["sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"]);
    assert.match(r.stdout, /^java .*-Xms256m -Xmx512m .*kafka\.Kafka \/opt\/kafka\/config\/server\.properties/);
  });

  it("serves records: topic with the default partitions, produce, consume", async function () {
    this.timeout(120_000);
    const create = await broker.exec(["/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", BOOTSTRAP, "--create", "--topic", "lab.test"]);
    assert.strictEqual(create.code, 0, create.stderr);
    const describe = await broker.exec(["/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", BOOTSTRAP, "--describe", "--topic", "lab.test"]);
    assert.match(describe.stdout, /PartitionCount: 3/);
    const produce = await broker.exec(["bash", "-c", `printf 'one\\ntwo\\n' | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server ${BOOTSTRAP} --topic lab.test`]);
    assert.strictEqual(produce.code, 0, produce.stderr);
    const consume = await broker.exec(["/opt/kafka/bin/kafka-console-consumer.sh", "--bootstrap-server", BOOTSTRAP, "--topic", "lab.test",
      "--from-beginning", "--max-messages", "2", "--timeout-ms", "30000"]);
    assert.strictEqual(consume.code, 0, consume.stderr);
    assert.deepStrictEqual(consume.stdout.trim().split("\n").sort(), ["one", "two"]);
  });

  it("keeps the formatted volume and its topics across a restart", async function () {
    this.timeout(240_000);
    // A second format would give the log dir a new directory.id.
    const before = (await broker.exec(["cat", "/var/lib/kafka/data/meta.properties"])).stdout.match(/^directory.id=.*$/m)?.[0];
    assert.ok(before, "meta.properties has no directory.id");
    await docker.getContainer(broker.id).restart({ t: 20 });
    await waitForCommand(broker, kafkaHealthCheck(), 180_000, 2000);
    const topics = await broker.exec(["/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", BOOTSTRAP, "--list"]);
    assert.match(topics.stdout, /^lab\.test$/m, "topic lab.test is gone after a restart");
    const after = (await broker.exec(["cat", "/var/lib/kafka/data/meta.properties"])).stdout.match(/^directory.id=.*$/m)?.[0];
    assert.strictEqual(after, before, "the restart formatted the log dir again");
  });
});
