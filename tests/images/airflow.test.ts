// images/debian/airflow in place of apache/airflow:2.10.5-python3.11, run as components/airflow/airflow.ts runs it: the init
// job (db migrate + admin user) to exit 0 on a PostgreSQL metadata DB, webserver and scheduler with their
// healthchecks, the REST API with basic auth; the entrypoint's command forms; and images/airflow (pip install as
// airflow, DagBag) built FROM it.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AIRFLOW_API_AUTH_BACKENDS, AIRFLOW_SCHEDULER_CHECK, AIRFLOW_WEBSERVER_CHECK, airflowInitScript } from "../../components/airflow/airflow";
import { postgresHealthCheck } from "../../components/postgres/postgresServer";
import { REPO } from "../testbed/docker";
import { buildContext, buildServiceImage, checkContract, imageSuite, runToExit, startContainer, testNetwork, TestContainer, waitForCommand } from "./build";

const DB_PASSWORD = "lab-test-metadata";
const ADMIN_PASSWORD = "lab-test-admin";
/** A one-shot run's bound: the init job migrates a fresh metadata DB on a loaded host. */
const RUN_MS = 15 * 60_000;

describe("images/debian/airflow: the apache/airflow contract", function () {
  let image: string;
  let network: string;
  let env: Record<string, string>;
  let webserver: TestContainer;
  let scheduler: TestContainer;

  imageSuite(async () => {
    const [airflowImage, postgresImage] = await Promise.all([buildServiceImage("airflow"), buildServiceImage("postgres")]);
    image = airflowImage;
    network = await testNetwork("airflow");
    const db = await startContainer({
      image: postgresImage, network, aliases: ["airflow-db"],
      env: { POSTGRES_USER: "airflow", POSTGRES_PASSWORD: DB_PASSWORD, POSTGRES_DB: "airflow" },
    });
    await waitForCommand(db, postgresHealthCheck(), 120_000, 3000);
    env = {
      AIRFLOW__CORE__EXECUTOR: "LocalExecutor",
      AIRFLOW__CORE__LOAD_EXAMPLES: "false",
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `postgresql+psycopg2://airflow:${DB_PASSWORD}@airflow-db:5432/airflow`,
      AIRFLOW__WEBSERVER__SECRET_KEY: "lab-test-secret",
      AIRFLOW__API__AUTH_BACKENDS: AIRFLOW_API_AUTH_BACKENDS,
      AIRFLOW_CONN_LAB_DB: `postgres://airflow:${DB_PASSWORD}@airflow-db:5432/airflow`,
      // On a loaded 2-core host 4 gunicorn workers miss the webserver's 120 s master timeout (seen in a run).
      AIRFLOW__WEBSERVER__WORKERS: "1",
      AIRFLOW__WEBSERVER__WEB_SERVER_MASTER_TIMEOUT: "600",
    };
    // A one-shot job, as compose's airflow-init: it must end, with 0 (providers/containerJob fails the `up` otherwise).
    const init = await runToExit({ image, cmd: ["bash", "-c", airflowInitScript()], env: { ...env, LAB_AIRFLOW_ADMIN_USER: "airflow", LAB_AIRFLOW_ADMIN_PASSWORD: ADMIN_PASSWORD }, network }, RUN_MS);
    assert.strictEqual(init.code, 0, init.out);
    [webserver, scheduler] = await Promise.all([
      startContainer({ image, network, env, cmd: ["webserver"], ports: [8080] }),
      startContainer({ image, network, env, cmd: ["scheduler"] }),
    ]);
    await Promise.all([
      waitForCommand(webserver, AIRFLOW_WEBSERVER_CHECK.test, 300_000, 3000),
      waitForCommand(scheduler, AIRFLOW_SCHEDULER_CHECK.test, 300_000, 3000),
    ]);
  }, 40);

  it("keeps the generic contract (user airflow, paths, tools, port 8080)", async function () {
    this.timeout(60_000);
    await checkContract("airflow", webserver);
    const id = await webserver.exec(["id"]);
    assert.match(id.stdout, /^uid=50000\(airflow\) gid=0\(root\)/);
  });

  it("sets AIRFLOW_HOME and AIRFLOW_VERSION as the official image does", async function () {
    const r = await webserver.exec(["bash", "-c", "echo $AIRFLOW_HOME $AIRFLOW_VERSION; airflow config get-value core dags_folder"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["/opt/airflow 2.10.5", "/opt/airflow/dags"]);
  });

  it("the init step migrated the PostgreSQL metadata DB and created the admin user", async function () {
    this.timeout(120_000);
    const users = await webserver.exec(["airflow", "users", "list", "--output", "json"]);
    assert.strictEqual(users.code, 0, users.stderr);
    const list = JSON.parse(users.stdout.slice(users.stdout.indexOf("[")));
    assert.ok(list.some((u: { username: string; roles: string }) => u.username === "airflow" && /Admin/.test(u.roles)), users.stdout);
    // AIRFLOW__DATABASE__SQL_ALCHEMY_CONN is really what it uses: the DB check goes to PostgreSQL.
    const conn = await webserver.exec(["airflow", "config", "get-value", "database", "sql_alchemy_conn"]);
    assert.match(conn.stdout, /^postgresql\+psycopg2:\/\/airflow:.*@airflow-db:5432\/airflow/);
  });

  it("webserver answers /health from the host with a healthy metadata DB and scheduler", async function () {
    this.timeout(120_000);
    const port = await webserver.hostPort(8080);
    let health: any;
    for (let i = 0; i < 30; i++) {
      health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json()).catch(() => undefined);
      if (health?.scheduler?.status === "healthy") break;
      await new Promise((res) => setTimeout(res, 3000));
    }
    assert.strictEqual(health?.metadatabase?.status, "healthy", JSON.stringify(health));
    assert.strictEqual(health?.scheduler?.status, "healthy", JSON.stringify(health));
  });

  it("the REST API takes basic auth, as with Airflow's own docker-compose (and refuses a wrong password)", async function () {
    this.timeout(60_000);
    const port = await webserver.hostPort(8080);
    const call = (password: string) => fetch(`http://127.0.0.1:${port}/api/v1/dags`, { headers: { authorization: `Basic ${Buffer.from(`airflow:${password}`).toString("base64")}` } });
    const ok = await call(ADMIN_PASSWORD);
    const body = await ok.text();
    assert.strictEqual(ok.status, 200, body);
    assert.ok(Array.isArray((JSON.parse(body) as { dags: unknown[] }).dags), body);
    assert.strictEqual((await call("wrong")).status, 401);
  });

  it("reads AIRFLOW_CONN_* connections", async function () {
    this.timeout(60_000);
    const r = await webserver.exec(["airflow", "connections", "get", "lab_db", "--output", "json"]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /"host": "airflow-db"/);
  });

  it("entrypoint: `airflow <cmd>`, `<cmd>`, `bash`/`python` as given, and a bounded wait for the DB", async function () {
    this.timeout(300_000);
    for (const cmd of [["version"], ["airflow", "version"]]) {
      const r = await runToExit({ image, cmd }, RUN_MS);
      assert.strictEqual(r.code, 0, r.out);
      assert.match(r.out, /^2\.10\.5$/m, `${cmd.join(" ")}: ${r.out}`);
    }
    const py = await runToExit({ image, cmd: ["python", "-c", "import airflow.providers.postgres, airflow.providers.common.sql; print('providers ok')"] }, RUN_MS);
    assert.match(py.out, /providers ok/);
    const sh = await runToExit({ image, cmd: ["bash", "-c", "echo from-bash"] }, RUN_MS);
    assert.match(sh.out, /^from-bash$/m);
    // An unreachable DB: the entrypoint gives up after CONNECTION_CHECK_MAX_COUNT tries instead of running the command.
    const down = await runToExit({ image, cmd: ["bash", "-c", "echo ran"], env: {
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: "postgresql+psycopg2://airflow:x@127.0.0.1:1/airflow",
      CONNECTION_CHECK_MAX_COUNT: "2", CONNECTION_CHECK_SLEEP_TIME: "1",
    } }, RUN_MS);
    assert.notStrictEqual(down.code, 0);
    assert.doesNotMatch(down.out, /^ran$/m);
    assert.match(down.out, /not reachable after 2 tries/);
  });

  it("its constraints are the lab's (images/airflow/constraints-airflow-2.10.5-py3.11.txt)", function () {
    const ours = fs.readFileSync(path.join(REPO, "images/debian/airflow/constraints.txt"), "utf8");
    assert.strictEqual(ours, fs.readFileSync(path.join(REPO, "images/airflow/constraints-airflow-2.10.5-py3.11.txt"), "utf8"));
  });

  it("images/airflow builds FROM it: pip install as airflow, the DAGs import", async function () {
    this.timeout(30 * 60_000);
    const lab = await buildContext("lab-test-airflow-lab:contract", ".", "images/airflow/Dockerfile", { AIRFLOW_IMAGE: image });
    const r = await runToExit({ image: lab, cmd: ["python", "-c",
      "import yoyo, airflow; from airflow.models import DagBag; b = DagBag('/opt/airflow/dags', include_examples=False); "
      + "assert not b.import_errors, b.import_errors; print(airflow.__version__, sorted(b.dag_ids))"] }, RUN_MS);
    assert.strictEqual(r.code, 0, r.out);
    assert.match(r.out, /^2\.10\.5 \[.*'bookings_stg_ddl'.*'partitioning_test_part'.*\]$/m);
  });
});
