// The dv-loader container's entry point: settings from the environment, the consume loop, and /health.
import * as http from "http";
import { HEALTH_PORT } from "./contract";
import { isHealthy } from "./health";
import { DvLoader, LoaderOptions } from "./loader";

export { HEALTH_PORT, isHealthy };

/** Settings from the environment; a missing or bad variable is named in the error. */
export function loaderOptionsFromEnv(env: NodeJS.ProcessEnv): LoaderOptions & { healthPort: number } {
  const need = (k: string): string => {
    const v = env[k];
    if (v === undefined || v.trim() === "") throw new Error(`${k} is not set (dv-loader needs it)`);
    return v.trim();
  };
  const int = (k: string, dflt: number): number => {
    const v = env[k];
    if (v === undefined || v === "") return dflt;
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${k} = ${JSON.stringify(v)}: must be a positive integer`);
    return Number(v);
  };
  const mode = env.DV_START_FROM ?? "committed";
  if (mode !== "committed" && mode !== "earliest") throw new Error(`DV_START_FROM = ${JSON.stringify(mode)}: must be committed or earliest`);
  const dwhUrl = need("DWH_URL");
  if (!/^postgres(ql)?:\/\//.test(dwhUrl)) throw new Error(`DWH_URL = ${JSON.stringify(dwhUrl.replace(/:[^:@/]*@/, ":***@"))}: must be a postgresql:// URL`);
  return {
    bootstrap: need("KAFKA_BOOTSTRAP").split(",").map((s) => s.trim()).filter(Boolean),
    topicPrefix: need("DV_TOPIC_PREFIX"),
    sourceSchema: env.DV_SOURCE_SCHEMA?.trim() || "bookings",
    groupId: env.DV_GROUP_ID?.trim() || "dv-loader",
    dwh: { connectionString: dwhUrl },
    mode,
    batchSize: int("DV_BATCH_SIZE", 500),
    healthPort: int("DV_HEALTH_PORT", HEALTH_PORT),
  };
}

/** GET /health: 200 with the status when healthy, 503 otherwise (the healthcheck's curl-less probe reads the code). */
export function healthServer(loader: DvLoader, port: number): http.Server {
  return http.createServer(async (req, res) => {
    if (req.url !== "/health") { res.writeHead(404).end(); return; }
    await loader.pingDwh();
    const s = loader.status();
    res.writeHead(isHealthy(s, Date.now()) ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(s));
  }).listen(port, "0.0.0.0");
}

async function main(): Promise<void> {
  const opts = loaderOptionsFromEnv(process.env);
  const loader = new DvLoader({ ...opts, log: (l) => console.log(new Date().toISOString(), l) });
  const server = healthServer(loader, opts.healthPort);
  // Topics appear once Debezium has snapshotted: retry the subscription, bounded, until they exist.
  for (let attempt = 1; ; attempt++) {
    try { await loader.start(); break; } catch (e) {
      if (attempt >= 60) throw e;
      console.error(`start attempt ${attempt} failed: ${(e as Error).message}`);
      await loader.stop();
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
  console.log(`dv-loader consuming ${loader.topics.join(", ")}`);
  const shutdown = async () => { server.close(); await loader.stop(); process.exit(0); };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
