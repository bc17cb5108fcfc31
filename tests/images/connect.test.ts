// images/connect built FROM the lab's Kafka build (images/debian/kafka): a worker with the lab's properties joins
// its group, serves the healthcheck's GET /connectors, and loads the Debezium source and JDBC sink and the Apicurio
// converter with plugin.discovery=service_load (so the converter's ServiceLoader manifests were really added).
import * as assert from "assert";
import { connectHealthCheck, CONNECT_REST_PORT, renderConnectWorkerProperties } from "../../components/kafka/kafkaConnect";
import { kafkaBrokerEnv, kafkaHealthCheck, KAFKA_INTERNAL_PORT } from "../../components/kafka/kafka";
import { buildContext, buildServiceImage, imageSuite, startContainer, testBase, testNetwork, TestContainer, waitForCommand } from "./build";

describe("images/connect FROM the built Kafka: plugins and a working worker", function () {
  let worker: TestContainer;
  let rest: string;

  imageSuite(async () => {
    const kafkaImage = await buildServiceImage("kafka");
    const image = await buildContext("lab-test-connect:contract", "images/connect", undefined, { KAFKA_IMAGE: kafkaImage, BASE_IMAGE: await testBase() });
    const network = await testNetwork("connect");
    const broker = await startContainer({
      image: kafkaImage, network, aliases: ["kafka"],
      env: kafkaBrokerEnv({ service: "kafka", bindAddress: "127.0.0.1", port: 9092, clusterId: "MkU3OEVBNTcwNTJENDM2Qk" }),
    });
    // Generous: a loaded 2-core host needs minutes for the first JVM start.
    await waitForCommand(broker, kafkaHealthCheck(), 420_000, 2000);
    const properties = renderConnectWorkerProperties({ bootstrap: `kafka:${KAFKA_INTERNAL_PORT}`, groupId: "lab-test-connect", advertisedHost: "connect-1" })
      // Only plugins with ServiceLoader manifests load this way: the Apicurio converter has them only through the build's sync step.
      + "plugin.discovery=service_load\n";
    // The lab uploads the properties before the start; here the same start script runs on a file written first.
    worker = await startContainer({
      image, network, aliases: ["connect-1"], ports: [CONNECT_REST_PORT], env: { LAB_PROPERTIES: properties, CONNECT_PROPERTIES: "/tmp/connect.properties" },
      entrypoint: ["/bin/sh", "-c", "printf '%s' \"$LAB_PROPERTIES\" > \"$CONNECT_PROPERTIES\" && exec /bin/sh /opt/connect/connect-start.sh"],
    });
    await waitForCommand(worker, connectHealthCheck(), 300_000, 2000);
    rest = `http://127.0.0.1:${await worker.hostPort(CONNECT_REST_PORT)}`;
  }, 30);

  it("runs as the Kafka image's user with the plugins under /opt/connect/plugins", async function () {
    const r = await worker.exec(["sh", "-c", "id -un; ls /opt/connect/plugins"]);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["appuser", "apicurio-converter", "debezium-connector-jdbc", "debezium-connector-postgres"]);
  });

  it("answers GET /connectors (empty) from the host", async function () {
    const res = await fetch(`${rest}/connectors`);
    assert.strictEqual(res.status, 200);
    assert.deepStrictEqual(await res.json(), []);
  });

  it("loads the Debezium source and sink and the Apicurio converters with service_load discovery", async function () {
    const res = await fetch(`${rest}/connector-plugins?connectorsOnly=false`);
    assert.strictEqual(res.status, 200);
    const classes = ((await res.json()) as { class: string }[]).map((p) => p.class);
    for (const c of [
      "io.debezium.connector.postgresql.PostgresConnector",
      "io.debezium.connector.jdbc.JdbcSinkConnector",
      "io.apicurio.registry.utils.converter.AvroConverter",
      "org.apache.kafka.connect.json.JsonConverter",
    ]) assert.ok(classes.includes(c), `${c} not loaded; loaded: ${classes.join(", ")}`);
  });

  it("accepts a connector config that names the Avro converter (the plugin classes resolve)", async function () {
    this.timeout(60_000);
    const res = await fetch(`${rest}/connector-plugins/io.debezium.connector.postgresql.PostgresConnector/config/validate`, {
      method: "PUT", headers: { "content-type": "application/json" },
      body: JSON.stringify({
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector", "topic.prefix": "lab",
        "database.hostname": "nowhere", "database.user": "postgres", "database.dbname": "postgres",
        "value.converter": "io.apicurio.registry.utils.converter.AvroConverter",
      }),
    });
    assert.strictEqual(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { configs: { value: { name: string; errors: string[] } }[] };
    const converter = body.configs.find((c) => c.value.name === "value.converter");
    assert.deepStrictEqual(converter?.value.errors, [], JSON.stringify(converter));
  });
});
