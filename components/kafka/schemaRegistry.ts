// A schema registry for the Avro option: Apicurio Registry (in-memory), the registry the Connect image's Avro
// converter talks to, which also serves the Confluent REST API (/apis/ccompat/v7) that the seed's
// get/set-compatibility-level.sh and Confluent clients use.
import { Address, httpUrl } from "../core/address";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LabPlacement, labService } from "../core/labService";

const PORT_INSIDE = 8080;
export const CONFLUENT_API_PATH = "/apis/ccompat/v7";
export const REGISTRY_API_PATH = "/apis/registry/v2";

export interface SchemaRegistryArgs extends LabPlacement {
  port: number;
  image: pulumi.Input<string>;
  service?: string;
}

/** Exit 0 only when Quarkus reports the registry ready (storage up, REST serving). */
export function schemaRegistryHealthCheck(): string[] {
  return ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${PORT_INSIDE}/health/ready`];
}

export class SchemaRegistry extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  /** Confluent-compatible API on the Pulumi host (`npm run lab -- compatibility --schema-registry <this>`). */
  public readonly confluentUrl: string;
  /** Where containers reach it: the service name and the registry's own port. */
  public readonly inLab: Address;
  /** What the Avro converter inside the lab network is pointed at (inLab + the registry API path). */
  public readonly internalRegistryUrl: string;

  constructor(name: string, args: SchemaRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:kafka:SchemaRegistry", name, {}, opts);
    const service = args.service ?? "schema-registry";
    const registry = labService(this, args, {
      service, image: args.image,
      serves: { port: PORT_INSIDE, hostPort: args.port },
      // The Confluent API answers with Confluent's integer ids, which the converter writes in the Confluent format.
      env: { REGISTRY_CCOMPAT_LEGACY_ID_MODE_ENABLED: "false", JAVA_OPTS_APPEND: "-Xmx256m" },
      healthcheck: { test: schemaRegistryHealthCheck(), intervalSeconds: 5, retries: 12, startPeriodSeconds: 30 },
    });
    this.container = registry.container;
    this.inLab = registry.inLab;
    this.confluentUrl = httpUrl(registry.published, CONFLUENT_API_PATH);
    this.internalRegistryUrl = httpUrl(this.inLab, REGISTRY_API_PATH);
    this.registerOutputs({ confluentUrl: this.confluentUrl });
  }
}
