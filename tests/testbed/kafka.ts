import { randomBytes } from "crypto";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { freePorts, waitForTcp } from "./ports";
import { Managed, requireBinary, start, tempDir, waitFor } from "./proc";

/** Laid out by .ci/install.d/30-kafka.sh: libs/ (broker + Connect classpath) and plugins/<plugin>/ (plugin.path). */
export { KAFKA_HOME } from "./cache";
import { KAFKA_HOME } from "./cache";
const INSTALLED_BY = ".ci/install.d/30-kafka.sh";

export interface KafkaLabOptions {
  /** Kafka Connect distributed workers in one group (0 = broker only). */
  workers?: number;
  name?: string;
  brokerHeapMb?: number;
  workerHeapMb?: number;
  /** Extra worker properties, e.g. { "offset.flush.interval.ms": 500 }. */
  workerSettings?: Record<string, string | number>;
  /** Extra broker properties. */
  brokerSettings?: Record<string, string | number>;
  /** "service_load" is fastest (Debezium ships manifests); "hybrid_warn" also scans jars without them. */
  pluginDiscovery?: "service_load" | "hybrid_warn" | "only_scan";
}

export interface KafkaRecord { key: string | null; value: string | null }

export interface KafkaLab {
  bootstrap: string;
  broker: Managed;
  /** One slot per worker; a killed worker stays in its slot (exited) until restartWorker(i). */
  workers: Managed[];
  root: string;
  /** Measured by startKafka: storage format + broker listening, then the further wait until every worker joined. */
  startup: { brokerMs: number; workersMs: number; totalMs: number };
  connectUrl(i?: number): string;
  /** URLs of the workers that are still alive. */
  liveConnectUrls(): string[];
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGKILL, as the seed's `kill.sh connect1`: a graceful stop would leave its connectors UNASSIGNED. */
  killWorker(i: number): Promise<void>;
  restartWorker(i: number, timeoutMs?: number): Promise<void>;
  topics(): Promise<string[]>;
  /** Reads `n` records from the start of `topic`; rejects naming the topic if fewer arrive within timeoutMs. */
  consume(topic: string, n: number, timeoutMs: number): Promise<KafkaRecord[]>;
  stop(): Promise<void>;
}

const java = () => requireBinary("/usr/bin/java", INSTALLED_BY);
/** The connectors the lab uses must be on the plugin.path, or Connect only says "no plugin class" much later. */
const pluginPath = () => {
  for (const p of ["debezium-connector-postgres", "debezium-connector-jdbc"]) requireBinary(path.join(KAFKA_HOME, "plugins", p), INSTALLED_BY);
  return path.join(KAFKA_HOME, "plugins");
};
const classpath = () => path.join(requireBinary(path.join(KAFKA_HOME, "libs"), INSTALLED_BY), "*");

/** JVM flags sized for a 2-core box running several JVMs at once. */
function jvmArgs(heapMb: number, log4j: string): string[] {
  return [`-Xms64m`, `-Xmx${heapMb}m`, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
    "-Djava.awt.headless=true", `-Dlog4j2.configurationFile=${log4j}`, "-cp", classpath()];
}

export function renderProperties(props: Record<string, string | number | boolean>): string {
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

/**
 * Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding. A leading '-' would be read by the
 * storage tool as an option (1 start in 64 would fail), so it becomes 'A': the first character carries whole bits.
 */
export function newClusterId(): string {
  return randomBytes(16).toString("base64url").replace(/^-/, "A");
}

const LOG4J = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d{HH:mm:ss,SSS}] %p %m (%c{1})%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.common.name = org.apache.kafka.common
logger.common.level = WARN
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
`;

/** Runs a Kafka CLI main class to completion; rejects with its output when it fails or outlives timeoutMs. */
export function runKafkaTool(mainClass: string, args: string[], timeoutMs: number, log4j?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(java(), [...jvmArgs(256, log4j ?? "none"), mainClass, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} ${args.join(" ")} ${sig ? `killed after ${timeoutMs} ms` : `exited ${code}`}: ${(err || out).slice(-2000)}`));
    });
  });
}

