import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AIRFLOW_VENV } from "../testbed/cache";
import { LocalPostgres, startPostgres } from "../testbed/postgres";
import { requireBinary } from "../testbed/proc";

const SQL_DIR = path.resolve(__dirname, "../../homeworks/partitions/sql/partitioning_tool");
const sqlFiles = () => fs.readdirSync(SQL_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();

/** A partition row as the tools see it (partitioning_tool.range_partition). */
interface Part {
  partition_name: string | null;
  partition_schema: string;
  partition_table: string;
  range_start: string | null;
  range_end: string | null;
  tablespace: string | null;
  is_default: boolean;
}

const ymd = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: string, n: number) => { const x = new Date(`${d}T00:00:00Z`); x.setUTCDate(x.getUTCDate() + n); return ymd(x); };
const part = (start: string, end: string, name = `p${start.replace(/-/g, "")}`, tablespace: string | null = null): Part => ({
  partition_name: name, partition_schema: "public", partition_table: `sales_1_prt_${name}`,
  range_start: start, range_end: end, tablespace, is_default: false,
});
const defaultPart: Part = { partition_name: "other", partition_schema: "public", partition_table: "sales_1_prt_other",
  range_start: null, range_end: null, tablespace: null, is_default: true };
/** One partition a day over [from, to). */
const daily = (from: string, to: string): Part[] => {
  const out: Part[] = [];
  for (let d = from, i = 0; d < to && i < 2000; d = addDays(d, 1), i++) out.push(part(d, addDays(d, 1)));
  return out;
};
const PARTS = "(SELECT coalesce(array_agg(r), ARRAY[]::partitioning_tool.range_partition[]) FROM json_populate_recordset(NULL::partitioning_tool.range_partition, $1::json) r)";

