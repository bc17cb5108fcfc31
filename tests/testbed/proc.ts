import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { waitUntil } from "../../providers/retry";

/** A service the suite started itself: its own process group, its output in a log file. */
export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Sends a signal to the whole process group (SIGKILL simulates a crash). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
  tail(lines?: number): string;
}

export interface StartOptions {
  name: string;
  cmd: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this unprivileged user (PostgreSQL refuses root). */
  user?: string;
  logDir: string;
}

const running = new Set<Managed>();

export function start(o: StartOptions): Managed {
  fs.mkdirSync(o.logDir, { recursive: true });
  const logFile = path.join(o.logDir, `${o.name}.log`);
  const fd = fs.openSync(logFile, "a");
  const [cmd, args] = o.user && process.getuid?.() === 0
    ? ["setpriv", ["--reuid", o.user, "--regid", o.user, "--init-groups", "--", o.cmd, ...o.args]]
    : [o.cmd, o.args];
  const child = spawn(cmd, args, {
    cwd: o.cwd, env: { ...process.env, ...o.env }, detached: true, stdio: ["ignore", fd, fd],
  });
  fs.closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const m: Managed = {
    name: o.name, child, logFile, exited,
    signal(sig) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { process.kill(-child.pid!, sig); } catch { /* already gone */ }
    },
    async stop(graceMs = 5000) {
      m.signal("SIGTERM");
      const timer = setTimeout(() => m.signal("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      running.delete(m);
    },
    tail(lines = 40) {
      try { return fs.readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n"); } catch { return ""; }
    },
  };
  running.add(m);
  exited.then(() => running.delete(m));
  return m;
}

/** Kills every process the suite started and has not stopped (for after() hooks and crashes). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop(3000)));
}
process.once("exit", () => { for (const m of running) m.signal("SIGKILL"); });

/** A fresh temp directory; chowned to `user` when given. */
export function tempDir(prefix: string, user?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  if (user && process.getuid?.() === 0) chown(dir, user);
  return dir;
}

export function chown(p: string, user: string): void {
  const r = spawnSync("chown", ["-R", `${user}:`, p]);
  if (r.status !== 0) throw new Error(`chown ${user} ${p} failed: ${r.stderr}`);
}

/** Throws with a hint to the install script when a binary the real tests need is missing. */
export function requireBinary(file: string, installedBy: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run \`bash ${installedBy}\` (or \`bash .ci/install.sh\`) first`);
  }
  return file;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes: the providers' one loop. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  return (await waitUntil(what, timeoutMs, check, everyMs)).value;
}
