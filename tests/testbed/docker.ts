// The Docker engine as the tests and benches use it, through dockerode: build a context (honouring the context's
// .dockerignore, with the classic builder by default or BuildKit through the API without a session), run and inspect
// containers, clean up by label. One module, so tests and bench/ share it.
import Docker from "dockerode";
import ignore from "@balena/dockerignore";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tar from "tar-fs";
import * as tarStream from "tar-stream";
import { dockerExec } from "../../providers/docker";

export const docker = new Docker();
export const REPO = path.resolve(__dirname, "../..");

export interface BuildArgs {
  tag: string;
  /** Absolute path of the build context. */
  context: string;
  /** Dockerfile path relative to the context (default Dockerfile), or absolute (outside the context: sent along, as the CLI does). */
  dockerfile?: string;
  args?: Record<string, string>;
  /** e.g. "host" where bridges have no egress (lab:buildNetwork). */
  network?: string;
  labels?: Record<string, string>;
  /** e.g. "linux/amd64" (the docker provider's build.platform). */
  platform?: string;
  /** "classic" (default: what every lab Dockerfile must build with) or "buildkit" (the docker provider's default). */
  builder?: "classic" | "buildkit";
  /** Build every step again (a cold build; base images stay). */
  noCache?: boolean;
  /** Called with each line of build output. */
  onLine?: (line: string) => void;
}

/** Could the dockerignore glob `pattern` (e.g. `apps/<any name>/src` written with a star) match something inside folder `dir`? */
function mayHoldMatch(dir: string, pattern: string): boolean {
  const want = pattern.split("/");
  const have = dir.split("/");
  if (want.includes("**")) return true;
  if (want.length <= have.length) return false;
  const segment = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
  return have.every((part, i) => segment(want[i]).test(part));
}

/** What a build of `context` leaves out, by its root .dockerignore: a predicate on absolute paths. */
function leftOutOf(context: string): (abs: string) => boolean {
  const file = path.join(context, ".dockerignore");
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const ig = ignore().add(text);
  // Re-included paths (`!dir/file`): an excluded folder on their way is still walked, as docker build does.
  const reincluded = text.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/^\/+/, ""));
  return (abs) => {
    const rel = path.relative(context, abs).split(path.sep).join("/");
    if (rel === "") return false;
    if (fs.statSync(abs).isDirectory() && reincluded.some((r) => mayHoldMatch(rel, r))) return false;
    return ig.ignores(rel);
  };
}

/** Packs the context as `docker build` would: everything but what its root .dockerignore excludes. */
export function packContext(context: string, extra?: { name: string; content: Buffer }): NodeJS.ReadableStream {
  const leftOut = leftOutOf(context);
  // tar-fs returns a Readable-like Pack stream, which is what dockerode sends. The Dockerfile is always sent.
  return tar.pack(context, {
    ignore: (name) => path.relative(context, name) !== "Dockerfile" && leftOut(name),
    ...(extra ? { finalize: false, finish: (pack: any) => { pack.entry({ name: extra.name, mode: 0o644 }, extra.content); pack.finalize(); } } : {}),
  }) as unknown as NodeJS.ReadableStream;
}

/**
 * The docker provider's `build.contextDigest` (its Check adds it to the Image's inputs, so a change is an update):
 * the Dockerfile's content, then the path, mode and content (a symlink: its target) of every file the build sends.
 * Same inputs as the provider's hash, not the same hex: it is only compared with itself, run to run.
 */
export function contextDigest(context: string, dockerfile: string): string {
  const leftOut = leftOutOf(context);
  const all = createHash("sha256");
  const add = (rel: string, mode: number, content: Buffer | string) =>
    all.update(rel).update(mode.toString(8)).update(createHash("sha256").update(content).digest()).update("\0");
  add("Dockerfile", 0, fs.readFileSync(dockerfile));
  // Symlinks are hashed, not followed, so the walk ends with the (finite) tree.
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      if (leftOut(abs)) continue;
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) walk(abs);
      else add(path.relative(context, abs).split(path.sep).join("/"), st.mode, st.isSymbolicLink() ? fs.readlinkSync(abs) : fs.readFileSync(abs));
    }
  };
  walk(context);
  return all.digest("hex");
}

