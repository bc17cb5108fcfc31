import * as assert from "assert";
import { editConfigCommand, parseShowConfig, patroniDcsProvider, validateDcsSettings } from "../../providers/patroniDcs";

const SETTINGS = { ttl: 20, loop_wait: 2, retry_timeout: 5, synchronous_mode: true };

describe("PatroniDcs: lab:patroni on the running cluster", () => {
  it("sets every lab key with one patronictl edit-config, no editor, no restart", () => {
    assert.deepStrictEqual(editConfigCommand("/etc/patroni/patroni.yml", SETTINGS), [
      "patronictl", "-c", "/etc/patroni/patroni.yml", "edit-config", "--force",
      "-s", "ttl=20", "-s", "loop_wait=2", "-s", "retry_timeout=5", "-s", "synchronous_mode=true",
    ]);
  });
  it("reads show-config back, with Patroni's defaults for omitted keys", () => {
    assert.deepStrictEqual(parseShowConfig("loop_wait: 2\nretry_timeout: 5\nttl: 20\nsynchronous_mode: true\npostgresql:\n  use_pg_rewind: true\n"), SETTINGS);
    assert.deepStrictEqual(parseShowConfig("{}\n"), { ttl: 30, loop_wait: 10, retry_timeout: 10, synchronous_mode: false });
  });
  it("refuses settings Patroni cannot take, naming the key", () => {
    assert.throws(() => validateDcsSettings({ ...SETTINGS, ttl: 0 }), /settings.ttl = 0/);
    assert.throws(() => validateDcsSettings({ ...SETTINGS, synchronous_mode: "on" as unknown as boolean }), /settings.synchronous_mode = "on"/);
  });
  it("changes in place: a new value is an update, never a replacement", async () => {
    const olds = { members: ["a"], configPath: "/p", settings: SETTINGS, version: "1" };
    const d = await patroniDcsProvider.diff!("id", olds, { ...olds, settings: { ...SETTINGS, ttl: 30 } });
    assert.strictEqual(d.changes, true);
    assert.ok(!d.replaces?.length);
    assert.strictEqual((await patroniDcsProvider.diff!("id", olds, { ...olds })).changes, false);
  });
});
