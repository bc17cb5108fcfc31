import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../dynamic";
import {
  configChanges, connectConfig, connectRequest, diffSpecs, formatValidationErrors, isRetryableStatus, judgeStatus,
  KAFKA_CONNECTOR_PROVIDER_VERSION, KafkaConnectorInputs, kafkaConnectorProvider as provider, normalizeConnectorSpec,
  pickUserKeys, redact, retryDelay, traceHead, DEFAULT_REQUEST_RETRY,
} from ".";

const base = (over: Partial<KafkaConnectorInputs> = {}): KafkaConnectorInputs => ({
  version: KAFKA_CONNECTOR_PROVIDER_VERSION,
  connectUrl: "http://127.0.0.1:8083",
  name: "sink-connector",
  config: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "insert.mode": "upsert" },
  sensitiveConfig: { "connection.password": "s3cret-pw" },
  ...over,
});

describe("providers/kafkaConnector: config normalisation", () => {
  it("writes numbers and booleans the way Connect stores them, and defaults state and timeout", () => {
    const spec = normalizeConnectorSpec(base({ config: { "connector.class": "X", "tasks.max": 2 as any, "delete.enabled": true as any } }));
    assert.deepStrictEqual(spec.config, { "connector.class": "X", "tasks.max": "2", "delete.enabled": "true" });
    assert.strictEqual(spec.state, "running");
    assert.strictEqual(spec.waitTimeoutMs, 180_000);
  });

  const rejects: [string, Partial<KafkaConnectorInputs>, RegExp][] = [
    ["a non-URL connectUrl", { connectUrl: "ftp://x" }, /^connectUrl = "ftp:\/\/x": must be an http\(s\) URL/],
    ["a name with a slash", { name: "a/b" }, /^name = "a\/b": must not contain/],
    ["a missing connector.class", { config: { "insert.mode": "upsert" } }, /^config\["connector.class"\] = undefined: is required/],
    ["a nested value", { config: { "connector.class": "X", "tasks.max": { n: 1 } as any } }, /^config\["tasks.max"\] = \{"n":1\}: must be a string/],
    ["a config name that differs", { config: { "connector.class": "X", name: "other" } }, /^config\["name"\] = "other": must equal the connector name "sink-connector"/],
    ["an unknown state", { state: "stopped" as any }, /^state = "stopped": must be one of running, paused/],
    ["a negative timeout", { waitTimeoutMs: -5 }, /^waitTimeoutMs = -5: must be a positive integer/],
  ];
  for (const [what, over, message] of rejects) {
    it(`rejects ${what}, naming the key and the value`, () => {
      assert.throws(() => normalizeConnectorSpec(base(over)), (e: Error) => message.test(e.message));
    });
  }

  it("rejects a key set both in config and sensitiveConfig without printing the secret", () => {
    assert.throws(() => normalizeConnectorSpec(base({ config: { "connector.class": "X", "connection.password": "plain" } })), (e: Error) => {
      assert.match(e.message, /^sensitiveConfig\["connection.password"\] = "\(secret\)": is also set in config/);
      assert.ok(!e.message.includes("s3cret-pw"));
      return true;
    });
  });

  it("merges the secrets and the name into the config sent to Connect", () => {
    assert.deepStrictEqual(connectConfig(normalizeConnectorSpec(base())), {
      "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "insert.mode": "upsert",
      "connection.password": "s3cret-pw", name: "sink-connector",
    });
  });

  it("check() reports the failing property and lets unknown (preview) values through", async () => {
    const bad = await provider.check!(base(), base({ state: "gone" as any }));
    assert.deepStrictEqual(bad.failures?.map((f) => f.property), ["state"]);
    const preview = await provider.check!(base(), base({ connectUrl: UNKNOWN }));
    assert.strictEqual(preview.failures, undefined);
  });
});

