// The lab CLI's commands: thin I/O over Kafka Connect (through the KafkaConnector provider's REST client), Kafka,
// the schema registry, Docker (dockerode: containers found by their lab.prefix/lab.service labels), Patroni
// (patronictl through docker exec) and the source database.
import { Admin, ConfluentSchemaRegistry, Consumer, stringDeserializers } from "@platformatic/kafka";
import { randomUUID } from "crypto";
import { Client } from "pg";
import { connectRequest, deleteConnector, getConfig, getStatus, httpCall, setState } from "../../providers/kafkaConnector";
import { CONFLUENT_API_PATH } from "../../components/kafka/schemaRegistry";
import { Invocation, snapshotSignal, usage } from "./args";
import { LabDocker, LabService, numbered, pickService, publishedAddress } from "./docker";
import { EXPERIMENTS, ExperimentName, lab, renderFigures } from "./experiments";
import { leaderOf, Patroni, replicasOf } from "./patroni";
import { repairStack, repairTarget } from "./repair";
import { REPO_ROOT } from "../../program/paths";

export type Print = (line: string) => void;

const json = (v: unknown) => JSON.stringify(v, null, 2);

/** Any HTTP call outside Connect (the schema registry): bounded, the error names the method, URL, phase, status and body. */
async function http(method: string, url: string, body?: unknown): Promise<any> {
  const res = await httpCall(url, method, body === undefined ? undefined : JSON.stringify(body), { connectTimeoutMs: 3_000, responseTimeoutMs: 15_000 },
    { "content-type": "application/vnd.schemaregistry.v1+json", accept: "application/json" })
    .catch((e) => { throw new Error(`${method} ${(e as Error).message}`); });
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${url} answered HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  try { return res.text ? JSON.parse(res.text) : undefined; } catch { return res.text; }
}

/** The lab's containers, looked up once per command. */
function services(inv: Invocation, docker: LabDocker): () => Promise<LabService[]> {
  let list: Promise<LabService[]> | undefined;
  return () => (list ??= docker.services(inv.where.prefix).catch((e) => { throw new Error(`${e.message} (prefix from ${inv.where.prefixFrom})`); }));
}

/** Every Connect worker's URL: --connect-url/LAB_CONNECT_URL, else each connect-N container's published REST port. */
async function connectUrls(inv: Invocation, lab: () => Promise<LabService[]>): Promise<string[]> {
  if (inv.where.connectUrls) return inv.where.connectUrls;
  const urls = numbered(await lab(), "connect").flatMap((s) => { const a = publishedAddress(s, 8083); return a ? [`http://${a}`] : []; });
  if (urls.length === 0) throw new Error(`lab ${inv.where.prefix} has no connect-N container publishing 8083 (or pass --connect-url)`);
  return urls;
}

async function published(inv: Invocation, lab: () => Promise<LabService[]>, service: string, port: number, flag: string): Promise<string> {
  const s = pickService(await lab(), service, inv.where.prefix);
  const a = publishedAddress(s, port);
  if (!a) throw new Error(`${s.name} does not publish port ${port} (or pass ${flag})`);
  return a;
}

/** The registry's Confluent-compatible API: --schema-registry, else the schema-registry container's published port. */
async function registryUrl(inv: Invocation, lab: () => Promise<LabService[]>): Promise<string> {
  return inv.where.schemaRegistryUrl ?? `http://${await published(inv, lab, "schema-registry", 8080, "--schema-registry")}${CONFLUENT_API_PATH}`;
}

function connectorOrFail<T>(what: T | undefined, connector: string, urls: string[]): T {
  if (what === undefined) throw new Error(`connector ${JSON.stringify(connector)} does not exist on ${urls.join(", ")} (HTTP 404)`);
  return what;
}

