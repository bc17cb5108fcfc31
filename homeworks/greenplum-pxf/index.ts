// Homework greenplum-pxf (seed 000): Greenplum 6 from the lab image with PXF ready on every start, the demo
// `bookings` PostgreSQL it reads through PXF server bookings-db, and Airflow with the two bookings DAGs,
// started only once Greenplum (with PXF) is healthy and the bookings data is in.
import * as pulumi from "@pulumi/pulumi";
import { Airflow, dagFiles } from "../../components/airflow/airflow";
import { Greenplum } from "../../components/greenplum/greenplum";
import { AIRFLOW_DAGS_DIR, BOOKINGS_SQL_DIR } from "../../program/paths";
import { LabNetwork } from "../../components/core/network";
import { PostgresServer } from "../../components/postgres/postgresServer";
import { SqlMigrations } from "../../providers/sqlMigrations";
import type { HomeworkContext, HomeworkDefinition } from "../../program/compose";
import { needs } from "./needs";

/** The bookings source as PXF's jdbc-site.xml template names it (images/greenplum/Dockerfile defaults). */
export const BOOKINGS_DB = { service: "bookings-db", database: "demo", user: "postgres" } as const;
/** The DAGs of this homework and the module they import; the official image gets them as files. */
export const BOOKINGS_DAGS = ["bookings_stg_ddl.py", "bookings_to_gp_stage.py", "bookings_tables.py", ".airflowignore"];

export const homework: HomeworkDefinition<typeof needs> = { needs, compose };

function compose({ cfg, prefix, parent, images, ports, secrets }: HomeworkContext<typeof needs>): Record<string, pulumi.Input<unknown>> {
  const opts = { parent };
  const net = new LabNetwork("net", { prefix }, opts);
  const bookingsPassword = secrets.bookingsPassword;

  const bookings = new PostgresServer("bookings", {
    prefix, network: net, service: BOOKINGS_DB.service, image: images.run("postgres"), bindAddress: cfg.bindAddress,
    port: ports.bookings, database: BOOKINGS_DB.database, superuserPassword: bookingsPassword, role: { kind: "standalone" },
  }, opts);
  // The seed's bookings.bookings was empty: the lab's data set fills every table (datasets/bookings, shared with cdc-datavault).
  const bookingsData = new SqlMigrations("bookings-data", {
    connection: { ...bookings.published, user: BOOKINGS_DB.user, database: BOOKINGS_DB.database, password: bookingsPassword },
    migrations: BOOKINGS_SQL_DIR,
  }, { parent, dependsOn: [bookings.container] });

  const greenplum = new Greenplum("greenplum", {
    prefix, network: net, bindAddress: cfg.bindAddress, images, port: ports.greenplum,
    password: secrets.greenplumPassword,
    servers: { bookingsDb: { at: bookings.inLab, database: BOOKINGS_DB.database, user: BOOKINGS_DB.user, password: bookingsPassword } },
  }, opts);

  const airflow = new Airflow("airflow", {
    prefix, network: net, bindAddress: cfg.bindAddress, port: ports.airflow,
    image: { ref: images.run("airflow") }, metadataImage: images.run("postgres"),
    adminPassword: secrets.airflowAdminPassword,
    connections: { greenplum: greenplum.innerUrl(secrets.greenplumPassword) },
    dags: dagFiles(AIRFLOW_DAGS_DIR, BOOKINGS_DAGS),
    dependsOn: [greenplum.container, bookingsData],
  }, opts);

  return {
    greenplum: greenplum.endpoint,
    greenplumUrl: greenplum.url(secrets.greenplumPassword),
    bookings: bookings.endpoint,
    bookingsUrl: bookings.url(),
    airflow: airflow.url,
    credentials: `Greenplum: ${greenplum.user} / lab:greenplumPassword; bookings: ${BOOKINGS_DB.user} / lab:bookingsPassword; `
      + `Airflow: ${airflow.adminUser} / lab:airflowAdminPassword (pulumi config get lab:<key>)`,
    pxfStatus: greenplum.pxfStatusCommand(prefix),
    dagTest: `docker exec ${prefix}-airflow-scheduler airflow dags test bookings_stg_ddl`,
  };
}
