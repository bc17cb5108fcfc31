// Kafka Connect: N distributed workers in one group, from the lab's Connect image (images/connect: Debezium
// PostgreSQL source, Debezium JDBC sink, Apicurio Avro converter). Every worker's REST API is published on its own port.
import { Address, httpUrl } from "../core/address";
import { badInput } from "../../providers/dynamic";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Kafka } from "./kafka";
import { LabImages } from "../core/labImages";
import { LabPlacement, labService } from "../core/labService";

export const CONNECT_REST_PORT = 8083;
const PROPERTIES_PATH = "/opt/connect/connect.properties";

export interface KafkaConnectArgs extends LabPlacement {
  kafka: Kafka;
  /** Builds the Connect image FROM the lab's Kafka (lab:images.kafka, or its Debian build). */
  images: LabImages;
  /** One host port per worker (lab:ports.connect, lab:ports.connectWorker2, …: config.ts keeps them distinct). */
  ports: number[];
  /** Group id and the prefix of its three internal topics. */
  groupId?: string;
}

/** One worker's connect-distributed properties: same group and storage topics, its own advertised host. */
export function renderConnectWorkerProperties(a: { bootstrap: string; groupId: string; advertisedHost: string }): string {
  const props: Record<string, string | number | boolean> = {
    "bootstrap.servers": a.bootstrap,
    "group.id": a.groupId,
    "listeners": `http://0.0.0.0:${CONNECT_REST_PORT}`,
    "rest.advertised.host.name": a.advertisedHost,
    "rest.advertised.port": CONNECT_REST_PORT,
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": true,
    "value.converter.schemas.enable": true,
    "config.storage.topic": `${a.groupId}-configs`,
    "offset.storage.topic": `${a.groupId}-offsets`,
    "status.storage.topic": `${a.groupId}-status`,
    // One broker.
    "config.storage.replication.factor": 1,
    "offset.storage.replication.factor": 1,
    "status.storage.replication.factor": 1,
    "offset.flush.interval.ms": 1000,
    "plugin.path": "/opt/connect/plugins",
    // A killed worker's connectors and tasks move as soon as the group drops it (6 s without a heartbeat), not 5
    // minutes later (the default delay that waits for the worker to come back); a sink task's consumer likewise, not
    // after Kafka's default 45 s consumer session timeout. The broker's minimum session timeout is 6 s.
    "scheduled.rebalance.max.delay.ms": 0,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 1000,
    "consumer.session.timeout.ms": 6000,
    "consumer.heartbeat.interval.ms": 1000,
  };
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

/** Exit 0 only when the worker has joined its group and answers GET /connectors with 200. */
export function connectHealthCheck(): string[] {
  return ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${CONNECT_REST_PORT}/connectors`];
}

export class KafkaConnect extends pulumi.ComponentResource {
  public readonly image: docker.Image;
  public readonly workers: docker.Container[];
  /** Worker 1's REST API on the Pulumi host. */
  public readonly url: string;
  /** Every worker's REST API on the Pulumi host, worker 1 first: clients use any live one. */
  public readonly urls: string[];
  /** Where containers reach each worker's REST API: its service name and Connect's own port. */
  public readonly inLab: Address[];
  public readonly groupId: string;

  constructor(name: string, args: KafkaConnectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:kafka:KafkaConnect", name, {}, opts);
    if (args.ports.length < 1) throw badInput("connect.ports", args.ports, "one port per worker, at least one");
    this.groupId = args.groupId ?? `${args.prefix}-connect`;
    // Context: images/connect alone (its jars/ poms are also what .ci/install.d/30-kafka.sh lays out for the real tests).
    this.image = args.images.build(`${name}-image`, {
      image: "connect", context: "images/connect", from: { key: "kafka", arg: "KAFKA_IMAGE" }, debianArg: "BASE_IMAGE",
    }, { parent: this });
    const workers = args.ports.map((port, i) => {
      const service = `${name}-${i + 1}`;
      return labService(this, args, {
        service, image: this.image.repoDigest,
        serves: { port: CONNECT_REST_PORT, hostPort: port },
        files: [{ path: PROPERTIES_PATH, content: renderConnectWorkerProperties({ bootstrap: args.kafka.internalBootstrap, groupId: this.groupId, advertisedHost: service }) }],
        healthcheck: { test: connectHealthCheck(), intervalSeconds: 5, retries: 12, startPeriodSeconds: 60 },
        dependsOn: [args.kafka.container],
      });
    });
    this.workers = workers.map((w) => w.container);
    this.inLab = workers.map((w) => w.inLab);
    this.urls = workers.map((w) => httpUrl(w.published));
    this.url = this.urls[0];
    this.registerOutputs({ url: this.url, urls: this.urls, groupId: this.groupId });
  }
}
