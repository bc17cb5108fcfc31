import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { badInput, oneOf, positiveInt, requirePort, requireText } from "../dynamic";

/** One SQL file of a lab, in the order its name gives. */
export interface Migration {
  /** The file name without `.sql`, e.g. `001_owners`. */
  id: string;
  /** Where it came from, for error messages. */
  file: string;
  sql: string;
  /** sha256 (hex) of the normalised text: a changed file shows up as a changed checksum. */
  checksum: string;
  /** False when the first line is `-- lab:no-transaction`. */
  transactional: boolean;
}

/** A row of the history table. */
export interface AppliedMigration {
  id: string;
  checksum: string;
  appliedAt: string;
}

export const NO_TRANSACTION_MARK = "-- lab:no-transaction";
const FILE_NAME = /^(\d+)_[A-Za-z0-9_.-]+\.sql$/;

/** CRLF and a BOM are editor noise, not a change: they must not alter the checksum. */
export function normalizeSql(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
}

export function checksumOf(sql: string): string {
  return createHash("sha256").update(normalizeSql(sql), "utf8").digest("hex");
}

/** Builds a migration from a file name and its text (what loadMigrations does per file). */
export function migrationFrom(file: string, text: string): Migration {
  const sql = normalizeSql(text);
  const firstLine = sql.split("\n", 1)[0].trim();
  return { id: path.basename(file).replace(/\.sql$/, ""), file, sql, checksum: checksumOf(sql), transactional: firstLine !== NO_TRANSACTION_MARK };
}

/** Sorts by id and rejects two files sharing a number (their order would be a guess). */
export function orderMigrations(migrations: Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byNumber = new Map<string, string>();
  for (const m of sorted) {
    const number = m.id.split("_", 1)[0];
    const other = byNumber.get(number);
    if (other !== undefined) throw badInput("migrations", [other, m.file], `two files share the number ${number}: rename one`);
    byNumber.set(number, m.file);
  }
  return sorted;
}

/** Every `NNN_name.sql` in `dir`, in name order. Other files (README.md) are ignored; a misnamed .sql is an error. */
export function loadMigrations(dir: string): Migration[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw badInput("migrationsDir", dir, "is not a directory");
  const migrations: Migration[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(".sql")) continue;
    if (!FILE_NAME.test(name)) throw badInput("migrationsDir", path.join(dir, name), "SQL files must be named like 001_name.sql");
    const file = path.join(dir, name);
    migrations.push(migrationFrom(file, fs.readFileSync(file, "utf8")));
  }
  return orderMigrations(migrations);
}

export type ChecksumPolicy = "error" | "reapply";

export interface MigrationPlan {
  /** Files to run now, in order: new ones and (with the reapply policy) changed ones. */
  toApply: Migration[];
  /** Already applied with the same checksum. */
  skipped: string[];
  /** Applied before with another checksum. */
  changed: Migration[];
  /** New files whose id sorts before an applied one (someone added a file in the middle). */
  outOfOrder: string[];
  /** Recorded as applied but no longer among the files; left alone. */
  unknown: string[];
}

export function planMigrations(migrations: Migration[], history: AppliedMigration[], policy: ChecksumPolicy = "error"): MigrationPlan {
  const applied = new Map(history.map((h) => [h.id, h]));
  const lastApplied = history.map((h) => h.id).sort().pop();
  const plan: MigrationPlan = { toApply: [], skipped: [], changed: [], outOfOrder: [], unknown: [] };
  for (const m of orderMigrations(migrations)) {
    const before = applied.get(m.id);
    if (!before) {
      plan.toApply.push(m);
      if (lastApplied !== undefined && m.id < lastApplied) plan.outOfOrder.push(m.id);
    } else if (before.checksum === m.checksum) {
      plan.skipped.push(m.id);
    } else {
      plan.changed.push(m);
      if (policy === "reapply") plan.toApply.push(m);
    }
  }
  const ids = new Set(migrations.map((m) => m.id));
  plan.unknown = history.map((h) => h.id).filter((id) => !ids.has(id));
  plan.toApply = orderMigrations(plan.toApply);
  return plan;
}

/** The error for changed files under the "error" policy: names each file and how to proceed. */
export function checksumChangeError(changed: Migration[], history: AppliedMigration[]): Error | undefined {
  if (changed.length === 0) return undefined;
  const was = new Map(history.map((h) => [h.id, h]));
  const lines = changed.map((m) => `  ${m.file}: applied ${was.get(m.id)?.appliedAt ?? "?"} with sha256 ${was.get(m.id)?.checksum.slice(0, 12)}…, now ${m.checksum.slice(0, 12)}…`);
  return new Error(`already-applied SQL files changed:\n${lines.join("\n")}\n` +
    "add a new file for the change, or set onChecksumChange = \"reapply\" to run the changed files again");
}

/** A statement of a file and where it starts, so a server error position maps back to the file. */
export interface Statement {
  sql: string;
  offset: number;
}

/**
 * Splits SQL text at top-level semicolons, skipping those inside quotes, identifiers, dollar-quoted bodies and
 * comments. Statements holding only comments are dropped. (SQL-standard `BEGIN ATOMIC` bodies are not supported:
 * Greenplum 6 has none; write functions with $$ bodies.)
 */
