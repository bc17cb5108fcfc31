// The dv-loader service: reads the Debezium topics of the bookings schema and writes the Data Vault in the DWH.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_PORT } from "../../apps/dv-loader/src/contract";
import { Kafka } from "../kafka/kafka";
import { LabImages } from "../core/labImages";
import { LabPlacement, labService } from "../core/labService";
import { PostgresServer } from "../postgres/postgresServer";

export interface DvLoaderArgs extends LabPlacement {
  kafka: Kafka;
  dwh: PostgresServer;
  /** Builds the loader FROM the lab's Node (lab:images.node, or its Debian build). */
  images: LabImages;
  topicPrefix: string;
  sourceSchema: string;
  /** Start only after these (the DWH schema, the source connector). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Exit 0 only when /health answers 200: the consumer runs and the DWH answered within 30 s. */
export function dvLoaderHealthCheck(): string[] {
  return ["CMD", "node", "-e",
    `fetch('http://127.0.0.1:${HEALTH_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}

export class DvLoader extends pulumi.ComponentResource {
  public readonly image: docker.Image;
  public readonly container: docker.Container;

  constructor(name: string, args: DvLoaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:cdc:DvLoader", name, {}, opts);
    this.image = args.images.build(`${name}-image`, {
      image: "dv-loader", context: ".", dockerfile: "apps/dv-loader/Dockerfile", from: { key: "node", arg: "NODE_IMAGE" },
    }, { parent: this });
    const dwh = args.dwh;
    this.container = labService(this, args, {
      service: name, image: this.image.repoDigest,
      env: {
        KAFKA_BOOTSTRAP: args.kafka.internalBootstrap,
        DV_TOPIC_PREFIX: args.topicPrefix,
        DV_SOURCE_SCHEMA: args.sourceSchema,
        DV_GROUP_ID: "dv-loader",
        DWH_URL: dwh.url(dwh.database, dwh.inLab),
      },
      healthcheck: { test: dvLoaderHealthCheck(), startPeriodSeconds: 60 },
      dependsOn: [args.kafka.container, dwh.container, ...args.dependsOn],
    }).container;
    this.registerOutputs({});
  }
}
