// `docker exec` through dockerode, every call bounded: the one implementation the providers (patroniDcs), the lab
// CLI (tools/lab/docker.ts) and the tests (tests/testbed/docker.ts) run commands in containers with.
import Docker from "dockerode";
import { Writable } from "stream";
import { withTimeout } from "./retry";

export interface ExecResult { exitCode: number; stdout: string; stderr: string }

export interface ExecOptions {
  /** The whole command may take this long (default 30 s); then its stream is closed and the call fails. */
  timeoutMs?: number;
  /** Each Docker API call (create, start) may take this long (default 15 s). */
  callTimeoutMs?: number;
  user?: string;
  /** NAME=value entries added to the container's environment for this command. */
  env?: string[];
}

/** Runs `cmd` in the running container `container` (name or id) and collects its stdout and stderr. */
export async function dockerExec(docker: Docker, container: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const callTimeoutMs = opts.callTimeoutMs ?? 15_000;
  const what = `docker exec ${container} ${cmd.join(" ")}`;
  const exec = await withTimeout(what, callTimeoutMs,
    docker.getContainer(container).exec({ Cmd: cmd, User: opts.user, Env: opts.env, AttachStdout: true, AttachStderr: true }));
  const stream = await withTimeout(what, callTimeoutMs, exec.start({ hijack: true, stdin: false }));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => new Writable({ write(c: Buffer, _e, cb) { into.push(c); cb(); } });
  docker.modem.demuxStream(stream, sink(out), sink(err));
  await withTimeout(what, opts.timeoutMs ?? 30_000,
    new Promise<void>((resolve, reject) => { stream.on("end", resolve); stream.on("close", resolve); stream.on("error", reject); }),
    () => stream.destroy());
  const info = await withTimeout(what, callTimeoutMs, exec.inspect());
  return { exitCode: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
