// The lab CLI's commands: thin I/O over Kafka Connect (through the KafkaConnector provider's REST client), Kafka,
// the schema registry, Patroni's REST API, docker and the source database.
import { Admin, ConfluentSchemaRegistry, Consumer, stringDeserializers } from "@platformatic/kafka";
import { spawnSync } from "child_process";
import { randomUUID } from "crypto";
import { Client } from "pg";
import { connectRequest, deleteConnector, getConfig, getStatus, setState } from "../../providers/kafkaConnector";
import { Invocation, snapshotSignal, usage } from "./args";

export type Print = (line: string) => void;

const json = (v: unknown) => JSON.stringify(v, null, 2);

/** Any HTTP call outside Connect: the error names the method, URL, status and body. */
async function http(method: string, url: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(url, {
      method, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(15_000),
      headers: { "content-type": body === undefined ? "application/json" : "application/vnd.schemaregistry.v1+json" },
    });
  } catch (e) {
    throw new Error(`${method} ${url}: ${(e as Error).message}${(e as any).cause ? ` (${(e as any).cause.message ?? (e as any).cause})` : ""}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  try { return text ? JSON.parse(text) : undefined; } catch { return text; }
}

function connectorOrFail<T>(what: T | undefined, connector: string, url: string): T {
  if (what === undefined) throw new Error(`connector ${JSON.stringify(connector)} does not exist on ${url} (HTTP 404)`);
  return what;
}

async function connectors(inv: Invocation, print: Print): Promise<void> {
  const url = inv.endpoints.connectUrl;
  const res = await connectRequest(url, "GET", "/connectors?expand=status", "connectors");
  if (res.status !== 200) throw new Error(`GET ${url}/connectors answered HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  const entries = Object.entries(res.body ?? {}) as [string, any][];
  if (entries.length === 0) { print(`no connectors on ${url}`); return; }
  for (const [name, { status }] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    const tasks = (status?.tasks ?? []).map((t: any) => `${t.id}:${t.state}@${t.worker_id}`).join(" ");
    print(`${name}\t${status?.connector?.state ?? "UNKNOWN"}\t${status?.connector?.worker_id ?? "-"}\ttasks ${tasks || "-"}`);
  }
}

async function topics(inv: Invocation, print: Print): Promise<void> {
  const admin = new Admin({ clientId: "lab-cli", bootstrapBrokers: [inv.endpoints.bootstrap], timeout: 10_000, retries: 2 });
  try {
    for (const t of (await admin.listTopics({ includeInternals: false })).sort()) print(t);
  } catch (e) {
    throw new Error(`list topics on ${inv.endpoints.bootstrap}: ${(e as Error).message}`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Prints up to --max records (default 10) or what arrives within --timeout ms (default 10000), whichever first. */
async function consume(inv: Invocation, print: Print): Promise<void> {
  const topic = inv.args[0];
  const max = Number(inv.flags.max ?? 10);
  const timeoutMs = Number(inv.flags.timeout ?? 10_000);
  const registry = inv.flags.avro ? new ConfluentSchemaRegistry({ url: inv.endpoints.schemaRegistryUrl }) : undefined;
  const consumer = new Consumer<any, any, string, string>({
    clientId: "lab-cli", groupId: `lab-cli-${randomUUID()}`, bootstrapBrokers: [inv.endpoints.bootstrap],
    ...(registry ? { registry } : { deserializers: stringDeserializers }),
  } as any);
  let count = 0;
  try {
    const admin = new Admin({ clientId: "lab-cli", bootstrapBrokers: [inv.endpoints.bootstrap] });
    const exists = (await admin.listTopics({ includeInternals: true }).finally(() => admin.close())).includes(topic);
    if (!exists) throw new Error(`topic ${JSON.stringify(topic)} does not exist on ${inv.endpoints.bootstrap}; see \`npm run lab -- topics\``);
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: inv.flags["from-beginning"] ? "earliest" : "latest", fallbackMode: "earliest" });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      stream.on("data", (m: any) => {
        const decode = (v: unknown) => (typeof v === "string" ? tryJson(v) : v ?? null);
        print(JSON.stringify({ partition: m.partition, offset: String(m.offset), key: decode(m.key), value: decode(m.value) }, (_, v) => (typeof v === "bigint" ? String(v) : v)));
        if (++count >= max) { clearTimeout(timer); resolve(); }
      });
      stream.on("error", (e: Error) => { clearTimeout(timer); reject(e); });
    });
    await Promise.resolve(stream.close()).catch(() => undefined);
  } finally {
    await Promise.resolve(consumer.close(true) as Promise<void> | undefined).catch(() => undefined);
  }
  if (count === 0) print(`(no records on ${topic} within ${timeoutMs} ms${inv.flags["from-beginning"] ? "" : "; --from-beginning reads older ones"})`);
}

