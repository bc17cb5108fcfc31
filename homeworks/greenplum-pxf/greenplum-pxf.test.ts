import * as assert from "assert";
import { connectionEnv, dagFiles } from "../../components/airflow/airflow";
import { jdbcDriverVersion } from "../../components/greenplum/greenplum";
import { composeMocked, createdNames } from "../../tests/testbed/composeMocked";
import { assertContainerHygiene, assertNoPlaintextSecrets, container, containersOf, envOf, MockRun, Registered, waitsFor, mockImageId } from "../../tests/testbed/mockLab";

export const SECRET_VALUES = ["greenplumPassword-value", "bookingsPassword-value", "airflowAdminPassword-value", "minioSecretKey-value"];

/** The Greenplum container checks both halves with the image's script: no shell, so no `||` escape is possible. */
export function assertGreenplumHealthcheck(gp: Registered): void {
  const hc = gp.inputs.healthcheck;
  assert.deepStrictEqual(hc.tests, ["CMD", "/usr/local/lib/lab/healthcheck.sh"]);
  assert.ok(!hc.tests.join(" ").includes("||"), "no `||` escape in the Greenplum healthcheck");
  const seconds = (d: string) => { const m = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(d)!; return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]); };
  assert.ok(seconds(hc.startPeriod) >= 180, `start period ${hc.startPeriod} must cover cluster init + PXF start`);
  assert.ok(gp.inputs.waitTimeout >= 600, "pulumi up must wait long enough for a first Greenplum start");
}

/** Airflow's init, webserver and scheduler all wait for the healthy Greenplum container (and init for its DB). */
export function assertAirflowWaitsFor(run: MockRun, prefix: string, on: Registered[]): void {
  const init = container(run, `${prefix}-airflow-init`);
  for (const n of ["airflow-init", "airflow-webserver", "airflow-scheduler"]) {
    assert.ok(waitsFor(container(run, `${prefix}-${n}`), on), `${n} does not wait for ${on.map((o) => o.name)}`);
  }
  assert.ok(waitsFor(init, [container(run, `${prefix}-airflow-db`)]), "init does not wait for the metadata DB");
  // The init is a one-shot job: webserver and scheduler wait for its run to end with 0 (providers/containerJob).
  const job = run.byType("pulumi-nodejs:dynamic/lab:ContainerJob").find((j) => j.inputs.name === init.inputs.name);
  assert.ok(job, "no ContainerJob runs airflow-init");
  for (const n of ["airflow-webserver", "airflow-scheduler"]) assert.ok(waitsFor(container(run, `${prefix}-${n}`), [job!]), `${n} starts before init ended`);
}


