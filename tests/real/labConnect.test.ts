import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { getStatus, KAFKA_CONNECTOR_PROVIDER_VERSION, kafkaConnectorProvider as provider } from "../../providers/kafkaConnector";
import { main } from "../../tools/lab";
import { KafkaLab, startKafka } from "../testbed/kafka";
import { stopAll, tempDir, waitFor } from "../testbed/proc";

/** The lab CLI against a real broker and Connect worker (a FileStream source: no database needed). */
describe("real: lab CLI against Kafka and Kafka Connect", function () {
  this.timeout(120_000);
  let lab: KafkaLab;
  let dir: string;
  const CONNECTOR = "file-source";
  const TOPIC = "lab-cli-lines";

  /** Runs the CLI in-process with the harness's endpoints in the environment, as a user would export them. */
  const lab_ = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { LAB_CONNECT_URL: lab.connectUrl(0), LAB_KAFKA_BOOTSTRAP: lab.bootstrap }, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const state = async () => (await getStatus(lab.connectUrl(0), CONNECTOR))?.connector?.state;

  before(async () => {
    lab = await startKafka({ name: "labcli", workers: 1 });
    dir = tempDir("lab-cli");
    const file = path.join(dir, "lines.txt");
    fs.writeFileSync(file, "first\nsecond\nthird\n");
    await provider.create!({
      version: KAFKA_CONNECTOR_PROVIDER_VERSION, connectUrl: lab.connectUrl(0), name: CONNECTOR, waitTimeoutMs: 60_000,
      config: { "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector", file, topic: TOPIC, "tasks.max": "1" },
    });
  });
  after(async () => {
    await lab?.stop().catch(() => undefined);
    await stopAll();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lists the connectors with their state and tasks", async () => {
    const r = await lab_("connectors");
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /^file-source\tRUNNING\t127\.0\.0\.1:\d+\ttasks 0:RUNNING@127\.0\.0\.1:\d+$/);
  });

  it("pauses and resumes a connector", async () => {
    const paused = await lab_("pause", CONNECTOR);
    assert.strictEqual(paused.code, 0, paused.err);
    await waitFor("the connector to be PAUSED", 30_000, async () => ((await state()) === "PAUSED" ? true : undefined));
    assert.match((await lab_("connectors")).out, /^file-source\tPAUSED/);
    const resumed = await lab_("resume", CONNECTOR);
    assert.strictEqual(resumed.code, 0, resumed.err);
    await waitFor("the connector to be RUNNING again", 30_000, async () => ((await state()) === "RUNNING" ? true : undefined));
  });

  it("prints the config, lists topics and consumes the records as JSON lines", async () => {
    const cfg = await lab_("config", CONNECTOR);
    assert.strictEqual(JSON.parse(cfg.out).topic, TOPIC);
    await waitFor(`topic ${TOPIC}`, 30_000, async () => ((await lab_("topics")).out.split("\n").includes(TOPIC) ? true : undefined));
    const c = await lab_("consume", TOPIC, "--from-beginning", "--max", "3", "--timeout", "20000");
    assert.strictEqual(c.code, 0, c.err);
    const values = c.out.split("\n").map((l) => JSON.parse(l).value);
    // The worker's JsonConverter wraps each line with its schema.
    assert.deepStrictEqual(values.map((v) => v.payload), ["first", "second", "third"]);
    // One fetch delivers the whole batch: --max must still cut it.
    const two = await lab_("consume", TOPIC, "--from-beginning", "--max", "2", "--timeout", "20000");
    assert.strictEqual(two.code, 0, two.err);
    assert.deepStrictEqual(two.out.split("\n").map((l) => JSON.parse(l).value.payload), ["first", "second"]);
  });

  it("fails naming the connector and the 404 when it does not exist; deletes one that does", async () => {
    const missing = await lab_("pause", "no-such-connector");
    assert.strictEqual(missing.code, 1);
    assert.match(missing.err, /lab pause: connector "no-such-connector" does not exist on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
    const del = await lab_("delete", CONNECTOR);
    assert.strictEqual(del.code, 0, del.err);
    assert.match((await lab_("connectors")).out, /^no connectors on /);
  });
});
