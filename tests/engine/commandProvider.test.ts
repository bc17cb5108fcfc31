// The lab's command provider plugin (.ci/pulumi/commandprovider) under the real engine: the local.Command
// behaviours the lab relies on — create, update with the previous stdout, replace on triggers, delete on destroy.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../testbed/proc";
import { changesOnly, EngineStack, loadEngine } from "./harness";

describe("engine: command:local:Command from the lab's command provider plugin", function () {
  this.timeout(300_000);
  this.bail(true); // each step builds on the state the previous one left
  let stack: EngineStack;
  let dir: string;
  const log = () => fs.readFileSync(path.join(dir, "log.txt"), "utf8").trim().split("\n");

  before(async () => {
    dir = tempDir("lab-engine-command");
    stack = new EngineStack(loadEngine(), "command-test", path.join(__dirname, "commandProgram"));
    await stack.init({ "cmd:dir": dir, "cmd:word": "alpha", "cmd:trigger": "1" }, {});
  });

  after(async () => {
    await stack?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("up runs create in dir with the environment and keeps its stdout", async () => {
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), { create: 2 }); // stack, command
    assert.deepEqual(log(), ["create alpha"]);
    assert.equal((await stack.outputs()).stdout, "created-alpha");
  });

  it("a changed environment runs update, which sees the previous stdout", async () => {
    await stack.setConfig("cmd:word", "beta");
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), { update: 1 });
    assert.deepEqual(log(), ["create alpha", "update beta after created-alpha"]);
    assert.equal((await stack.outputs()).stdout, "updated-beta");
  });

  it("a changed trigger replaces: create the new one, then delete the old one", async () => {
    await stack.setConfig("cmd:trigger", "2");
    await stack.up();
    assert.deepEqual(changesOnly(await stack.lastChanges()), { replace: 1 });
    assert.deepEqual(log().slice(2), ["create beta", "delete updated-beta"]);
  });

  it("destroy runs delete with the last stdout", async () => {
    await stack.destroy();
    assert.deepEqual(log().slice(4), ["delete created-beta"]);
  });
});
