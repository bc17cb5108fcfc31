// lab:patroni reaches the running cluster through PatroniDcs, and changing it leaves every member's inputs alone
// (so no member is replaced or restarted).
import * as assert from "assert";
import { parseLabConfig } from "../config";
import { composeLab } from "./compose";
import { rawConfig } from "../tests/testbed/rawConfig";
import { containersOf, runMocked } from "../tests/testbed/mockLab";

describe("stacks: lab:patroni on a running cluster", () => {
  it("patroni-ha: a new ttl changes PatroniDcs only, not the members", async function () {
    this.timeout(60_000);
    const members = async (patroni: Record<string, unknown>) => {
      const run = await runMocked(() => composeLab(parseLabConfig(rawConfig({ patroni }))));
      const pg = containersOf(run).filter((c) => /-pg-\d$/.test(c.inputs.name)).map((c) => JSON.stringify(c.inputs));
      const dcs = run.byType("pulumi-nodejs:dynamic/lab:PatroniDcs").find((r) => r.name === "pg-dcs");
      assert.ok(dcs, "no PatroniDcs resource");
      return { pg, dcs: dcs!.inputs };
    };
    const a = await members({ ttl: 20 });
    const b = await members({ ttl: 40, loopWait: 3, retryTimeout: 8, synchronousMode: false });
    assert.deepStrictEqual(a.pg, b.pg, "members' inputs changed with lab:patroni");
    assert.deepStrictEqual(a.dcs.settings, { ttl: 20, loop_wait: 1, retry_timeout: 5, synchronous_mode: true });
    assert.deepStrictEqual(b.dcs.settings, { ttl: 40, loop_wait: 3, retry_timeout: 8, synchronous_mode: false });
    assert.deepStrictEqual(a.dcs.members, ["lab-dev-pg-1", "lab-dev-pg-2", "lab-dev-pg-3"]);
  });
});
