// A dynamic provider as the provider host runs it: the text Pulumi's closure serializer gives, loaded with
// require-from-string in a plain node process (no ts-node, no program modules).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The require-from-string the SDK's provider host loads a serialized provider with. */
export const REQUIRE_FROM_STRING = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] });

/**
 * Serializes `provider` as Pulumi does and runs `body` (an async function body with the loaded provider as `p`) in a
 * plain node process; what it returns, through JSON. Fails with the process's stderr when it throws.
 */
export async function inProviderProcess(provider: object, body: string, timeoutMs = 30_000): Promise<any> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lab-provider-")), "provider.js");
  fs.writeFileSync(file, sf.text);
  const script = `
    const p = require(${JSON.stringify(REQUIRE_FROM_STRING)})(require("fs").readFileSync(${JSON.stringify(file)}, "utf8")).handler();
    (async () => { ${body} })().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.stack); process.exit(1); });`;
  const run = spawnSync(process.execPath, ["-e", script], { cwd: process.cwd(), encoding: "utf8", timeout: timeoutMs });
  assert.strictEqual(run.status, 0, run.stderr);
  // The last line: a provider may log before it.
  return JSON.parse(run.stdout.trim().split("\n").pop()!);
}
