import * as pulumi from "@pulumi/pulumi";
import { HealthGate } from "../providers/healthGate";
import { SqlConnection, SqlMigrations } from "../providers/sqlMigrations";

export interface DatabaseSqlArgs {
  connection: { [K in keyof SqlConnection]: pulumi.Input<SqlConnection[K]> };
  /** Directory of NNN_name.sql files. */
  migrations: string;
  /** How long to wait for the database to answer a query (default 180 s). */
  readyTimeoutMs?: number;
  /** Start waiting only once these exist (the database's container, its proxy). */
  after?: pulumi.Input<pulumi.Resource>[];
}

/** SQL applied once its database answers a query: a HealthGate, then SqlMigrations after it. */
export class DatabaseSql extends pulumi.ComponentResource {
  public readonly ready: HealthGate;
  public readonly migrations: SqlMigrations;

  constructor(name: string, args: DatabaseSqlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:sql:DatabaseSql", name, {}, opts);
    this.ready = new HealthGate(`${name}-ready`, {
      target: { kind: "sql", ...args.connection }, timeoutMs: args.readyTimeoutMs ?? 180_000,
    }, { parent: this, dependsOn: args.after });
    this.migrations = new SqlMigrations(`${name}-sql`, { connection: args.connection, migrations: args.migrations }, { parent: this, dependsOn: [this.ready] });
    this.registerOutputs({});
  }
}
