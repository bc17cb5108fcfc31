// What `pulumi up` runs (Pulumi.yaml: typescript false; package.json "main"). TypeScript's incremental build
// compiles the program into bin/ once, and again only after a source changed, instead of ts-node transpiling every
// module on every run (bench/README-noop.md). A type error stops the run here, before anything is created.
// `node program.js` only compiles.
const fs = require("fs");
const path = require("path");

const BUILD_INFO = path.join(__dirname, "bin", ".tsbuildinfo");

/**
 * True when bin/ was built after every input of its last build last changed: each file TypeScript read (the build
 * info lists them), the folders above the sources (a new file or folder changes its parent's time), the tsconfigs and
 * the installed packages (npm ci rewrites node_modules/.package-lock.json). Then TypeScript is not even loaded
 * (0.4 s of a no-op up); otherwise its incremental build decides what to compile.
 */
function builtAfterInputs() {
  try {
    const built = fs.statSync(BUILD_INFO).mtimeMs;
    const files = JSON.parse(fs.readFileSync(BUILD_INFO, "utf8")).fileNames.map((f) => path.resolve(path.dirname(BUILD_INFO), f));
    const folders = new Set();
    for (const f of files.filter((f) => !path.relative(__dirname, f).split(path.sep).includes("node_modules"))) {
      for (let d = path.dirname(f); d.startsWith(__dirname); d = path.dirname(d)) folders.add(d);
    }
    const others = ["tsconfig.program.json", "tsconfig.json", "node_modules/.package-lock.json"].map((f) => path.join(__dirname, f));
    return [...files, ...folders, ...others].every((f) => fs.statSync(f).mtimeMs < built);
  } catch {
    return false; // no build yet, or an input is gone: let TypeScript look
  }
}

function compileProgram() {
  if (builtAfterInputs()) return;
  const ts = require("typescript");
  const project = path.join(__dirname, "tsconfig.program.json");
  const diagnostics = [];
  const host = ts.createSolutionBuilderHost(ts.sys, undefined, (d) => diagnostics.push(d), () => undefined, () => undefined);
  let emitted = false;
  host.afterProgramEmitAndDiagnostics = () => { emitted = true; };
  const started = Date.now();
  const status = ts.createSolutionBuilder(host, [project], {}).build();
  if (status !== ts.ExitStatus.Success) {
    const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => __dirname, getNewLine: () => "\n" };
    throw new Error(`the program does not compile (${path.relative(process.cwd(), project)}):\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
  }
  if (emitted) console.log(`compiled the program into bin/ in ${((Date.now() - started) / 1000).toFixed(1)} s (its sources changed since the last run)`);
  // Up to date by TypeScript's own check (e.g. only a folder's time moved: `pulumi stack init` wrote a stack file),
  // which then writes nothing: bring the build's time forward so the next run does not load TypeScript again.
  else try { const now = new Date(); fs.utimesSync(BUILD_INFO, now, now); } catch { /* read-only bin/: the next run looks again */ }
}

compileProgram();
if (require.main !== module) module.exports = require("./bin/index.js");
