import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** What the engine would receive: recorded by Pulumi's mocks, no engine, no database. */
const registered: { type: string; name: string; inputs: Record<string, any> }[] = [];

describe("SqlMigrations and HealthGate resources (Pulumi mocks)", () => {
  let mod: typeof import(".");
  let gate: typeof import("../healthGate");
  before(async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => { registered.push({ type: args.type, name: args.name, inputs: args.inputs }); return { id: `${args.name}-id`, state: { ...args.inputs, applied: [] } }; },
      call: (args) => args.inputs,
    }, "lab", "test", false);
    mod = await import(".");
    gate = await import("../healthGate");
  });

  const outputOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

  it("SqlMigrations flattens the connection, keeps the password secret and the file paths relative", async () => {
    const dir = path.join(__dirname, "..", "..", "homeworks", "partitions", "sql", "partitioning_tool");
    const res = new mod.SqlMigrations("parts", {
      connection: pulumi.output({ host: "127.0.0.1", port: 5432, user: "test", database: "test", password: pulumi.secret("pw") }),
      migrations: dir,
    });
    const password = (res as any).password as pulumi.Output<string>;
    assert.strictEqual(await pulumi.isSecret(password), true);
    assert.deepStrictEqual(await outputOf(res.applied), []);
    const r = registered.find((x) => x.name === "parts")!;
    assert.strictEqual(r.type, "pulumi-nodejs:dynamic/lab:SqlMigrations");
    assert.deepStrictEqual([r.inputs.host, r.inputs.port, r.inputs.user, r.inputs.database], ["127.0.0.1", 5432, "test", "test"]);
    assert.strictEqual(r.inputs.version, mod.SQL_MIGRATIONS_PROVIDER_VERSION);
    assert.ok(r.inputs.migrations.length > 0);
    for (const m of r.inputs.migrations) assert.ok(!path.isAbsolute(m.file), m.file);
    assert.strictEqual(typeof r.inputs.__provider, "string", "the serialized provider travels with the inputs");
  });

  it("SqlMigrations names a bad table setting at program time", () => {
    assert.throws(() => new mod.SqlMigrations("bad", { connection: { host: "h", port: 1, user: "u", database: "d" }, migrations: [], table: "x" }),
      /table = "x": must be schema\.table/);
  });

  it("HealthGate flattens its target and keeps a SQL password secret", async () => {
    const g = new gate.HealthGate("leader-ready", {
      target: { kind: "sql", host: "127.0.0.1", port: 5001, user: "postgres", database: "postgres", password: "pw" },
      timeoutMs: 60_000, triggers: ["container-id"],
    });
    assert.strictEqual(await pulumi.isSecret((g as any).password), true);
    const r = registered.find((x) => x.name === "leader-ready")!;
    assert.strictEqual(r.type, "pulumi-nodejs:dynamic/lab:HealthGate");
    assert.deepStrictEqual([r.inputs.kind, r.inputs.port, r.inputs.timeoutMs, r.inputs.triggers], ["sql", 5001, 60_000, ["container-id"]]);
    assert.strictEqual(r.inputs.version, gate.HEALTH_GATE_PROVIDER_VERSION);
    assert.strictEqual(await outputOf(g.target), undefined, "outputs exist as Outputs (the mock returns no target)");
  });
});
