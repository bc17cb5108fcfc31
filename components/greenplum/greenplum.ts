import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Address, hostPort, postgresUrl } from "../core/address";
import { REPO_ROOT } from "../../program/paths";
import { LabImages } from "../core/labImages";
import { LabPlacement, labService } from "../core/labService";

/** Inside the container: the image's own scripts (images/greenplum/), the data volume, the ports. */
export const GREENPLUM_HEALTHCHECK_SCRIPT = "/usr/local/lib/lab/healthcheck.sh";
export const GREENPLUM_DATA_PATH = "/data";
export const GREENPLUM_PORT = 5432;
export const PXF_BASE = `${GREENPLUM_DATA_PATH}/pxf`;
/**
 * The seed's setting (homework 000): a rebuilt image replaces the container, and on that start the seed overwrites
 * changed PXF files in the volume. "0" keeps hand edits in PXF_BASE. Not a lab:* key yet (coordinator's call).
 */
export const DEFAULT_PXF_SEED_OVERWRITE = "1";
/** The superuser the base image creates; the image's ensure and health scripts act as it. */
export const GREENPLUM_ADMIN = "gpadmin";

/** The pinned JDBC driver (pxf/jdbc-driver.env), passed to the build so the Dockerfile checks the same version. */
export function jdbcDriverVersion(envFile = path.join(REPO_ROOT, "pxf", "jdbc-driver.env")): string {
  const text = fs.readFileSync(envFile, "utf8");
  const version = /^POSTGRES_JDBC_VERSION=(\S+)$/m.exec(text)?.[1];
  if (!version) throw new Error(`${envFile}: no POSTGRES_JDBC_VERSION=... line`);
  return version;
}

/** LAB_TABLESPACE_DIRS for the wrapper: absolute paths under the data volume (else lost with the container). */
export function tablespaceDirsEnv(dirs: string[]): string {
  for (const dir of dirs) {
    if (!dir.startsWith(`${GREENPLUM_DATA_PATH}/`) || /\s|\.\./.test(dir)) {
      throw new Error(`tablespaceDirs: ${JSON.stringify(dir)} must be an absolute path under ${GREENPLUM_DATA_PATH}/ without spaces or '..'`);
    }
  }
  return dirs.join(" ");
}

/** PXF the lab talks to from Greenplum: the bookings source (JDBC) and MinIO (S3), credentials from secrets. */
export interface PxfServers {
  /** The bookings database as containers reach it (its inLab address). */
  bookingsDb?: { at: Address; database: string; user: string; password: pulumi.Input<string> };
  minio?: { endpoint: string; accessKey: pulumi.Input<string>; secretKey: pulumi.Input<string> };
}

export interface GreenplumArgs extends LabPlacement {
  /** Builds the lab image FROM woblerr/greenplum (lab:images.greenplum; registry-only in both modes). */
  images: LabImages;
  port: number;
  password: pulumi.Input<string>;
  /** Database the base image creates on first start (its default: demo). */
  database?: string;
  servers?: PxfServers;
  /** "1" (default): the image's PXF seed replaces changed files in PXF_BASE on every start; "0": only missing files. */
  pxfSeedOverwrite?: "0" | "1";
  /** Seconds `pulumi up` waits for healthy: the first start initialises the cluster, then PXF starts. */
  waitSeconds?: number;
  /** Absolute directories (on the data volume) the image's wrapper creates for CREATE TABLESPACE, owned by gpadmin. */
  tablespaceDirs?: string[];
}

/**
 * Greenplum 6 with PXF from the lab image (images/greenplum): PXF_BASE on the data volume, the seed made ready on every
 * start by the image's wrapper entrypoint, healthy only when Greenplum answers a query AND PXF reports UP.
 */
export class Greenplum extends pulumi.ComponentResource {
  public readonly image: docker.Image;
  public readonly container: docker.Container;
  public readonly host = "greenplum";
  /** Where containers reach it: the service name and Greenplum's own port. */
  public readonly inLab: Address;
  /** Where it is published on the Pulumi host. */
  public readonly published: Address;
  public readonly user = GREENPLUM_ADMIN;
  public readonly database: string;
  /** host:port published on the lab's bind address. */
  public readonly endpoint: string;