/** A Dockerfile outside the context goes into the context's tar under a name of its own, as `docker build -f` does. */
function dockerfileIn(context: string, dockerfile = "Dockerfile"): { name: string; extra?: { name: string; content: Buffer } } {
  const abs = path.resolve(context, dockerfile);
  const rel = path.relative(context, abs);
  if (!rel.startsWith("..") && !path.isAbsolute(rel)) return { name: rel.split(path.sep).join("/") };
  const content = fs.readFileSync(abs);
  const name = `.dockerfile.${createHash("sha256").update(content).digest("hex").slice(0, 12)}`;
  return { name, extra: { name, content } };
}

/** Builds an image; rejects with the build's last lines when a step fails. Returns the image id (sha256:…). */
export async function buildImage(a: BuildArgs): Promise<string> {
  const df = dockerfileIn(a.context, a.dockerfile);
  const options: Docker.ImageBuildOptions & { version?: string } = {
    t: a.tag, dockerfile: df.name, buildargs: a.args ?? {}, networkmode: a.network,
    labels: a.labels, rm: true, forcerm: true, ...(a.platform ? { platform: a.platform } : {}), ...(a.noCache ? { nocache: true } : {}),
    // BuildKit through the API takes the tar body as its context; no session needed without secrets or ssh.
    ...(a.builder === "buildkit" ? { version: "2" } : {}),
  };
  const stream = await docker.buildImage(packContext(a.context, df.extra) as any, options);
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: any[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`docker build ${a.tag} (${path.relative(REPO, a.context) || "."}/${a.dockerfile ?? "Dockerfile"}) failed: ${failed}\n${tail.join("")}`));
      else resolve();
    }, (e: any) => {
      const lines = e.stream ? [e.stream] : e.id === "moby.buildkit.trace" && typeof e.aux === "string" ? buildkitLogs(e.aux) : [];
      for (const line of lines) { tail.push(line); if (tail.length > 30) tail.shift(); a.onLine?.(line); }
    });
  });
  return (await docker.getImage(a.tag).inspect()).Id;
}

/**
 * The log lines (RUN output) of one BuildKit trace event: a base64 moby.buildkit.v1.StatusResponse whose field 3
 * holds VertexLogs with the bytes in field 4. A minimal protobuf walk, so no protobuf library is needed.
 */
export function buildkitLogs(aux: string): string[] {
  const fields = (buf: Buffer): { no: number; bytes?: Buffer }[] => {
    const out: { no: number; bytes?: Buffer }[] = [];
    let i = 0;
    const varint = () => { let v = 0, shift = 0, b: number; do { b = buf[i++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80 && i < buf.length); return v; };
    while (i < buf.length) {
      const key = varint(), no = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) varint();
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else if (wire === 2) { const len = varint(); out.push({ no, bytes: buf.subarray(i, i + len) }); i += len; }
      else break;
    }
    return out;
  };
  try {
    return fields(Buffer.from(aux, "base64")).filter((f) => f.no === 3 && f.bytes)
      .flatMap((log) => fields(log.bytes!).filter((f) => f.no === 4 && f.bytes).map((f) => f.bytes!.toString()));
  } catch {
    return [];
  }
}

export interface FileUpload {
  /** Absolute path in the container (a leading "/" is optional). */
  path: string;
  content: string;
  /** Default 0644. */
  mode?: number;
}

/**
 * Files written into a created, not yet started, container, as the lab's `uploads` do: one tar, entries owned by
 * root; Docker makes missing folders 0755.
 */
export async function putFiles(containerId: string, files: FileUpload[]): Promise<void> {
  const pack = tarStream.pack();
  for (const f of files) {
    const body = Buffer.from(f.content, "utf8");
    pack.entry({ name: f.path.replace(/^\/+/, ""), mode: f.mode ?? 0o644, size: body.length }, body);
  }
  pack.finalize();
  await docker.getContainer(containerId).putArchive(pack as unknown as NodeJS.ReadableStream, { path: "/" });
}

export interface ExecResult { code: number; stdout: string; stderr: string }

/** Runs a command in a running container and collects its output (bounded by timeoutMs): providers/docker.ts's exec. */
export async function execIn(containerId: string, cmd: string[], opts: { user?: string; timeoutMs?: number; env?: string[] } = {}): Promise<ExecResult> {
  const { exitCode, stdout, stderr } = await dockerExec(docker, containerId, cmd, opts);
  return { code: exitCode, stdout, stderr };
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
