// Forwarding only, until components/trafficGenerator.ts imports ./src/contract itself; then delete this file.
export { TRAFFIC_GENERATOR_BUILD, TRAFFIC_STATUS_FILE, trafficHealthCheck } from "./src/contract";
