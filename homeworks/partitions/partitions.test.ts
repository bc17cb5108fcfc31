import * as assert from "assert";
import { composeMocked, createdNames } from "../../tests/testbed/composeMocked";
import { assertContainerHygiene, assertNoPlaintextSecrets, container, containersOf, envOf, MockRun, waitsFor, mockImageId } from "../../tests/testbed/mockLab";
import { tablespaceDirsEnv } from "../../components/greenplum/greenplum";
import { assertAirflowWaitsFor, assertGreenplumHealthcheck, SECRET_VALUES } from "../greenplum-pxf/greenplum-pxf.test";

describe("stacks: partitions under mocks", () => {
  let run: MockRun;
  before(async () => { run = await composeMocked({ homeworks: ["partitions"] }); });

  it("creates exactly the expected containers, network, volumes and images", () => {
    assert.deepStrictEqual(createdNames(run), {
      containers: [
        "lab-dev-airflow-db", "lab-dev-airflow-init", "lab-dev-airflow-scheduler", "lab-dev-airflow-webserver",
        "lab-dev-greenplum", "lab-dev-minio",
      ],
      networks: ["lab-dev-net"],
      volumes: ["lab-dev-airflow-db-data", "lab-dev-greenplum-data", "lab-dev-minio-data"],
      images: ["lab-dev-airflow:local", "lab-dev-greenplum:local"],
    });
    const images = run.byType("docker:index/image:Image").map((i) => i.inputs);
    const airflowImage = images.find((i) => i.imageName === "lab-dev-airflow:local")!;
    assert.match(airflowImage.build.dockerfile, /images\/airflow\/Dockerfile$/);
    assert.strictEqual(airflowImage.build.args.AIRFLOW_IMAGE, "apache/airflow:2.10.5-python3.11");
    assert.ok(images.every((i) => i.skipPush === true));
    for (const n of ["airflow-init", "airflow-webserver", "airflow-scheduler"]) {
      assert.strictEqual(container(run, `lab-dev-${n}`).inputs.image, mockImageId("lab-dev-airflow:local"), `${n} runs the lab's Airflow image`);
      assert.deepStrictEqual(container(run, `lab-dev-${n}`).inputs.uploads, [], `${n}: the image bakes the DAGs`);
    }
    assert.strictEqual(container(run, "lab-dev-minio").inputs.image, "minio/minio:RELEASE.2024-11-07T00-52-20Z");
  });

  it("gives every container an honest healthcheck, a restart policy and loopback-only unique ports", () => {
    assertContainerHygiene(run);
    const ports = containersOf(run).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => `${p.external}->${p.internal}`)).sort();
    assert.deepStrictEqual(ports, ["5432->5432", "8080->8080", "9000->9000", "9001->9001"]);
    assertGreenplumHealthcheck(container(run, "lab-dev-greenplum"));
    const minioCheck = container(run, "lab-dev-minio").inputs.healthcheck.tests.join(" ");
    assert.match(minioCheck, /\/dev\/tcp\/127\.0\.0\.1\/9000 .*GET \/minio\/health\/live .*== \*" 200 "\*/);
  });

  it("runs MinIO as minio / lab:minioSecretKey with the console on 9001, and gives PXF the same keys from the secret", () => {
    const minio = container(run, "lab-dev-minio");
    assert.deepStrictEqual(envOf(minio), { MINIO_ROOT_USER: "minio", MINIO_ROOT_PASSWORD: "minioSecretKey-value" });
    assert.deepStrictEqual(minio.inputs.command, ["server", "/data", "--address", ":9000", "--console-address", ":9001"]);
    const gp = envOf(container(run, "lab-dev-greenplum"));
    assert.deepStrictEqual([gp.MINIO_ENDPOINT, gp.MINIO_ACCESS_KEY, gp.MINIO_SECRET_KEY], ["http://minio:9000", "minio", "minioSecretKey-value"]);
    assert.strictEqual(gp.BOOKINGS_DB_PASSWORD, undefined, "no bookings source in this homework");
  });

  it("creates bucket dp-partition only after MinIO is healthy, with the secret key kept secret", () => {
    const bucket = run.byType("pulumi-nodejs:dynamic/lab:MinioBucket");
    assert.strictEqual(bucket.length, 1);
    assert.deepStrictEqual([bucket[0].inputs.bucket, bucket[0].inputs.endpoint, bucket[0].inputs.accessKey, bucket[0].inputs.forceDestroy],
      ["dp-partition", "http://127.0.0.1:9000", "minio", true], "destroy must empty the bucket the seed unloads into (else it fails)");
    assert.ok(waitsFor(bucket[0], [container(run, "lab-dev-minio")]), "the bucket does not wait for MinIO health");
    assert.strictEqual(bucket[0].inputs.version, "1");
    assert.strictEqual(typeof bucket[0].inputs.__provider, "string");
  });

  it("applies the partition tools, the tablespace cold and then the demo table once Greenplum is healthy", () => {
    const sql = run.byName("partitioning-tool");
    assert.ok(waitsFor(sql, [container(run, "lab-dev-greenplum")]), "the tools do not wait for Greenplum health");
    assert.deepStrictEqual([sql.inputs.host, sql.inputs.port, sql.inputs.user, sql.inputs.database], ["127.0.0.1", 5432, "gpadmin", "demo"]);
    const ids = sql.inputs.migrations.map((m: any) => m.id);
    assert.deepStrictEqual(ids, ["001_schema", "002_boundaries", "003_plans", "004_greenplum_ddl", "005_greenplum_tools",
      "800_tablespace_cold", "900_demo_test_part"]);
    const cold = sql.inputs.migrations[5];
    assert.strictEqual(cold.sql.trim(), "-- lab:no-transaction\nCREATE TABLESPACE cold LOCATION '/data/tablespaces/cold';");
    assert.strictEqual(cold.transactional, false, "CREATE TABLESPACE cannot run inside a transaction block");
    assert.strictEqual(envOf(container(run, "lab-dev-greenplum")).LAB_TABLESPACE_DIRS, "/data/tablespaces/cold",
      "the image's wrapper must create the tablespace's directory on the data volume");
    assert.match(sql.inputs.migrations[6].sql, /to_regclass\('public\.test_part'\) IS NOT NULL THEN RETURN/);
  });

  it("starts Airflow after Greenplum is healthy, the tools are in and the bucket exists; DAGs use connection greenplum", () => {
    assertAirflowWaitsFor(run, "lab-dev", [container(run, "lab-dev-greenplum"), run.byName("partitioning-tool"), run.byName("minio-dp-partition")]);
    const env = envOf(container(run, "lab-dev-airflow-scheduler"));
    assert.strictEqual(env.AIRFLOW_CONN_GREENPLUM, "postgresql://gpadmin:greenplumPassword-value@greenplum:5432/demo");
  });

  it("exports URLs and credential hints, with connection strings secret and no plaintext secret elsewhere", () => {
    const out = run.outputs.partitions as Record<string, unknown>;
    assert.strictEqual(out.minioApi, "http://127.0.0.1:9000");
    assert.strictEqual(out.minioConsole, "http://127.0.0.1:9001");
    assert.strictEqual(out.airflow, "http://127.0.0.1:8080");
    assert.strictEqual(out.bucket, "dp-partition");
    assert.match(String(out.credentials), /MinIO: minio \/ lab:minioSecretKey/);
    assert.ok(SECRET_VALUES.every((s) => !String(out.credentials).includes(s)));
    assertNoPlaintextSecrets(run, "partitions", SECRET_VALUES);
  });

  it("refuses a tablespace directory outside the data volume, naming it", () => {
    assert.throws(() => tablespaceDirsEnv(["/tmp/cold"]), /tablespaceDirs: "\/tmp\/cold" must be an absolute path under \/data\//);
    assert.throws(() => tablespaceDirsEnv(["/data/../etc"]), /tablespaceDirs: "\/data\/\.\.\/etc"/);
    assert.strictEqual(tablespaceDirsEnv(["/data/a", "/data/b"]), "/data/a /data/b");
  });

  it("keeps Docker names apart when one stack runs two homeworks", async () => {
    const both = await composeMocked({ homeworks: ["patroni-ha", "partitions"] });
    const { containers, volumes, images } = createdNames(both);
    const names = [...containers, ...volumes, ...images];
    assert.ok(names.includes("lab-dev-partitions-greenplum") && names.includes("lab-dev-patroni-ha-haproxy"), names.join(", "));
    assert.strictEqual(new Set(names).size, names.length, `Docker names clash: ${names.join(", ")}`);
  });
});
