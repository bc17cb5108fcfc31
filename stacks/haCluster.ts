// The highly available PostgreSQL both Patroni homeworks stand on: etcd ×3, Patroni ×3, HAProxy in front.
import { EtcdCluster } from "../components/etcdCluster";
import { HaProxy } from "../components/haproxy";
import { LabNetwork } from "../components/network";
import { LogicalSlot } from "../components/patroniConfig";
import { PatroniCluster } from "../components/patroniCluster";
import { HomeworkContext } from "./homework";

export interface HaCluster {
  etcd: EtcdCluster;
  pg: PatroniCluster;
  proxy: HaProxy;
  /** Ports HAProxy listens on, inside the lab network and published on the host alike. */
  ports: { readWrite: number; readOnly: number; stats: number };
}

export function haCluster({ cfg, prefix, parent, images }: HomeworkContext, net: LabNetwork, extra: {
  parameters?: Record<string, string | number | boolean>;
  slots?: Record<string, LogicalSlot>;
} = {}): HaCluster {
  const opts = { parent };
  const etcd = new EtcdCluster("etcd", { prefix, network: net, image: images.run("etcd"), members: 3, bindAddress: cfg.bindAddress }, opts);
  const pg = new PatroniCluster("pg", {
    prefix, network: net, etcd, nodes: 3, images, bindAddress: cfg.bindAddress,
    dcs: cfg.patroni, superuserPassword: cfg.secrets.postgresPassword, replicationPassword: cfg.secrets.replicationPassword,
    parameters: extra.parameters, slots: extra.slots,
  }, opts);
  const ports = { readWrite: cfg.ports.haproxyReadWrite, readOnly: cfg.ports.haproxyReadOnly, stats: cfg.ports.haproxyStats };
  const proxy = new HaProxy("haproxy", { prefix, network: net, image: images.run("haproxy"), backends: pg, bindAddress: cfg.bindAddress, ports }, opts);
  return { etcd, pg, proxy, ports };
}
