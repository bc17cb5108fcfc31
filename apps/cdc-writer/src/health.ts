// Container healthcheck: exit 0 only when source_db (through HAProxy) holds a change written in the last
// WRITER_HEALTH_MAX_AGE_S seconds (default 15), i.e. the writer is really writing.
import { Client } from "pg";

async function main(): Promise<number> {
  const maxAge = Number(process.env.WRITER_HEALTH_MAX_AGE_S ?? "15");
  const c = new Client({ connectionString: process.env.SOURCE_URL, connectionTimeoutMillis: 3000, statement_timeout: 3000 });
  try {
    await c.connect();
    const [r] = (await c.query("SELECT coalesce(extract(epoch FROM clock_timestamp() - max(written_at)), 1e9) AS age FROM public.debezium_table")).rows;
    const age = Number(r.age);
    console.log(`newest change ${age.toFixed(1)} s old`);
    return age <= maxAge ? 0 : 1;
  } catch (e) {
    console.error(`source_db: ${(e as Error).message}`);
    return 1;
  } finally {
    await c.end().catch(() => undefined);
  }
}

main().then((code) => process.exit(code));
