// CLI: `traffic-generator [options]` runs traffic until the duration or a signal, then prints the summary;
// `traffic-generator health --status-file F` is the container healthcheck. See --help.
import * as fs from "fs";
import { startTraffic } from "./generator";
import { USAGE, parseCommand } from "./options";
import { TrafficStatus, formatOp, formatSummary, healthOf } from "./stats";

function readStatus(file: string): TrafficStatus | undefined {
  try { return JSON.parse(fs.readFileSync(file, "utf8")) as TrafficStatus; } catch { return undefined; }
}

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2), process.env);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (command.kind === "help") { console.log(USAGE); return 0; }
  if (command.kind === "health") {
    const h = healthOf(readStatus(command.statusFile), Date.now(), command.maxAgeS);
    (h.healthy ? console.log : console.error)(h.reason);
    return h.healthy ? 0 : 1;
  }
  const { options } = command;
  console.log(`run ${options.runId}: ${options.rate}/s writes -> ${new URL(options.readWriteUrl).host}, reads -> ${new URL(options.readOnlyUrl).host}` +
    `${options.durationS ? ` for ${options.durationS}s` : " until Ctrl-C"}`);
  const run = startTraffic(options, { onOp: options.verbose ? (r) => console.log(formatOp(r)) : undefined });
  const signalled = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await Promise.race([run.done, signalled]);
  const summary = await run.stop();
  console.log(formatSummary(summary));
  return summary.missingAckedWrites === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(2); });
