// `npm run lab -- <command>`: the lab's helper CLI, in place of the seed's thirty shell scripts.
// Exit codes: 0 done, 1 the command failed (the message says why), 2 bad usage.
import * as path from "path";
import { parseInvocation, usage, UsageError } from "./lab/args";
import { runCommand } from "./lab/commands";
import { stackPrefixResolver } from "./lab/stack";

const REPO_ROOT = path.join(__dirname, "..");

export async function main(argv: string[], env: Record<string, string | undefined>, print = (l: string) => console.log(l), fail = (l: string) => console.error(l)): Promise<number> {
  let inv;
  try {
    inv = parseInvocation(argv, env, stackPrefixResolver(REPO_ROOT, env));
  } catch (e) {
    if (e instanceof UsageError) { fail(`lab: ${e.message}\n\n${usage()}`); return 2; }
    throw e;
  }
  try {
    await runCommand(inv, print);
    return 0;
  } catch (e) {
    fail(`lab ${inv.command}: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) main(process.argv.slice(2), process.env).then((code) => process.exit(code));
