import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TRAFFIC_ENV, TRAFFIC_GENERATOR_BUILD, trafficHealthCheck } from "../../apps/traffic-generator/src/contract";
import { LabImages } from "../core/labImages";
import { LabPlacement, labService } from "../core/labService";

export interface TrafficGeneratorArgs extends LabPlacement {
  /** Builds the generator FROM the lab's Node (lab:images.node, or its Debian build). */
  images: LabImages;
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
    const image = args.images.build(`${name}-image`, {
      image: "traffic-generator", ...TRAFFIC_GENERATOR_BUILD, from: { key: "node", arg: "NODE_IMAGE" },
    }, { parent: this });
    this.container = labService(this, args, {
      service: name, image: image.repoDigest,
      env: {
        [TRAFFIC_ENV.readWriteUrl]: args.readWriteUrl,
        [TRAFFIC_ENV.readOnlyUrl]: args.readOnlyUrl,
        [TRAFFIC_ENV.rate]: String(args.ratePerSecond),
      },
      // Unhealthy when no write was acknowledged lately: the lab's end-to-end write path is broken.
      healthcheck: { test: trafficHealthCheck(), startPeriodSeconds: 30 },
      dependsOn: args.dependsOn,
    }).container;
    this.registerOutputs({});
  }
}
