// The Docker engine as the tests and benches use it, through dockerode: build a context (honouring the context's
// .dockerignore, with the classic builder the Docker API speaks without a BuildKit session), run and inspect
// containers, clean up by label. One module, so tests and bench/ share it.
import Docker from "dockerode";
import ignore from "@balena/dockerignore";
import * as fs from "fs";
import * as path from "path";
import * as tar from "tar-fs";

export const docker = new Docker();
export const REPO = path.resolve(__dirname, "..");

export interface BuildArgs {
  tag: string;
  /** Absolute path of the build context. */
  context: string;
  /** Dockerfile path relative to the context (default Dockerfile). */
  dockerfile?: string;
  args?: Record<string, string>;
  /** e.g. "host" where bridges have no egress (lab:buildNetwork). */
  network?: string;
  labels?: Record<string, string>;
  /** e.g. "linux/amd64" (the docker provider's build.platform). */
  platform?: string;
  /** Called with each line of build output. */
  onLine?: (line: string) => void;
}

/** Packs the context as `docker build` would: everything but what its root .dockerignore excludes. */
export function packContext(context: string): NodeJS.ReadableStream {
  // tar-fs returns a Readable-like Pack stream, which is what dockerode sends.
  const file = path.join(context, ".dockerignore");
  const ig = ignore().add(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  // The Dockerfile and .dockerignore are always sent, as docker build does.
  return tar.pack(context, {
    ignore: (name) => {
      const rel = path.relative(context, name).split(path.sep).join("/");
      return rel !== "" && rel !== "Dockerfile" && ig.ignores(rel);
    },
  }) as unknown as NodeJS.ReadableStream;
}

/** Builds an image; rejects with the build's last lines when a step fails. Returns the image id (sha256:…). */
export async function buildImage(a: BuildArgs): Promise<string> {
  const stream = await docker.buildImage(packContext(a.context) as any, {
    t: a.tag, dockerfile: a.dockerfile ?? "Dockerfile", buildargs: a.args ?? {}, networkmode: a.network,
    labels: a.labels, rm: true, forcerm: true, ...(a.platform ? { platform: a.platform } : {}),
  });
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: any[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`docker build ${a.tag} (${path.relative(REPO, a.context) || "."}/${a.dockerfile ?? "Dockerfile"}) failed: ${failed}\n${tail.join("")}`));
      else resolve();
    }, (e: any) => {
      if (e.stream) { tail.push(e.stream); if (tail.length > 30) tail.shift(); a.onLine?.(e.stream); }
    });
  });
  return (await docker.getImage(a.tag).inspect()).Id;
}

export interface ExecResult { code: number; stdout: string; stderr: string }

/** Runs a command in a running container and collects its output (bounded by timeoutMs). */
export async function execIn(containerId: string, cmd: string[], opts: { user?: string; timeoutMs?: number; env?: string[] } = {}): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, User: opts.user, Env: opts.env, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { PassThrough } = await import("stream");
  const o = new PassThrough(); const e = new PassThrough();
  o.on("data", (b: Buffer) => out.push(b)); e.on("data", (b: Buffer) => err.push(b));
  docker.modem.demuxStream(stream, o, e);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`exec ${cmd.join(" ")} in ${containerId.slice(0, 12)} still running after ${timeoutMs} ms`)), timeoutMs);
    stream.on("end", () => { clearTimeout(t); resolve(); });
    stream.on("error", (x: Error) => { clearTimeout(t); reject(x); });
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** The last `lines` lines of a container's log (stdout and stderr). */
export async function containerLogs(containerId: string, lines = 40): Promise<string> {
  const buf = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
  // Without a TTY the log is multiplexed: 8-byte frame headers before each chunk.
  const parts: string[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len).toString());
    i += 8 + len;
  }
  return parts.join("");
}

/** Polls until the container's healthcheck says healthy; rejects with its last log lines if it does not. */
export async function waitHealthy(containerId: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    const s = (await docker.getContainer(containerId).inspect()).State;
    if (s.Health?.Status === "healthy") return;
    if (!s.Running) throw new Error(`container ${containerId.slice(0, 12)} exited (${s.ExitCode}) before it was healthy:\n${await containerLogs(containerId)}`);
    if (Date.now() > until) {
      const last = s.Health?.Log?.slice(-1)[0];
      throw new Error(`container ${containerId.slice(0, 12)} not healthy after ${timeoutMs} ms (status ${s.Health?.Status}; last check: ${last?.Output?.trim()})\n${await containerLogs(containerId)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Removes every container, then network and volume, carrying label key=value (force: running ones too). */
export async function removeByLabel(key: string, value: string): Promise<void> {
  const filters = { label: [`${key}=${value}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true });
}
