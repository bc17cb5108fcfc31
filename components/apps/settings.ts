// lab:traffic, the setting of the lab's own load (patroni-ha's traffic generator, patroni-cdc's writer): whether it
// runs and at what rate. Declared by those homeworks' needs.ts.
import { Setting, SettingValue, flag, integer } from "../../program/settings";

export const TRAFFIC_SETTING = {
  fields: { enabled: flag(true), ratePerSecond: integer(10, 1, 1000) },
} satisfies Setting<{ enabled: boolean; ratePerSecond: number }>;

export type TrafficSettings = SettingValue<typeof TRAFFIC_SETTING>;
