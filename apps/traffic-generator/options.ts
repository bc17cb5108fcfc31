// Forwarding only, until components/trafficGenerator.ts imports ./src/contract itself; then delete this file.
export { TRAFFIC_ENV } from "./src/contract";
