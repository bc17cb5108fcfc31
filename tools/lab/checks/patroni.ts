// The Patroni homeworks' checks (seeds 003 and 004): what their READMEs check by hand with patronictl, psql through
// HAProxy, Prometheus, the Connect REST API and a Kafka consumer, against the running lab.
import { randomUUID } from "crypto";
import { PATRONI_PASSWORD_ENV } from "../../../components/patroni/patroniConfig";
import { CDC_TABLE, OUTBOX_TABLE, OUTBOX_TOPIC, SOURCE_DATABASE, SOURCE_SLOT, DESTINATION_DATABASE } from "../../../homeworks/patroni-cdc/connectors";
import { connectRequest } from "../../../providers/kafkaConnector";
import { waitUntil } from "../../../providers/retry";
import { numbered } from "../docker";
import { haproxyAddress, sql } from "../experiments";
import { leaderOf, Patroni } from "../patroni";
import { Check, CheckedLab, containersHealthy, fail, HomeworkChecks, pass, secs, settled } from "./framework";

const superuserPassword = (lab: CheckedLab) => lab.envOf(numbered(lab.services, "pg")[0]?.service ?? "pg-1", PATRONI_PASSWORD_ENV.superuser);

/** Every Patroni member's address inside the lab network → its service (pg-1...), to tell which member HAProxy picked. */
const addresses = new WeakMap<CheckedLab, Map<string, string>>();
async function memberAddresses(lab: CheckedLab): Promise<Map<string, string>> {
  const known = addresses.get(lab);
  if (known) return known;
  const out = new Map<string, string>();
  for (const m of numbered(lab.services, "pg")) {
    const info = await lab.docker.docker.getContainer(m.name).inspect();
    for (const n of Object.values(info.NetworkSettings.Networks ?? {})) if (n.IPAddress) out.set(n.IPAddress, m.service);
  }
  addresses.set(lab, out);
  return out;
}

/** Which member answers a connection through `hostPort`, and whether it is a standby. */
async function servedBy(lab: CheckedLab, hostPort: string, database = "postgres"): Promise<{ member: string; standby: boolean }> {
  const [r] = await sql(lab.pg(hostPort, await superuserPassword(lab), database), "select host(inet_server_addr()) as ip, pg_is_in_recovery() as standby");
  const member = (await memberAddresses(lab)).get(r.ip) ?? `unknown ${r.ip}`;
  return { member, standby: r.standby };
}

const members: Check = {
  name: "Patroni: three members, one Leader, a Sync Standby",
  look: "npm run lab -- status (patronictl list); docker logs <prefix>-pg-N",
  run(lab) {
    return settled(async () => {
      const list = await new Patroni(lab.docker, lab.services).members();
      const figure = list.map((m) => `${m.member} ${m.role} ${m.state}`).join(", ");
      const leaders = list.filter((m) => m.role === "Leader" && m.state === "running");
      const syncs = list.filter((m) => m.role === "Sync Standby" && m.state === "streaming");
      const others = list.filter((m) => m.role !== "Leader" && m.state !== "streaming");
      return list.length === 3 && leaders.length === 1 && syncs.length >= 1 && others.length === 0 ? pass(figure) : fail(figure || "no members");
    });
  },
};

const writesToLeader: Check = {
  name: "HAProxy sends writes to the leader",
  look: "HAProxy's stats page (lab:ports.haproxyStats, default 7001); npm run lab -- status",
  run(lab) {
    return settled(async () => {
      const rw = await haproxyAddress(lab.docker, lab.services, lab.prefix, "pg_read_write_in");
      const [served, leader] = await Promise.all([servedBy(lab, rw), new Patroni(lab.docker, lab.services).members().then(leaderOf)]);
      const figure = `${rw} → ${served.member}${served.standby ? " (a standby)" : ""}; leader ${leader ?? "none"}`;
      return served.member === leader && !served.standby ? pass(figure) : fail(figure);
    });
  },
};

const readsToReplicas: Check = {
  name: "HAProxy sends reads to the replicas",
  look: "HAProxy's stats page (lab:ports.haproxyStats, default 7001): the read-only backend",
  async run(lab) {
    const ro = await haproxyAddress(lab.docker, lab.services, lab.prefix, "pg_read_only_in");
    const seen: string[] = [];
    let primary = 0;
    for (let i = 0; i < 4; i++) {
      const s = await servedBy(lab, ro);
      seen.push(s.member);
      if (!s.standby) primary++;
    }
    const counts = [...new Set(seen)].sort().map((m) => `${m} ×${seen.filter((x) => x === m).length}`).join(", ");
    return primary === 0 ? pass(`${ro}: 4 reads → ${counts}`) : fail(`${ro}: ${primary} of 4 reads on the leader (${counts})`);
  },
};

