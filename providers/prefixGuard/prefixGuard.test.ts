import * as assert from "assert";
import { prefixChange, prefixGuardProvider } from ".";

describe("PrefixGuard: a changed lab:prefix would delete every volume", () => {
  it("refuses a new prefix on a stack that ran with another, naming both", async () => {
    const r = await prefixGuardProvider.check!({ prefix: "lab-dev", version: "1" }, { prefix: "lab-x", version: "1" });
    assert.strictEqual(r.failures?.[0].property, "prefix");
    assert.match(r.failures![0].reason, /lab:prefix = "lab-x": this stack runs with prefix "lab-dev"; .* deletes all data/);
  });
  it("accepts the first prefix and an unchanged one", () => {
    assert.strictEqual(prefixChange(undefined, { prefix: "lab-dev", version: "1" }), undefined);
    assert.strictEqual(prefixChange({}, { prefix: "lab-dev", version: "1" }), undefined);
    assert.strictEqual(prefixChange({ prefix: "lab-dev" }, { prefix: "lab-dev", version: "1" }), undefined);
  });
});
