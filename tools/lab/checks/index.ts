// `npm run lab -- check [--json]`: the selected lab's homework checks itself. The homework is told by the services
// its lab runs (each homework's `marks`); every check prints one line, pass or fail with its figure, and a failed
// one what to look at; any failure makes the command fail. --json prints one object for a grader instead.
import { LabDocker } from "../docker";
import { cdcDatavaultChecks } from "./cdcDatavault";
import { CheckedLab, checklistLines, CheckResult, HomeworkChecks, homeworksOf, runChecks } from "./framework";
import { greenplumPxfChecks, partitionsChecks } from "./greenplum";
import { patroniCdcChecks, patroniHaChecks } from "./patroni";

export * from "./framework";

export const HOMEWORK_CHECKS: readonly HomeworkChecks[] = [patroniHaChecks, patroniCdcChecks, cdcDatavaultChecks, greenplumPxfChecks, partitionsChecks];

export interface LabReport {
  prefix: string;
  homework: string;
  passed: number;
  failed: number;
  checks: CheckResult[];
}

/** Runs the homework's checks against the lab `prefix`; prints the checklist (or, with json, the report at the end). */
export async function checkLab(docker: LabDocker, prefix: string, print: (l: string) => void, json = false): Promise<LabReport> {
  const services = await docker.services(prefix);
  const found = homeworksOf(services, HOMEWORK_CHECKS);
  if (found.length !== 1) {
    throw new Error(`lab ${prefix} runs ${services.map((s) => s.service).join(", ")}: ${found.length ? `that fits ${found.map((h) => h.homework).join(" and ")}` : "no homework's services"}`
      + `; each homework is told by its services: ${HOMEWORK_CHECKS.map((h) => `${h.homework} (${h.marks.join(", ")})`).join("; ")}`);
  }
  const hw = found[0];
  if (!json) print(`check ${prefix} (${hw.homework})`);
  const width = Math.max(...hw.checks.map((c) => c.name.length));
  const checks = await runChecks(new CheckedLab(docker, prefix, services), hw.checks, (r) => { if (!json) for (const l of checklistLines(r, width)) print(l); });
  const report = { prefix, homework: hw.homework, passed: checks.filter((c) => c.ok).length, failed: checks.filter((c) => !c.ok).length, checks };
  if (json) print(JSON.stringify(report, null, 2));
  else print(`${report.passed} of ${checks.length} checks passed`);
  return report;
}
