import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMMANDS, StackPrefix, UsageError, parseInvocation, snapshotSignal, usage } from "./args";
import { defaultPrefix, stackPrefix } from "./stack";
import { main } from "../lab";

const stack: StackPrefix = (s) => ({ stack: s ?? "dev", prefix: `lab-${s ?? "dev"}`, from: s ? `stack ${s}` : "stack dev" });
const parse = (line: string, env: Record<string, string> = {}) => parseInvocation(line.split(" ").filter(Boolean), env, stack);

describe("lab CLI arguments (pure, node:util parseArgs)", () => {
  it("takes the prefix from --prefix, LAB_PREFIX, or the selected stack, and leaves endpoints to Docker", () => {
    assert.deepStrictEqual(parse("connectors").where, { prefix: "lab-dev", prefixFrom: "stack dev", sourceUrl: "postgresql://postgres@127.0.0.1:5432/demo" });
    assert.strictEqual(parse("kill pg-2 --stack patroni-ha").where.prefix, "lab-patroni-ha");
    assert.strictEqual(parse("kill pg-2", { LAB_PREFIX: "lab-ci" }).where.prefix, "lab-ci");
    assert.strictEqual(parse("kill pg-2 --prefix=lab-x", { LAB_PREFIX: "lab-ci" }).where.prefix, "lab-x");
  });

  it("takes endpoints from the environment, flags over the environment; Connect URLs as a list", () => {
    const env = { LAB_CONNECT_URL: "http://127.0.0.1:18083/, http://127.0.0.1:18084" };
    assert.deepStrictEqual(parse("connectors", env).where.connectUrls, ["http://127.0.0.1:18083", "http://127.0.0.1:18084"]);
    assert.deepStrictEqual(parse("connectors --connect-url http://127.0.0.1:9999", env).where.connectUrls, ["http://127.0.0.1:9999"]);
    assert.strictEqual(parse("experiment kill-leader --read-write 127.0.0.1:15001").where.readWrite, "127.0.0.1:15001");
  });

  it("reads command arguments and flags", () => {
    const inv = parse("consume cdc.bookings.flights --max 5 --from-beginning");
    assert.deepStrictEqual([inv.command, inv.args, inv.flags], ["consume", ["cdc.bookings.flights"], { max: "5", "from-beginning": true }]);
    assert.deepStrictEqual(parse("signal-snapshot bookings.flights bookings.tickets").args, ["bookings.flights", "bookings.tickets"]);
    assert.deepStrictEqual(parse("status").args, []);
    assert.deepStrictEqual(parse("status source-connector").args, ["source-connector"]);
    assert.deepStrictEqual(parse("experiment kill-etcd --rate 50 --settle 5").flags, { rate: "50", settle: "5" });
    assert.strictEqual(parse("").command, "help");
  });

  it("names what is wrong: unknown command, missing argument, unknown flag, bad values", () => {
    const err = (line: string, re: RegExp) => assert.throws(() => parse(line), (e: Error) => e instanceof UsageError && re.test(e.message));
    err("frobnicate", /unknown command "frobnicate"; commands: status, connectors/);
    err("pause", /pause: missing argument <connector>/);
    err("config a b", /config: unexpected argument "b"/);
    err("topics --max 3", /topics: unknown flag --max/);
    err("topics --frobnicate", /Unknown option '--frobnicate'/);
    err("consume t --max", /--max <value>' argument missing/);
    err("consume t --max 0", /consume: --max = "0": must be a positive integer/);
    err("experiment kill-everything", /experiment: "kill-everything" is not one of kill-leader, kill-replica, kill-etcd, restart-haproxy, switchover, kill-connect-worker, cdc-failover/);
    err("signal-snapshot flights", /table "flights" must be schema.table/);
    err("compatibility sometimes", /level "sometimes" is not one of BACKWARD/);
    err("kill ../etc", /kill: service "..\/etc"/);
    err("connectors --connect-url localhost:8083", /connectUrl = "localhost:8083": must be an http\(s\) URL/);
    err("experiment switchover --read-write 5001", /--read-write = "5001": must be host:port/);
    err("kill pg-1 --prefix Lab_Dev", /prefix = "Lab_Dev" \(--prefix\)/);
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
    assert.match(errors[1], /^lab compatibility: GET http:\/\/127.0.0.1:1\/config connect: .*ECONNREFUSED/);
  });
});

describe("lab CLI: which stack and prefix", () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-stack-")); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("takes the prefix from Pulumi.<stack>.yaml's lab:prefix, else lab-<stack>", () => {
    const repo = path.join(dir, "repo");
    fs.mkdirSync(repo);
    fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: lab\nruntime: nodejs\n");
    assert.strictEqual(stackPrefix(repo, "patroni-cdc"), "lab-patroni-cdc");
    fs.writeFileSync(path.join(repo, "Pulumi.patroni-cdc.yaml"), "config:\n  lab:prefix: cdc-a\n");
    assert.strictEqual(stackPrefix(repo, "patroni-cdc"), "cdc-a");
    assert.strictEqual(defaultPrefix("My_Stack"), "lab-my-stack");
  });
});
