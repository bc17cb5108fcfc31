// Moved to homeworks/patroni-cdc/connectors.ts; this re-export stays only until bench/ and tests/e2e import the new path.
export * from "../../homeworks/patroni-cdc/connectors";
