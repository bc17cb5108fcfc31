// Time of a no-op `pulumi up` of the engine test program (tests/engine/program) against a local PostgreSQL and
// Kafka Connect worker.
//   npx ts-node --transpile-only bench/noop-up.ts [runs=5]
import * as crypto from "crypto";
import { startKafka } from "../testbed/kafka";
import { PG_BIN, startPostgres } from "../testbed/postgres";
import { stopAll } from "../testbed/proc";
import { changesOnly, EngineStack, loadEngine } from "../tests/engine/harness";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`runs = ${process.argv[2]}: must be an integer 1..50`);
  const engine = loadEngine();
  const [pg, kafka] = await Promise.all([startPostgres({ name: "bench-pg" }), startKafka({ name: "bench-kafka", workers: 1 })]);
  const stack = new EngineStack(engine, crypto.randomBytes(8).toString("hex"));
  try {
    await stack.init({ "engine:pgPort": pg.port, "engine:pgBin": PG_BIN, "engine:database": "bench_lab",
      "engine:connectUrl": kafka.connectUrl(0) },
      { "engine:pgPassword": "bench" });
    const first = await stack.up();
    console.log(`pulumi ${engine.cliVersion}: first up (4 creates) ${first.ms} ms`);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await stack.up();
      const changes = changesOnly(await stack.lastChanges());
      if (Object.keys(changes).length > 0) throw new Error(`run ${i + 1} was not a no-op: ${JSON.stringify(changes)}`);
      times.push(r.ms);
    }
    console.log(`no-op up x${runs}: ${times.join(", ")} ms; median ${median(times)} ms`);
    await stack.destroy();
  } finally {
    await stack.remove();
    await kafka.stop();
    await pg.stop();
    await stopAll();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
