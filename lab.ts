import { Homework, LabConfig } from "./config";
import { homeworkContext } from "./stacks/homework";
import { COMPOSITIONS } from "./stacks";

/** Stands up each homework named in lab:homeworks; outputs grouped by homework. */
export function composeLab(cfg: LabConfig): Record<string, unknown> {
  const missing = cfg.homeworks.filter((h) => !COMPOSITIONS[h]);
  if (missing.length) {
    throw new Error(`lab:homeworks = ${JSON.stringify(cfg.homeworks)}: ${missing.join(", ")} not built yet; available: ${Object.keys(COMPOSITIONS).join(", ")}`);
  }
  const outputs: Record<string, unknown> = {};
  for (const hw of cfg.homeworks) outputs[hw] = COMPOSITIONS[hw as Homework]!(homeworkContext(cfg, hw));
  return outputs;
}