/** One line per connector: name, state, worker, tasks. */
async function connectorLines(urls: string[]): Promise<string[]> {
  const res = await connectRequest(urls, "GET", "/connectors?expand=status", "connectors");
  if (res.status !== 200) throw new Error(`GET ${res.url}/connectors answered HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  const entries = Object.entries(res.body ?? {}) as [string, any][];
  return entries.sort(([a], [b]) => a.localeCompare(b)).map(([name, { status }]) => {
    const tasks = (status?.tasks ?? []).map((t: any) => `${t.id}:${t.state}@${t.worker_id}`).join(" ");
    return `${name}\t${status?.connector?.state ?? "UNKNOWN"}\t${status?.connector?.worker_id ?? "-"}\ttasks ${tasks || "-"}`;
  });
}

async function connectors(urls: string[], print: Print): Promise<void> {
  const lines = await connectorLines(urls);
  if (lines.length === 0) print(`no connectors on ${urls.join(", ")}`);
  for (const l of lines) print(l);
}

async function bootstrapOf(inv: Invocation, lab: () => Promise<LabService[]>): Promise<string> {
  return inv.where.bootstrap ?? published(inv, lab, "kafka", 9092, "--bootstrap");
}

async function topics(bootstrap: string, print: Print): Promise<void> {
  const admin = new Admin({ clientId: "lab-cli", bootstrapBrokers: [bootstrap], timeout: 10_000, retries: 2 });
  try {
    for (const t of (await admin.listTopics({ includeInternals: false })).sort()) print(t);
  } catch (e) {
    throw new Error(`list topics on ${bootstrap}: ${(e as Error).message}`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Prints up to --max records (default 10) or what arrives within --timeout ms (default 10000), whichever first. */
async function consume(inv: Invocation, bootstrap: string, registryUrl: string | undefined, print: Print): Promise<void> {
  const topic = inv.args[0];
  const max = Number(inv.flags.max ?? 10);
  const timeoutMs = Number(inv.flags.timeout ?? 10_000);
  const registry = inv.flags.avro ? new ConfluentSchemaRegistry({ url: registryUrl! }) : undefined;
  const consumer = new Consumer<any, any, string, string>({
    clientId: "lab-cli", groupId: `lab-cli-${randomUUID()}`, bootstrapBrokers: [bootstrap],
    ...(registry ? { registry } : { deserializers: stringDeserializers }),
  } as any);
  let count = 0;
  try {
    const admin = new Admin({ clientId: "lab-cli", bootstrapBrokers: [bootstrap], timeout: 10_000, retries: 2 });
    const exists = (await admin.listTopics({ includeInternals: true }).finally(() => admin.close())).includes(topic);
    if (!exists) throw new Error(`topic ${JSON.stringify(topic)} does not exist on ${bootstrap}; see \`npm run lab -- topics\``);
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: inv.flags["from-beginning"] ? "earliest" : "latest", fallbackMode: "earliest" });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      stream.on("data", (m: any) => {
        // A fetch delivers a whole batch: records after the max-th are dropped, not printed.
        if (count >= max) return;
        const decode = (v: unknown) => (typeof v === "string" ? tryJson(v) : v ?? null);
        print(JSON.stringify({ partition: m.partition, offset: String(m.offset), key: decode(m.key), value: decode(m.value) }, (_, v) => (typeof v === "bigint" ? String(v) : v)));
        if (++count >= max) { clearTimeout(timer); stream.pause(); resolve(); }
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
  const db = new Client({ connectionString: inv.where.sourceUrl, connectionTimeoutMillis: 5_000, query_timeout: 15_000 });
  await db.connect();
  try {
    const [schema, name] = table.split(".");
    await db.query(`insert into "${schema}"."${name}" (id, type, data) values ($1, $2, $3)`, [row.id, row.type, row.data]);
  } finally {
    await db.end();
  }
  print(`signal ${row.id}: ${row.type} ${row.data} → ${table}`);
}

async function compatibility(inv: Invocation, registryUrl: string, print: Print): Promise<void> {
  const subject = inv.flags.subject ? `/${encodeURIComponent(String(inv.flags.subject))}` : "";
  const url = `${registryUrl}/config${subject}`;
  if (inv.args[0]) print(json(await http("PUT", url, { compatibility: inv.args[0].toUpperCase() })));
  else print(json(await http("GET", url)));
}

async function switchover(inv: Invocation, docker: LabDocker, lab: () => Promise<LabService[]>, print: Print): Promise<void> {
  const patroni = new Patroni(docker, await lab());
  const members = await patroni.members();
  const leader = String(inv.flags.leader ?? leaderOf(members) ?? "");
  if (!leader) throw new Error(`switchover: patronictl list shows no leader: ${JSON.stringify(members)}`);
  const candidate = inv.flags.candidate ? String(inv.flags.candidate) : replicasOf(members)[0]?.member;
  print((await patroni.switchover(leader, candidate)).trim());
}

/** Every container of the lab with its health, Patroni's roles, the connectors' states and the published URLs. */
async function labStatus(inv: Invocation, docker: LabDocker, lab: () => Promise<LabService[]>, print: Print): Promise<void> {
  const list = await lab();
  print(`lab ${inv.where.prefix} (prefix from ${inv.where.prefixFrom})`);
  const roles: Record<string, string> = {};
  const patroniNote: string[] = [];
  if (numbered(list, "pg").length) {
    await new Patroni(docker, list).members()
      .then((m) => { for (const x of m) roles[x.member] = `${x.role} ${x.state}${x.lagMb ? ` lag ${x.lagMb} MB` : ""}`; })
      .catch((e) => patroniNote.push(`patroni: ${(e as Error).message}`));
  }
  const width = Math.max(...list.map((s) => s.service.length), 7);
  print(`${"service".padEnd(width)}  ${"state".padEnd(8)} ${"health".padEnd(9)} ${"role".padEnd(24)} published`);
  for (const s of list) {
    const ports = Object.entries(s.ports).map(([inside, p]) => `${p.ip}:${p.port}→${inside.replace("/tcp", "")}`).join(" ");
    print(`${s.service.padEnd(width)}  ${s.state.padEnd(8)} ${s.health.padEnd(9)} ${(roles[s.service] ?? "").padEnd(24)} ${ports || "-"}`);
  }
  for (const n of patroniNote) print(n);
  if (numbered(list, "connect").length) {
    const urls = await connectUrls(inv, lab);
    print(`connectors (${urls.join(", ")}):`);
    await connectorLines(urls).then((lines) => { for (const l of lines.length ? lines : ["(none)"]) print(`  ${l}`); })
      .catch((e) => print(`  ${(e as Error).message}`));
  }
}

/** Runs one parsed invocation; output goes through `print`. Throws with a message naming what failed. */
export async function runCommand(inv: Invocation, print: Print, docker: LabDocker = new LabDocker()): Promise<void> {
  const lab = services(inv, docker);
  const connector = inv.args[0];
  const urls = () => connectUrls(inv, lab);
  switch (inv.command) {
    case "help": print(usage()); return;
    case "status":
      if (connector === undefined) return labStatus(inv, docker, lab, print);
      print(json(connectorOrFail(await getStatus(await urls(), connector), connector, await urls())));
      return;
    case "connectors": return connectors(await urls(), print);
    case "config": print(json(connectorOrFail(await getConfig(await urls(), connector), connector, await urls()))); return;
    case "pause":
    case "resume": {
      const u = await urls();
      connectorOrFail(await getStatus(u, connector), connector, u);
      await setState(u, connector, inv.command === "pause" ? "paused" : "running");
      print(`${connector}: ${inv.command} requested`);
      return;
    }
    case "restart": {
      const u = await urls();
      const res = await connectRequest(u, "POST", `/connectors/${encodeURIComponent(connector)}/restart?includeTasks=true&onlyFailed=false`, `connector ${connector}`);
      if (res.status === 404) connectorOrFail(undefined, connector, u);
      if (![200, 202, 204].includes(res.status)) throw new Error(`POST ${res.url}/connectors/${connector}/restart answered HTTP ${res.status}: ${res.text.slice(0, 500)}`);
      print(`${connector}: restart requested`);
      return;
    }
    case "delete": {
      const u = await urls();
      if (!(await deleteConnector(u, connector))) throw new Error(`connector ${JSON.stringify(connector)} does not exist on ${u.join(", ")} (HTTP 404)`);
      print(`${connector}: deleted`);
      return;
    }
    case "topics": return topics(await bootstrapOf(inv, lab), print);
    case "consume": {
      const registry = inv.flags.avro ? await registryUrl(inv, lab) : undefined;
      return consume(inv, await bootstrapOf(inv, lab), registry, print);
    }
    case "signal-snapshot": return signalSnapshot(inv, print);
    case "compatibility":
      return compatibility(inv, await registryUrl(inv, lab), print);
    case "switchover": return switchover(inv, docker, lab, print);
    case "kill": {
      const s = pickService(await lab(), inv.args[0], inv.where.prefix);
      const signal = String(inv.flags.signal ?? "SIGKILL");
      await docker.kill(s.name, signal);
      print(`killed ${s.name} (${signal})`);
      return;
    }
    case "start": {
      const s = pickService(await lab(), inv.args[0], inv.where.prefix);
      await docker.start(s.name);
      print(`started ${s.name}`);
      return;
    }
    case "experiment": {
      const h = await lab_(inv, docker);
      const figures = await EXPERIMENTS[inv.args[0] as ExperimentName](h, {
        ratePerSecond: inv.flags.rate ? Number(inv.flags.rate) : undefined,
        settleSeconds: inv.flags.settle ? Number(inv.flags.settle) : undefined,
        log: (l) => print(`… ${l}`),
      });
      print(renderFigures(figures));
      return;
    }
    case "check": {
      // Loaded here: the checks bring the components' modules (and @pulumi/*) that no other command needs.
      const report = await (await import("./checks")).checkLab(docker, inv.where.prefix, print, !!inv.flags.json);
      if (report.failed) throw new Error(`${report.failed} of ${report.checks.length} checks failed: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join("; ")}`);
      return;
    }
    case "repair": return repairStack(await repairTarget(inv, process.env, REPO_ROOT), docker, print);
    default: throw new Error(`command ${inv.command} has no implementation`);
  }
}

function lab_(inv: Invocation, docker: LabDocker) {
  return lab(docker, inv.where.prefix, { readWrite: inv.where.readWrite, connectUrls: inv.where.connectUrls });
}
