import * as assert from "assert";
import { COMMANDS, UsageError, parseInvocation, snapshotSignal, usage } from "../../tools/lab/args";
import { main } from "../../tools/lab";

const parse = (line: string, env: Record<string, string> = {}) => parseInvocation(line.split(" ").filter(Boolean), env);

describe("lab CLI arguments (pure)", () => {
  it("defaults to the stack's loopback ports", () => {
    const inv = parse("connectors");
    assert.deepStrictEqual(inv.endpoints, {
      connectUrl: "http://127.0.0.1:8083", bootstrap: "127.0.0.1:9092", schemaRegistryUrl: "http://127.0.0.1:8081",
      patroniUrl: "http://127.0.0.1:8008", sourceUrl: "postgresql://postgres@127.0.0.1:5432/demo", prefix: "lab-dev",
    });
  });

  it("takes endpoints from the environment, and flags over the environment", () => {
    const env = { LAB_CONNECT_URL: "http://127.0.0.1:18083/", LAB_PREFIX: "lab-ci" };
    assert.strictEqual(parse("connectors", env).endpoints.connectUrl, "http://127.0.0.1:18083");
    assert.strictEqual(parse("connectors --connect-url http://127.0.0.1:9999", env).endpoints.connectUrl, "http://127.0.0.1:9999");
    assert.strictEqual(parse("kill connect-1 --prefix=lab-x", env).endpoints.prefix, "lab-x");
    assert.strictEqual(parse("kill connect-1", env).endpoints.prefix, "lab-ci");
  });

  it("reads command arguments and flags", () => {
    const inv = parse("consume cdc.bookings.flights --max 5 --from-beginning");
    assert.deepStrictEqual([inv.command, inv.args, inv.flags], ["consume", ["cdc.bookings.flights"], { max: "5", "from-beginning": true }]);
    assert.deepStrictEqual(parse("signal-snapshot bookings.flights bookings.tickets").args, ["bookings.flights", "bookings.tickets"]);
    assert.deepStrictEqual(parse("compatibility").args, []);
    assert.deepStrictEqual(parse("compatibility full --subject cdc.bookings.flights-value").flags, { subject: "cdc.bookings.flights-value" });
    assert.strictEqual(parse("").command, "help");
  });

  it("names what is wrong: unknown command, missing argument, unknown flag, bad values", () => {
    const err = (line: string, re: RegExp) => assert.throws(() => parse(line), (e: Error) => e instanceof UsageError && re.test(e.message));
    err("frobnicate", /unknown command "frobnicate"; commands: connectors, config/);
    err("pause", /pause: missing argument <connector>/);
    err("config a b", /config: unexpected argument "b"/);
    err("topics --max 3", /topics: unknown flag --max/);
    err("consume t --max", /flag --max needs a value/);
    err("consume t --max 0", /consume: --max = "0": must be a positive integer/);
    err("signal-snapshot flights", /table "flights" must be schema.table/);
    err("compatibility sometimes", /level "sometimes" is not one of BACKWARD/);
    err("kill ../etc", /kill: service "..\/etc"/);
    err("connectors --connect-url localhost:8083", /connectUrl = "localhost:8083": must be an http\(s\) URL/);
    assert.throws(() => parse("signal-snapshot a.b", { LAB_SOURCE_URL: "mysql://u:pw@h/db" }), (e: Error) => /sourceUrl/.test(e.message) && !e.message.includes("pw"));
  });

  it("covers the seed's helper scripts in the usage text", () => {
    const text = usage();
    for (const script of ["list-connectors.sh", "connector-config.sh", "pause-connector.sh", "resume-connectors.sh", "restart-connectors.sh",
      "delete-connector.sh", "kafka-topics.sh", "kafka-console-consumer.sh", "kafka-avro-console-consumer.sh", "patronictl.sh",
      "kill.sh", "signal-snapshot.sh", "get/set-compatibility-level.sh"]) assert.ok(text.includes(script), `usage lacks ${script}`);
    for (const c of Object.keys(COMMANDS)) assert.match(text, new RegExp(`^  ${c}\\b`, "m"));
  });

  it("builds Debezium's incremental snapshot signal", () => {
    assert.deepStrictEqual(snapshotSignal("id-1", ["bookings.flights"]), {
      id: "id-1", type: "execute-snapshot", data: "{\"data-collections\":[\"bookings.flights\"],\"type\":\"incremental\"}",
    });
  });

  it("exits 2 with the usage on bad usage and 1 naming the failure when a service does not answer", async () => {
    const errors: string[] = [];
    assert.strictEqual(await main(["nope"], {}, () => undefined, (l) => errors.push(l)), 2);
    assert.match(errors[0], /^lab: unknown command "nope"[\s\S]*usage: npm run lab/);
    assert.strictEqual(await main(["compatibility", "--schema-registry", "http://127.0.0.1:1"], {}, () => undefined, (l) => errors.push(l)), 1);
    assert.match(errors[1], /^lab compatibility: GET http:\/\/127.0.0.1:1\/config: /);
  });
});
