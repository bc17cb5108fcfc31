// Pre-flight of `pulumi up`, before any resource registers: every host port the stack publishes is free or held by
// this lab's own container, and every image it pulls is on this host or its registry answers. Otherwise one error
// names each key, its value and the fix, instead of Docker's "address already in use" half-way through the lab or a
// DNS error per image. Cheap on a no-op up: a bind per port, one container list, an image inspect per image, all on
// the local Docker socket (plain HTTP: dockerode costs more to load than all of these take).
import * as http from "http";
import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config";
import { DEBIAN_BUILT, ImageKey } from "../images/catalog";
import type { LeftOut } from "./settings";

/** A published host port and the lab:ports key that sets it. */
export interface PublishedPort { key: string; port: number }

/** The component switches of this stack's homeworks: each lab:<key>, whether it is on, and what turning it off leaves out. */
function componentSwitches(cfg: LabConfig): { key: string; on: boolean; off: LeftOut }[] {
  return cfg.homeworks.flatMap((h) => Object.entries(cfg.catalog.needs[h].settings).flatMap(([key, s]) =>
    s.switchesOff ? [{ key, on: cfg.settings[key].enabled !== false, off: s.switchesOff }] : []));
}

/** What the stack's switched-off components leave out: their ports and their images. */
function leftOut(cfg: LabConfig): { ports: Set<string>; images: Set<string> } {
  const off = componentSwitches(cfg).filter((c) => !c.on).map((c) => c.off);
  return { ports: new Set(off.flatMap((o) => o.ports)), images: new Set(off.flatMap((o) => o.images)) };
}

/** The host ports this stack publishes (its homeworks' lab:ports keys, minus disabled components'). */
export function publishedPorts(cfg: LabConfig): PublishedPort[] {
  const keys = new Set(cfg.homeworks.flatMap((h) => Object.keys(cfg.catalog.needs[h].ports)));
  const off = leftOut(cfg).ports;
  return [...keys].filter((k) => !off.has(k)).map((key) => ({ key, port: cfg.ports[key] }));
}

/** The images `up` pulls unless they are on this host: per lab:imageSource, lab:debianBase and the enabled components. */
export function pulledImages(cfg: LabConfig): { key: ImageKey; ref: string }[] {
  const keys = new Set(cfg.homeworks.flatMap((h) => cfg.catalog.needs[h].images));
  // Every build-mode image starts FROM the Debian base, whether or not a homework names it.
  if (cfg.build.imageSource === "build" && [...keys].some((k) => DEBIAN_BUILT.includes(k))) keys.add("debian");
  const off = leftOut(cfg).images;
  return [...keys]
    .filter((k) => !off.has(k))
    .filter((k) => !(cfg.build.imageSource === "build" && DEBIAN_BUILT.includes(k)))
    .filter((k) => !(k === "debian" && cfg.build.debianBase === "debootstrap"))
    .map((key) => ({ key, ref: cfg.images[key] }));
}

/** What holds a busy port, as far as Docker knows: a running container publishing it, or nobody Docker knows. */
export interface ContainerPorts { name: string; labels: Record<string, string>; ports: { ip: string; port: number }[] }

/** The Docker prefixes this stack's containers carry (program/compose.ts: <prefix>-<homework> when a stack runs several). */
export function ownPrefixes(cfg: LabConfig): string[] {
  return cfg.homeworks.length > 1 ? cfg.homeworks.map((h) => `${cfg.prefix}-${h}`) : [cfg.prefix];
}

const ANY_ADDRESS = new Set(["", "0.0.0.0", "::"]);

