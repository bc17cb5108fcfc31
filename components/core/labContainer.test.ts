import * as assert from "assert";
import { goDuration, healthcheckInput } from "./labContainer";

describe("labContainer: inputs as the docker provider reads them back", () => {
  it("writes durations in Go's canonical form, so a second up sees no change", () => {
    assert.deepStrictEqual([0, 3, 59, 60, 90, 120, 240, 3599, 3600, 3661].map(goDuration),
      ["0s", "3s", "59s", "1m0s", "1m30s", "2m0s", "4m0s", "59m59s", "1h0m0s", "1h1m1s"]);
    assert.throws(() => goDuration(1.5), /duration 1.5: must be whole seconds/);
  });
  it("renders a healthcheck with canonical durations and defaults", () => {
    assert.deepStrictEqual(healthcheckInput({ test: ["CMD", "true"], startPeriodSeconds: 60 }),
      { tests: ["CMD", "true"], interval: "5s", timeout: "3s", retries: 5, startPeriod: "1m0s" });
  });
});
