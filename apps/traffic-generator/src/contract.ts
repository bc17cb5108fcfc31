// The traffic generator's contract with the Pulumi program (components/trafficGenerator.ts): its settings'
// variable names, how its image is built and checked. Plain data, so the program imports it without the app.

/** The environment variable of each setting (flags win over them). */
export const TRAFFIC_ENV = Object.freeze({
  readWriteUrl: "TRAFFIC_RW_URL",
  readOnlyUrl: "TRAFFIC_RO_URL",
  rate: "TRAFFIC_RATE",
  durationS: "TRAFFIC_DURATION_S",
  runId: "TRAFFIC_RUN_ID",
  timeoutMs: "TRAFFIC_TIMEOUT_MS",
  statusFile: "TRAFFIC_STATUS_FILE",
  owner: "TRAFFIC_OWNER",
});

/** docker build context and Dockerfile, relative to the repository root (the root holds the workspaces' lockfile). */
export const TRAFFIC_GENERATOR_BUILD = Object.freeze({
  context: ".",
  dockerfile: "apps/traffic-generator/Dockerfile",
});

/** Where the image keeps its status file (TRAFFIC_STATUS_FILE is set to it in the image). */
export const TRAFFIC_STATUS_FILE = "/tmp/traffic-status.json";

/** Healthcheck: fails when no write was acked in the last maxAgeS seconds. */
export function trafficHealthCheck(maxAgeS = 15): string[] {
  return ["CMD", "node", "dist/main.js", "health", "--status-file", TRAFFIC_STATUS_FILE, "--max-age-s", String(maxAgeS)];
}
