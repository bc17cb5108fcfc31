import { execFile, spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../..");
export const IMAGE_DIR = path.join(REPO, "images/greenplum");

/** Stand-ins for the tools the image has: they log each call and obey switch files in the sandbox. */
const FAKES: Record<string, string> = {
  pxf: `#!/usr/bin/env bash
echo "pxf $*" >>"$SANDBOX/calls.log"
case "$*" in
  prepare)
    if [[ -d "$PXF_BASE" && -n "$(ls -A "$PXF_BASE")" ]]; then echo "ERROR: The \\$PXF_BASE ($PXF_BASE) location is not empty." >&2; exit 1; fi
    mkdir -p "$PXF_BASE"/{conf,lib/native,servers/default,logs,run,keytabs}
    printf '# export PXF_JVM_OPTS="-Xmx2g -Xms1g"\\n' >"$PXF_BASE/conf/pxf-env.sh"
    echo "pxf.service.user.impersonation=false" >"$PXF_BASE/conf/pxf-application.properties" ;;
  register) ;;
  "cluster sync") rc="$(cat "$SANDBOX/sync-rc" 2>/dev/null || echo 0)"; [[ "$rc" == 0 ]] || echo "ERROR: sync failed on 1 out of 1 host" >&2; exit "$rc" ;;
  *) echo "fake pxf: unexpected $*" >&2; exit 64 ;;
esac
`,
  psql: `#!/usr/bin/env bash
echo "psql $*" >>"$SANDBOX/calls.log"
[[ -f "$SANDBOX/db-up" ]] || { echo "psql: could not connect to server: No such file or directory" >&2; exit 2; }
for a in "$@"; do [[ "$a" == "select 1" ]] && echo 1; done
exit 0
`,
  gosu: `#!/usr/bin/env bash
echo "gosu $1" >>"$SANDBOX/calls.log"
shift
exec "$@"
`,
  "base-entrypoint": `#!/usr/bin/env bash
{ echo "pid=$$"; printf 'arg=%s\\n' "$@"; } >"$SANDBOX/base-entrypoint.out"
`,
};

/** extraEnv values that are undefined remove the variable. */
function mergeEnv(env: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged = { ...env, ...extra };
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete merged[k];
  return merged;
}

export interface Sandbox {
  root: string;
  base: string;
  seed: string;
  env: NodeJS.ProcessEnv;
  run(script: string, args?: string[], extraEnv?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
  /** Like run, without blocking the event loop (for tests that serve HTTP from this process). */
  runAsync(script: string, args?: string[], extraEnv?: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }>;
  calls(): string[];
  /** path → mode + sha256 of every file under PXF_BASE. */
  tree(dir?: string): Record<string, string>;
  set(flag: "db-up" | "sync-rc", value?: string): void;
  clear(flag: "db-up" | "sync-rc"): void;
  remove(): void;
}

export function makeSandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "lab-gp-sandbox-"));
  const bin = path.join(root, "bin");
  const seed = path.join(root, "seed");
  const base = path.join(root, "data", "pxf");
  fs.mkdirSync(bin, { recursive: true });
  for (const [name, text] of Object.entries(FAKES)) fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
  fs.cpSync(path.join(REPO, "pxf/servers"), path.join(seed, "servers"), { recursive: true });
  fs.mkdirSync(path.join(seed, "lib"));
  fs.writeFileSync(path.join(seed, "lib", "postgresql-42.7.4.jar"), "not really a jar\n", { mode: 0o644 });
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: root,
    SANDBOX: root,
    PXF_BASE: base,
    PXF_SEED_DIR: seed,
    GPHOME: path.join(root, "no-greenplum"),
    PXF_HOME: path.join(root, "no-pxf-home"),
    GREENPLUM_USER: os.userInfo().username,
    GREENPLUM_DATABASE_NAME: "demo",
    BASE_ENTRYPOINT: path.join(bin, "base-entrypoint"),
    PXF_ENSURE_POST_START: "foreground",
    PXF_ENSURE_DB_WAIT_SECONDS: "2",
    PXF_ENSURE_POLL_SECONDS: "0.1",
    BOOKINGS_DB_HOST: "bookings-db",
    BOOKINGS_DB_PORT: "5432",
    BOOKINGS_DB_NAME: "demo",
    BOOKINGS_DB_USER: "postgres",
    BOOKINGS_DB_PASSWORD: `s3cr&t<"pw">`,
    MINIO_ENDPOINT: "http://minio:9000",
    MINIO_ACCESS_KEY: "minio",
    MINIO_SECRET_KEY: "minio123",
  };
  const sb: Sandbox = {
    root, base, seed, env,
    run(script, args = [], extraEnv = {}) {
      return spawnSync(path.join(IMAGE_DIR, script), args, { env: mergeEnv(env, extraEnv), encoding: "utf8", timeout: 30_000 });
    },
    runAsync(script, args = [], extraEnv = {}) {
      return new Promise((resolve) => {
        execFile(path.join(IMAGE_DIR, script), args, { env: mergeEnv(env, extraEnv), encoding: "utf8", timeout: 30_000 },
          (err, stdout, stderr) => resolve({ status: err ? Number((err as any).code ?? 1) : 0, stdout, stderr }));
      });
    },
    calls() {
      const f = path.join(root, "calls.log");
      return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n") : [];
    },
    tree(dir = base) {
      const out: Record<string, string> = {};
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          const rel = path.relative(dir, p);
          const st = fs.statSync(p);
          if (e.isDirectory()) { out[`${rel}/`] = (st.mode & 0o7777).toString(8); walk(p); continue; }
          const sha = crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
          out[rel] = `${(st.mode & 0o7777).toString(8)} ${sha}`;
        }
      };
      if (fs.existsSync(dir)) walk(dir);
      return out;
    },
    set(flag, value = "") { fs.writeFileSync(path.join(root, flag), value); },
    clear(flag) { fs.rmSync(path.join(root, flag), { force: true }); },
    remove() { fs.rmSync(root, { recursive: true, force: true }); },
  };
  return sb;
}