/** A single-node KRaft broker and `workers` Connect workers in one group, all on free 127.0.0.1 ports. */
export async function startKafka(opts: KafkaLabOptions = {}): Promise<KafkaLab> {
  const t0 = Date.now();
  const name = opts.name ?? "kafka";
  const workerCount = opts.workers ?? 2;
  const root = tempDir(`lab-${name}`);
  const log4j = path.join(root, "log4j2.properties");
  fs.writeFileSync(log4j, LOG4J);
  const [brokerPort, controllerPort, ...restPorts] = await freePorts(2 + workerCount);
  const bootstrap = `127.0.0.1:${brokerPort}`;

  const brokerProps = path.join(root, "server.properties");
  fs.writeFileSync(brokerProps, renderProperties({
    "process.roles": "broker,controller",
    "node.id": 1,
    "controller.quorum.voters": `1@127.0.0.1:${controllerPort}`,
    "listeners": `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://${bootstrap}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "log.dirs": path.join(root, "broker-data"),
    "num.partitions": 1,
    // One broker: every internal topic must fit on it.
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 5,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
    "num.network.threads": 2,
    "num.io.threads": 2,
    "log.flush.interval.ms": 1000,
    ...opts.brokerSettings,
  }));
  await runKafkaTool("kafka.tools.StorageTool", ["format", "-t", newClusterId(), "-c", brokerProps, "--ignore-formatted"], 60_000, log4j);
  const broker = start({
    name: `${name}-broker`, cmd: java(), logDir: root,
    args: [...jvmArgs(opts.brokerHeapMb ?? 384, log4j), "kafka.Kafka", brokerProps],
  });
  const groupId = `${name}-connect`;
  const workerProps = (i: number): string => {
    const file = path.join(root, `connect-${i}.properties`);
    fs.writeFileSync(file, renderProperties({
      "bootstrap.servers": bootstrap,
      "group.id": groupId,
      "listeners": `http://127.0.0.1:${restPorts[i]}`,
      "rest.advertised.host.name": "127.0.0.1",
      "rest.advertised.port": restPorts[i],
      "key.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      // The JDBC sink needs the schema inside every record when there is no registry.
      "key.converter.schemas.enable": true,
      "value.converter.schemas.enable": true,
      "config.storage.topic": `${groupId}-configs`,
      "offset.storage.topic": `${groupId}-offsets`,
      "status.storage.topic": `${groupId}-status`,
      "config.storage.replication.factor": 1,
      "offset.storage.replication.factor": 1,
      "status.storage.replication.factor": 1,
      "offset.storage.partitions": 1,
      "status.storage.partitions": 1,
      "offset.flush.interval.ms": 1000,
      "plugin.path": pluginPath(),
      "plugin.discovery": opts.pluginDiscovery ?? "service_load",
      // A killed worker's connectors move after session timeout + this delay (default 5 min) instead of waiting for it.
      "scheduled.rebalance.max.delay.ms": 3000,
      "session.timeout.ms": 6000,
      "heartbeat.interval.ms": 1000,
      ...opts.workerSettings,
    }));
    return file;
  };
  const startWorker = (i: number): Managed => start({
    name: `${name}-connect-${i}`, cmd: java(), logDir: root,
    args: [...jvmArgs(opts.workerHeapMb ?? 448, log4j), "org.apache.kafka.connect.cli.ConnectDistributed", workerProps(i)],
  });
  // Workers start while the broker boots: their JVM and plugin loading overlap it, and they wait for the cluster id.
  const workers = restPorts.map((_, i) => startWorker(i));
  const connectUrl = (i = 0): string => {
    if (i < 0 || i >= workerCount) throw new Error(`connect worker ${i} does not exist (workers: ${workerCount})`);
    return `http://127.0.0.1:${restPorts[i]}`;
  };
  const alive = (m: Managed) => m.child.exitCode === null && m.child.signalCode === null;
  const waitWorker = async (i: number, timeoutMs: number) => {
    await waitFor(`connect worker ${i} (${connectUrl(i)}) to join group ${groupId}`, timeoutMs, async () => {
      if (!alive(lab.workers[i])) throw new Error(`connect worker ${i} exited:\n${lab.workers[i].tail()}`);
      // /connectors answers 200 only once the worker has joined the group and read the config topic.
      const res = await fetch(`${connectUrl(i)}/connectors`);
      return res.ok ? true : undefined;
    }, 250).catch((e) => { throw new Error(`${e.message}\n${lab.workers[i].tail(20)}`); });
  };

  const lab: KafkaLab = {
    bootstrap, broker, workers, root,
    startup: { brokerMs: 0, workersMs: 0, totalMs: 0 },
    connectUrl,
    liveConnectUrls: () => lab.workers.flatMap((m, i) => (alive(m) ? [connectUrl(i)] : [])),
    async waitReady(timeoutMs = 120_000) {
      if (!alive(broker)) throw new Error(`kafka broker exited:\n${broker.tail()}`);
      await Promise.all(lab.workers.map((m, i) => (alive(m) ? waitWorker(i, timeoutMs) : Promise.resolve())));
    },
    async killWorker(i) {
      const m = lab.workers[i];
      m.signal("SIGKILL");
      await m.exited;
    },
    async restartWorker(i, timeoutMs = 120_000) {
      if (alive(lab.workers[i])) throw new Error(`connect worker ${i} is still running`);
      lab.workers[i] = startWorker(i);
      await waitWorker(i, timeoutMs);
    },
    async topics() {
      const out = await runKafkaTool("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap, "--list"], 60_000, log4j);
      return out.split("\n").map((s) => s.trim()).filter(Boolean).sort();
    },
    async consume(topic, n, timeoutMs) {
      const out = await runKafkaTool("org.apache.kafka.tools.consumer.ConsoleConsumer", [
        "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning", "--max-messages", String(n),
        "--timeout-ms", String(timeoutMs), "--formatter-property", "print.key=true",
        "--formatter-property", "key.separator=\t", "--formatter-property", "null.literal=null",
      ], timeoutMs + 30_000, log4j).catch((e) => { throw new Error(`consume ${n} record(s) from topic ${topic}: ${e.message}`); });
      const records = out.split("\n").filter((l) => l.includes("\t")).map((line) => {
        const tab = line.indexOf("\t");
        const [key, value] = [line.slice(0, tab), line.slice(tab + 1)];
        return { key: key === "null" ? null : key, value: value === "null" ? null : value };
      });
      if (records.length < n) throw new Error(`topic ${topic}: ${records.length} of ${n} record(s) within ${timeoutMs} ms`);
      return records;
    },
    async stop() {
      await Promise.all(lab.workers.map((m) => m.stop(5000)));
      await broker.stop(10_000);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await waitForTcp(brokerPort, 60_000).catch((e) => { throw new Error(`kafka broker: ${e.message}\n${broker.tail()}`); });
    lab.startup.brokerMs = Date.now() - t0;
    await lab.waitReady();
  } catch (e) {
    await lab.stop().catch(() => undefined);
    throw e;
  }
  lab.startup.totalMs = Date.now() - t0;
  lab.startup.workersMs = lab.startup.totalMs - lab.startup.brokerMs;
  return lab;
}
