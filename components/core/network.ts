import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface LabNetworkArgs {
  prefix: string;
}

/** The lab's private bridge network: services find each other by service name. */
export class LabNetwork extends pulumi.ComponentResource {
  public readonly network: docker.Network;
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: LabNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:core:LabNetwork", name, {}, opts);
    this.network = new docker.Network(name, {
      name: `${args.prefix}-net`,
      driver: "bridge",
      labels: [{ label: "lab.prefix", value: args.prefix }],
    }, { parent: this });
    this.name = this.network.name;
    this.registerOutputs({ name: this.name });
  }
}
