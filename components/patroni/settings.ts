// lab:patroni, the setting both Patroni homeworks declare in their needs.ts: DCS timings within Patroni's limits and
// its rule between them (patroniConfig.ts), and synchronous mode.
import { Setting, SettingValue, flag, integer } from "../../program/settings";
import { PATRONI_TIMING_LIMITS, patroniTimingRule } from "./patroniConfig";

const timing = (dflt: number, key: keyof typeof PATRONI_TIMING_LIMITS, below?: string) =>
  integer(dflt, PATRONI_TIMING_LIMITS[key][0], PATRONI_TIMING_LIMITS[key][1], below);

export const PATRONI_SETTING = {
  fields: {
    /** Leader lease in seconds; Patroni's floor is 20 and nobody may lead before it expires. */
    ttl: timing(20, "ttl", `Patroni's minimum leader lease is ${PATRONI_TIMING_LIMITS.ttl[0]} s`),
    loopWait: timing(1, "loopWait"),
    retryTimeout: timing(5, "retryTimeout"),
    /** Commit waits for a synchronous replica: an unplanned leader kill then loses no acknowledged write. */
    synchronousMode: flag(true),
  },
  rule: (p) => {
    const why = patroniTimingRule(p);
    return why ? { fields: ["ttl", "loopWait", "retryTimeout"], why } : undefined;
  },
} satisfies Setting<{ ttl: number; loopWait: number; retryTimeout: number; synchronousMode: boolean }>;

export type PatroniSettings = SettingValue<typeof PATRONI_SETTING>;
