// `npm run lab -- repair` under the real engine: a `pulumi up` killed while a container it created waits (as the
// docker provider waits for healthy) leaves the stack locked, a pending create, and a container outside the state, on
// whose name the next `up` fails. repair, then `up` creates the container again with its volume's data, and a
// second `up` changes nothing.
import * as assert from "assert";
import { spawn, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LabDocker } from "../../tools/lab/docker";
import { readCheckpoint, repairStack } from "../../tools/lab/repair";
import { testBase } from "../images/build";
import { waitFor } from "../testbed/proc";
import { changesOnly, EngineStack, loadEngine } from "./harness";

/**
 * What a closed terminal does: every process of the session goes, the CLI and each plugin it started (the CLI puts
 * each in a process group of its own, so killing the CLI's group would leave them running). By pid, from /proc.
 */
function killSession(sid: number): void {
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const [, , , session] = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state ppid pgrp session ...
      if (Number(session) === sid) process.kill(pid, "SIGKILL");
    } catch { /* gone meanwhile */ }
  }
}

describe("engine: lab repair after a killed pulumi up", function () {
  this.timeout(600_000);
  this.bail(true); // each step builds on the state the previous one left
  const prefix = `lab-repair-${process.pid}`;
  const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", timeout: 60_000 }).trim();
  const labContainers = () => docker("ps", "-a", "--filter", `label=lab.prefix=${prefix}`, "--format", "{{.Names}}").split("\n").filter(Boolean).sort();
  let stack: EngineStack;
  const printed: string[] = [];

  before(async () => {
    const image = await testBase();
    stack = new EngineStack(loadEngine(), "repair-test", path.join(__dirname, "repairProgram"));
    await stack.init({ "repair:prefix": prefix, "repair:image": image, "repair:slowWaitSeconds": 300 }, {});
  });

  after(async () => {
    await stack?.remove();
    for (const c of labContainers()) docker("rm", "-f", c);
    for (const n of docker("network", "ls", "-q", "--filter", `label=lab.prefix=${prefix}`).split("\n").filter(Boolean)) docker("network", "rm", n);
    for (const v of docker("volume", "ls", "-q", "--filter", `name=${prefix}-`).split("\n").filter(Boolean)) docker("volume", "rm", v);
  });

  it("a pulumi up killed mid-create leaves a locked stack, a pending create and a container outside the state", async () => {
    // A session of its own (detached), which the kill then ends as a whole.
    const up = spawn("pulumi", ["--non-interactive", "up", "--yes", "--skip-preview", "--stack", stack.name],
      { cwd: stack.programDir, env: stack.env, stdio: "ignore", detached: true });
    try {
      await waitFor("fast-1, fast-2 in the state and the slow container created", 120_000, async () => {
        if (!labContainers().includes(`${prefix}-slow`)) return undefined;
        const names = (JSON.parse(await stack.exportText()).deployment.resources ?? []).map((r: { urn: string }) => r.urn.split("::").pop());
        return names.includes("fast-1") && names.includes("fast-2") ? true : undefined;
      }, 500);
    } finally {
      killSession(up.pid!);
    }
    docker("exec", `${prefix}-slow`, "sh", "-c", "echo kept > /data/marker");
    const state = readCheckpoint(await stack.exportText());
    assert.deepStrictEqual(state.pending.map((p) => `${p.type} ${p.urn.split("::").pop()}`), ["creating slow"]);
    await assert.rejects(stack.up(), /currently locked/);
  });

  it("after `pulumi cancel` alone, the next up fails on the container's name", async () => {
    await stack.run(["cancel", "--yes", "--stack", stack.name]);
    await assert.rejects(stack.up(), new RegExp(`The container name "/${prefix}-slow" is already in use`));
  });

  it("repair cancels, clears the pending create and removes the stray container (its volume stays)", async () => {
    await repairStack({ stack: stack.name, prefixes: [prefix], cwd: stack.programDir, env: stack.env }, new LabDocker(), (l) => printed.push(l));
    console.log(printed.map((l) => `      ${l}`).join("\n"));
    assert.match(printed.join("\n"), /pulumi cancel/);
    assert.match(printed.join("\n"), /cleared 1 pending operation\(s\): creating .* slow/);
    assert.match(printed.join("\n"), new RegExp(`removed 1 container\\(s\\) .*: ${prefix}-slow;`));
    assert.deepStrictEqual(labContainers(), [`${prefix}-fast-1`, `${prefix}-fast-2`]);
    assert.deepStrictEqual(readCheckpoint(await stack.exportText()).pending, []);
  });

  it("pulumi up then converges, reattaching the volume's data, and a second up changes nothing", async () => {
    await stack.setConfig("repair:slowWaitSeconds", "0");
    await stack.up();
    assert.deepStrictEqual(changesOnly(await stack.lastChanges()), { create: 1 });
    assert.strictEqual(docker("exec", `${prefix}-slow`, "cat", "/data/marker"), "kept");
    await stack.up();
    assert.deepStrictEqual(changesOnly(await stack.lastChanges()), {});
    const again: string[] = [];
    await repairStack({ stack: stack.name, prefixes: [prefix], cwd: stack.programDir, env: stack.env }, new LabDocker(), (l) => again.push(l));
    assert.match(again.join("\n"), /nothing else to repair/);
  });
});
