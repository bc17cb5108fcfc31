// How the traffic generator runs as a container: what the component passes to docker (paths relative to the repo).

/** docker build context and Dockerfile, relative to the repository root. */
export const TRAFFIC_GENERATOR_BUILD = Object.freeze({
  context: "apps/traffic-generator",
  dockerfile: "images/traffic-generator/Dockerfile",
});

/** Where the image keeps its status file (TRAFFIC_STATUS_FILE is set to it in the image). */
export const TRAFFIC_STATUS_FILE = "/tmp/traffic-status.json";

/** Healthcheck: fails when no write was acked in the last maxAgeS seconds. */
export function trafficHealthCheck(maxAgeS = 15): string[] {
  return ["CMD", "node", "dist/main.js", "health", "--status-file", TRAFFIC_STATUS_FILE, "--max-age-s", String(maxAgeS)];
}
