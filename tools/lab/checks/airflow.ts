// Airflow's REST API as a user calls it (`curl -u airflow:<password> .../api/v1/...`, basic auth as in Airflow's own
// docker-compose: components/airflow/airflow.ts), with the admin the lab created (airflow-init's environment).
import { AIRFLOW_PORT } from "../../../components/airflow/airflow";
import { Check, CheckedLab, fail, pass } from "./framework";

export interface AirflowApi {
  base: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** The webserver's published REST API, authenticated as the lab's admin. */
export async function airflowApi(lab: CheckedLab): Promise<AirflowApi> {
  const base = `http://${lab.address("airflow-webserver", AIRFLOW_PORT)}/api/v1`;
  const user = await lab.envOf("airflow-init", "LAB_AIRFLOW_ADMIN_USER");
  const password = await lab.envOf("airflow-init", "LAB_AIRFLOW_ADMIN_PASSWORD");
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  return {
    base,
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method, signal: AbortSignal.timeout(15_000),
        headers: { authorization, "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON: kept as text */ }
      return { status: res.status, body: parsed };
    },
  };
}

/** The DAG's newest run (by logical date), or undefined when it never ran. */
export async function lastRun(api: AirflowApi, dagId: string): Promise<{ dag_run_id: string; state: string; end_date?: string } | undefined> {
  const r = await api.call("GET", `/dags/${encodeURIComponent(dagId)}/dagRuns?order_by=-execution_date&limit=1`);
  if (r.status !== 200) throw new Error(`GET ${api.base}/dags/${dagId}/dagRuns answered HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
  return r.body.dag_runs?.[0];
}

/** Each DAG's last run succeeded (a DAG that never ran fails: the student triggers it). */
export function dagRunsSucceeded(dagIds: string[]): Check {
  return {
    name: `last run succeeded: ${dagIds.join(", ")}`,
    look: "Airflow's UI (Grid view of the DAG, task logs); trigger a DAG as the line above says",
    async run(lab) {
      const api = await airflowApi(lab);
      const parts: string[] = [];
      const notDone: string[] = [];
      for (const id of dagIds) {
        const run = await lastRun(api, id);
        if (run?.state !== "success") notDone.push(id);
        parts.push(run ? `${id} ${run.state} (${run.dag_run_id})` : `${id} never ran`);
      }
      if (notDone.length === 0) return pass(parts.join(", "));
      // The webserver's address as this lab publishes it (lab:ports.airflow), not the seed's 8080.
      const dag = notDone[0];
      const json = "-H 'content-type: application/json'";
      const trigger = `trigger: curl -u airflow:<password> -X POST ${api.base}/dags/${dag}/dagRuns ${json} -d '{}'`;
      // A paused DAG (the lab's Airflow pauses new DAGs, as the seed's) queues the run and never starts it.
      const paused = (await api.call("GET", `/dags/${encodeURIComponent(dag)}`)).body?.is_paused === true;
      const unpause = `unpause: curl -u airflow:<password> -X PATCH '${api.base}/dags/${dag}?update_mask=is_paused' ${json} -d '{"is_paused": false}'; then `;
      return fail(`${parts.join(", ")}; ${paused ? unpause : ""}${trigger}`);
    },
  };
}
