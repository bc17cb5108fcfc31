// A plain PostgreSQL container: a primary (optionally ready for a streaming replica and Debezium), a streaming
// replica of such a primary (cloned by pg_basebackup on first start), or a standalone database (DWH, presentation).
import { badInput } from "../../providers/dynamic";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Address, hostPort, postgresUrl } from "../core/address";
import { LabPlacement, LabServiceArgs, labService } from "../core/labService";
import {
  PRIMARY_SETTINGS, REPLICA_START_SCRIPT, renderPrimaryInitScript, replicaEnv,
} from "./postgresReplicaConfig";

export const PG_PORT = 5432;
const DATA_DIR = "/var/lib/postgresql/data";
const REPLICA_SCRIPT_PATH = "/opt/lab/start-replica.sh";
const PASSFILE = "/var/lib/postgresql/.pgpass";

export type PostgresRole =
  | { kind: "standalone" }
  /** Accepts a streaming replica through `slot` and logical decoding (wal_level=logical) for Debezium. */
  | { kind: "primary"; replicationUser: string; replicationPassword: pulumi.Input<string>; slot: string }
  | { kind: "replica"; primary: PostgresServer };

export interface PostgresServerArgs extends LabPlacement {
  /** Container name suffix and host name in the lab network. */
  service: string;
  image: pulumi.Input<string>;
  /** Host port (loopback) the server is published on. */
  port: number;
  /** The database the image creates on first start (not for a replica: it copies the primary's). */
  database: string;
  superuserPassword: pulumi.Input<string>;
  role: PostgresRole;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

/** Exit 0 only when the server accepts TCP connections (the image's init phase listens on the socket only). */
export function postgresHealthCheck(): string[] {
  return ["CMD", "pg_isready", "-q", "-h", "127.0.0.1", "-p", String(PG_PORT), "-U", "postgres"];
}

/** Exit 0 only while the server is a standby whose WAL receiver is streaming from the primary. */
export function replicaHealthCheck(): string[] {
  return ["CMD-SHELL",
    `test "$(psql -h 127.0.0.1 -p ${PG_PORT} -U postgres -d postgres -tAc "select pg_is_in_recovery() and exists (select 1 from pg_stat_wal_receiver where status = 'streaming')")" = t`];
}

/** `-c name=value` pairs, sorted so the command (and the container) does not change with key order. */
export function settingsArgs(settings: Record<string, string>): string[] {
  return Object.keys(settings).sort().flatMap((k) => ["-c", `${k}=${settings[k]}`]);
}

export class PostgresServer extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** Where containers reach it: its service name and PostgreSQL's own port, whatever the host port. */
  public readonly inLab: Address;
  /** Where it is published on the Pulumi host (lab:bindAddress and its lab:ports key). */
  public readonly published: Address;
  /** host:port on the Pulumi host, for outputs. */
  public readonly endpoint: string;
  public readonly database: string;
  public readonly superuserPassword: pulumi.Input<string>;
  public readonly role: PostgresRole;

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:postgres:PostgresServer", name, {}, opts);
    this.superuserPassword = args.superuserPassword;
    this.role = args.role;
    const role = args.role;
    this.database = role.kind === "replica" ? role.primary.database : args.database;
    // What the role decides: how the server starts, its settings, its check.
    let run: Omit<LabServiceArgs, "service" | "image">;
    if (role.kind === "replica") {
      const primary = role.primary.role;
      if (primary.kind !== "primary") throw badInput(`postgres ${name}: role.primary`, role.primary.inLab.host, `is not a primary (it is ${primary.kind})`);
      const env = replicaEnv({
        primaryHost: role.primary.inLab.host, primaryPort: role.primary.inLab.port, replicationUser: primary.replicationUser,
        slot: primary.slot, applicationName: args.service.replace(/-/g, "_"), passFile: PASSFILE,
      });
      run = {
        user: "postgres",
        entrypoint: ["/bin/sh", REPLICA_SCRIPT_PATH],
        command: settingsArgs({ ...PRIMARY_SETTINGS, ...args.settings }),
        env: { ...env, PGDATA: DATA_DIR, REPLICATION_PASSWORD: primary.replicationPassword },
        files: [{ path: REPLICA_SCRIPT_PATH, content: REPLICA_START_SCRIPT, executable: true }],
        healthcheck: { test: replicaHealthCheck(), startPeriodSeconds: 120 },
        dependsOn: [role.primary.container],
      };
    } else {
      const env: Record<string, pulumi.Input<string>> = { POSTGRES_PASSWORD: args.superuserPassword, POSTGRES_DB: args.database };
      const files = [];
      if (role.kind === "primary") {
        env.REPLICATION_PASSWORD = role.replicationPassword;
        files.push({ path: "/docker-entrypoint-initdb.d/10-replication.sh", content: renderPrimaryInitScript(role.replicationUser, role.slot) });
      }
      run = {
        env, files,
        command: ["postgres", ...settingsArgs({ ...(role.kind === "primary" ? PRIMARY_SETTINGS : {}), ...args.settings })],
        healthcheck: { test: postgresHealthCheck(), startPeriodSeconds: 60 },
      };
    }
    const server = labService(this, args, {
      ...run, service: args.service, image: args.image, serves: { port: PG_PORT, hostPort: args.port }, data: { path: DATA_DIR },
    });
    this.container = server.container;
    this.inLab = server.inLab;
    this.published = server.published;
    this.endpoint = hostPort(this.published);
    this.registerOutputs({ endpoint: this.endpoint });
  }

  /** postgresql://postgres:…@host:port/db as a secret: on the Pulumi host, or (at = this.inLab) for containers. */
  url(database = this.database, at: Address = this.published): pulumi.Output<string> {
    return postgresUrl({ user: "postgres", password: this.superuserPassword, at, database });
  }

  /** Connection fields for SqlMigrations / HealthGate from the Pulumi host. */
  connection(database = this.database) {
    return { ...this.published, user: "postgres", database, password: this.superuserPassword };
  }
}
