import * as path from "path";
import { isDeepStrictEqual } from "util";
import * as pulumi from "@pulumi/pulumi";
import type { Homework, LabConfig } from "../config";
import { HomeworkNeeds } from "./homeworks";
import { ConfigError, SettingValue } from "./settings";
import { LabImages } from "../components/core/labImages";
import { PrefixGuard } from "../providers/prefixGuard";
import { moduleDir } from "./paths";

/** What a homework's composition gets: the parsed config, its Docker prefix, its parent, its own ports, secrets and settings. */
export interface HomeworkContext<N extends HomeworkNeeds = HomeworkNeeds> {
  cfg: LabConfig;
  /** Docker-level prefix: the stack's, plus the homework when a stack runs several. */
  prefix: string;
  parent: pulumi.ComponentResource;
  /** Every image this homework runs or builds FROM, per lab:imageSource. */
  images: LabImages;
  /** The host ports this homework publishes (lab:ports, defaults from its needs). */
  ports: { readonly [K in keyof N["ports"]]: number };
  /** The secrets this homework reads (config.ts has refused a missing one). */
  secrets: { readonly [K in keyof N["secrets"]]: pulumi.Output<string> };
  /** Its own settings (lab:<key> as its needs.ts declares them), parsed, defaults filled. */
  settings: { readonly [K in keyof N["settings"]]: SettingValue<N["settings"][K]> };
}

/** What homeworks/<name>/index.ts exports as `homework`: its needs (the needs.ts object) and how it composes. */
export interface HomeworkDefinition<N extends HomeworkNeeds = HomeworkNeeds> {
  needs: N;
  compose(ctx: HomeworkContext<N>): Record<string, pulumi.Input<unknown>>;
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

/** The `homework` export of <catalog root>/<name>/index.ts, checked to declare the needs config.ts parsed against. */
export function loadHomework(cfg: LabConfig, name: Homework): HomeworkDefinition {
  const dir = path.join(cfg.catalog.root, name);
  const def = require(moduleDir(dir)).homework as HomeworkDefinition | undefined;
  if (!def || typeof def.compose !== "function") throw new ConfigError("homeworks", name, `${dir}/index.ts exports no \`homework\` { needs, compose }`);
  // By value, not identity: a test harness that reloads the repository's modules gets a second copy of needs.ts (and
  // of the settings' functions, so those are left out of the comparison).
  const data = (n: unknown) => JSON.parse(JSON.stringify(n));
  if (!isDeepStrictEqual(data(def.needs), data(cfg.catalog.needs[name]))) throw new ConfigError("homeworks", name, `${dir}/index.ts: homework.needs must be the \`needs\` of ./needs.ts`);
  return def;
}

function homeworkContext(cfg: LabConfig, name: Homework, needs: HomeworkNeeds): HomeworkContext {
  const prefix = cfg.homeworks.length > 1 ? `${cfg.prefix}-${name}` : cfg.prefix;
  const parent = new HomeworkResource(name);
  const pick = <T>(from: Record<string, T>, keys: object) => Object.fromEntries(Object.keys(keys).map((k) => [k, from[k]]));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const settings = pick(cfg.settings, needs.settings) as any;
  return {
    cfg, prefix, parent, images: new LabImages(prefix, cfg.images, cfg.build, parent),
    ports: pick(cfg.ports, needs.ports), secrets: pick(cfg.secrets, needs.secrets), settings,
  };
}

/**
 * Stands up each homework named in lab:homeworks; outputs grouped by homework. A bad definition throws here, before
 * any resource is registered.
 */
export function composeLab(cfg: LabConfig): Promise<Record<string, unknown>> {
  const defs = cfg.homeworks.map((hw) => [hw, loadHomework(cfg, hw)] as const);
  if (cfg.keepData) pulumi.runtime.registerStackTransformation(keepVolumes);
  // First registered, so its check refuses a changed lab:prefix before any other step of the update. One turn of the
  // event loop lets its registration leave before the homeworks compose (a second of CPU on patroni-cdc): the engine
  // starts the dynamic-provider host meanwhile, instead of holding every other step while it starts.
  new PrefixGuard("prefix-guard", cfg.prefix);
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    const outputs: Record<string, unknown> = {};
    for (const [hw, def] of defs) outputs[hw] = def.compose(homeworkContext(cfg, hw, def.needs));
    return outputs;
  });
}

/**
 * lab:keepData: `pulumi destroy` leaves every data volume in place; their names are fixed (<prefix>-<name>), so
 * the next `up` creates the same volumes and Docker hands back the existing ones with their data.
 */
export function keepVolumes(a: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined {
  if (a.type !== "docker:index/volume:Volume") return undefined;
  return { props: a.props, opts: pulumi.mergeOptions(a.opts, { retainOnDelete: true }) };
}
