// Shared by the image contract tests: build a build-mode image (images/debian/<key>) FROM the lab's debootstrapped
// Debian base, or any project Dockerfile, with BuildKit (the docker provider's default builder, and the e2e harness's:
// the two share one layer cache, so a cold run builds each service image once) and the host network; run containers
// of it; check the generic items of its contract.json; and each suite's setup and cleanup (imageSuite).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { debootstrapBaseTag, hostDebianMirror, MAKE_BASE_SCRIPT, DEBIAN_SUITE } from "../../images/debian/base";
import { retry, withTimeout } from "../../providers/retry";
import { buildImage, containerLogs, docker, execIn, ExecResult, FileUpload, putFiles, REPO, removeByLabel, waitHealthy } from "../testbed/docker";

const LABEL = "lab.test";
const RUN_ID = `images-${process.pid}`;
const built = new Map<string, Promise<string>>();

/** The debootstrapped base (made once per host, cached by tag), as lab:debianBase=debootstrap makes it. */
export function testBase(): Promise<string> {
  if (!built.has("base")) {
    built.set("base", (async () => {
      const mirror = hostDebianMirror();
      if (!mirror) throw new Error("no Debian mirror in this host's apt sources: the image tests need one for debootstrap");
      const tag = debootstrapBaseTag(mirror);
      execFileSync("bash", [MAKE_BASE_SCRIPT, tag, DEBIAN_SUITE, mirror], { stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 });
      return tag;
    })());
  }
  return built.get("base")!;
}

/** Builds any project Dockerfile (context relative to the repo, Dockerfile relative to the context); returns the tag. */
export function buildContext(tag: string, context: string, dockerfile?: string, args: Record<string, string> = {}): Promise<string> {
  const key = `${tag}|${context}|${dockerfile}|${JSON.stringify(args)}`;
  if (!built.has(key)) {
    built.set(key, buildImage({ tag, context: path.join(REPO, context), dockerfile, args, network: "host", builder: "buildkit" }).then(() => tag));
  }
  return built.get(key)!;
}

/** Builds images/debian/<key> FROM the test base; returns the tag `lab-test-<key>:contract`. */
export async function buildServiceImage(key: string): Promise<string> {
  const base = await testBase();
  return buildContext(`lab-test-${key.toLowerCase()}:contract`, `images/debian/${key}`, undefined, { BASE_IMAGE: base });
}

export interface Contract {
  replaces: string;
  user: string;
  env?: Record<string, string>;
  paths?: string[];
  tools?: string[];
  ports?: number[];
  notes?: string;
}

export function readContract(key: string): Contract {
  return JSON.parse(fs.readFileSync(path.join(REPO, "images", "debian", key, "contract.json"), "utf8"));
}

/**
 * An image suite's setup and cleanup: `setup` (builds included) runs once before the suite's tests, within `minutes`;
 * every container, network and volume this process made is removed after them.
 */
export function imageSuite(setup: () => Promise<void>, minutes = 20): void {
  before(async function () {
    this.timeout(minutes * 60_000);
    await setup();
  });
  after(async function () {
    this.timeout(120_000);
    await cleanupContainers();
  });
}

