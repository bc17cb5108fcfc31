// CLI / container entrypoint: `SOURCE_URL=... WRITER_RATE=10 OUTBOX=true cdc-writer` writes until SIGTERM, printing
// a line of counters every 5 s (the seed's start-writer.sh / stop-writer.sh start and stop it).
import { parseWriterOptions } from "./options";
import { startWriter } from "./writer";

async function main(): Promise<number> {
  let opts;
  try { opts = parseWriterOptions(process.env); } catch (e) { console.error((e as Error).message); return 2; }
  console.log(`cdc-writer: ${opts.ratePerSecond} rows/s, ${opts.rows === 0 ? "new rows" : `updating rows 1..${opts.rows}`}${opts.outbox ? ", with outbox events" : ""}`);
  const run = startWriter(opts);
  const timer = setInterval(() => console.log(JSON.stringify(run.stats())), 5000);
  await new Promise<void>((resolve) => { process.once("SIGINT", resolve); process.once("SIGTERM", resolve); });
  clearInterval(timer);
  console.log(JSON.stringify(await run.stop()));
  return 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