function tryJson(v: string): unknown {
  try { return JSON.parse(v); } catch { return v; }
}

async function signalSnapshot(inv: Invocation, print: Print): Promise<void> {
  const table = String(inv.flags["signal-table"] ?? "bookings.debezium_signal");
  const row = snapshotSignal(randomUUID(), inv.args);
  const db = new Client({ connectionString: inv.endpoints.sourceUrl });
  await db.connect();
  try {
    const [schema, name] = table.split(".");
    await db.query(`insert into "${schema}"."${name}" (id, type, data) values ($1, $2, $3)`, [row.id, row.type, row.data]);
  } finally {
    await db.end();
  }
  print(`signal ${row.id}: ${row.type} ${row.data} → ${table}`);
}

async function compatibility(inv: Invocation, print: Print): Promise<void> {
  const subject = inv.flags.subject ? `/${encodeURIComponent(String(inv.flags.subject))}` : "";
  const url = `${inv.endpoints.schemaRegistryUrl}/config${subject}`;
  if (inv.args[0]) {
    const body = await http("PUT", url, { compatibility: inv.args[0].toUpperCase() });
    print(json(body));
  } else {
    print(json(await http("GET", url)));
  }
}

async function switchover(inv: Invocation, print: Print): Promise<void> {
  const base = inv.endpoints.patroniUrl;
  const cluster = await http("GET", `${base}/cluster`);
  const leader = String(inv.flags.leader ?? (cluster?.members ?? []).find((m: any) => m.role === "leader")?.name ?? "");
  if (!leader) throw new Error(`switchover: ${base}/cluster shows no leader: ${JSON.stringify(cluster)}`);
  const body: Record<string, string> = { leader };
  if (inv.flags.candidate) body.candidate = String(inv.flags.candidate);
  const res = await fetch(`${base}/switchover`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${base}/switchover ${JSON.stringify(body)} answered HTTP ${res.status}: ${text}`);
  print(text.trim());
}

function kill(inv: Invocation, print: Print): void {
  const name = `${inv.endpoints.prefix}-${inv.args[0]}`;
  const signal = String(inv.flags.signal ?? "SIGKILL");
  const r = spawnSync("docker", ["kill", "--signal", signal, name], { encoding: "utf8", timeout: 30_000 });
  if (r.error) throw new Error(`docker kill ${name}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`docker kill ${name} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  print(`killed ${name} (${signal})`);
}

/** Runs one parsed invocation; output goes through `print`. Throws with a message naming what failed. */
export async function runCommand(inv: Invocation, print: Print): Promise<void> {
  const url = inv.endpoints.connectUrl;
  const connector = inv.args[0];
  switch (inv.command) {
    case "help": print(usage()); return;
    case "connectors": return connectors(inv, print);
    case "config": print(json(connectorOrFail(await getConfig(url, connector), connector, url))); return;
    case "status": print(json(connectorOrFail(await getStatus(url, connector), connector, url))); return;
    case "pause":
    case "resume":
      connectorOrFail(await getStatus(url, connector), connector, url);
      await setState(url, connector, inv.command === "pause" ? "paused" : "running");
      print(`${connector}: ${inv.command === "pause" ? "pause" : "resume"} requested`);
      return;
    case "restart": {
      const res = await connectRequest(url, "POST", `/connectors/${encodeURIComponent(connector)}/restart?includeTasks=true&onlyFailed=false`, `connector ${connector}`);
      if (res.status === 404) connectorOrFail(undefined, connector, url);
      if (![200, 202, 204].includes(res.status)) throw new Error(`POST ${url}/connectors/${connector}/restart answered HTTP ${res.status}: ${res.text.slice(0, 500)}`);
      print(`${connector}: restart requested`);
      return;
    }
    case "delete":
      if (!(await deleteConnector(url, connector))) throw new Error(`connector ${JSON.stringify(connector)} does not exist on ${url} (HTTP 404)`);
      print(`${connector}: deleted`);
      return;
    case "topics": return topics(inv, print);
    case "consume": return consume(inv, print);
    case "signal-snapshot": return signalSnapshot(inv, print);
    case "compatibility": return compatibility(inv, print);
    case "switchover": return switchover(inv, print);
    case "kill": kill(inv, print); return;
    default: throw new Error(`command ${inv.command} has no implementation`);
  }
}
