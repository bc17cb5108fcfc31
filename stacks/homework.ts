import * as pulumi from "@pulumi/pulumi";
import { Homework, LabConfig } from "../config";
import { LabImages } from "../components/labImages";

/** What a homework composition gets: the parsed config, its Docker prefix and the component to parent under. */
export interface HomeworkContext {
  cfg: LabConfig;
  /** Docker-level prefix: the stack's, plus the homework when a stack runs several. */
  prefix: string;
  parent: pulumi.ComponentResource;
  /** Every image this homework runs or builds FROM, per lab:imageSource. */
  images: LabImages;
}

/**
 * Each homework is its own component type, so two homeworks in one stack can reuse child names
 * (URNs carry the parent type chain).
 */
export class HomeworkResource extends pulumi.ComponentResource {
  constructor(homework: Homework, opts?: pulumi.ComponentResourceOptions) {
    const type = homework.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
    super(`lab:homework:${type}`, homework, {}, opts);
  }
}

export function homeworkContext(cfg: LabConfig, homework: Homework): HomeworkContext {
  const prefix = cfg.homeworks.length > 1 ? `${cfg.prefix}-${homework}` : cfg.prefix;
  const parent = new HomeworkResource(homework);
  return { cfg, prefix, parent, images: new LabImages(prefix, cfg.images, cfg.build, parent) };
}