describe("stacks: greenplum-pxf under mocks", () => {
  let run: MockRun;
  before(async () => { run = await composeMocked({ homeworks: ["greenplum-pxf"] }); });

  it("creates exactly the expected containers, network, volumes and images", () => {
    assert.deepStrictEqual(createdNames(run), {
      containers: [
        "lab-dev-airflow-db", "lab-dev-airflow-init", "lab-dev-airflow-scheduler", "lab-dev-airflow-webserver",
        "lab-dev-bookings-db", "lab-dev-greenplum",
      ],
      networks: ["lab-dev-net"],
      volumes: ["lab-dev-airflow-db-data", "lab-dev-bookings-db-data", "lab-dev-greenplum-data"],
      images: ["lab-dev-greenplum:local"],
    });
    const images = run.byType("docker:index/image:Image");
    assert.strictEqual(images[0].inputs.skipPush, true);
    assert.strictEqual(images[0].inputs.build.args.GREENPLUM_BASE_IMAGE, "woblerr/greenplum:6.27.1");
    assert.strictEqual(images[0].inputs.build.args.POSTGRES_JDBC_VERSION, "42.7.4");
    assert.match(images[0].inputs.build.dockerfile, /images\/greenplum\/Dockerfile$/);
    assert.strictEqual(container(run, "lab-dev-greenplum").inputs.image, mockImageId("lab-dev-greenplum:local"));
    assert.strictEqual(container(run, "lab-dev-bookings-db").inputs.image, "postgres:15.10-bookworm");
    assert.strictEqual(container(run, "lab-dev-airflow-webserver").inputs.image, "apache/airflow:2.10.5-python3.11");
  });

  it("fetches the checksum-verified JDBC driver before building the image", () => {
    const fetch = run.byType("command:local:Command");
    assert.deepStrictEqual(fetch.map((c) => c.inputs.create), ["bash images/greenplum/fetch-jdbc-driver.sh"]);
    assert.ok(waitsFor(run.byType("docker:index/image:Image")[0], fetch));
  });

  it("gives every container an honest healthcheck, a restart policy and loopback-only unique ports", () => {
    assertContainerHygiene(run);
    const ports = containersOf(run).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => p.external)).sort();
    assert.deepStrictEqual(ports, [5432, 5433, 8080]);
    assertGreenplumHealthcheck(container(run, "lab-dev-greenplum"));
  });

  it("runs Greenplum with PXF_BASE on the data volume, PXF_SEED_OVERWRITE from its arg, the JDBC password from the secret", () => {
    const gp = container(run, "lab-dev-greenplum");
    const env = envOf(gp);
    assert.strictEqual(env.PXF_BASE, "/data/pxf");
    assert.deepStrictEqual(gp.inputs.volumes, [{ volumeName: "lab-dev-greenplum-data", containerPath: "/data" }]);
    assert.strictEqual(env.PXF_SEED_OVERWRITE, "1", "the seed's setting: a rebuilt image brings its PXF config into the volume");
    assert.strictEqual(env.GREENPLUM_PASSWORD, "greenplumPassword-value");
    assert.deepStrictEqual([env.BOOKINGS_DB_HOST, env.BOOKINGS_DB_PORT, env.BOOKINGS_DB_NAME, env.BOOKINGS_DB_USER, env.BOOKINGS_DB_PASSWORD],
      ["bookings-db", "5432", "demo", "postgres", "bookingsPassword-value"]);
    const build = JSON.stringify(run.byType("docker:index/image:Image")[0].inputs);
    for (const s of SECRET_VALUES) assert.ok(!build.includes(s), "a secret was baked into the image build");
  });

  it("applies datasets/bookings only after the bookings database is healthy, over its published port", () => {
    const sql = run.byName("bookings-data");
    assert.strictEqual(sql.type, "pulumi-nodejs:dynamic/lab:SqlMigrations");
    assert.ok(waitsFor(sql, [container(run, "lab-dev-bookings-db")]));
    assert.deepStrictEqual([sql.inputs.host, sql.inputs.port, sql.inputs.user, sql.inputs.database], ["127.0.0.1", 5433, "postgres", "demo"]);
    assert.deepStrictEqual(sql.inputs.migrations.map((m: any) => m.id), ["001_schema", "002_reference_data", "003_generated_data"]);
  });

  it("starts Airflow only after Greenplum is healthy and the bookings data is in; the two DAGs are in its dags folder", () => {
    assertAirflowWaitsFor(run, "lab-dev", [container(run, "lab-dev-greenplum"), run.byName("bookings-data")]);
    const scheduler = container(run, "lab-dev-airflow-scheduler");
    const dags = scheduler.inputs.uploads.map((u: any) => u.file).sort();
    assert.deepStrictEqual(dags, ["/opt/airflow/dags/.airflowignore", "/opt/airflow/dags/bookings_stg_ddl.py",
      "/opt/airflow/dags/bookings_tables.py", "/opt/airflow/dags/bookings_to_gp_stage.py"]);
    const env = envOf(scheduler);
    assert.strictEqual(env.AIRFLOW__CORE__EXECUTOR, "LocalExecutor");
    // The REST API takes `curl -u airflow:<password>`, as with Airflow's own docker-compose.
    for (const n of ["airflow-webserver", "airflow-scheduler"]) {
      assert.strictEqual(envOf(container(run, `lab-dev-${n}`)).AIRFLOW__API__AUTH_BACKENDS, "airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session", n);
    }
    assert.strictEqual(env.AIRFLOW_CONN_GREENPLUM, "postgresql://gpadmin:greenplumPassword-value@greenplum:5432/demo");
    assert.match(env.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, /^postgresql\+psycopg2:\/\/airflow:[0-9a-f]{32}@airflow-db:5432\/airflow$/);
    const init = container(run, "lab-dev-airflow-init");
    assert.strictEqual(envOf(init).LAB_AIRFLOW_ADMIN_PASSWORD, "airflowAdminPassword-value");
    assert.ok(!init.inputs.command.join(" ").includes("airflowAdminPassword-value"), "the admin password must not be on the command line");
    assert.match(init.inputs.command[2], /airflow db migrate\n.*airflow users create --username "\$LAB_AIRFLOW_ADMIN_USER"/s);
    assert.deepStrictEqual(container(run, "lab-dev-airflow-webserver").inputs.healthcheck.tests.slice(-1), ["http://127.0.0.1:8080/health"]);
    assert.deepStrictEqual(scheduler.inputs.healthcheck.tests, ["CMD", "airflow", "jobs", "check", "--job-type", "SchedulerJob", "--local"]);
  });

  it("names the bad value when a connection id, a DAG file or the driver pin is wrong", () => {
    assert.strictEqual(connectionEnv("lab_primary"), "AIRFLOW_CONN_LAB_PRIMARY");
    assert.throws(() => connectionEnv("my-conn"), /airflow connections\.my-conn = "my-conn": a connection id must hold only letters, digits and _/);
    assert.throws(() => dagFiles(__dirname, ["no_such_dag.py"]), /airflow dags: \S+no_such_dag\.py does not exist/);
    assert.throws(() => jdbcDriverVersion(__filename), /no POSTGRES_JDBC_VERSION=\.\.\. line/);
  });

  it("exports endpoints, the PXF status command and credential hints, with connection strings secret", () => {
    const out = run.outputs["greenplum-pxf"] as Record<string, string>;
    assert.strictEqual(out.greenplum, "127.0.0.1:5432");
    assert.strictEqual(out.bookings, "127.0.0.1:5433");
    assert.strictEqual(out.airflow, "http://127.0.0.1:8080");
    assert.strictEqual(out.greenplumUrl, "postgresql://gpadmin:greenplumPassword-value@127.0.0.1:5432/demo");
    assert.strictEqual(out.bookingsUrl, "postgresql://postgres:bookingsPassword-value@127.0.0.1:5433/demo");
    assert.match(out.pxfStatus, /docker exec lab-dev-greenplum su - gpadmin -c '\/usr\/local\/pxf\/bin\/pxf cluster status'/);
    assert.match(out.credentials, /Airflow: airflow \/ lab:airflowAdminPassword/);
    assertNoPlaintextSecrets(run, "greenplum-pxf", SECRET_VALUES);
  });
});
