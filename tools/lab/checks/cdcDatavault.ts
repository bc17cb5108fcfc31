// cdc-datavault's checks (seed 002): the replica equals the primary, the vault equals the source, a new booking
// reaches its hub through Debezium and the dv-loader, and simple_dag's last run succeeded.
import { Client, ClientConfig } from "pg";
import { hashKey } from "../../../apps/dv-loader/src/mapping";
import { vaultCounts } from "../../../apps/dv-loader/src/vault";
import { waitUntil } from "../../../providers/retry";
import { sql } from "../experiments";
import { dagRunsSucceeded } from "./airflow";
import { Check, CheckedLab, containersHealthy, fail, HomeworkChecks, pass, secs } from "./framework";

/** Rows and an md5 over every row's text, per user table: equal on both sides means the same data. */
export async function tableChecksums(conn: ClientConfig): Promise<Record<string, string>> {
  const tables = await sql<{ t: string }>(conn, `select format('%I.%I', schemaname, tablename) as t from pg_tables
    where schemaname not in ('pg_catalog', 'information_schema') order by 1`);
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [r] = await sql(conn, `select count(*)::int as n, coalesce(md5(string_agg(x::text, ',' order by x::text)), '') as h from ${t} x`);
    out[t] = `${r.n} rows ${r.h}`;
  }
  return out;
}

export async function vaultRowCounts(dwh: ClientConfig): Promise<Record<string, number>> {
  const c = new Client(dwh);
  await c.connect();
  try { return await vaultCounts(c); } finally { await c.end(); }
}

/** What the source says the vault must hold once the snapshot is loaded (tests/real/dataVault.test.ts). */
export async function expectedVault(primary: ClientConfig): Promise<Record<string, number>> {
  const n = async (table: string) => Number((await sql(primary, `select count(*) as n from bookings.${table}`))[0].n);
  const [bookings, tickets, airports, aircrafts, flights, ticketFlights] = await Promise.all(
    ["bookings", "tickets", "airports", "aircrafts", "flights", "ticket_flights"].map(n));
  return {
    hub_booking: bookings, hub_ticket: tickets, hub_airport: airports, hub_aircraft: aircrafts, hub_flight: flights,
    link_ticket_booking: tickets, link_ticket_flight: ticketFlights, link_flight_airport: 2 * flights, link_flight_aircraft: flights,
    sat_booking: bookings, sat_ticket: tickets, sat_airport: airports, sat_aircraft: aircrafts, sat_flight: flights,
  };
}

/** The four databases of the lab, on their published ports, with the lab's superuser password. */
export async function dvDatabases(lab: CheckedLab) {
  const password = await lab.envOf("postgres-primary", "POSTGRES_PASSWORD");
  const at = (service: string, database: string) => lab.pg(lab.address(service, 5432), password, database);
  return { primary: at("postgres-primary", "demo"), replica: at("postgres-replica", "demo"), dwh: at("postgres-dwh", "dwh") };
}

/** How long the replica may lag, and a new booking take to reach its hub, before the check fails. */
export const DV_BOUND_MS = 30_000;

type DvDatabases = Awaited<ReturnType<typeof dvDatabases>>;
type Tables<V> = Record<string, V>;

/**
 * A check that a per-table reading of one side (`got`) equals the other's (`want`), read again every second for up to
 * `boundMs` (DV_BOUND_MS); it fails naming each table that still differs.
 */
