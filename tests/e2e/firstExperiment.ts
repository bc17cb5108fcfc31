// A homework README's first experiment (the block tagged ```bash first-experiment), run as a student runs it: bash in
// the repository, against the suite's running lab (LAB_PREFIX points the lab CLI at the suite's containers).
import { spawn } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../program/paths";
import { firstExperiment } from "../docs/shellBlocks";

/** Runs the block; resolves with its output, rejects with it when a command fails or `timeoutMs` passes. */
export function runFirstExperiment(homework: string, prefix: string, timeoutMs = 5 * 60_000): Promise<string> {
  const block = firstExperiment(path.join(REPO_ROOT, "homeworks", homework, "README.md"));
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", block.text], {
      cwd: REPO_ROOT, env: { ...process.env, LAB_PREFIX: prefix }, stdio: ["ignore", "pipe", "pipe"], detached: true,
    });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const timer = setTimeout(() => { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const where = `${path.relative(REPO_ROOT, block.file)}:${block.line}`;
      if (code === 0) resolve(out);
      else reject(new Error(`${where}: the first experiment failed (${signal ? `killed after ${timeoutMs} ms` : `exit ${code}`}):\n${out.slice(-4000)}`));
    });
  });
}
