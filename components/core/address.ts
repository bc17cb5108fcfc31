// Addresses the lab hands around: where a service listens inside the lab network (`inLab`), or where it is published
// on the Pulumi host; and the one builder of postgresql:// URLs for either.
import * as pulumi from "@pulumi/pulumi";

/** A host and a port: a service name and its in-container port inside the lab network, or bindAddress:hostPort. */
export interface Address {
  host: string;
  port: number;
}

/** "host:port". */
export function hostPort(a: Address): string {
  return `${a.host}:${a.port}`;
}

/** "http://host:port" and a path: a service's web address on the Pulumi host or inside the lab network. */
export function httpUrl(a: Address, path = ""): string {
  return `http://${hostPort(a)}${path}`;
}

/**
 * postgresql://user:password@host:port/database, secret because it carries the password. User and password are
 * percent-encoded, so a secret holding `@`, `/`, `:` or `%` reads back unchanged (pg-connection-string decodes them).
 */
export function postgresUrl(a: {
  user: string; password: pulumi.Input<string>; at: Address; database: string;
  /** URL scheme: `postgresql` (libpq, pg, JDBC-free clients) or SQLAlchemy's `postgresql+psycopg2` (Airflow's metadata database). */
  scheme?: "postgresql" | "postgresql+psycopg2";
}): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(a.password).apply((password) =>
    `${a.scheme ?? "postgresql"}://${encodeURIComponent(a.user)}:${encodeURIComponent(password)}@${hostPort(a.at)}/${encodeURIComponent(a.database)}`));
}