export function tablesAgree<V>(c: Pick<Check, "name" | "look"> & {
  /** The reference side; read once, or on every attempt where it moves (the vault's source grows as bookings arrive). */
  want(dbs: DvDatabases): Promise<Tables<V>>;
  wantMoves?: boolean;
  got(dbs: DvDatabases): Promise<Tables<V>>;
  /** Compare every table either side has (a table only `got` has differs too), not only those `want` names. */
  everyTable?: boolean;
  passed(want: Tables<V>, got: Tables<V>): string;
  /** One differing table, for the failure. */
  differs(table: string, want: V | undefined, got: V | undefined): string;
  boundMs?: number;
}): Check {
  const boundMs = c.boundMs ?? DV_BOUND_MS;
  return {
    name: c.name, look: c.look, timeoutMs: boundMs + 30_000,
    async run(lab) {
      const dbs = await dvDatabases(lab);
      const read = async (before?: Tables<V>) => {
        const [want, got] = await Promise.all([before && !c.wantMoves ? before : c.want(dbs), c.got(dbs)]);
        return { want, got, off: Object.keys(c.everyTable ? { ...want, ...got } : want).filter((t) => want[t] !== got[t]) };
      };
      let last = await read();
      await waitUntil(c.name, boundMs, async () => ((last = await read(last.want)).off.length ? undefined : true), 1000).catch(() => undefined);
      const { want, got, off } = last;
      if (!off.length) return pass(c.passed(want, got));
      return fail(`${off.length} of ${Object.keys(want).length} tables differ: ${off.map((t) => c.differs(t, want[t], got[t])).join(", ")}`);
    },
  };
}

const rowsOf = (checksum: string | undefined) => checksum?.split(" ")[0] ?? "-";

const replicaEqualsPrimary = tablesAgree<string>({
  name: "replica = primary, table by table",
  look: "docker logs <prefix>-postgres-replica; select * from pg_stat_replication on the primary",
  want: ({ primary }) => tableChecksums(primary),
  got: ({ replica }) => tableChecksums(replica),
  everyTable: true,
  passed: (want) => `${Object.keys(want).length} tables equal, ${Object.values(want).reduce((a, v) => a + Number(rowsOf(v)), 0)} rows`,
  differs: (t, want, got) => `${t} ${rowsOf(want)} vs ${rowsOf(got)}`,
});

const vaultEqualsSource = tablesAgree<number>({
  name: "vault hubs, links, satellites = source",
  look: "docker logs <prefix>-dv-loader; npm run lab -- connectors",
  want: ({ primary }) => expectedVault(primary),
  wantMoves: true,
  got: ({ dwh }) => vaultRowCounts(dwh),
  passed: (want, got) => Object.keys(want).filter((t) => t.startsWith("hub_")).map((t) => `${t} ${got[t] ?? "-"}/${want[t]}`).join(", "),
  differs: (t, want, got) => `${t} ${got ?? "-"} vs source ${want}`,
});

const newBookingInHub: Check = {
  name: `a new booking reaches hub_booking within ${DV_BOUND_MS / 1000} s`,
  look: "npm run lab -- connectors (the bookings source); docker logs <prefix>-dv-loader",
  timeoutMs: DV_BOUND_MS + 20_000,
  async run(lab) {
    const { primary, dwh } = await dvDatabases(lab);
    // A book_ref of its own: 'Z' and five random hex digits (the data set's refs are 6 hex digits, no 'Z').
    const ref = `Z${Math.floor(Math.random() * 0xfffff).toString(16).toUpperCase().padStart(5, "0")}`;
    const t = Date.now();
    await sql(primary, "insert into bookings.bookings (book_ref, book_date, total_amount) values ($1, now(), 1) on conflict do nothing", [ref]);
    const hk = hashKey(ref);
    const at = await waitUntil(`booking ${ref} in dv.hub_booking`, DV_BOUND_MS,
      async () => ((await sql(dwh, "select 1 from dv.hub_booking where booking_hk = $1", [hk]).catch(() => [])).length ? Date.now() : undefined), 200)
      .catch(() => undefined);
    return at ? pass(`booking ${ref} in ${secs(at.value - t)}`) : fail(`booking ${ref} not in dv.hub_booking after ${DV_BOUND_MS / 1000} s`);
  },
};

export const cdcDatavaultChecks: HomeworkChecks = {
  homework: "cdc-datavault",
  marks: ["postgres-primary", "postgres-replica", "dv-loader"],
  checks: [containersHealthy, replicaEqualsPrimary, vaultEqualsSource, newBookingInHub, dagRunsSucceeded(["simple_dag"])],
};
