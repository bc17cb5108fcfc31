// What `pulumi up` runs (Pulumi.yaml: typescript false; package.json "main"). TypeScript's incremental build
// compiles the program into bin/ once, and again only after a source changed, instead of ts-node transpiling every
// module on every run (bench/README-noop.md). A type error stops the run here, before anything is created.
// `node program.js` only compiles.
const path = require("path");
const ts = require("typescript");

function compileProgram() {
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
}

compileProgram();
if (require.main !== module) module.exports = require("./bin/index.js");
