/** The seeds' experiments, each a lab command (`npm run lab -- experiment <name>`) and an exported function. */
export const EXPERIMENT_NAMES = [
  "kill-leader", "kill-replica", "kill-etcd", "restart-haproxy", "switchover", "kill-connect-worker", "cdc-failover",
] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];
