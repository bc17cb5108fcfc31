// Moved to components/debeziumConnectors.ts; this re-export stays only until bench/ and tests/engine import the new path.
export * from "../components/debeziumConnectors";