describe("partitioning_tool on PostgreSQL 15 (decisions, month ends, Greenplum DDL)", function () {
  this.timeout(60_000);
  let pg: LocalPostgres;
  const q = <T = any>(sql: string, params?: unknown[]) => pg.query<T>(sql, params);
  const ts = (v: Date | string) => (typeof v === "string" ? v : v.toISOString().replace("T", " ").replace(/\.000Z$/, "").replace(/ 00:00:00$/, ""));
  /** Rows of a set-returning tool function called with fixture partitions as $1. */
  const call = async (fn: string, parts: Part[], args: string) => q(`SELECT * FROM partitioning_tool.${fn}(${PARTS}, ${args})`, [JSON.stringify(parts)]);
  const ddl = async (fn: string, parts: Part[], args: string) =>
    (await q<{ s: string }>(`SELECT s FROM partitioning_tool.${fn}('public.sales', ${PARTS}, ${args}) s`, [JSON.stringify(parts)])).map((r) => r.s);
  const rejects = async (sql: string, re: RegExp, params?: unknown[]) =>
    assert.rejects(q(sql, params), (e: Error) => { assert.match(e.message, re); return true; });

  before(async () => {
    pg = await startPostgres({ name: "partition-tools" });
    // Twice: the files are safe to re-apply.
    for (let round = 0; round < 2; round++) for (const f of sqlFiles()) await q(fs.readFileSync(path.join(SQL_DIR, f), "utf8"));
  });
  after(async () => { await pg?.stop(); });

  describe("aligned boundaries", () => {
    const boundaries = async (from: string, to: string, grain: string, anchor: string) =>
      (await q(`SELECT b FROM partitioning_tool.fn_part_tools_boundaries($1, $2, $3, $4) b`, [from, to, grain, anchor])).map((r) => ts(r.b));

    it("keeps month ends from a Jan 31 anchor: Feb 29 in a leap year, then back to Mar 31", async () => {
      assert.deepEqual(await boundaries("2024-01-31", "2024-06-01", "1 month", "2024-01-31"),
        ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]);
      assert.deepEqual(await boundaries("2023-01-31", "2023-04-01", "1 month", "2023-01-31"), ["2023-02-28", "2023-03-31"]);
    });

    it("finds the bucket start far from the anchor, before it, and on a boundary", async () => {
      const start = async (t: string, grain: string, anchor: string) =>
        ts((await q(`SELECT partitioning_tool.fn_part_tools_bucket_start($1, $2, $3) b`, [t, grain, anchor]))[0].b);
      assert.equal(await start("2031-07-15 13:00", "1 month", "2000-01-01"), "2031-07-01");
      assert.equal(await start("1999-12-31", "1 month", "2000-01-01"), "1999-12-01");
      assert.equal(await start("2024-03-15", "1 month", "2024-01-31"), "2024-02-29");
      assert.equal(await start("2024-03-31", "1 month", "2024-01-31"), "2024-03-31");
      assert.equal(await start("2024-03-06 05:00", "1 day", "2000-01-01"), "2024-03-06");
      assert.equal(await start("2024-02-29", "1 year", "2000-01-01"), "2024-01-01");
    });

    it("rejects a grain that is not positive, naming it", async () => {
      await rejects(`SELECT partitioning_tool.fn_part_tools_bucket_start('2024-01-01', '0 days', '2000-01-01')`, /grain = 00:00:00: must be a positive interval/);
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_boundaries('2024-01-01', '2024-02-01', '-1 day', '2000-01-01')`, /grain = -1 days/);
    });

    it("names partitions after their start and grain", async () => {
      const name = async (t: string, g: string) => (await q(`SELECT partitioning_tool.fn_part_tools_partition_name($1, $2) n`, [t, g]))[0].n;
      assert.equal(await name("2024-01-01", "1 year"), "p2024");
      assert.equal(await name("2024-02-01", "1 month"), "p202402");
      assert.equal(await name("2024-02-29", "1 month"), "p20240229");
      assert.equal(await name("2024-02-29", "1 day"), "p20240229");
      assert.equal(await name("2024-02-29 06:00", "6 hours"), "p20240229_060000");
    });
  });

  describe("split", () => {
    const monthly = [part("2024-01-01", "2024-02-01", "p202401"), part("2024-02-01", "2024-03-01", "p202402"), defaultPart];

    it("splits monthly partitions into days at every aligned boundary, leap day included, default untouched", async () => {
      const rows = await call("fn_part_tools_plan_split", monthly, "'1 day'");
      assert.deepEqual(rows.map((r) => r.partition_name), ["p202401", "p202402"]);
      assert.equal(rows[0].split_at.length, 30);
      assert.equal(rows[1].split_at.length, 28);
      assert.equal(ts(rows[1].split_at[27]), "2024-02-29");
    });

    it("splits an unaligned partition at the boundary inside it and leaves narrow ones alone", async () => {
      const rows = await call("fn_part_tools_plan_split", [part("2024-01-10", "2024-02-10"), part("2024-02-10", "2024-02-20")], "'1 month'");
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0].split_at.map(ts), ["2024-02-01"]);
      assert.deepEqual(await call("fn_part_tools_plan_split", monthly, "'1 year'"), []);
    });

    it("refuses a grain that would cut a partition into too many pieces", async () => {
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_split(${PARTS}, '1 second')`,
        /grain = 00:00:01: more than 1000 boundaries between 2024-01-01 00:00:00 and 2024-02-01 00:00:00/, [JSON.stringify(monthly.slice(0, 1))]);
    });

    it("rejects overlapping or inverted partition rows, naming them", async () => {
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_split(${PARTS}, '1 day')`, /partitions p20240101 and p20240110 overlap/,
        [JSON.stringify([part("2024-01-01", "2024-01-20"), part("2024-01-10", "2024-02-01")])]);
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_split(${PARTS}, '1 day')`, /partition bad: range_start 2024-02-01 00:00:00 must be before range_end 2024-01-01/,
        [JSON.stringify([part("2024-02-01", "2024-01-01", "bad")])]);
    });

    it("with a window splits only partitions ending after now - newer_than, so merged months stay merged", async () => {
      const parts = [part("2024-01-01", "2024-02-01", "p202401"), part("2024-02-01", "2024-03-01", "p202402"),
        part("2024-03-01", "2024-04-01", "p202403"), defaultPart];
      const names = async (now: string) => (await call("fn_part_tools_plan_split", parts, `'1 day', '2000-01-01', '1 month', '${now}'`)).map((r) => r.partition_name);
      assert.deepEqual(await names("2024-03-10"), ["p202402", "p202403"], "cutoff Feb 10: February is still open");
      assert.deepEqual(await names("2024-04-01"), ["p202403"], "cutoff Mar 1: February ends on it and is merge's");
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_split(${PARTS}, '1 day', '2000-01-01', '1 month', NULL)`,
        /newer_than = 1 mon: needs now \(got NULL\)/, [JSON.stringify(parts)]);
    });

    it("converges with merge: a daily run after split + merge has nothing left to split or merge", async () => {
      // Day 1 (Apr 15): split the open months into days, then merge what closed before Mar 15.
      const monthly = [part("2024-01-01", "2024-02-01", "p202401"), part("2024-02-01", "2024-03-01", "p202402"),
        part("2024-03-01", "2024-04-01", "p202403"), part("2024-04-01", "2024-05-01", "p202404")];
      const window = (now: string) => `'1 day', '2000-01-01', '1 month', '${now}'`;
      const split1 = await call("fn_part_tools_plan_split", monthly, window("2024-04-15"));
      assert.deepEqual(split1.map((r) => r.partition_name), ["p202403", "p202404"]);
      const afterSplit = [...monthly.slice(0, 2), ...daily("2024-03-01", "2024-05-01")];
      assert.deepEqual(await call("fn_part_tools_plan_merge", afterSplit, "'1 month', '1 month', '2024-04-15'"), [],
        "March closes after Apr 1 + 1 month: nothing to merge yet");
      // Day 2..: every day until May 2 the same answer; on May 1 March merges, and split never takes it back.
      for (const now of ["2024-04-16", "2024-04-30"]) assert.deepEqual(await call("fn_part_tools_plan_split", afterSplit, window(now)), []);
      const merged = await call("fn_part_tools_plan_merge", afterSplit, "'1 month', '1 month', '2024-05-01'");
      assert.deepEqual(merged.map((r) => `${r.action} ${ts(r.bucket_start)}`), ["merge 2024-03-01"]);
      const afterMerge = [...monthly.slice(0, 3), ...daily("2024-04-01", "2024-05-01")];
      assert.deepEqual(await call("fn_part_tools_plan_split", afterMerge, window("2024-05-01")), [], "the merged March is not re-split");
      assert.deepEqual(await call("fn_part_tools_plan_split", afterMerge, window("2024-05-02")), []);
    });

    it("emits Greenplum SPLIT PARTITION statements (golden)", async () => {
      assert.deepEqual(await ddl("fn_part_tools_split_ddl", [part("2024-01-01", "2024-01-04", "p202401"), defaultPart], "'1 day'"), [
        "ALTER TABLE public.sales SPLIT PARTITION FOR ('2024-01-01') AT ('2024-01-02') INTO (PARTITION p20240101, PARTITION split_rest_1);",
        "ALTER TABLE public.sales SPLIT PARTITION FOR ('2024-01-02') AT ('2024-01-03') INTO (PARTITION p20240102, PARTITION p20240103);",
      ]);
      assert.deepEqual(await ddl("fn_part_tools_split_ddl", [part("2024-01-01", "2024-01-01 18:00", "p20240101")], "'6 hours'"), [
        "ALTER TABLE public.sales SPLIT PARTITION FOR ('2024-01-01') AT ('2024-01-01 06:00:00') INTO (PARTITION p20240101, PARTITION split_rest_1);",
        "ALTER TABLE public.sales SPLIT PARTITION FOR ('2024-01-01 06:00:00') AT ('2024-01-01 12:00:00') INTO (PARTITION p20240101_060000, PARTITION p20240101_120000);",
      ]);
    });
  });

  describe("merge with boundary alignment", () => {
    const merge = (parts: Part[], grain: string, keep: string, now: string, anchor = "2000-01-01") =>
      call("fn_part_tools_plan_merge", parts, `'${grain}', '${keep}', '${now}', '${anchor}'`);
    const summary = (rows: any[]) => rows.map((r) => `${r.action} ${ts(r.bucket_start)}..${ts(r.bucket_end)} ${r.partitions.length}${r.reason ? ` ${r.reason}` : ""}`);

    it("merges closed months of daily partitions (29 in leap February), leaving the open month", async () => {
      assert.deepEqual(summary(await merge(daily("2024-01-01", "2024-03-10"), "1 month", "0", "2024-03-10")),
        ["merge 2024-01-01..2024-02-01 31", "merge 2024-02-01..2024-03-01 29"]);
      assert.deepEqual(summary(await merge(daily("2023-01-01", "2023-03-10"), "1 month", "0", "2023-03-10")),
        ["merge 2023-01-01..2023-02-01 31", "merge 2023-02-01..2023-03-01 28"]);
    });

    it("keeps buckets newer than p_keep (Mar 10 - 1 month = Feb 10: only January closes)", async () => {
      assert.deepEqual(summary(await merge(daily("2024-01-01", "2024-03-10"), "1 month", "1 month", "2024-03-10")),
        ["merge 2024-01-01..2024-02-01 31"]);
    });

    it("aligns to a Jan 31 anchor: buckets end on Feb 29 and Mar 31", async () => {
      assert.deepEqual(summary(await merge(daily("2024-01-31", "2024-04-01"), "1 month", "0", "2024-04-29", "2024-01-31")),
        ["merge 2024-01-31..2024-02-29 29", "merge 2024-02-29..2024-03-31 31"]);
    });

    it("skips buckets a partition straddles, with gaps, or not fully covered, saying why", async () => {
      const straddle = [part("2024-01-01", "2024-01-20"), part("2024-01-20", "2024-02-10"), part("2024-02-10", "2024-03-01")];
      assert.deepEqual(summary(await merge(straddle, "1 month", "0", "2024-06-01")), [
        "skip 2024-01-01..2024-02-01 2 partition p20240120 [2024-01-20 00:00:00, 2024-02-10 00:00:00) straddles a 1 mon boundary",
        "skip 2024-02-01..2024-03-01 2 partition p20240120 [2024-01-20 00:00:00, 2024-02-10 00:00:00) straddles a 1 mon boundary",
      ]);
      const gap = [...daily("2024-01-01", "2024-01-15"), ...daily("2024-01-17", "2024-02-01")];
      assert.deepEqual(summary(await merge(gap, "1 month", "0", "2024-06-01")),
        ["skip 2024-01-01..2024-02-01 29 gap [2024-01-15 00:00:00, 2024-01-17 00:00:00) has no partition"]);
      assert.deepEqual(summary(await merge(daily("2024-01-05", "2024-02-01"), "1 month", "0", "2024-06-01")),
        ["skip 2024-01-01..2024-02-01 27 gap [2024-01-01 00:00:00, 2024-01-05 00:00:00) has no partition"]);
      assert.deepEqual(summary(await merge(daily("2024-01-01", "2024-01-20"), "1 month", "0", "2024-06-01")),
        ["skip 2024-01-01..2024-02-01 19 gap [2024-01-20 00:00:00, 2024-02-01 00:00:00) has no partition"]);
    });

    it("has nothing to do for partitions that already are the buckets", async () => {
      const monthly = [part("2024-01-01", "2024-02-01", "p202401"), part("2024-02-01", "2024-03-01", "p202402"), defaultPart];
      assert.deepEqual(await merge(monthly, "1 month", "0", "2024-06-01"), []);
    });

    it("emits keep-aside, drop, split-default, put-back statements (golden)", async () => {
      const halves = [part("2024-01-01", "2024-01-16", "jan_a"), part("2024-01-16", "2024-02-01", "jan_b"), part("2024-02-01", "2024-03-01", "p202402")];
      const expected = (add: string) => [
        "CREATE TABLE partitioning_tool.merge_sales_p202401 (LIKE public.sales);",
        "INSERT INTO partitioning_tool.merge_sales_p202401 SELECT * FROM public.sales_1_prt_jan_a;",
        "INSERT INTO partitioning_tool.merge_sales_p202401 SELECT * FROM public.sales_1_prt_jan_b;",
        "ALTER TABLE public.sales DROP PARTITION FOR ('2024-01-01');",
        "ALTER TABLE public.sales DROP PARTITION FOR ('2024-01-16');",
        add,
        "INSERT INTO public.sales SELECT * FROM partitioning_tool.merge_sales_p202401;",
        "DROP TABLE partitioning_tool.merge_sales_p202401;",
      ];
      assert.deepEqual(await ddl("fn_part_tools_merge_ddl", [...halves, defaultPart], "'1 month', '0', '2024-06-01'"), expected(
        "ALTER TABLE public.sales SPLIT DEFAULT PARTITION START ('2024-01-01') INCLUSIVE END ('2024-02-01') EXCLUSIVE INTO (PARTITION p202401, DEFAULT PARTITION);"));
      assert.deepEqual(await ddl("fn_part_tools_merge_ddl", halves, "'1 month', '0', '2024-06-01'"), expected(
        "ALTER TABLE public.sales ADD PARTITION p202401 START ('2024-01-01') INCLUSIVE END ('2024-02-01') EXCLUSIVE;"));
    });
  });

  describe("add the next partitions", () => {
    const monthly = [part("2024-01-01", "2024-02-01", "p202401"), part("2024-02-01", "2024-03-01", "p202402")];
    const plan = async (parts: Part[], grain: string, ahead: string, now: string) =>
      (await call("fn_part_tools_plan_add", parts, `'${grain}', '${ahead}', '${now}'`)).map((r) => `${r.partition_name} ${ts(r.range_start)}..${ts(r.range_end)}`);

    it("adds aligned buckets from the last end until now + ahead is covered, and nothing once it is", async () => {
      assert.deepEqual(await plan(monthly, "1 month", "1 month", "2024-03-10"),
        ["p202403 2024-03-01..2024-04-01", "p202404 2024-04-01..2024-05-01"]);
      assert.deepEqual(await plan(monthly, "1 month", "0", "2024-02-10"), [], "February already covers now");
      assert.deepEqual(await plan(monthly, "1 month", "1 month", "2024-03-01"), ["p202403 2024-03-01..2024-04-01"], "a horizon on a boundary ends there");
      assert.deepEqual(await plan([part("2024-01-01", "2024-01-20")], "1 month", "0", "2024-03-05"),
        ["p20240120 2024-01-20..2024-02-01", "p202402 2024-02-01..2024-03-01", "p202403 2024-03-01..2024-04-01"], "an unaligned end is closed first");
      assert.deepEqual(await plan([defaultPart], "1 day", "2 days", "2024-03-05 10:00"),
        ["p20240305 2024-03-05..2024-03-06", "p20240306 2024-03-06..2024-03-07", "p20240307 2024-03-07..2024-03-08"], "only a default: from the bucket of now");
    });

    it("rejects a negative ahead, naming it", async () => {
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_add(${PARTS}, '1 month', '-1 day', '2024-01-01')`, /ahead = -1 days: must be an interval of zero or more/, ["[]"]);
    });

    it("splits them off the default partition, or adds them when there is none (golden)", async () => {
      assert.deepEqual(await ddl("fn_part_tools_add_ddl", [...monthly, defaultPart], "'1 month', '0', '2024-03-10'"), [
        "ALTER TABLE public.sales SPLIT DEFAULT PARTITION START ('2024-03-01') INCLUSIVE END ('2024-04-01') EXCLUSIVE INTO (PARTITION p202403, DEFAULT PARTITION);",
      ]);
      assert.deepEqual(await ddl("fn_part_tools_add_ddl", monthly, "'1 month', '0', '2024-03-10'"), [
        "ALTER TABLE public.sales ADD PARTITION p202403 START ('2024-03-01') INCLUSIVE END ('2024-04-01') EXCLUSIVE;",
      ]);
    });
  });

  describe("drop older than the retention", () => {
    const expired = async (parts: Part[], retention: string, now: string) =>
      (await call("fn_part_tools_plan_expired", parts, `'${retention}', '${now}'`)).map((r) => ts(r.range_start));

    it("Mar 31 - 1 month is Feb 29 in 2024 and Feb 28 in 2023", async () => {
      const leap = await expired([...daily("2024-01-01", "2024-04-01"), defaultPart], "1 month", "2024-03-31");
      assert.equal(leap.length, 59);
      assert.equal(leap[leap.length - 1], "2024-02-28");
      const plain = await expired(daily("2023-01-01", "2023-04-01"), "1 month", "2023-03-31");
      assert.equal(plain.length, 58);
      assert.equal(plain[plain.length - 1], "2023-02-27");
    });

    it("drops only partitions entirely older than the cutoff", async () => {
      const rows = await expired(daily("2024-02-27", "2024-03-02"), "1 month", "2024-03-30 12:00");
      assert.deepEqual(rows, ["2024-02-27", "2024-02-28"]);
    });

    it("rejects a negative retention, naming it", async () => {
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_expired(${PARTS}, '-1 day', '2024-01-01')`, /retention = -1 days: must be an interval of zero or more/, ["[]"]);
    });

    it("emits DROP PARTITION FOR statements (golden)", async () => {
      assert.deepEqual(await ddl("fn_part_tools_drop_ddl", [...daily("2024-01-30", "2024-02-02"), defaultPart], "'1 month', '2024-03-01'"), [
        "ALTER TABLE public.sales DROP PARTITION FOR ('2024-01-30');",
        "ALTER TABLE public.sales DROP PARTITION FOR ('2024-01-31');",
      ]);
    });
  });

  describe("move between tablespaces", () => {
    const parts = [part("2024-01-01", "2024-02-01", "p202401", "cold"), part("2024-02-01", "2024-03-01", "p202402"),
      part("2024-03-01", "2024-04-01", "p202403"), defaultPart];

    it("moves old partitions not yet in the target tablespace (golden)", async () => {
      assert.deepEqual(await ddl("fn_part_tools_move_ddl", parts, "'1 month', 'cold', '2024-04-15'"), [
        "ALTER TABLE public.sales_1_prt_p202402 SET TABLESPACE cold;",
      ]);
      assert.deepEqual(await ddl("fn_part_tools_move_ddl", parts, "'0', 'Cold Storage', '2024-04-15'"), [
        'ALTER TABLE public.sales_1_prt_p202401 SET TABLESPACE "Cold Storage";',
        'ALTER TABLE public.sales_1_prt_p202402 SET TABLESPACE "Cold Storage";',
        'ALTER TABLE public.sales_1_prt_p202403 SET TABLESPACE "Cold Storage";',
      ]);
    });

    it("requires a tablespace name", async () => {
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_plan_move(${PARTS}, '1 day', '', '2024-01-01')`, /tablespace = '': a target tablespace name is required/, ["[]"]);
    });
  });

  describe("unload to S3 through PXF", () => {
    const parts = [part("2024-01-01", "2024-02-01", "p202401"), part("2024-02-01", "2024-03-01", "p202402"), defaultPart];

    it("writes old partitions to bucket dp-partition by default (golden)", async () => {
      assert.deepEqual(await ddl("fn_part_tools_unload_ddl", parts, "'1 month', '2024-03-15'"), [
        "CREATE WRITABLE EXTERNAL TABLE partitioning_tool.unload_sales_p202401 (LIKE public.sales) LOCATION ('pxf://dp-partition/public/sales/p202401?PROFILE=s3:parquet&SERVER=minio') FORMAT 'CUSTOM' (FORMATTER='pxfwritable_export');",
        "INSERT INTO partitioning_tool.unload_sales_p202401 SELECT * FROM public.sales_1_prt_p202401;",
        "DROP EXTERNAL TABLE partitioning_tool.unload_sales_p202401;",
      ]);
    });

    it("takes bucket, server, format and drop-after", async () => {
      assert.deepEqual(await ddl("fn_part_tools_unload_ddl", parts, "'0', '2024-03-15', 'archive', 's3', 'csv', true"), [
        "CREATE WRITABLE EXTERNAL TABLE partitioning_tool.unload_sales_p202401 (LIKE public.sales) LOCATION ('pxf://archive/public/sales/p202401?PROFILE=s3:text&SERVER=s3') FORMAT 'CSV';",
        "INSERT INTO partitioning_tool.unload_sales_p202401 SELECT * FROM public.sales_1_prt_p202401;",
        "DROP EXTERNAL TABLE partitioning_tool.unload_sales_p202401;",
        "ALTER TABLE public.sales DROP PARTITION FOR ('2024-01-01');",
        "CREATE WRITABLE EXTERNAL TABLE partitioning_tool.unload_sales_p202402 (LIKE public.sales) LOCATION ('pxf://archive/public/sales/p202402?PROFILE=s3:text&SERVER=s3') FORMAT 'CSV';",
        "INSERT INTO partitioning_tool.unload_sales_p202402 SELECT * FROM public.sales_1_prt_p202402;",
        "DROP EXTERNAL TABLE partitioning_tool.unload_sales_p202402;",
        "ALTER TABLE public.sales DROP PARTITION FOR ('2024-02-01');",
      ]);
    });

    it("rejects a bad format, bucket or table, naming the value", async () => {
      const bad = (args: string) => `SELECT * FROM partitioning_tool.fn_part_tools_unload_ddl('public.sales', ${PARTS}, ${args})`;
      await rejects(bad("'0', '2024-03-15', 'dp-partition', 'minio', 'orc'"), /format = 'orc': must be parquet, text or csv/, ["[]"]);
      await rejects(bad("'0', '2024-03-15', 'DP_Partition'"), /bucket = 'DP_Partition': not an S3 bucket name/, ["[]"]);
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_unload_ddl('sales', ${PARTS}, '0', '2024-03-15')`, /table = 'sales': expected schema.table/, ["[]"]);
    });
  });

  describe("the fn_part_tools_* entry points over a pg_partitions stand-in", () => {
    before(async () => {
      // Greenplum 6's catalog view as it reports a table made with EVERY: partitionname '' (not NULL) for the
      // unnamed ranges, and a tablespace on every leaf (pg_default unless moved). Reduced to the columns the tools read.
      await q(`
        CREATE TABLE public.sales (id int, sold_at date, amount numeric);
        CREATE VIEW public.pg_partitions AS SELECT * FROM (VALUES
          ('public'::name, 'sales'::name, 'public'::name, 'sales_1_prt_2'::name, ''::name, 'range'::text, 0::smallint, 1::bigint,
           $$'2024-01-01'::date$$::text, true, $$'2024-02-01'::date$$::text, false, false, 'pg_default'::name),
          ('public', 'sales', 'public', 'sales_1_prt_3', '', 'range', 0, 2,
           $$'2024-02-01 00:00:00'::timestamp without time zone$$, true, $$'2024-03-01 00:00:00'::timestamp without time zone$$, false, false, 'cold'),
          ('public', 'sales', 'public', 'sales_1_prt_other', 'other', 'range', 0, NULL,
           NULL, NULL, NULL, NULL, true, 'pg_default')
        ) AS v(schemaname, tablename, partitionschemaname, partitiontablename, partitionname, partitiontype, partitionlevel, partitionrank,
               partitionrangestart, partitionstartinclusive, partitionrangeend, partitionendinclusive, partitionisdefault, partitiontablespace);`);
    });

    it("reads partitions from pg_partitions, parsing date and timestamp boundaries; '' names become NULL", async () => {
      const rows = await q(`SELECT p.* FROM unnest(partitioning_tool.fn_part_tools_partitions_of('public.sales')) p`);
      assert.deepEqual(rows.map((r) => [r.partition_name, r.range_start && ts(r.range_start), r.range_end && ts(r.range_end), r.tablespace, r.is_default]), [
        [null, "2024-01-01", "2024-02-01", "pg_default", false],
        [null, "2024-02-01", "2024-03-01", "cold", false],
        ["other", null, null, "pg_default", true],
      ]);
      await rejects(`SELECT partitioning_tool.fn_part_tools_partitions_of('public.nope')`, /table = public.nope: not a partitioned table/);
    });

    it("dry-runs by default with 9.4-style named arguments (:=), returning the DDL", async () => {
      const unload = (await q(`SELECT * FROM partitioning_tool.fn_part_tools_unload_to_s3_partitions(p_table := 'public.sales', p_older_than := '0', p_now := '2024-03-15')`))
        .map((r) => Object.values(r)[0] as string);
      assert.equal(unload.length, 6);
      // Unnamed partitions get their own work table and S3 path, from the leaf table's name.
      assert.match(unload[0], /^CREATE WRITABLE EXTERNAL TABLE partitioning_tool\.unload_sales_sales_1_prt_2 .*pxf:\/\/dp-partition\/public\/sales\/sales_1_prt_2\?PROFILE=s3:parquet&SERVER=minio/);
      assert.match(unload[3], /^CREATE WRITABLE EXTERNAL TABLE partitioning_tool\.unload_sales_sales_1_prt_3 .*\/public\/sales\/sales_1_prt_3\?/);
      const drop = await q(`SELECT * FROM partitioning_tool.fn_part_tools_drop_partitions(p_table := 'public.sales', p_retention := '0', p_now := '2024-02-15')`);
      assert.deepEqual(drop.map((r) => Object.values(r)[0]), ["ALTER TABLE public.sales DROP PARTITION FOR ('2024-01-01');"]);
      const move = await q(`SELECT * FROM partitioning_tool.fn_part_tools_move_partitions(p_table := 'public.sales', p_older_than := '0', p_tablespace := 'cold', p_now := '2024-04-01')`);
      assert.deepEqual(move.map((r) => Object.values(r)[0]), ["ALTER TABLE public.sales_1_prt_2 SET TABLESPACE cold;"]);
      const toDefault = await q(`SELECT * FROM partitioning_tool.fn_part_tools_move_partitions(p_table := 'public.sales', p_older_than := '0', p_tablespace := 'pg_default', p_now := '2024-04-01')`);
      assert.deepEqual(toDefault.map((r) => Object.values(r)[0]), ["ALTER TABLE public.sales_1_prt_3 SET TABLESPACE pg_default;"], "leaves already in pg_default stay");
      const split = await q(`SELECT * FROM partitioning_tool.fn_part_tools_split_partitions(p_table := 'public.sales', p_grain := '1 day')`);
      assert.equal(split.length, 30 + 28);
      const recent = await q(`SELECT * FROM partitioning_tool.fn_part_tools_split_partitions(p_table := 'public.sales', p_grain := '1 day', p_newer_than := '1 month', p_now := '2024-03-10')`);
      assert.equal(recent.length, 28, "only February ends after Feb 10");
      const add = await q(`SELECT * FROM partitioning_tool.fn_part_tools_add_partitions(p_table := 'public.sales', p_grain := '1 month', p_ahead := '1 month', p_now := '2024-03-10')`);
      assert.deepEqual(add.map((r) => Object.values(r)[0]), [
        "ALTER TABLE public.sales SPLIT DEFAULT PARTITION START ('2024-03-01') INCLUSIVE END ('2024-04-01') EXCLUSIVE INTO (PARTITION p202403, DEFAULT PARTITION);",
        "ALTER TABLE public.sales SPLIT DEFAULT PARTITION START ('2024-04-01') INCLUSIVE END ('2024-05-01') EXCLUSIVE INTO (PARTITION p202404, DEFAULT PARTITION);",
      ]);
      const merge = await q(`SELECT * FROM partitioning_tool.fn_part_tools_merge_partitions(p_table := 'public.sales', p_grain := '1 year', p_keep := '0', p_now := '2025-06-01')`);
      assert.deepEqual(merge, [], "January and February alone do not tile 2024");
    });

    it("executes the statements when p_dry_run is false, in the caller's transaction", async () => {
      const out = await q(`SELECT * FROM partitioning_tool.fn_part_tools_run(ARRAY['CREATE TABLE public.run_check (x int)', 'INSERT INTO public.run_check VALUES (7)'], false)`);
      assert.equal(out.length, 2);
      assert.deepEqual(await q(`SELECT x FROM public.run_check`), [{ x: 7 }]);
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_run(ARRAY['CREATE TABLE public.run_rollback (x int)', 'SELECT 1/0'], false)`, /division by zero/);
      assert.deepEqual(await q(`SELECT to_regclass('public.run_rollback') r`), [{ r: null }], "a failing statement rolls back the ones before it");
      await rejects(`SELECT * FROM partitioning_tool.fn_part_tools_run(ARRAY['SELECT 1'], NULL)`, /dry_run = NULL: must be true or false/);
    });
  });

  it("applies through yoyo (as the Airflow worker does), once", async () => {
    const yoyo = requireBinary(`${AIRFLOW_VENV}/bin/yoyo`, ".ci/install.d/35-python.sh");
    await pg.createDatabase("yoyo_check");
    const apply = () => spawnSync(yoyo, ["apply", "--batch", "--no-config-file", "--database", pg.url("yoyo_check"), SQL_DIR],
      { encoding: "utf8", timeout: 60_000 });
    let r = apply();
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const fns = await pg.query(`SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'partitioning_tool' AND p.proname LIKE 'fn_part_tools_%'`, [], "yoyo_check");
    assert.ok(fns[0].n >= 20, `only ${fns[0].n} functions`);
    const applied = await pg.query(`SELECT count(*)::int AS n FROM _yoyo_migration`, [], "yoyo_check");
    assert.equal(applied[0].n, sqlFiles().length);
    r = apply();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await pg.query(`SELECT count(*)::int AS n FROM _yoyo_migration`, [], "yoyo_check"), applied);
  });

  it("uses no syntax newer than PostgreSQL 9.4 (Greenplum 6)", () => {
    const newer: [RegExp, string][] = [
      [/\bPROCEDURE\b/i, "procedures (11)"], [/^\s*CALL\b/im, "CALL (11)"], [/=>/, "named arguments with => (9.5): use :="],
      [/ON\s+CONFLICT/i, "ON CONFLICT (9.5)"], [/CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?IF\s+NOT\s+EXISTS/i, "CREATE INDEX IF NOT EXISTS (9.5)"],
      [/ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS/i, "ADD COLUMN IF NOT EXISTS (9.6)"], [/CREATE\s+TYPE\s+IF/i, "CREATE TYPE IF (never)"],
      [/GENERATED\s+(ALWAYS|BY)/i, "identity/generated columns (10)"], [/\barray_position\b|\bparse_ident\b|\bto_regnamespace\b/i, "functions from 9.5+"],
      [/\bSTORED\b/i, "generated columns (12)"], [/\bFILTER\s*\(\s*WHERE/i, "FILTER is 9.4 but not in Greenplum's planner"],
    ];
    for (const f of sqlFiles()) {
      const text = fs.readFileSync(path.join(SQL_DIR, f), "utf8").replace(/^\s*--.*$/gm, "");
      for (const [re, what] of newer) assert.doesNotMatch(text, re, `${f} uses ${what}`);
    }
  });
});
