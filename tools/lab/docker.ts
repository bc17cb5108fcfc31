// The lab's containers as Docker sees them, found by the labels every lab container carries (lab.prefix,
// lab.service; components/core/labContainer.ts). The pure half picks containers and ports; the rest is dockerode.
import Docker from "dockerode";
import { dockerExec, ExecResult } from "../../providers/docker";
import { withTimeout } from "../../providers/retry";

export interface LabService {
  /** Container name, e.g. lab-dev-pg-1. */
  name: string;
  id: string;
  prefix: string;
  /** lab.service, e.g. pg-1, connect-2, haproxy. */
  service: string;
  /** running, exited, ... */
  state: string;
  /** healthy, unhealthy, starting, or "none" without a healthcheck. */
  health: string;
  /** Container port (e.g. "8083/tcp") → published host address. */
  ports: Record<string, { ip: string; port: number }>;
  /** A one-shot job (label lab.oneShot, e.g. airflow-init): done when exited with 0, never "healthy". */
  oneShot: boolean;
  /** The exit code `docker ps` shows for an exited container. */
  exitCode?: number;
}

/** What `docker ps -a` (listContainers) says about one container, as far as the lab reads it. */
export interface ContainerSummary {
  Id: string;
  Names?: string[];
  State?: string;
  Status?: string;
  Labels?: Record<string, string>;
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

export function summarize(c: ContainerSummary): LabService {
  const labels = c.Labels ?? {};
  const status = c.Status ?? "";
  const health = /\(healthy\)/.test(status) ? "healthy" : /\(unhealthy\)/.test(status) ? "unhealthy"
    : /health: starting/.test(status) ? "starting" : c.State === "running" ? "none" : "-";
  const ports: LabService["ports"] = {};
  for (const p of c.Ports ?? []) {
    // Docker lists each binding for IPv4 and IPv6; the lab binds 127.0.0.1, so keep IPv4 (or the first seen).
    if (p.PublicPort === undefined || (ports[`${p.PrivatePort}/${p.Type}`] && (p.IP ?? "").includes(":"))) continue;
    ports[`${p.PrivatePort}/${p.Type}`] = { ip: p.IP && p.IP !== "0.0.0.0" ? p.IP : "127.0.0.1", port: p.PublicPort };
  }
  const exited = /^Exited \((-?\d+)\)/.exec(status);
  return {
    name: (c.Names?.[0] ?? c.Id).replace(/^\//, ""), id: c.Id, prefix: labels["lab.prefix"] ?? "", service: labels["lab.service"] ?? "",
    state: c.State ?? "unknown", health, ports, oneShot: labels["lab.oneShot"] === "true", ...(exited ? { exitCode: Number(exited[1]) } : {}),
  };
}

/** Services sorted the way people read them: by name with numbers in order (pg-2 before pg-10). */
export function sortServices(list: LabService[]): LabService[] {
  return [...list].sort((a, b) => a.service.localeCompare(b.service, "en", { numeric: true }));
}

/** The one service named `service`, or an error listing what the lab has. */
export function pickService(list: readonly LabService[], service: string, prefix: string): LabService {
  const hit = list.find((s) => s.service === service);
  if (!hit) {
    throw new Error(`no container with labels lab.prefix=${prefix}, lab.service=${service}; the lab has: ${list.map((s) => s.service).join(", ") || "nothing"}`);
  }
  return hit;
}

/** Services whose name is `<base>-<n>` (pg-1, connect-2...), in number order. */
export function numbered(list: readonly LabService[], base: string): LabService[] {
  return sortServices(list.filter((s) => new RegExp(`^${base}-\\d+$`).test(s.service)));
}

/** The host URL of a service's published container port, e.g. http://127.0.0.1:8083. */
export function publishedAddress(s: LabService, containerPort: number): string | undefined {
  const p = s.ports[`${containerPort}/tcp`];
  return p ? `${p.ip}:${p.port}` : undefined;
}

/** The distinct lab prefixes among containers (for "which lab did you mean"). */
export function prefixesOf(list: readonly ContainerSummary[]): string[] {
  return [...new Set(list.map((c) => c.Labels?.["lab.prefix"]).filter((p): p is string => !!p))].sort();
}

/** The Docker engine, through dockerode, with every call bounded. */
export class LabDocker {
  constructor(public readonly docker: Docker = new Docker(), private readonly callTimeoutMs = 15_000) {}

  /** Every container (running or not) of the lab with this prefix. */
  async services(prefix: string): Promise<LabService[]> {
    const list = await withTimeout("docker: list containers", this.callTimeoutMs,
      this.docker.listContainers({ all: true, filters: { label: [`lab.prefix=${prefix}`] } }) as Promise<ContainerSummary[]>);
    if (list.length === 0) {
      const all = await withTimeout("docker: list containers", this.callTimeoutMs,
        this.docker.listContainers({ all: true, filters: { label: ["lab.prefix"] } }) as Promise<ContainerSummary[]>);
      const others = prefixesOf(all);
      throw new Error(`no containers with label lab.prefix=${prefix}` +
        (others.length ? `; labs on this host: ${others.join(", ")} (pick one with --prefix)` : "; no lab runs on this host (pulumi up first)"));
    }
    return sortServices(list.map(summarize));
  }

  /** Containers (running or not) and networks labelled with any of `prefixes`: what a repair compares with the state. */
  async labObjects(prefixes: string[]): Promise<{ kind: "container" | "network"; id: string; name: string; prefix: string }[]> {
    const filters = { label: ["lab.prefix"] };
    const [containers, networks] = await Promise.all([
      withTimeout("docker: list containers", this.callTimeoutMs, this.docker.listContainers({ all: true, filters }) as Promise<ContainerSummary[]>),
      withTimeout("docker: list networks", this.callTimeoutMs, this.docker.listNetworks({ filters })),
    ]);
    const mine = (labels?: Record<string, string>) => prefixes.includes(labels?.["lab.prefix"] ?? "");
    return [
      ...containers.filter((c) => mine(c.Labels)).map((c) => ({ kind: "container" as const, id: c.Id, name: summarize(c).name, prefix: c.Labels!["lab.prefix"] })),
      ...networks.filter((n) => mine(n.Labels)).map((n) => ({ kind: "network" as const, id: n.Id, name: n.Name, prefix: n.Labels!["lab.prefix"] })),
    ];
  }

  /** docker rm -f: the container goes, its named volumes (the lab's data) stay. */
  async removeContainer(id: string): Promise<void> {
    await withTimeout(`docker rm -f ${id}`, this.callTimeoutMs + 15_000, this.docker.getContainer(id).remove({ force: true, v: false }));
  }

  async removeNetwork(id: string): Promise<void> {
    await withTimeout(`docker network rm ${id}`, this.callTimeoutMs, this.docker.getNetwork(id).remove());
  }

  /** Environment variables of a container (Docker keeps them in plain text in its config). */
  async env(name: string): Promise<Record<string, string>> {
    const info = await withTimeout(`docker inspect ${name}`, this.callTimeoutMs, this.docker.getContainer(name).inspect());
    return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  }

  /** Runs a command in a running container; bounded by timeoutMs. */
  exec(name: string, cmd: string[], timeoutMs = 30_000): Promise<ExecResult> {
    return dockerExec(this.docker, name, cmd, { timeoutMs, callTimeoutMs: this.callTimeoutMs });
  }

  async kill(name: string, signal = "SIGKILL"): Promise<void> {
    await withTimeout(`docker kill ${name}`, this.callTimeoutMs, this.docker.getContainer(name).kill({ signal }));
  }

  async start(name: string): Promise<void> {
    await withTimeout(`docker start ${name}`, this.callTimeoutMs, this.docker.getContainer(name).start()).catch((e) => {
      // 304: already running, which is what start wants.
      if ((e as { statusCode?: number }).statusCode !== 304) throw e;
    });
  }

  async restart(name: string): Promise<void> {
    await withTimeout(`docker restart ${name}`, this.callTimeoutMs + 10_000, this.docker.getContainer(name).restart({ t: 10 }));
  }

  /** running, exited...; and the health when it has a healthcheck. */
  async state(name: string): Promise<{ status: string; health?: string }> {
    const info = await withTimeout(`docker inspect ${name}`, this.callTimeoutMs, this.docker.getContainer(name).inspect());
    return { status: info.State.Status, health: info.State.Health?.Status };
  }
}
