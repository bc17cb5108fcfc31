import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  checksumChangeError, checksumOf, errorLocation, firstKeyword, loadMigrations, locate, lockKeyFor, Migration,
  migrationFrom, normalizeSettings, orderMigrations, parseTableName, pendingMigrations, planMigrations,
  splitStatements, SQL_MIGRATIONS_PROVIDER_VERSION, sqlMigrationsProvider, SqlMigrationsInputs, validateMigrations,
} from ".";

function dirWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-sql-unit-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const applied = (m: Migration, at = "2024-01-01T00:00:00.000Z") => ({ id: m.id, checksum: m.checksum, appliedAt: at });

describe("sqlMigrations (pure)", () => {
  describe("loadMigrations", () => {
    it("reads NNN_name.sql in name order with sha256 checksums, ignoring other files", () => {
      const dir = dirWith({ "010_b.sql": "select 2;", "002_a.sql": "select 1;", "README.md": "# notes" });
      const ms = loadMigrations(dir);
      assert.deepStrictEqual(ms.map((m) => m.id), ["002_a", "010_b"]);
      assert.strictEqual(ms[0].file, path.join(dir, "002_a.sql"));
      assert.strictEqual(ms[0].checksum, createHash("sha256").update("select 1;").digest("hex"));
      assert.strictEqual(ms[0].transactional, true);
    });

    it("opts a file out of the transaction with a first line `-- lab:no-transaction`", () => {
      const ms = loadMigrations(dirWith({ "001_idx.sql": "-- lab:no-transaction\ncreate index concurrently i on t(x);", "002_late.sql": "select 1;\n-- lab:no-transaction\n" }));
      assert.deepStrictEqual(ms.map((m) => m.transactional), [false, true], "only the first line counts");
    });

    it("ignores CRLF and a BOM in the checksum", () => {
      assert.strictEqual(checksumOf("\uFEFFselect 1;\r\nselect 2;\r\n"), checksumOf("select 1;\nselect 2;\n"));
      assert.notStrictEqual(checksumOf("select 1;"), checksumOf("select 2;"));
    });

    it("names a misnamed SQL file and a missing directory", () => {
      const dir = dirWith({ "owners.sql": "select 1;" });
      assert.throws(() => loadMigrations(dir), (e: Error) => e.message.includes("owners.sql") && /named like 001_name\.sql/.test(e.message));
      assert.throws(() => loadMigrations("/nonexistent/lab-sql"), /migrationsDir = "\/nonexistent\/lab-sql": is not a directory/);
    });

    it("rejects two files sharing a number", () => {
      assert.throws(() => orderMigrations([migrationFrom("001_a.sql", "x"), migrationFrom("001_b.sql", "y")]), /two files share the number 001/);
    });
  });

  describe("planMigrations", () => {
    const [a, b, c] = ["001_a", "002_b", "003_c"].map((id) => migrationFrom(`${id}.sql`, `select '${id}';`));

    it("applies new files, skips applied ones, leaves unknown history alone", () => {
      const plan = planMigrations([c, a, b], [applied(a), { id: "000_gone", checksum: "x", appliedAt: "t" }]);
      assert.deepStrictEqual(plan.toApply.map((m) => m.id), ["002_b", "003_c"]);
      assert.deepStrictEqual(plan.skipped, ["001_a"]);
      assert.deepStrictEqual(plan.unknown, ["000_gone"]);
      assert.deepStrictEqual(plan.outOfOrder, []);
    });

    it("flags a file added before an applied one as out of order", () => {
      assert.deepStrictEqual(planMigrations([a, b, c], [applied(a), applied(c)]).outOfOrder, ["002_b"]);
    });

    it("reports a changed file; reapply puts it back in order among new ones", () => {
      const changedB = migrationFrom("002_b.sql", "select 'b2';");
      const history = [applied(a), applied(b)];
      const strict = planMigrations([a, changedB, c], history, "error");
      assert.deepStrictEqual(strict.changed.map((m) => m.id), ["002_b"]);
      assert.deepStrictEqual(strict.toApply.map((m) => m.id), ["003_c"]);
      const err = checksumChangeError(strict.changed, history)!;
      assert.match(err.message, /002_b\.sql: applied 2024-01-01T00:00:00\.000Z with sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…/);
      assert.strictEqual(checksumChangeError([], history), undefined);
      const loose = planMigrations([c, changedB, a], history, "reapply");
      assert.deepStrictEqual(loose.toApply.map((m) => m.id), ["002_b", "003_c"]);
    });
  });

  describe("splitStatements", () => {
    const sqls = (text: string) => splitStatements(text).map((s) => s.sql);

    it("splits at top-level semicolons and keeps each statement's offset", () => {
      const text = "create table a (x int);\n\n  insert into a values (1)";
      const st = splitStatements(text);
      assert.deepStrictEqual(st.map((s) => s.sql), ["create table a (x int)", "insert into a values (1)"]);
      assert.strictEqual(text.slice(st[1].offset, st[1].offset + 6), "insert");
    });

    it("ignores semicolons in strings, identifiers, comments and dollar-quoted bodies", () => {
      const text = [
        "select 'a;b', 'it''s;', E'\\';x', \"odd;name\" from t; -- trailing; comment",
        "/* block; /* nested; */ still; */ select 2;",
        "create function f() returns int as $body$ begin return 1; end; $body$ language plpgsql;",
        "do $$ begin perform 1; end $$;",
        "select $1::int;",
      ].join("\n");
      assert.deepStrictEqual(sqls(text), [
        "select 'a;b', 'it''s;', E'\\';x', \"odd;name\" from t",
        "-- trailing; comment\n/* block; /* nested; */ still; */ select 2",
        "create function f() returns int as $body$ begin return 1; end; $body$ language plpgsql",
        "do $$ begin perform 1; end $$",
        "select $1::int",
      ]);
    });

    it("drops statements that are only comments or whitespace", () => {
      assert.deepStrictEqual(sqls("-- lab:no-transaction\n;\n/* nothing */;\nselect 1;\n-- end\n"), ["select 1"]);
    });

    it("does not treat a plain string ending in e as an E'' string", () => {
      assert.deepStrictEqual(sqls("select name'\\';select 2"), ["select name'\\'", "select 2"]);
    });
  });

  describe("error positions", () => {
    it("locate gives 1-based line and column", () => {
      assert.deepStrictEqual(locate("ab\ncd\nef", 0), { line: 1, column: 1 });
      assert.deepStrictEqual(locate("ab\ncd\nef", 4), { line: 2, column: 2 });
      assert.deepStrictEqual(locate("ab\ncd\nef", 99), { line: 3, column: 3 });
    });

    it("maps a server position inside a statement to file:line:column", () => {
      const text = "-- header\nselect 1;\ncreate view v as\n  select nme\n  from t;\n";
      const st = splitStatements(text)[1];
      const pos = st.sql.indexOf("nme") + 1; // the server counts from 1
      assert.strictEqual(errorLocation("sql/x/002_v.sql", text, st, String(pos)), "sql/x/002_v.sql:4:10");
      assert.strictEqual(errorLocation("f.sql", text, st), "f.sql:3:1", "without a position: the statement's start");
    });

    it("counts characters, not UTF-16 units, like the server", () => {
      const text = "select '😀', nme;";
      const st = splitStatements(text)[0];
      const serverPos = Array.from(st.sql).indexOf("n") + 1;
      assert.strictEqual(errorLocation("f.sql", text, st, serverPos), "f.sql:1:13");
    });

    it("firstKeyword skips leading comments", () => {
      assert.strictEqual(firstKeyword("-- why\n/* c */  BEGIN"), "begin");
      assert.strictEqual(firstKeyword("create table x()"), "create");
    });
  });

  describe("settings", () => {
    it("fills defaults", () => {
      assert.deepStrictEqual(normalizeSettings({}), {
        schema: "public", table: "lab_migrations", onChecksumChange: "error", lockTimeoutMs: 60_000, readyTimeoutMs: 120_000, dropOnDelete: false,
      });
    });

    it("names the key and the value of bad settings", () => {
      assert.throws(() => parseTableName("lab_migrations"), /table = "lab_migrations": must be schema\.table/);
      assert.throws(() => parseTableName("Public.x"), /table = "Public\.x"/);
      assert.throws(() => normalizeSettings({ onChecksumChange: "ignore" }), /onChecksumChange = "ignore": must be one of error, reapply/);
      assert.throws(() => normalizeSettings({ lockTimeoutMs: -5 }), /lockTimeoutMs = -5: must be a positive integer/);
      assert.throws(() => normalizeSettings({ dropOnDelete: "yes" }), /dropOnDelete = "yes": must be true or false/);
    });

    it("validates migrations that come back through the engine", () => {
      const m = migrationFrom("001_a.sql", "select 1;");
      assert.deepStrictEqual(validateMigrations([m]), [m]);
      assert.throws(() => validateMigrations([{ ...m, checksum: "abc" }]), /migrations\[0\]\.checksum = "abc": does not match the SQL of 001_a\.sql/);
      assert.throws(() => validateMigrations("sql/"), /migrations = "sql\/": must be a list/);
    });

    it("derives a stable signed 64-bit lock key per table", () => {
      const k = lockKeyFor("public", "lab_migrations");
      assert.strictEqual(k, lockKeyFor("public", "lab_migrations"));
      assert.notStrictEqual(k, lockKeyFor("lab", "lab_migrations"));
      const n = BigInt(k);
      assert.ok(n >= -(2n ** 63n) && n < 2n ** 63n);
    });
  });

  describe("provider check and diff (what preview runs: no I/O)", () => {
    const m1 = migrationFrom("001_a.sql", "select 1;");
    const m2 = migrationFrom("002_b.sql", "select 2;");
    const inputs = (extra: Partial<SqlMigrationsInputs> = {}): SqlMigrationsInputs => ({
      host: "127.0.0.1", port: 1, user: "u", database: "d", password: "s3cret", migrations: [m1],
      version: SQL_MIGRATIONS_PROVIDER_VERSION, ...extra,
    });
    const state = (extra: Partial<SqlMigrationsInputs> = {}) => ({ ...inputs(extra), applied: [applied(m1)] });
    const p = sqlMigrationsProvider;

    it("check passes good inputs, waits on unknowns, and names a bad key", async () => {
      assert.strictEqual((await p.check!(inputs(), inputs())).failures, undefined);
      const unknownPort = { ...inputs(), port: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" as unknown as number };
      assert.strictEqual((await p.check!(inputs(), unknownPort)).failures, undefined);
      const bad = await p.check!(inputs(), inputs({ table: "nope" }));
      assert.deepStrictEqual(bad.failures?.map((f) => f.property), ["table"]);
      assert.ok(!JSON.stringify(bad.failures).includes("s3cret"), "failures never carry the password");
    });

    it("diff: nothing changed, a new file, a changed checksum, a new provider version, another table", async () => {
      assert.deepStrictEqual(await p.diff!("id", state(), inputs()), { changes: false, replaces: [], deleteBeforeReplace: false });
      assert.strictEqual((await p.diff!("id", state(), inputs({ migrations: [m1, m2] }))).changes, true);
      const edited = migrationFrom("001_a.sql", "select 11;");
      assert.strictEqual((await p.diff!("id", state(), inputs({ migrations: [edited] }))).changes, true);
      assert.strictEqual((await p.diff!("id", state(), inputs({ version: "0-older" }))).changes, true);
      // The same file from another folder (a repository reorganised) is the same migration.
      const moved = migrationFrom("datasets/001_a.sql", "select 1;");
      assert.notStrictEqual(moved.file, m1.file);
      assert.strictEqual((await p.diff!("id", state(), inputs({ migrations: [moved] }))).changes, false);
      assert.deepStrictEqual((await p.diff!("id", state(), inputs({ table: "lab.history" }))).replaces, ["table"]);
      assert.strictEqual((await p.diff!("id", state({ dropOnDelete: true }), inputs({ database: "e" }))).deleteBeforeReplace, true);
    });

    it("pendingMigrations: what a refreshed history lacks", () => {
      assert.deepStrictEqual(pendingMigrations([m1, m2], [applied(m1)]), ["002_b"]);
      assert.deepStrictEqual(pendingMigrations([m1], undefined), ["001_a"]);
    });
  });
});