/** The busy ports no container of this lab holds, each with who holds it (a container Docker knows, or another program). */
export function foreignHolders(busy: PublishedPort[], bindAddress: string, containers: ContainerPorts[], own: string[]): (PublishedPort & { who: string })[] {
  return busy.flatMap((p) => {
    const holder = containers.find((c) => c.ports.some((x) => x.port === p.port && (x.ip === bindAddress || ANY_ADDRESS.has(x.ip))));
    if (holder && own.includes(holder.labels["lab.prefix"] ?? "")) return [];
    const lab = holder?.labels["lab.prefix"];
    return [{ ...p, who: holder ? `container ${holder.name}${lab ? ` (lab ${lab}; another stack's)` : ""}` : "another program" }];
  });
}

/** `lab:ports.<key> = <port>: <addr> is in use by <who> (pulumi config set --path lab:ports.<key> <free port>)`. */
export function portLine(h: PublishedPort & { who: string }, bindAddress: string, free: number | undefined): string {
  return `lab:ports.${h.key} = ${h.port}: ${bindAddress}:${h.port} is in use by ${h.who} (pulumi config set --path lab:ports.${h.key} ${free ?? "<a free port>"})`;
}

/** What to set instead of pulling `key`: the Debian base made from a mirror, or the setting that leaves its component out. */
function noRegistryFix(cfg: LabConfig, key: ImageKey): string | undefined {
  if (key === "debian") return "pulumi config set lab:debianBase debootstrap";
  const sw = componentSwitches(cfg).find((c) => c.off.images.includes(key));
  return sw && `pulumi config set --path lab:${sw.key}.enabled false`;
}

/** A network-level failure of the engine reaching a registry (not an auth or a missing-tag answer). */
export const UNREACHABLE = /no such host|server misbehaving|name resolution|dial tcp|i\/o timeout|connection refused|network is unreachable|no route to host|TLS handshake timeout|Client\.Timeout|deadline exceeded|did not answer within/i;

/** The one line for images that are not on this host and whose registry cannot be reached; undefined when none. */
export function imageProblem(cfg: LabConfig, unreachable: { key: ImageKey; ref: string; error: string }[]): string | undefined {
  if (unreachable.length === 0) return undefined;
  const keys = unreachable.map((u) => u.key).join(", ");
  const why = unreachable[0].error.replace(/\s+/g, " ").slice(0, 200);
  const head = `${unreachable.length} image${unreachable.length > 1 ? "s" : ""} not on this host (${keys}) and the registry cannot be reached (${unreachable[0].ref}: ${why})`;
  if (cfg.build.imageSource === "registry") {
    const buildable = unreachable.filter((u) => DEBIAN_BUILT.includes(u.key) || u.key === "debian");
    const still = unreachable.filter((u) => !buildable.includes(u));
    const also = still.map((u) => noRegistryFix(cfg, u.key) ?? `pull ${u.ref} where a registry answers, or point lab:images.${u.key} at a mirror`);
    return `lab:imageSource = "registry": ${head}: build them from Debian packages with pulumi config set lab:imageSource build` +
      `${cfg.build.debianBase === "pull" ? " and pulumi config set lab:debianBase debootstrap" : ""}` +
      `${also.length ? `; ${also.join("; ")}` : ""}`;
  }
  const fixes = unreachable.map((u) => `${u.key}: ${noRegistryFix(cfg, u.key) ?? `pull ${u.ref} where a registry answers, or point lab:images.${u.key} at a mirror`}`);
  return `lab:imageSource = "build": ${head}: ${fixes.join("; ")}`;
}

/** The Docker engine's API socket (DOCKER_HOST unix://..., else the default); undefined for a remote engine. */
export function dockerSocket(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.DOCKER_HOST ?? "";
  if (host === "") return "/var/run/docker.sock";
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

/** GET on the Docker API, bounded; resolves with the status and the parsed body. */
function dockerGet(socketPath: string, path: string, timeoutMs: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, headers: { host: "docker" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => { try { resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }); } catch { resolve({ status: res.statusCode ?? 0, body: text }); } });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`did not answer within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** free, busy (EADDRINUSE), or noaddr (the bind address is not on this host); anything else counts as free. */
export function probePort(host: string, port: number): Promise<"free" | "busy" | "noaddr"> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "EADDRINUSE" ? "busy" : e.code === "EADDRNOTAVAIL" ? "noaddr" : "free"));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve("free")));
  });
}

/** A free port near `p` for the fix line (+10000, +20000, ..., then the next few), none of the stack's. */
async function suggestFree(p: PublishedPort, host: string, taken: Set<number>): Promise<number | undefined> {
  const candidates = [10_000, 20_000, 30_000, 40_000, 1, 2, 3, 4, 5].map((d) => p.port + d).filter((c) => c <= 65535 && !taken.has(c));
  for (const c of candidates) {
    if ((await probePort(host, c)) === "free") { taken.add(c); return c; }
  }
  return undefined;
}

export interface PreflightOptions {
  env?: NodeJS.ProcessEnv;
  /** How long the engine may take to ask a registry about one missing image. */
  registryTimeoutMs?: number;
}

/** Every pre-flight problem of this stack on this host, one line each; [] when `up` may go ahead. */
export async function preflightProblems(cfg: LabConfig, opts: PreflightOptions = {}): Promise<string[]> {
  const env = opts.env ?? process.env;
  const socket = dockerSocket(env);
  // A remote engine publishes its ports on its own host, where this one cannot bind-test them.
  if (!socket) return [];
  const ports = publishedPorts(cfg);
  let probed: (PublishedPort & { state: string })[], images: Awaited<ReturnType<typeof missingUnreachable>>;
  try {
    [probed, images] = await Promise.all([
      Promise.all(ports.map(async (p) => ({ ...p, state: await probePort(cfg.bindAddress, p.port) }))),
      missingUnreachable(socket, pulledImages(cfg), opts.registryTimeoutMs ?? 15_000),
    ]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code || !["ENOENT", "ECONNREFUSED", "EACCES"].includes(code)) throw e;
    return [`the Docker engine at unix://${socket} does not answer (${code}): ${code === "EACCES" ? "give this user access to it (the docker group)" : "start Docker"}, or set DOCKER_HOST`];
  }
  const problems: string[] = [];
  if (probed.some((p) => p.state === "noaddr")) {
    problems.push(`lab:bindAddress = ${JSON.stringify(cfg.bindAddress)}: not an address of this host (pulumi config set lab:bindAddress 127.0.0.1)`);
  }
  const busy = probed.filter((p) => p.state === "busy");
  if (busy.length) {
    const list = await dockerGet(socket, "/containers/json", 10_000);
    if (list.status !== 200) throw new Error(`Docker engine at ${socket}: GET /containers/json answered ${list.status}: ${JSON.stringify(list.body).slice(0, 200)}`);
    const containers: ContainerPorts[] = (list.body as any[]).map((c) => ({
      name: String(c.Names?.[0] ?? c.Id).replace(/^\//, ""), labels: c.Labels ?? {},
      ports: (c.Ports ?? []).filter((x: any) => x.PublicPort).map((x: any) => ({ ip: x.IP ?? "", port: x.PublicPort })),
    }));
    const taken = new Set(ports.map((p) => p.port));
    // A free port is looked for only on the failure path: a no-op up's busy ports are all this lab's own.
    for (const h of foreignHolders(busy, cfg.bindAddress, containers, ownPrefixes(cfg))) {
      problems.push(portLine(h, cfg.bindAddress, await suggestFree(h, cfg.bindAddress, taken)));
    }
  }
  const image = imageProblem(cfg, images);
  if (image) problems.push(image);
  return problems;
}

/** Images not on this host whose registry the engine cannot reach (it asks the registry as a pull would). */
async function missingUnreachable(socket: string, images: { key: ImageKey; ref: string }[], timeoutMs: number) {
  const found = await Promise.all(images.map(async (i) => ({ ...i, status: (await dockerGet(socket, `/images/${encodeURIComponent(i.ref)}/json`, 10_000)).status })));
  const missing = found.filter((i) => i.status === 404);
  const asked = await Promise.all(missing.map(async (i) => {
    const r = await dockerGet(socket, `/distribution/${encodeURIComponent(i.ref)}/json`, timeoutMs).catch((e: Error) => ({ status: 0, body: { message: e.message } }));
    return { key: i.key, ref: i.ref, status: r.status, error: String(r.body?.message ?? r.body ?? "") };
  }));
  // Only a network failure is this check's to report; a missing tag or a login the provider reports in its own words.
  return asked.filter((a) => a.status !== 200 && UNREACHABLE.test(a.error));
}

/**
 * Runs the pre-flight for this program run: `pulumi up` stops with every problem in one error before anything is
 * created; a preview only warns (it creates nothing, and must show its plan). LAB_PREFLIGHT=off skips it (a host
 * where the check is wrong: say, a firewall that lets the bind through but not Docker's).
 */
export async function preflight(cfg: LabConfig, env: NodeJS.ProcessEnv = process.env, dryRun = pulumi.runtime.isDryRun()): Promise<void> {
  if (env.LAB_PREFLIGHT === "off") return;
  const problems = await preflightProblems(cfg, { env });
  if (problems.length === 0) return;
  const text = problems.join("\n");
  if (dryRun) {
    pulumi.log.warn(text);
    return;
  }
  const error = new pulumi.RunError(text);
  // No frames: the runner formats every unhandled error's stack through source maps (~20 s of GC on a loaded host).
  error.stack = text;
  throw error;
}
