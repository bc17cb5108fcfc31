import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

/** What the engine would receive for a KafkaConnector: recorded by Pulumi's mocks, no engine, no Connect. */
const registered: { type: string; name: string; inputs: Record<string, any> }[] = [];

describe("KafkaConnector resource (Pulumi mocks)", () => {
  let mod: typeof import(".");
  before(async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: args.inputs.name, state: { ...args.inputs, connectorState: "RUNNING", workers: ["127.0.0.1:8083"] } };
      },
      call: (args) => args.inputs,
    }, "lab", "test", false);
    mod = await import(".");
  });

  const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

  it("sends name, config, state and version, keeps sensitiveConfig secret, and exposes Connect's state", async () => {
    const c = new mod.KafkaConnector("source-connector", {
      connectUrl: "http://127.0.0.1:8083",
      config: { "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": 1 },
      sensitiveConfig: { "database.password": "pw" },
    });
    assert.strictEqual(await pulumi.isSecret(c.sensitiveConfig), true);
    assert.strictEqual(await pulumi.isSecret(c.config), false);
    assert.deepStrictEqual(await outputOf(c.workers), ["127.0.0.1:8083"]);
    assert.strictEqual(await outputOf(c.connectorState), "RUNNING");
    const r = registered.find((x) => x.name === "source-connector")!;
    assert.strictEqual(r.type, "pulumi-nodejs:dynamic/lab:KafkaConnector");
    assert.deepStrictEqual([r.inputs.name, r.inputs.state, r.inputs.version], ["source-connector", "running", mod.KAFKA_CONNECTOR_PROVIDER_VERSION]);
    assert.strictEqual(r.inputs.config["tasks.max"], 1, "normalised to a string by the provider's check, not here");
    assert.strictEqual(typeof r.inputs.__provider, "string", "the serialized provider travels with the inputs");
  });

  it("lets the Connect name differ from the Pulumi name", async () => {
    const c = new mod.KafkaConnector("sink", { connectUrl: "http://127.0.0.1:8083", name: "sink-connector", state: "paused",
      config: { "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector" } });
    await outputOf(c.connectorState); // resolves once the mock saw the registration
    const r = registered.find((x) => x.name === "sink")!;
    assert.deepStrictEqual([r.inputs.name, r.inputs.state, r.inputs.sensitiveConfig], ["sink-connector", "paused", {}]);
  });
});
