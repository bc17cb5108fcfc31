// PrefixGuard: lab:prefix names every volume, so changing it on a stack that has resources would delete all data
// (new names, old volumes destroyed). Its check() sees the previous prefix and refuses the change; preview runs
// check before any step, so `pulumi up` stops before anything is touched.
import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource } from "../resource";
import { VersionedInputs, withoutProviderKey } from "../dynamic";

export const PREFIX_GUARD_PROVIDER_VERSION = "1";

export interface PrefixGuardInputs extends VersionedInputs {
  prefix: string;
}

/** The refusal, or undefined when the prefix is new or unchanged. */
export function prefixChange(olds: Partial<PrefixGuardInputs> | undefined, news: PrefixGuardInputs): string | undefined {
  if (!olds?.prefix || olds.prefix === news.prefix) return undefined;
  return `lab:prefix = ${JSON.stringify(news.prefix)}: this stack runs with prefix ${JSON.stringify(olds.prefix)}; a new prefix renames every ` +
    `container, network and volume, i.e. deletes all data. Set it back, or \`pulumi destroy\` first (lab:keepData keeps the old volumes)`;
}

export const prefixGuardProvider: pulumi.dynamic.ResourceProvider<PrefixGuardInputs, PrefixGuardInputs> = {
  async check(olds, news) {
    const refused = prefixChange(olds as Partial<PrefixGuardInputs>, news);
    return refused ? { inputs: news, failures: [{ property: "prefix", reason: refused }] } : { inputs: news };
  },
  async diff(_id, olds, news) {
    return { changes: olds.prefix !== news.prefix || olds.version !== news.version };
  },
  async create(inputs) {
    return { id: inputs.prefix, outs: withoutProviderKey(inputs) };
  },
  async update(_id, _olds, news) {
    return { outs: withoutProviderKey(news) };
  },
  async delete() {
    return;
  },
};

export class PrefixGuard extends LabDynamicResource {
  constructor(name: string, prefix: string, opts?: pulumi.CustomResourceOptions) {
    super(prefixGuardProvider, "PrefixGuard", name, { prefix, version: PREFIX_GUARD_PROVIDER_VERSION }, opts);
  }
}
