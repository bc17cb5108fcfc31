// A patroni-ha / patroni-cdc lab in containers for the failover benches: the real program (index.ts) brought up
// through the e2e harness (tests/e2e/harness.ts, build mode, its own prefix and ports), torn down by its run label.
//   npx ts-node --transpile-only bench/benchLab.ts up|down [patroni-ha|patroni-cdc]
import { runLab, teardown } from "../tests/e2e/harness";

export type BenchStack = "patroni-ha" | "patroni-cdc";
export const BENCH_PASSWORD = "bench-postgres-pw";

/** Prefix, run label and host ports of a bench lab: none shared with `pulumi up` of the same homework or the e2e suites. */
export function benchLab(stack: BenchStack) {
  const short = stack === "patroni-ha" ? "ha" : "cdc";
  const base = stack === "patroni-ha" ? 15000 : 16000;
  const ports = {
    haproxyReadWrite: base + 1, haproxyReadOnly: base + 2, haproxyStats: base + 3, prometheus: base + 4, grafana: base + 5,
    ...(stack === "patroni-cdc" ? { kafka: base + 10, connect: base + 11, connectWorker2: base + 12, schemaRegistry: base + 21, destination: base + 22, pgAdmin: base + 23 } : {}),
  };
  return {
    stack, prefix: `lab-bench-${short}`, runId: `bench-${short}`, ports,
    readWrite: `127.0.0.1:${ports.haproxyReadWrite}`,
  };
}

export async function benchUp(stack: BenchStack, log: (l: string) => void = console.log): Promise<ReturnType<typeof benchLab>> {
  const b = benchLab(stack);
  const t0 = Date.now();
  await runLab({
    stack, runId: b.runId, log,
    config: {
      prefix: b.prefix, imageSource: "build", debianBase: "debootstrap", buildNetwork: "host", ports: b.ports,
      // The bench brings its own writer; the lab's generator would only add load on two cores.
      traffic: { enabled: false, ratePerSecond: 10 }, grafana: { enabled: false },
      // Registry-only images (images/debian/schemaRegistry/README.md): nothing can be pulled here.
      schemaRegistry: { enabled: false },
    },
    secrets: {
      postgresPassword: BENCH_PASSWORD, replicationPassword: "bench-replication-pw", grafanaAdminPassword: "bench-grafana-pw",
    },
  });
  log(`${b.prefix} up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return b;
}

/** Removes every container, network and volume labelled with the bench run (works from a fresh process too). */
export async function benchDown(stack: BenchStack, log: (l: string) => void = console.log): Promise<void> {
  await teardown(benchLab(stack).runId, { log });
}

if (require.main === module) {
  const [what, stack = "patroni-ha"] = process.argv.slice(2);
  if (!["up", "down"].includes(what) || !["patroni-ha", "patroni-cdc"].includes(stack)) {
    console.error("usage: benchLab.ts up|down [patroni-ha|patroni-cdc]");
    process.exit(64);
  }
  (what === "up" ? benchUp(stack as BenchStack) : benchDown(stack as BenchStack))
    .then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
