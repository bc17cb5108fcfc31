// The highly available PostgreSQL both Patroni homeworks stand on: etcd ×3, Patroni ×3, HAProxy in front.
// A function, not a ComponentResource: its resources stay children of the homework, so the URNs a stack already
// has (etcd, pg, haproxy under lab:homework:*) do not change and a second `up` replaces nothing.
import * as pulumi from "@pulumi/pulumi";
import type { PatroniSettings } from "./settings";
import { EtcdCluster } from "../etcd/etcdCluster";
import { HaProxy } from "../haproxy/haproxy";
import { LabImages } from "../core/labImages";
import { LabNetwork } from "../core/network";
import { LogicalSlot } from "./patroniConfig";
import { PatroniCluster } from "./patroniCluster";

export interface HaClusterArgs {
  prefix: string;
  network: LabNetwork;
  images: LabImages;
  bindAddress: string;
  /** Patroni's DCS timings and mode (lab:patroni). */
  dcs: PatroniSettings;
  superuserPassword: pulumi.Input<string>;
  replicationPassword: pulumi.Input<string>;
  /** Host ports HAProxy's three in-network ports are published on. */
  ports: { readWrite: number; readOnly: number; stats: number };
  parameters?: Record<string, string | number | boolean>;
  slots?: Record<string, LogicalSlot>;
}

export interface HaCluster {
  etcd: EtcdCluster;
  pg: PatroniCluster;
  proxy: HaProxy;
}

export function haCluster(args: HaClusterArgs, opts: { parent: pulumi.Resource }): HaCluster {
  const { prefix, network, images, bindAddress } = args;
  const etcd = new EtcdCluster("etcd", { prefix, network, image: images.run("etcd"), members: 3, bindAddress }, opts);
  const pg = new PatroniCluster("pg", {
    prefix, network, etcd, nodes: 3, images, bindAddress,
    dcs: args.dcs, superuserPassword: args.superuserPassword, replicationPassword: args.replicationPassword,
    parameters: args.parameters, slots: args.slots,
  }, opts);
  const proxy = new HaProxy("haproxy", { prefix, network, image: images.run("haproxy"), backends: pg, bindAddress, ports: args.ports }, opts);
  return { etcd, pg, proxy };
}
