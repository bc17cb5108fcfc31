// One Kafka broker in KRaft mode (broker + controller in one process, no ZooKeeper), from the apache/kafka image.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { Address, hostPort } from "../core/address";
import { LabPlacement, labService } from "../core/labService";

/** Listener other containers use (lab network); the published port carries the host listener. */
export const KAFKA_INTERNAL_PORT = 19092;
const CONTROLLER_PORT = 9093;
const HOST_PORT_INSIDE = 9092;

export interface KafkaArgs extends LabPlacement {
  image: pulumi.Input<string>;
  /** Host port for clients on the Pulumi host (advertised as bindAddress:port). */
  port: number;
  service?: string;
}

/**
 * KRaft wants a 16-byte base64url id; derived from the prefix so a re-run keeps the formatted volume valid. An id
 * starting with '-' would be read as an option by `kafka-storage format -t`, so the next hash is taken instead.
 */
export function kafkaClusterId(prefix: string): string {
  for (let salt = 0; ; salt++) {
    const id = createHash("sha256").update(`lab-kafka:${prefix}:${salt}`).digest().subarray(0, 16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/** The image's KAFKA_* environment (each becomes a server property): two client listeners and the controller. */
export function kafkaBrokerEnv(a: { service: string; bindAddress: string; port: number; clusterId: string }): Record<string, string> {
  return {
    CLUSTER_ID: a.clusterId,
    KAFKA_NODE_ID: "1",
    KAFKA_PROCESS_ROLES: "broker,controller",
    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${a.service}:${CONTROLLER_PORT}`,
    KAFKA_LISTENERS: `INTERNAL://0.0.0.0:${KAFKA_INTERNAL_PORT},HOST://0.0.0.0:${HOST_PORT_INSIDE},CONTROLLER://0.0.0.0:${CONTROLLER_PORT}`,
    // Containers reach the broker by service name; the Pulumi host (lab CLI, bench) by the published loopback port.
    KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${a.service}:${KAFKA_INTERNAL_PORT},HOST://${a.bindAddress}:${a.port}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,HOST:PLAINTEXT,CONTROLLER:PLAINTEXT",
    KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
    // One broker: every internal topic must fit on it.
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: "1",
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: "1",
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
    KAFKA_LOG_DIRS: "/var/lib/kafka/data",
    KAFKA_HEAP_OPTS: "-Xms256m -Xmx512m",
  };
}

/** Exit 0 only when the broker answers a metadata request (listing topics) on its internal listener. */
export function kafkaHealthCheck(): string[] {
  return ["CMD", "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", `127.0.0.1:${KAFKA_INTERNAL_PORT}`, "--list"];
}

export class Kafka extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** Where containers reach the broker: its service name and the INTERNAL listener. */
  public readonly inLab: Address;
  /** inLab as host:port, the bootstrap list containers use. */
  public readonly internalBootstrap: string;
  /** host:port on the Pulumi host. */
  public readonly bootstrap: string;

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:kafka:Kafka", name, {}, opts);
    const service = args.service ?? "kafka";
    const broker = labService(this, args, {
      service, image: args.image,
      serves: { port: HOST_PORT_INSIDE, hostPort: args.port, inLabPort: KAFKA_INTERNAL_PORT },
      env: kafkaBrokerEnv({ service, bindAddress: args.bindAddress, port: args.port, clusterId: kafkaClusterId(args.prefix) }),
      data: { path: "/var/lib/kafka/data" },
      // Each probe starts a JVM: probe less often and give it time.
      healthcheck: { test: kafkaHealthCheck(), intervalSeconds: 10, timeoutSeconds: 30, retries: 6, startPeriodSeconds: 30 },
    });
    this.container = broker.container;
    this.inLab = broker.inLab;
    this.internalBootstrap = hostPort(this.inLab);
    this.bootstrap = hostPort(broker.published);
    this.registerOutputs({ bootstrap: this.bootstrap, internalBootstrap: this.internalBootstrap });
  }
}