const seedTables: Check = {
  name: "owners and events on the leader and the replicas",
  look: "homeworks/patroni-ha/sql; psql through HAProxy's read-write port (lab:ports.haproxyReadWrite, default 5001)",
  async run(lab) {
    const password = await superuserPassword(lab);
    const q = "select (select count(*) from owners)::int as owners, (select count(*) from events)::int as events";
    const [rw, ro] = await Promise.all(["pg_read_write_in", "pg_read_only_in"].map((f) => haproxyAddress(lab.docker, lab.services, lab.prefix, f)));
    const [leader] = await sql(lab.pg(rw, password, "postgres"), q);
    const [replica] = await sql(lab.pg(ro, password, "postgres"), q);
    const figure = `leader owners ${leader.owners}, events ${leader.events}; replica owners ${replica.owners}, events ${replica.events}`;
    return leader.owners > 0 && replica.owners > 0 ? pass(figure) : fail(figure);
  },
};

const prometheusTargets: Check = {
  name: "Prometheus targets up",
  look: "Prometheus's targets page (/targets on lab:ports.prometheus, default http://127.0.0.1:9090); docker logs <prefix>-prometheus",
  run(lab) {
    return settled(async () => {
      const url = `http://${lab.address("prometheus", 9090)}/api/v1/targets?state=active`;
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return fail(`GET ${url} answered HTTP ${res.status}`);
      const t = ((await res.json()) as { data: { activeTargets: { labels: { job: string; instance: string }; health: string }[] } }).data.activeTargets;
      const jobs = [...new Set(t.map((x) => x.labels.job))].sort().map((j) => `${j} ${t.filter((x) => x.labels.job === j && x.health === "up").length}/${t.filter((x) => x.labels.job === j).length}`);
      const down = t.filter((x) => x.health !== "up").map((x) => x.labels.instance);
      const figure = `${t.length - down.length}/${t.length} up (${jobs.join(", ")})${down.length ? `; down: ${down.join(", ")}` : ""}`;
      return t.length > 0 && down.length === 0 ? pass(figure) : fail(figure);
    });
  },
};

export const patroniHaChecks: HomeworkChecks = {
  homework: "patroni-ha",
  marks: ["pg-1", "haproxy", "prometheus", "traffic-generator"],
  checks: [containersHealthy, members, writesToLeader, readsToReplicas, seedTables, prometheusTargets],
};

// ---------------------------------------------------------------------------------------------------------------
// patroni-cdc

const slotOnEveryMember: Check = {
  name: `${SOURCE_SLOT} on every member`,
  look: "Patroni's slots: in `patronictl show-config`; docker logs <prefix>-pg-N",
  run(lab) {
    return settled(async () => {
      const lines: string[] = [];
      let missing = 0;
      for (const m of numbered(lab.services, "pg")) {
        const r = await lab.docker.exec(m.name, ["psql", "-U", "postgres", "-d", SOURCE_DATABASE, "-XtAc",
          `select plugin || ' ' || database from pg_replication_slots where slot_name = '${SOURCE_SLOT}'`], 15_000);
        const slot = r.exitCode === 0 ? r.stdout.trim() : `psql exit ${r.exitCode}: ${r.stderr.trim().slice(0, 120)}`;
        if (r.exitCode !== 0 || !slot) missing++;
        lines.push(`${m.service} ${slot || "none"}`);
      }
      return missing === 0 && lines.length > 0 ? pass(lines.join(", ")) : fail(lines.join(", ") || "no Patroni members");
    });
  },
};

async function connectUrls(lab: CheckedLab): Promise<string[]> {
  const urls = numbered(lab.services, "connect").flatMap((s) => { try { return [`http://${lab.address(s.service, 8083)}`]; } catch { return []; } });
  if (urls.length === 0) throw new Error("no connect-N container publishes 8083");
  return urls;
}

const connectorsRunning: Check = {
  name: "connectors and their tasks RUNNING",
  look: "npm run lab -- connectors; npm run lab -- status <connector> (its trace); docker logs <prefix>-connect-1",
  run(lab) {
    return settled(async () => {
      const res = await connectRequest(await connectUrls(lab), "GET", "/connectors?expand=status", "connectors");
      if (res.status !== 200) return fail(`GET ${res.url}/connectors answered HTTP ${res.status}`);
      const entries = Object.entries((res.body ?? {}) as Record<string, { status: any }>).sort(([a], [b]) => a.localeCompare(b));
      const states = entries.map(([name, { status }]) => {
        const tasks = (status?.tasks ?? []) as { state: string }[];
        const ok = status?.connector?.state === "RUNNING" && tasks.length > 0 && tasks.every((t) => t.state === "RUNNING");
        return { ok, text: `${name} ${status?.connector?.state ?? "?"} (${tasks.filter((t) => t.state === "RUNNING").length}/${tasks.length} tasks)` };
      });
      const figure = states.map((s) => s.text).join(", ") || "no connectors";
      return states.length >= 3 && states.every((s) => s.ok) ? pass(figure) : fail(figure);
    });
  },
};

