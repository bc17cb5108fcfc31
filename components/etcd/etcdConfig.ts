// Pure: the etcd member's command line, shared by the container and the local-process tests.
import { badInput } from "../../providers/dynamic";
export interface EtcdMember {
  name: string;
  /** Host other members and clients use to reach this one. */
  host: string;
  clientPort: number;
  peerPort: number;
}

export interface EtcdMemberOptions {
  dataDir: string;
  /** Address the member listens on (0.0.0.0 in a container, 127.0.0.1 in tests). */
  listenHost: string;
  clusterToken: string;
}

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export function etcdMemberArgs(self: EtcdMember, all: EtcdMember[], o: EtcdMemberOptions): string[] {
  if (!all.some((m) => m.name === self.name)) throw badInput("etcd member", self.name, "is not in the member list");
  if (new Set(all.map((m) => m.name)).size !== all.length) throw badInput("etcd members", all.map((m) => m.name), "names must be unique");
  return [
    `--name=${self.name}`,
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=http://${o.listenHost}:${self.clientPort}`,
    `--advertise-client-urls=http://${self.host}:${self.clientPort}`,
    `--listen-peer-urls=http://${o.listenHost}:${self.peerPort}`,
    `--initial-advertise-peer-urls=http://${self.host}:${self.peerPort}`,
    `--initial-cluster=${all.map((m) => `${m.name}=http://${m.host}:${m.peerPort}`).join(",")}`,
    "--initial-cluster-state=new",
    `--initial-cluster-token=${o.clusterToken}`,
  ];
}

/** host:port of every member's client API, for Patroni's etcd3.hosts and the health checks. */
export function etcdClientHosts(all: EtcdMember[]): string[] {
  return all.map((m) => `${m.host}:${m.clientPort}`);
}
