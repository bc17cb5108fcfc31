import * as pulumi from "@pulumi/pulumi";
import { Homework, LabConfig } from "./config";
import { homeworkContext } from "./stacks/homework";
import { COMPOSITIONS } from "./stacks";
import { PrefixGuard } from "./providers/prefixGuard";

/** Stands up each homework named in lab:homeworks; outputs grouped by homework. */
export function composeLab(cfg: LabConfig): Record<string, unknown> {
  const missing = cfg.homeworks.filter((h) => !COMPOSITIONS[h]);
  if (missing.length) {
    throw new Error(`lab:homeworks = ${JSON.stringify(cfg.homeworks)}: ${missing.join(", ")} not built yet; available: ${Object.keys(COMPOSITIONS).join(", ")}`);
  }
  if (cfg.keepData) pulumi.runtime.registerStackTransformation(keepVolumes);
  // First registered, so its check refuses a changed lab:prefix before any other step of the update.
  new PrefixGuard("prefix-guard", cfg.prefix);
  const outputs: Record<string, unknown> = {};
  for (const hw of cfg.homeworks) outputs[hw] = COMPOSITIONS[hw as Homework]!(homeworkContext(cfg, hw));
  return outputs;
}

/**
 * lab:keepData: `pulumi destroy` leaves every data volume in place; their names are fixed (<prefix>-<name>), so
 * the next `up` creates the same volumes and Docker hands back the existing ones with their data.
 */
export function keepVolumes(a: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined {
  if (a.type !== "docker:index/volume:Volume") return undefined;
  return { props: a.props, opts: pulumi.mergeOptions(a.opts, { retainOnDelete: true }) };
}