export function splitStatements(text: string): Statement[] {
  const out: Statement[] = [];
  let start = 0;
  let hasCode = false;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    if (hasCode) out.push({ sql: raw.trim(), offset: start + lead });
    hasCode = false;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "-" && next === "-") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === "/" && next === "*") {
      i = skipBlockComment(text, i);
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]) && !(i > 1 && /[A-Za-z0-9_$]/.test(text[i - 2]));
      i = skipQuoted(text, i, "'", escapes);
      hasCode = true;
    } else if (c === '"') {
      i = skipQuoted(text, i, '"', false);
      hasCode = true;
    } else if (c === "$" && !(i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? text.length : close + tag[0].length;
      } else {
        i++;
      }
      hasCode = true;
    } else if (c === ";") {
      push(i);
      start = i + 1;
      i++;
    } else {
      if (!/\s/.test(c)) hasCode = true;
      i++;
    }
  }
  push(text.length);
  return out;
}

function skipBlockComment(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text[i] === "/" && text[i + 1] === "*") { depth++; i += 2; }
    else if (text[i] === "*" && text[i + 1] === "/") { depth--; i += 2; if (depth === 0) return i; }
    else i++;
  }
  return text.length;
}

function skipQuoted(text: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < text.length) {
    if (backslashEscapes && text[i] === "\\") { i += 2; continue; }
    if (text[i] === quote) {
      if (text[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** 1-based line and column of a 0-based offset into `text`. */
export function locate(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: Array.from(lines[lines.length - 1]).length + 1 };
}

/**
 * Where a server error points in the file: PostgreSQL's `position` counts characters (1-based) in the statement
 * it was sent; without one, the statement's own start is the best we know.
 */
export function errorLocation(file: string, fileText: string, statement: Statement, serverPosition?: string | number): string {
  const pos = Number(serverPosition);
  let offset = statement.offset;
  if (Number.isInteger(pos) && pos > 0) {
    // Count characters, not UTF-16 units, as the server does.
    offset += Array.from(statement.sql).slice(0, pos - 1).join("").length;
  }
  const { line, column } = locate(fileText, offset);
  return `${file}:${line}:${column}`;
}

/** Settings of one migration run, validated; errors name the key and the value. */
export interface MigrationSettings {
  schema: string;
  table: string;
  onChecksumChange: ChecksumPolicy;
  lockTimeoutMs: number;
  readyTimeoutMs: number;
  dropOnDelete: boolean;
}

export const DEFAULT_TABLE = "public.lab_migrations";
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseTableName(value: unknown, key = "table"): { schema: string; table: string } {
  const text = value === undefined || value === null ? DEFAULT_TABLE : requireText(key, value);
  const parts = text.split(".");
  if (parts.length !== 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw badInput(key, value, "must be schema.table in lower-case letters, digits and _ (e.g. public.lab_migrations)");
  }
  return { schema: parts[0], table: parts[1] };
}

export function normalizeSettings(raw: Record<string, unknown>): MigrationSettings {
  if (raw.dropOnDelete !== undefined && raw.dropOnDelete !== null && typeof raw.dropOnDelete !== "boolean") {
    throw badInput("dropOnDelete", raw.dropOnDelete, "must be true or false");
  }
  return {
    ...parseTableName(raw.table),
    onChecksumChange: oneOf("onChecksumChange", raw.onChecksumChange, ["error", "reapply"] as const, "error"),
    lockTimeoutMs: positiveInt("lockTimeoutMs", raw.lockTimeoutMs, 60_000),
    readyTimeoutMs: positiveInt("readyTimeoutMs", raw.readyTimeoutMs, 120_000),
    dropOnDelete: raw.dropOnDelete === true,
  };
}

/** Where migrations go (the password is separate: it travels as a secret). */
export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

export function normalizeTarget(raw: Record<string, unknown>): SqlTarget {
  return {
    host: requireText("host", raw.host),
    port: requirePort("port", raw.port),
    user: requireText("user", raw.user),
    database: requireText("database", raw.database),
  };
}

/** Checks migrations that came through the engine (plain objects): ids, checksums and order. */
export function validateMigrations(raw: unknown): Migration[] {
  if (!Array.isArray(raw)) throw badInput("migrations", raw, "must be a list of migrations (see loadMigrations)");
  const list = raw.map((m: Partial<Migration>, i) => {
    const key = `migrations[${i}]`;
    if (!m || typeof m !== "object") throw badInput(key, m, "must be a migration object");
    requireText(`${key}.id`, m.id);
    if (typeof m.sql !== "string") throw badInput(`${key}.sql`, m.sql, "must be the file's SQL text");
    if (m.checksum !== checksumOf(m.sql)) throw badInput(`${key}.checksum`, m.checksum, `does not match the SQL of ${m.file ?? m.id}`);
    return { id: m.id!, file: m.file ?? `${m.id}.sql`, sql: m.sql, checksum: m.checksum, transactional: m.transactional !== false };
  });
  return orderMigrations(list);
}

/** A stable 64-bit advisory lock key for a history table, as a decimal string for `$1::bigint`. */
export function lockKeyFor(schema: string, table: string): string {
  return createHash("sha256").update(`lab:sqlMigrations:${schema}.${table}`).digest().readBigInt64BE(0).toString();
}

/** The first word of a statement after leading comments, lower-cased (e.g. "create", "begin"). */
export function firstKeyword(sql: string): string {
  const code = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, "");
  return (/^[A-Za-z]+/.exec(code)?.[0] ?? "").toLowerCase();
}
