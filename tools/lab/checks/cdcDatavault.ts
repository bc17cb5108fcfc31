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

/** Reads both sides until they agree or DV_BOUND_MS has passed; the last reading either way. */
async function agreeing<T>(what: string, read: () => Promise<{ want: T; got: T; same: boolean }>): Promise<{ want: T; got: T; same: boolean }> {
  let last = await read();
  await waitUntil(what, DV_BOUND_MS, async () => ((last = await read()).same ? true : undefined), 1000).catch(() => undefined);
  return last;
}

const replicaEqualsPrimary: Check = {
  name: "replica = primary, table by table",
  look: "docker logs <prefix>-postgres-replica; select * from pg_stat_replication on the primary",
  timeoutMs: DV_BOUND_MS + 30_000,
  async run(lab) {
    const { primary, replica } = await dvDatabases(lab);
    const want = await tableChecksums(primary);
    const r = await agreeing("replica checksums equal to the primary's", async () => {
      const got = await tableChecksums(replica);
      return { want, got, same: JSON.stringify(got) === JSON.stringify(want) };
    });
    const rows = Object.values(want).reduce((a, v) => a + Number(v.split(" ")[0]), 0);
    if (r.same) return pass(`${Object.keys(want).length} tables equal, ${rows} rows`);
    const off = Object.keys({ ...want, ...r.got }).filter((t) => want[t] !== r.got[t]);
    return fail(`${off.length} of ${Object.keys(want).length} tables differ: ${off.map((t) => `${t} ${want[t]?.split(" ")[0] ?? "-"} vs ${r.got[t]?.split(" ")[0] ?? "-"}`).join(", ")}`);
  },
};

const vaultEqualsSource: Check = {
  name: "vault hubs, links, satellites = source",
  look: "docker logs <prefix>-dv-loader; npm run lab -- connectors",
  timeoutMs: DV_BOUND_MS + 30_000,
  async run(lab) {
    const { primary, dwh } = await dvDatabases(lab);
    const { want, got, same } = await agreeing("vault counts equal to the source's", async () => {
      const [w, g] = await Promise.all([expectedVault(primary), vaultRowCounts(dwh)]);
      return { want: w, got: g, same: Object.entries(w).every(([t, n]) => g[t] === n) };
    });
    const hubs = Object.keys(want).filter((t) => t.startsWith("hub_")).map((t) => `${t} ${got[t] ?? "-"}/${want[t]}`).join(", ");
    if (same) return pass(hubs);
    return fail(Object.keys(want).filter((t) => got[t] !== want[t]).map((t) => `${t} ${got[t] ?? "-"} vs source ${want[t]}`).join(", "));
  },
};

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
