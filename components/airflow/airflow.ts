import { httpUrl, postgresUrl } from "../core/address";
import { badInput } from "../../providers/dynamic";
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ContainerJob } from "../../providers/containerJob";
import { Healthcheck, labJobContainer } from "../core/labContainer";
import { LabImages, OwnImage } from "../core/labImages";
import { LabPlacement, labService } from "../core/labService";
import { PG_PORT, postgresHealthCheck } from "../postgres/postgresServer";

export const AIRFLOW_PORT = 8080;
export const AIRFLOW_DAGS_PATH = "/opt/airflow/dags";
/** How long `pulumi up` lets the init job (db migrate + the admin user) run before it fails. */
export const AIRFLOW_INIT_TIMEOUT_SECONDS = 600;

/**
 * The REST API's auth backends, as Airflow's own docker-compose sets them: basic auth for scripts and curl
 * (`curl -u airflow:<password> .../api/v1/...`), the session for the UI. Airflow's default is the session only.
 */
export const AIRFLOW_API_AUTH_BACKENDS = "airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session";

/** The webserver's /health answers 200 once it serves and reaches the metadata database. */
export const AIRFLOW_WEBSERVER_CHECK: Healthcheck = {
  test: ["CMD", "curl", "--fail", "--silent", "--max-time", "10", `http://127.0.0.1:${AIRFLOW_PORT}/health`],
  intervalSeconds: 15, timeoutSeconds: 15, retries: 5, startPeriodSeconds: 60,
};

/** Fails unless this container's SchedulerJob heartbeats recently (the Airflow CLI's own liveness check). */
export const AIRFLOW_SCHEDULER_CHECK: Healthcheck = {
  test: ["CMD", "airflow", "jobs", "check", "--job-type", "SchedulerJob", "--local"],
  intervalSeconds: 30, timeoutSeconds: 30, retries: 5, startPeriodSeconds: 60,
};

/** The init job: migrate the metadata DB and create the admin user (kept if present); exit 0 only when both did. */
export function airflowInitScript(): string {
  return [
    "set -euo pipefail",
    "airflow db migrate",
    // An existing user is left as it is (`users create` says so and exits 0).
    "airflow users create --username \"$LAB_AIRFLOW_ADMIN_USER\" --password \"$LAB_AIRFLOW_ADMIN_PASSWORD\" "
      + "--firstname Lab --lastname Admin --role Admin --email admin@lab.invalid",
  ].join("\n");
}

/** The image to run: a pinned reference (official image) or a build of a Dockerfile. */
export type AirflowImage =
  | { ref: pulumi.Input<string> }
  /** The lab's own Airflow image (paths relative to the repository root). */
  | { build: Omit<OwnImage, "image">; images: LabImages };

/** DAG files read at program time and written into the containers (for images that do not bake them). */
export function dagFiles(dir: string, names: string[]): { name: string; content: string }[] {
  return names.map((name) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new Error(`airflow dags: ${file} does not exist`);
    return { name, content: fs.readFileSync(file, "utf8") };
  });
}

/** A secret derived from another, so the lab needs no extra config key; it changes when the source secret does. */
export function derivedSecret(source: pulumi.Input<string>, purpose: string): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(source).apply((s) => crypto.createHash("sha256").update(`${purpose}\0${s}`).digest("hex").slice(0, 32)));
}

/** AIRFLOW_CONN_<ID>: Airflow reads connection `id` from it, so the id must fit an environment variable name. */
export function connectionEnv(id: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(id)) throw badInput(`airflow connections.${id}`, id, "a connection id must hold only letters, digits and _");
  return `AIRFLOW_CONN_${id.toUpperCase()}`;
}

export interface AirflowArgs extends LabPlacement {
  image: AirflowImage;
  /** The PostgreSQL image of the metadata database. */
  metadataImage: pulumi.Input<string>;
  port: number;
  adminUser?: string;
  adminPassword: pulumi.Input<string>;
  /** Airflow connections as URIs by connection id (AIRFLOW_CONN_<ID>), e.g. { greenplum: "postgresql://..." }. */
  connections?: Record<string, pulumi.Input<string>>;
  /** DAG files written into the dags folder (leave empty when the image bakes them). */
  dags?: { name: string; content: string }[];
  env?: Record<string, pulumi.Input<string>>;
  /** Airflow starts (init, webserver, scheduler) only after these: e.g. the healthy database its DAGs use. */
  dependsOn?: pulumi.Resource[];
}