export interface TestContainer {
  id: string;
  exec(cmd: string[], user?: string): Promise<ExecResult>;
  logs(): Promise<string>;
  waitHealthy(timeoutMs: number): Promise<void>;
  /** Waits (at most timeoutMs) until it is no longer running; its exit code. */
  exitCode(timeoutMs: number): Promise<number>;
  /** The host port (on 127.0.0.1) a container port of `ports` is published on: read again after a restart. */
  hostPort(p: number): Promise<number>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

export interface StartArgs {
  image: string;
  env?: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  user?: string;
  /** Container ports published on 127.0.0.1 at a free host port; read them back with hostPort(). */
  ports?: number[];
  name?: string;
  volumes?: { name: string; path: string }[];
  healthcheck?: { test: string[]; intervalMs?: number };
  network?: string;
  aliases?: string[];
  /** Written into the created container before it starts, as the lab's `uploads` are. */
  files?: FileUpload[];
}

/** Creates, labels for cleanup, and starts a container. */
export async function startContainer(a: StartArgs): Promise<TestContainer> {
  const c = await docker.createContainer({
    Image: a.image, name: a.name, Env: Object.entries(a.env ?? {}).map(([k, v]) => `${k}=${v}`), Cmd: a.cmd,
    Entrypoint: a.entrypoint, User: a.user, Labels: { [LABEL]: RUN_ID },
    ExposedPorts: Object.fromEntries((a.ports ?? []).map((p) => [`${p}/tcp`, {}])),
    Healthcheck: a.healthcheck ? { Test: a.healthcheck.test, Interval: (a.healthcheck.intervalMs ?? 1000) * 1e6, Timeout: 10e9, Retries: 3 } : undefined,
    HostConfig: {
      PortBindings: Object.fromEntries((a.ports ?? []).map((p) => [`${p}/tcp`, [{ HostIp: "127.0.0.1", HostPort: "" }]])),
      Binds: (a.volumes ?? []).map((v) => `${v.name}:${v.path}`),
      NetworkMode: a.network,
    },
    NetworkingConfig: a.network && a.aliases ? { EndpointsConfig: { [a.network]: { Aliases: a.aliases } } } : undefined,
  });
  if (a.files?.length) await putFiles(c.id, a.files);
  await c.start();
  return {
    id: c.id,
    exec: (cmd, user) => execIn(c.id, cmd, { user }),
    logs: () => containerLogs(c.id, 200),
    waitHealthy: (ms) => waitHealthy(c.id, ms),
    exitCode: async (ms) => (await withTimeout(`container ${c.id.slice(0, 12)} to exit`, ms,
      c.wait({ condition: "not-running" }) as Promise<{ StatusCode: number }>)).StatusCode,
    stop: async () => { await c.stop({ t: 10 }).catch(() => undefined); },
    remove: async () => { await c.remove({ force: true, v: true }); },
    hostPort: async (p) => Number((await c.inspect()).NetworkSettings.Ports[`${p}/tcp`]![0].HostPort),
  };
}

/** Runs a one-shot container to its exit (at most timeoutMs); its exit code and log. */
export async function runToExit(a: StartArgs, timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  const c = await startContainer(a);
  const code = await c.exitCode(timeoutMs);
  return { code, out: await c.logs() };
}

/**
 * Runs a command in the container (a healthcheck's `["CMD", ...]` form too) until it exits `exitCode` (default 0) and
 * `ok(stdout)` holds, every `everyMs`, at most `timeoutMs`; returns that stdout. Fails at once if the container stops
 * running; the error carries the last output and the container's log. The image tests' one wait.
 */
export async function waitForCommand(target: { id: string } | string, cmd: string[], timeoutMs: number, everyMs = 1000,
  o: { user?: string; ok?: (stdout: string) => boolean; exitCode?: number } = {}): Promise<string> {
  const id = typeof target === "string" ? target : target.id;
  const argv = cmd[0] === "CMD" ? cmd.slice(1) : cmd;
  try {
    return (await retry<string>(argv.join(" "), { timeoutMs, initialDelayMs: everyMs, maxDelayMs: everyMs, attemptTimeoutMs: 0 }, async () => {
      const r = await execIn(id, argv, { user: o.user });
      if (r.code === (o.exitCode ?? 0) && (o.ok?.(r.stdout) ?? true)) return { value: r.stdout };
      const state = (await docker.getContainer(id).inspect()).State;
      if (!state.Running) return { stop: new Error(`container exited (${state.ExitCode}) while waiting for ${argv.join(" ")}`) };
      return { retry: (r.stdout + r.stderr).slice(-500) };
    }, { failure: "not satisfied" })).value;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${await containerLogs(id, 200)}`);
  }
}

/** A throwaway network (and volumes by name) labelled for cleanup. */
export async function testNetwork(name: string): Promise<string> {
  await docker.createNetwork({ Name: `lab-test-${name}-${process.pid}`, Labels: { [LABEL]: RUN_ID } });
  return `lab-test-${name}-${process.pid}`;
}

/** A throwaway named volume labelled for cleanup; its name. */
export async function testVolume(name: string): Promise<string> {
  // The name asked for: dockerode's createVolume resolves to a handle, not the volume's data.
  const full = `lab-test-${name}-${process.pid}`;
  await docker.createVolume({ Name: full, Labels: { [LABEL]: RUN_ID } });
  return full;
}

/** The generic items of images/debian/<key>/contract.json: user, env set by the image, paths, tools on PATH. */
export async function checkContract(key: string, target: { id: string }): Promise<void> {
  const c = readContract(key);
  const container = { exec: (cmd: string[]) => execIn(target.id, cmd) };
  const inspect = await docker.getContainer(target.id).inspect();
  const imageCfg = (await docker.getImage(inspect.Image).inspect()).Config;
  const who = await container.exec(["sh", "-c", "id -un; id -u"]);
  assert.strictEqual(who.code, 0, who.stderr);
  const [name, uid] = who.stdout.trim().split("\n");
  assert.ok(c.user === name || c.user === uid, `${key}: runs as ${name} (${uid}), contract says ${c.user}`);
  for (const p of c.paths ?? []) {
    const r = await container.exec(["sh", "-c", `test -e "${p}"`]);
    assert.strictEqual(r.code, 0, `${key}: contract path ${p} missing`);
  }
  for (const t of c.tools ?? []) {
    const r = await container.exec(["sh", "-c", `command -v "${t}"`]);
    assert.strictEqual(r.code, 0, `${key}: contract tool ${t} not on PATH`);
  }
  for (const p of c.ports ?? []) assert.ok(imageCfg.ExposedPorts?.[`${p}/tcp`], `${key}: port ${p} not EXPOSEd`);
}

/** Removes every container, network and volume this test process created. */
async function cleanupContainers(): Promise<void> {
  await removeByLabel(LABEL, RUN_ID);
}
