import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { TRAFFIC_ENV } from "../apps/traffic-generator/options";
import { TRAFFIC_GENERATOR_BUILD, trafficHealthCheck } from "../apps/traffic-generator/container";
import { labContainer } from "./labContainer";
import { LabNetwork } from "./network";

const REPO = path.join(__dirname, "..");

export interface TrafficGeneratorArgs {
  prefix: string;
  network: LabNetwork;
  nodeImage: string;
  bindAddress: string;
  /** Secret URLs as the lab network sees them (through HAProxy). */
  readWriteUrl: pulumi.Input<string>;
  readOnlyUrl: pulumi.Input<string>;
  ratePerSecond: number;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The seed's traffic-generator.py, as a container: steady writes through the leader, reads from replicas. */
export class TrafficGenerator extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: TrafficGeneratorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:apps:TrafficGenerator", name, {}, opts);
    const image = new docker.Image(`${name}-image`, {
      imageName: `${args.prefix}-traffic-generator:local`,
      build: {
        context: path.join(REPO, TRAFFIC_GENERATOR_BUILD.context),
        dockerfile: path.join(REPO, TRAFFIC_GENERATOR_BUILD.dockerfile),
        args: { NODE_IMAGE: args.nodeImage },
        platform: "linux/amd64",
      },
      skipPush: true,
    }, { parent: this });
    this.container = labContainer({
      prefix: args.prefix, service: name, image: image.repoDigest, network: args.network.network,
      bindAddress: args.bindAddress, parent: this,
      env: {
        [TRAFFIC_ENV.readWriteUrl]: args.readWriteUrl,
        [TRAFFIC_ENV.readOnlyUrl]: args.readOnlyUrl,
        [TRAFFIC_ENV.rate]: String(args.ratePerSecond),
      },
      // Unhealthy when no write was acknowledged lately: the lab's end-to-end write path is broken.
      healthcheck: { test: trafficHealthCheck(), startPeriodSeconds: 30 },
      dependsOn: args.dependsOn,
    });
    this.registerOutputs({});
  }
}