/** Airflow 2 with the LocalExecutor, as its official compose: metadata PostgreSQL, a one-shot init job, then webserver and scheduler. */
export class Airflow extends pulumi.ComponentResource {
  public readonly image?: docker.Image;
  public readonly metadataDb: docker.Container;
  /** The init job's container (exited 0 once the job succeeded) and the run that waited for it. */
  public readonly init: docker.Container;
  public readonly initJob: ContainerJob;
  public readonly webserver: docker.Container;
  public readonly scheduler: docker.Container;
  public readonly url: string;
  public readonly adminUser: string;

  constructor(name: string, args: AirflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:airflow:Airflow", name, {}, opts);
    this.adminUser = args.adminUser ?? "airflow";
    let image: pulumi.Input<string>;
    if ("build" in args.image) {
      this.image = args.image.images.build(`${name}-image`, { image: name, ...args.image.build }, { parent: this });
      image = this.image.repoDigest;
    } else {
      image = args.image.ref;
    }

    const dbPassword = derivedSecret(args.adminPassword, `${name}-metadata`);
    const dbService = `${name}-db`;
    this.metadataDb = labService(this, args, {
      service: dbService, image: args.metadataImage,
      env: { POSTGRES_USER: "airflow", POSTGRES_PASSWORD: dbPassword, POSTGRES_DB: "airflow" },
      data: { path: "/var/lib/postgresql/data" },
      healthcheck: { test: postgresHealthCheck(), startPeriodSeconds: 30 },
    }).container;

    const connections = Object.fromEntries(Object.entries(args.connections ?? {}).map(([id, uri]) => [connectionEnv(id), uri]));
    const env: Record<string, pulumi.Input<string>> = {
      AIRFLOW__CORE__EXECUTOR: "LocalExecutor",
      AIRFLOW__CORE__LOAD_EXAMPLES: "false",
      AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: "true",
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: postgresUrl({ scheme: "postgresql+psycopg2", user: "airflow", password: dbPassword, at: { host: dbService, port: PG_PORT }, database: "airflow" }),
      // Webserver and scheduler must share it (task logs are fetched with it).
      AIRFLOW__WEBSERVER__SECRET_KEY: derivedSecret(args.adminPassword, `${name}-webserver`),
      AIRFLOW__API__AUTH_BACKENDS: AIRFLOW_API_AUTH_BACKENDS,
      ...connections,
      ...args.env,
    };
    const dags = (args.dags ?? []).map((d) => ({ path: `${AIRFLOW_DAGS_PATH}/${d.name}`, content: d.content }));
    const after = [...(args.dependsOn ?? []), this.metadataDb];

    this.init = labJobContainer({
      prefix: args.prefix, network: args.network.network, parent: this, service: `${name}-init`, image,
      env: { ...env, LAB_AIRFLOW_ADMIN_USER: this.adminUser, LAB_AIRFLOW_ADMIN_PASSWORD: args.adminPassword },
      command: ["bash", "-c", airflowInitScript()],
      dependsOn: after,
    });
    // compose's `condition: service_completed_successfully`: a failed init fails the `up` with its log.
    this.initJob = new ContainerJob(`${name}-init-job`, { container: { name: this.init.name, id: this.init.id }, timeoutSeconds: AIRFLOW_INIT_TIMEOUT_SECONDS }, { parent: this });
    const ready = [...after, this.initJob];
    const webserver = labService(this, args, {
      service: `${name}-webserver`, image, env, files: dags,
      command: ["webserver"],
      serves: { port: AIRFLOW_PORT, hostPort: args.port },
      healthcheck: AIRFLOW_WEBSERVER_CHECK,
      waitSeconds: 300,
      dependsOn: ready,
    });
    this.webserver = webserver.container;
    this.scheduler = labService(this, args, {
      service: `${name}-scheduler`, image, env, files: dags,
      command: ["scheduler"],
      healthcheck: AIRFLOW_SCHEDULER_CHECK,
      waitSeconds: 300,
      dependsOn: ready,
    }).container;
    this.url = httpUrl(webserver.published);
    this.registerOutputs({ url: this.url, adminUser: this.adminUser });
  }
}