/** Ids the checks write: a range of their own (5e15..., below 2^53), above the experiments' (1e12...) and any identity sequence. */
const probeId = () => 5_000_000_000_000_000 + Math.floor(Math.random() * 1e12);
/** How long a probe row or event may take to arrive before the check fails. */
export const CDC_PROBE_BOUND_MS = 30_000;

const probeRow: Check = {
  name: `a probe row source → destination within ${CDC_PROBE_BOUND_MS / 1000} s`,
  look: "npm run lab -- connectors (source-connector, sink-connector); docker logs <prefix>-connect-1",
  timeoutMs: CDC_PROBE_BOUND_MS + 20_000,
  async run(lab) {
    const password = await superuserPassword(lab);
    const rw = await haproxyAddress(lab.docker, lab.services, lab.prefix, "pg_read_write_in");
    const dest = lab.pg(lab.address("destination", 5432), await lab.envOf("destination", "POSTGRES_PASSWORD"), DESTINATION_DATABASE);
    const id = probeId();
    const t = Date.now();
    await sql(lab.pg(rw, password, SOURCE_DATABASE), `insert into ${CDC_TABLE} (id, name, amount) values ($1, 'lab-check', 1)`, [id]);
    const arrived = await waitUntil(`row ${id} in ${DESTINATION_DATABASE}.${CDC_TABLE}`, CDC_PROBE_BOUND_MS,
      async () => ((await sql(dest, `select 1 from ${CDC_TABLE} where id = $1`, [id]).catch(() => [])).length ? Date.now() : undefined), 200)
      .catch(() => undefined);
    return arrived ? pass(`row ${id} in ${secs(arrived.value - t)}`) : fail(`row ${id} not in ${DESTINATION_DATABASE} after ${CDC_PROBE_BOUND_MS / 1000} s`);
  },
};

const outboxEvent: Check = {
  name: `an outbox event on ${OUTBOX_TOPIC} within ${CDC_PROBE_BOUND_MS / 1000} s`,
  look: "npm run lab -- status outbox-connector; npm run lab -- consume Person.events",
  timeoutMs: CDC_PROBE_BOUND_MS + 30_000,
  async run(lab) {
    const { Consumer, stringDeserializers } = await import("@platformatic/kafka");
    const bootstrap = lab.address("kafka", 9092);
    const consumer = new Consumer({ clientId: "lab-check", groupId: `lab-check-${randomUUID()}`, bootstrapBrokers: [bootstrap], deserializers: stringDeserializers });
    const key = `lab-check-${randomUUID()}`;
    try {
      // Where the topic ends now: the event is read from there on, whatever the writer adds meanwhile.
      const ends = (await consumer.listOffsets({ topics: [OUTBOX_TOPIC] })).get(OUTBOX_TOPIC) ?? [];
      if (ends.length === 0) return fail(`topic ${OUTBOX_TOPIC} does not exist on ${bootstrap}`);
      const password = await superuserPassword(lab);
      const rw = await haproxyAddress(lab.docker, lab.services, lab.prefix, "pg_read_write_in");
      const t = Date.now();
      await sql(lab.pg(rw, password, SOURCE_DATABASE), `insert into ${OUTBOX_TABLE} (aggregatetype, aggregateid, type, payload) values ('Person', $1, 'LabCheck', $2)`,
        [key, JSON.stringify({ id: key, check: true })]);
      const stream = await consumer.consume({ topics: [OUTBOX_TOPIC], mode: "manual", offsets: ends.map((offset, partition) => ({ topic: OUTBOX_TOPIC, partition, offset })), autocommit: false });
      const at = await new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), CDC_PROBE_BOUND_MS);
        // The key's encoding follows the connector's converter (JSON string, plain, Avro): its text is in it either way.
        stream.on("data", (m: { key: unknown }) => { if (String(m.key).includes(key)) { clearTimeout(timer); resolve(Date.now()); } });
        stream.on("error", () => { clearTimeout(timer); resolve(undefined); });
      });
      await Promise.resolve(stream.close()).catch(() => undefined);
      return at ? pass(`event ${key.slice(0, 20)}… in ${secs(at - t)}`) : fail(`no event with key ${key} on ${OUTBOX_TOPIC} within ${CDC_PROBE_BOUND_MS / 1000} s`);
    } finally {
      await Promise.resolve(consumer.close(true) as Promise<void> | undefined).catch(() => undefined);
    }
  },
};

export const patroniCdcChecks: HomeworkChecks = {
  homework: "patroni-cdc",
  marks: ["pg-1", "haproxy", "connect-1", "destination"],
  checks: [containersHealthy, members, slotOnEveryMember, connectorsRunning, probeRow, outboxEvent],
};
