import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, EtcdMember, etcdClientHosts, etcdMemberArgs } from "./etcdConfig";
import { LabPlacement, labService } from "../core/labService";

export interface EtcdClusterArgs extends LabPlacement {
  image: pulumi.Input<string>;
  members: number;
}

/** Exit 0 only when this member answers through a quorum (etcdctl fails otherwise). */
export function etcdHealthCheck(clientPort: number): string[] {
  return ["CMD", "etcdctl", `--endpoints=http://127.0.0.1:${clientPort}`, "--command-timeout=3s", "endpoint", "health"];
}

/** etcd, Patroni's DCS: an odd number of members so a quorum survives one loss. */
export class EtcdCluster extends pulumi.ComponentResource {
  public readonly containers: docker.Container[];
  /** host:port of each member's v3 client API inside the lab network. */
  public readonly clientHosts: string[];

  constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:dcs:EtcdCluster", name, {}, opts);
    const members: EtcdMember[] = Array.from({ length: args.members }, (_, i) => ({
      name: `${name}-${i + 1}`, host: `${name}-${i + 1}`, clientPort: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT,
    }));
    this.clientHosts = etcdClientHosts(members);
    this.containers = members.map((m) => labService(this, args, {
      service: m.name, image: args.image,
      command: ["etcd", ...etcdMemberArgs(m, members, { dataDir: "/etcd-data", listenHost: "0.0.0.0", clusterToken: args.prefix })],
      data: { path: "/etcd-data" },
      healthcheck: { test: etcdHealthCheck(ETCD_CLIENT_PORT) },
    }).container);
    this.registerOutputs({ clientHosts: this.clientHosts });
  }
}