describe("providers/kafkaConnector: diff of user-set keys", () => {
  const spec = (over: Partial<KafkaConnectorInputs> = {}) => normalizeConnectorSpec(base(over));

  it("sees no change when Connect added keys the user never set", () => {
    const live = { ...connectConfig(spec()), "errors.tolerance": "none", name: "sink-connector" };
    const refreshed = spec({ config: pickUserKeys(live, Object.keys(base().config)) });
    assert.deepStrictEqual(diffSpecs(refreshed, spec(), false).changed, {});
  });

  it("names each changed key with its kind, and replaces only on name or connectUrl", () => {
    const d = diffSpecs(spec(), spec({ config: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector", "batch.size": "9" } }), false);
    assert.deepStrictEqual(d.changed, { 'config["batch.size"]': "add", 'config["insert.mode"]': "delete" });
    assert.deepStrictEqual([d.configChanged, d.replaces], [true, []]);
    const moved = diffSpecs(spec(), spec({ connectUrl: "http://127.0.0.1:8084/", name: "sink-2" }), false);
    assert.deepStrictEqual(moved.replaces, ["connectUrl", "name"]);
  });

  it("treats a state change as an update that leaves the config alone", () => {
    const d = diffSpecs(spec(), spec({ state: "paused" }), false);
    assert.deepStrictEqual([d.configChanged, d.stateChanged, d.changed], [false, true, { state: "update" }]);
  });

  it("compares secrets by key without exposing them", () => {
    assert.deepStrictEqual(configChanges({ a: "1", b: "2" }, { a: "1", b: "3", c: "4" }), { b: "update", c: "add" });
    const d = diffSpecs(spec(), spec({ sensitiveConfig: { "connection.password": "rotated" } }), false);
    assert.deepStrictEqual(d.changed, { 'sensitiveConfig["connection.password"]': "update" });
  });

  it("provider.diff replaces (delete first) on a new URL and reports nothing for identical inputs", async () => {
    const moved = await provider.diff!("sink-connector", base() as any, base({ connectUrl: "http://127.0.0.1:9999" }));
    assert.deepStrictEqual([moved.changes, moved.replaces, moved.deleteBeforeReplace], [true, ["connectUrl"], true]);
    const same = await provider.diff!("sink-connector", base() as any, base());
    assert.strictEqual(same.changes, false);
    const preview = await provider.diff!("sink-connector", base() as any, base({ name: UNKNOWN }));
    assert.deepStrictEqual(preview.replaces, ["name"]);
  });
});

describe("providers/kafkaConnector: retry policy and error texts", () => {
  it("retries 409 and 5xx only", () => {
    assert.deepStrictEqual([409, 500, 503, 599].map(isRetryableStatus), [true, true, true, true]);
    assert.deepStrictEqual([200, 201, 400, 404, 422].map(isRetryableStatus), [false, false, false, false, false]);
  });

  it("backs off exponentially up to the cap", () => {
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6, 50].map((a) => retryDelay(DEFAULT_REQUEST_RETRY, a)), [250, 500, 1000, 2000, 2000, 2000, 2000]);
  });

  it("lists every rejected field with its messages", () => {
    const text = formatValidationErrors("src", "io.debezium.connector.postgresql.PostgresConnector", {
      error_count: 3,
      configs: [
        { value: { name: "database.port", errors: ["Invalid value not-a-port", "must be an int"] } },
        { value: { name: "slot.name", errors: [] } },
        { value: { name: "snapshot.mode", errors: ["Value must be one of always, initial"] } },
      ],
    });
    assert.strictEqual(text, "connector src: io.debezium.connector.postgresql.PostgresConnector rejected the config with 3 error(s); nothing was created:\n" +
      "  - database.port: Invalid value not-a-port; must be an int\n  - snapshot.mode: Value must be one of always, initial");
  });

  it("judges a status: reached, pending (no tasks yet), failed with the head of the trace", () => {
    const running = { connector: { state: "RUNNING", worker_id: "w1" }, tasks: [{ id: 0, state: "RUNNING", worker_id: "w2" }] };
    assert.deepStrictEqual(judgeStatus("c", "running", running), { kind: "reached", workers: ["w1", "w2"] });
    assert.strictEqual(judgeStatus("c", "running", { connector: { state: "RUNNING" }, tasks: [] }).kind, "pending");
    assert.strictEqual(judgeStatus("c", "paused", running).kind, "pending");
    const trace = "org.apache.kafka.connect.errors.ConnectException: boom\n\tat A\n\tat B\n\tat C\n\tat D\n\tat E";
    const failed = judgeStatus("c", "running", { connector: { state: "RUNNING" }, tasks: [{ id: 1, state: "FAILED", worker_id: "w2", trace }] });
    assert.deepStrictEqual(failed, { kind: "failed", message: "connector c: task 1 FAILED on w2:\n" + traceHead(trace) });
    assert.ok(!traceHead(trace).includes("at E"));
  });

  it("redacts secret values from any text", () => {
    assert.strictEqual(redact("password s3cret-pw refused for s3cret-pw", { p: "s3cret-pw" }), "password *** refused for ***");
  });

  it("serializes with Pulumi's closure serializer", async () => {
    const fn = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
    assert.match(fn.text, /validate/);
  });
});

/** A stand-in for Connect's REST API: each route answers from a queue of scripted statuses, then its last one. */
function fakeConnect(routes: Record<string, { status: number; body?: unknown }[]>) {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    calls.push(key);
    req.resume();
    req.on("end", () => {
      const queue = routes[key];
      const answer = queue === undefined ? { status: 404, body: { message: `no route ${key}` } } : queue.length > 1 ? queue.shift()! : queue[0];
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  return {
    calls,
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("providers/kafkaConnector: REST calls against a scripted Connect", function () {
  this.timeout(20_000);
  const cls = "io.debezium.connector.jdbc.JdbcSinkConnector";
  const RUNNING = { status: 200, body: { connector: { state: "RUNNING", worker_id: "127.0.0.1:1" }, tasks: [{ id: 0, state: "RUNNING", worker_id: "127.0.0.1:1" }] } };
  let fake: ReturnType<typeof fakeConnect>;
  afterEach(async () => { await fake?.close(); });

  it("create survives a 409 (rebalance) on PUT config and waits for RUNNING", async () => {
    fake = fakeConnect({
      [`PUT /connector-plugins/${cls}/config/validate`]: [{ status: 200, body: { error_count: 0, configs: [] } }],
      "PUT /connectors/sink-connector/config": [{ status: 409, body: { message: "rebalance in progress" } }, { status: 201, body: {} }],
      "PUT /connectors/sink-connector/resume": [{ status: 202 }],
      "GET /connectors/sink-connector/status": [{ status: 404 }, RUNNING],
    });
    const url = await fake.listen();
    const { id, outs } = await provider.create!(base({ connectUrl: url }));
    assert.ok(outs);
    assert.strictEqual(id, "sink-connector");
    assert.deepStrictEqual([outs.connectorState, outs.workers], ["RUNNING", ["127.0.0.1:1"]]);
    assert.strictEqual(fake.calls.filter((c) => c === "PUT /connectors/sink-connector/config").length, 2);
  });

  it("create fails on validation errors without writing the config, and never prints the secret", async () => {
    fake = fakeConnect({
      [`PUT /connector-plugins/${cls}/config/validate`]: [{ status: 200, body: { error_count: 1, configs: [
        { value: { name: "connection.password", errors: ["password s3cret-pw rejected"] } }] } }],
    });
    const url = await fake.listen();
    await assert.rejects(provider.create!(base({ connectUrl: url })), (e: Error) => {
      assert.match(e.message, /connector sink-connector: .* rejected the config with 1 error\(s\); nothing was created:\n {2}- connection.password: password \*\*\* rejected/);
      return true;
    });
    assert.ok(!fake.calls.some((c) => c.startsWith("PUT /connectors/")), fake.calls.join(", "));
  });

  it("create reports a FAILED task with the connector's name and the trace head", async () => {
    fake = fakeConnect({
      [`PUT /connector-plugins/${cls}/config/validate`]: [{ status: 200, body: { error_count: 0 } }],
      "PUT /connectors/sink-connector/config": [{ status: 201 }],
      "PUT /connectors/sink-connector/resume": [{ status: 202 }],
      "GET /connectors/sink-connector/status": [{ status: 200, body: { connector: { state: "RUNNING" },
        tasks: [{ id: 0, state: "FAILED", worker_id: "w", trace: "org.postgresql.util.PSQLException: Connection refused\n\tat x" }] } }],
    });
    const url = await fake.listen();
    await assert.rejects(provider.create!(base({ connectUrl: url })), /connector sink-connector: task 0 FAILED on w:\norg.postgresql.util.PSQLException: Connection refused/);
  });

  it("gives up after the bounded attempts, naming the connector and the last answer", async () => {
    fake = fakeConnect({ "GET /connectors/x/status": [{ status: 503, body: { message: "leader gone" } }] });
    const url = await fake.listen();
    const policy = { ...DEFAULT_REQUEST_RETRY, timeoutMs: 300, initialDelayMs: 50, maxDelayMs: 100 };
    await assert.rejects(connectRequest(url, "GET", "/connectors/x/status", "connector x", undefined, policy),
      /^Error: connector x: GET \/connectors\/x\/status still failing after \d+ ms \(\d+ attempts, timeout 300 ms\); last failure: http:\/\/127.0.0.1:\d+\/connectors\/x\/status answered HTTP 503/);
    assert.ok(fake.calls.length >= 3 && fake.calls.length <= 7, `${fake.calls.length} calls`);
  });

  it("delete is idempotent: 404 is success, and a 409 is retried", async () => {
    fake = fakeConnect({ "DELETE /connectors/sink-connector": [{ status: 409 }, { status: 204 }, { status: 404 }] });
    const url = await fake.listen();
    const state = base({ connectUrl: url }) as any;
    await provider.delete!("sink-connector", state);
    await provider.delete!("sink-connector", state);
    assert.deepStrictEqual(fake.calls, Array(3).fill("DELETE /connectors/sink-connector"));
  });

  it("read returns no id when the connector was deleted out of band", async () => {
    fake = fakeConnect({});
    const url = await fake.listen();
    const read = await provider.read!("sink-connector", base({ connectUrl: url }) as any);
    assert.strictEqual(read.id, undefined);
  });
});