  constructor(name: string, args: GreenplumArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:greenplum:Greenplum", name, {}, opts);
    this.database = args.database ?? "demo";
    // The Dockerfile refuses to build without the checksum-verified driver in pxf/lib (never committed).
    const driver = new command.local.Command(`${name}-jdbc-driver`, {
      create: "bash images/greenplum/fetch-jdbc-driver.sh",
      update: "bash images/greenplum/fetch-jdbc-driver.sh",
      dir: REPO_ROOT,
      triggers: [fs.readFileSync(path.join(REPO_ROOT, "pxf", "jdbc-driver.env"), "utf8")],
    }, { parent: this });
    this.image = args.images.build(`${name}-image`, {
      image: "greenplum", context: ".", dockerfile: "images/greenplum/Dockerfile",
      from: { key: "greenplum", arg: "GREENPLUM_BASE_IMAGE" }, args: { POSTGRES_JDBC_VERSION: jdbcDriverVersion() },
    }, { parent: this, dependsOn: [driver] });

    const { bookingsDb, minio } = args.servers ?? {};
    const env: Record<string, pulumi.Input<string>> = {
      GREENPLUM_PASSWORD: args.password,
      GREENPLUM_DATABASE_NAME: this.database,
      GREENPLUM_PXF_ENABLE: "true",
      PXF_BASE,
      PXF_SEED_OVERWRITE: args.pxfSeedOverwrite ?? DEFAULT_PXF_SEED_OVERWRITE,
      ...(bookingsDb ? {
        BOOKINGS_DB_HOST: bookingsDb.at.host, BOOKINGS_DB_PORT: String(bookingsDb.at.port), BOOKINGS_DB_NAME: bookingsDb.database,
        BOOKINGS_DB_USER: bookingsDb.user, BOOKINGS_DB_PASSWORD: bookingsDb.password,
      } : {}),
      ...(args.tablespaceDirs?.length ? { LAB_TABLESPACE_DIRS: tablespaceDirsEnv(args.tablespaceDirs) } : {}),
      ...(minio ? { MINIO_ENDPOINT: minio.endpoint, MINIO_ACCESS_KEY: minio.accessKey, MINIO_SECRET_KEY: minio.secretKey } : {}),
    };
    const server = labService(this, args, {
      service: this.host, image: this.image.repoDigest, env,
      serves: { port: GREENPLUM_PORT, hostPort: args.port },
      // Cluster data and PXF_BASE share the volume: PXF config survives restarts and container replacement.
      data: { path: GREENPLUM_DATA_PATH, volume: name },
      // The image's check: `select 1` as gpadmin AND PXF's actuator UP; the start period covers cluster init + PXF start.
      healthcheck: { test: ["CMD", GREENPLUM_HEALTHCHECK_SCRIPT], intervalSeconds: 15, timeoutSeconds: 10, retries: 5, startPeriodSeconds: 240 },
      waitSeconds: args.waitSeconds ?? 900,
    });
    this.container = server.container;
    this.inLab = server.inLab;
    this.published = server.published;
    this.endpoint = hostPort(this.published);
    this.registerOutputs({ endpoint: this.endpoint, image: this.image.imageName });
  }

  /** postgresql:// URL for clients on the host (secret: it carries the password). */
  url(password: pulumi.Input<string>): pulumi.Output<string> {
    return this.urlAt(this.published, password);
  }

  /** The same database as seen from containers on the lab network (Airflow's connection). */
  innerUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return this.urlAt(this.inLab, password);
  }

  private urlAt(at: Address, password: pulumi.Input<string>): pulumi.Output<string> {
    return postgresUrl({ user: this.user, password, at, database: this.database });
  }

  /** What a student types to see PXF as the seed checks it. */
  pxfStatusCommand(prefix: string): string {
    return `docker exec ${prefix}-${this.host} su - ${this.user} -c '/usr/local/pxf/bin/pxf cluster status'`;
  }
}
