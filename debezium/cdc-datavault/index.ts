// Moved to homeworks/cdc-datavault/connectors.ts; this re-export stays only until bench/ and tests/e2e import the new path.
export * from "../../homeworks/cdc-datavault/connectors";
