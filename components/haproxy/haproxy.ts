import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { HAPROXY_CONFIG_PATH, HAPROXY_READY_PATH, HAPROXY_STATS_PATH, renderHaproxyConfig } from "./haproxyConfig";
import { Address, hostPort, httpUrl } from "../core/address";
import { LabPlacement, labService } from "../core/labService";
import { PatroniCluster } from "../patroni/patroniCluster";

export interface HaProxyArgs extends LabPlacement {
  image: pulumi.Input<string>;
  backends: PatroniCluster;
  /** Host ports (lab:ports.haproxy*) the in-network ports are published on. */
  ports: { readWrite: number; readOnly: number; stats: number };
}

/** Where HAProxy listens inside the lab network: the seed's numbers, whatever the host ports (seed 004's Debezium
 * config says `database.hostname: haproxy`, `database.port: 5000`). */
export const HAPROXY_LAB_PORTS = Object.freeze({ readWrite: 5000, readOnly: 5001, stats: 7000 });
const HAPROXY_PORTS = ["readWrite", "readOnly", "stats"] as const;
type HaProxyPort = (typeof HAPROXY_PORTS)[number];

/** Exit 0 only when HAProxy's /ready monitor answers 200 (the image has bash but no curl). */
export function haproxyReadyCheck(statsPort: number): string[] {
  return ["CMD", "bash", "-c",
    `exec 3<>/dev/tcp/127.0.0.1/${statsPort} && printf 'GET ${HAPROXY_READY_PATH} HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '`];
}

/** One address for clients: 5001 reaches the leader, 5002 the replicas, 7001 shows who is who. */
export class HaProxy extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly readWriteEndpoint: string;
  public readonly readOnlyEndpoint: string;
  public readonly statsUrl: string;
  /** Its addresses inside the lab network: the service name and the seed's ports. */
  public readonly inLab: Record<HaProxyPort, Address>;
  /** Its addresses on the Pulumi host (lab:bindAddress, lab:ports.haproxy*). */
  public readonly published: Record<HaProxyPort, Address>;

  constructor(name: string, args: HaProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:proxy:HaProxy", name, {}, opts);
    const at = (host: string, ports: Record<HaProxyPort, number>) =>
      Object.fromEntries(HAPROXY_PORTS.map((k) => [k, { host, port: ports[k] }])) as Record<HaProxyPort, Address>;
    this.inLab = at(name, HAPROXY_LAB_PORTS);
    this.published = at(args.bindAddress, args.ports);
    const config = renderHaproxyConfig({
      members: args.backends.members.map((m) => ({ name: m.name, host: m.pgHost, pgPort: m.pgPort, apiPort: m.apiPort })),
      ports: HAPROXY_LAB_PORTS,
      bindAddress: "0.0.0.0",
    });
    const stats = HAPROXY_LAB_PORTS.stats;
    this.container = labService(this, args, {
      service: name, image: args.image,
      ports: HAPROXY_PORTS.map((k) => ({ internal: HAPROXY_LAB_PORTS[k], external: args.ports[k] })),
      files: [{ path: HAPROXY_CONFIG_PATH, content: config }],
      // Healthy only while a leader is reachable through the read-write port (the /ready monitor fails otherwise).
      healthcheck: { test: haproxyReadyCheck(stats) },
      dependsOn: args.backends.members.map((m) => m.container),
    }).container;
    this.readWriteEndpoint = hostPort(this.published.readWrite);
    this.readOnlyEndpoint = hostPort(this.published.readOnly);
    this.statsUrl = httpUrl(this.published.stats, HAPROXY_STATS_PATH);
    this.registerOutputs({ readWrite: this.readWriteEndpoint, readOnly: this.readOnlyEndpoint, stats: this.statsUrl });
  }
}
