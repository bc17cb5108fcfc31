// Container healthcheck: exit 0 only when destination_db answers the reader's query.
import { summarizeDestination } from "./reader";

summarizeDestination(process.env.DESTINATION_URL ?? "").then(
  (s) => { console.log(JSON.stringify(s)); process.exit(0); },
  (e) => { console.error(`destination_db: ${(e as Error).message}`); process.exit(1); },
);
