// CLI / container entrypoint: `DESTINATION_URL=... cdc-reader` prints what destination_db holds every
// READER_INTERVAL_MS (default 2000) until SIGTERM.
import { summarizeDestination } from "./reader";

async function main(): Promise<number> {
  const url = process.env.DESTINATION_URL ?? "";
  if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
    console.error(`DESTINATION_URL = ${JSON.stringify(url.replace(/:[^:@/]*@/, ":***@"))}: must be a postgresql:// URL of destination_db`);
    return 2;
  }
  const raw = process.env.READER_INTERVAL_MS ?? "2000";
  if (!/^\d+$/.test(raw) || Number(raw) < 100) { console.error(`READER_INTERVAL_MS = ${JSON.stringify(raw)}: must be an integer >= 100`); return 2; }
  let stopping = false;
  process.once("SIGINT", () => { stopping = true; });
  process.once("SIGTERM", () => { stopping = true; });
  while (!stopping) {
    try {
      console.log(JSON.stringify({ at: new Date().toISOString(), ...(await summarizeDestination(url)) }));
    } catch (e) {
      console.error(`destination_db: ${(e as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, Number(raw)));
  }
  return 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
