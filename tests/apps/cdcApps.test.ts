import * as assert from "assert";
import { parseWriterOptions } from "../../apps/cdc-writer/src/options";
import { batchStatement } from "../../apps/cdc-writer/src/writer";
import { TableRow, describeDiff, diffTables } from "../../apps/cdc-reader/src/reader";

const URL = "postgresql://postgres:pw@haproxy:5001/source_db";

describe("apps: cdc-writer options and statement", () => {
  it("reads the environment with the seed's defaults (updates of rows 1..100, outbox off)", () => {
    assert.deepStrictEqual(parseWriterOptions({ SOURCE_URL: URL }), {
      sourceUrl: URL, ratePerSecond: 10, rows: 100, outbox: false, batchMs: 10, timeoutMs: 3000,
    });
    const o = parseWriterOptions({ SOURCE_URL: URL, OUTBOX: "TRUE", WRITER_RATE: "1000", WRITER_ROWS: "0" });
    assert.deepStrictEqual([o.outbox, o.ratePerSecond, o.rows], [true, 1000, 0]);
  });

  it("rejects bad input naming the variable and the value, never echoing the password", () => {
    assert.throws(() => parseWriterOptions({}), /^OptionError: SOURCE_URL = "": must be a postgresql:\/\/ URL/);
    assert.throws(() => parseWriterOptions({ SOURCE_URL: "mysql://u:secret@h/db" }), (e: Error) => !e.message.includes("secret") && /SOURCE_URL/.test(e.message));
    assert.throws(() => parseWriterOptions({ SOURCE_URL: URL, WRITER_RATE: "0" }), /WRITER_RATE = "0": must be an integer in 1\.\.20000/);
    assert.throws(() => parseWriterOptions({ SOURCE_URL: URL, WRITER_RATE: "1.5" }), /WRITER_RATE = "1\.5"/);
    assert.throws(() => parseWriterOptions({ SOURCE_URL: URL, OUTBOX: "yes" }), /OUTBOX = "yes": must be true or false/);
  });

  it("writes rows and their outbox events in one statement (one transaction)", () => {
    const append = batchStatement({ rows: 0, outbox: true });
    assert.match(append, /^WITH w AS \(INSERT INTO public\.debezium_table AS t \(name, amount\)/);
    assert.match(append, /events AS \(INSERT INTO public\.outbox \(aggregatetype, aggregateid, type, payload\)\s+SELECT 'Person', id::text/);
    const update = batchStatement({ rows: 100, outbox: false });
    assert.match(update, /SELECT DISTINCT \(\(g - 1\) % 100\) \+ 1/);
    assert.match(update, /ON CONFLICT \(id\) DO UPDATE SET .*amount = t\.amount \+ 1/);
    assert.doesNotMatch(update, /outbox/);
  });
});

describe("apps: cdc-reader comparison", () => {
  const row = (id: number, amount = 1, writtenUs = 1000 + id): TableRow => ({ id, name: `r${id}`, amount, writtenUs });

  it("finds missing, different and extra rows by id; duplicates delivered twice are simply equal rows", () => {
    const d = diffTables([row(1), row(2), row(3), row(4)], [row(1), row(2, 5), row(4), row(9)]);
    assert.deepStrictEqual(d, { missing: [3], different: [2], extra: [9] });
    assert.strictEqual(describeDiff(d), "1 missing (ids 3), 1 different (ids 2), 1 extra (ids 9)");
    assert.deepStrictEqual(diffTables([row(1)], [row(1)]), { missing: [], different: [], extra: [] });
  });

  it("shortens long id lists", () => {
    const src = Array.from({ length: 15 }, (_, i) => row(i + 1));
    assert.strictEqual(describeDiff(diffTables(src, []), 3), "15 missing (ids 1, 2, 3, ...), 0 different, 0 extra");
  });
});
