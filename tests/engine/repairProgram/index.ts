// Docker objects through a dynamic provider that, like the docker provider 5.2.0, creates the container and then waits
// (for healthy): an up killed during the wait leaves a container Docker has and the state does not. The resource's id
// is Docker's id, as the docker provider's is. Each container keeps its data in a named volume.
import * as pulumi from "@pulumi/pulumi";

const cfg = new pulumi.Config("repair");
const prefix = cfg.require("prefix");
const image = cfg.require("image");

interface Args { kind: "network" | "container"; name: string; prefix: string; image?: string; network?: string; waitSeconds?: number }

const dockerObjects: pulumi.dynamic.ResourceProvider = {
  async create(a: Args) {
    const { execFileSync } = require("child_process");
    const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", timeout: 60_000 }).trim();
    const labels = ["--label", `lab.prefix=${a.prefix}`];
    const id = a.kind === "network"
      ? docker("network", "create", ...labels, a.name)
      : docker("run", "-d", "--name", a.name, ...labels, "--label", `lab.service=${a.name}`, "--network", a.network!,
        "-v", `${a.name}-data:/data`, a.image!, "sleep", "infinity");
    await new Promise((r) => setTimeout(r, (a.waitSeconds ?? 0) * 1000));
    return { id, outs: a };
  },
  async delete(id: string, a: Args) {
    const { execFileSync } = require("child_process");
    execFileSync("docker", a.kind === "network" ? ["network", "rm", id] : ["rm", "-f", id], { timeout: 60_000 });
  },
};

class DockerObject extends pulumi.dynamic.Resource {
  constructor(name: string, args: { [K in keyof Args]: pulumi.Input<Args[K]> }, opts?: pulumi.CustomResourceOptions) {
    super(dockerObjects, name, args, opts);
  }
}

const net = new DockerObject("net", { kind: "network", name: `${prefix}-net`, prefix });
const container = (service: string, waitSeconds: number) =>
  new DockerObject(service, { kind: "container", name: `${prefix}-${service}`, prefix, image, network: net.id, waitSeconds });
export const ids = [container("fast-1", 0).id, container("fast-2", 0).id, container("slow", cfg.requireNumber("slowWaitSeconds")).id];
