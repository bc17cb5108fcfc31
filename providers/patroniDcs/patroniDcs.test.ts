import * as assert from "assert";
import { execFileSync } from "child_process";
import * as http from "http";
import { parseShowConfig, patchConfigCommand, patroniDcsProvider, showConfigCommand, validateDcsSettings } from ".";

const SETTINGS = { ttl: 20, loop_wait: 2, retry_timeout: 5, synchronous_mode: true };

describe("PatroniDcs: lab:patroni on the running cluster", () => {
  it("PATCHes every lab key to Patroni's /config and GETs it back (python3 against a stand-in REST API)", async () => {
    const seen: { method: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => { body += c; });
      req.on("end", () => { seen.push({ method: req.method!, body }); res.setHeader("Content-Type", "application/json"); res.end(JSON.stringify({ ...SETTINGS, ttl: 30, postgresql: {} })); });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const run = (cmd: string[]) => new Promise<string>((resolve, reject) => {
        require("child_process").execFile(cmd[0], cmd.slice(1), { timeout: 10_000 }, (e: Error | null, out: string) => (e ? reject(e) : resolve(out)));
      });
      const patched = await run(patchConfigCommand(port, { ...SETTINGS, ttl: 30 }));
      assert.deepStrictEqual(seen[0], { method: "PATCH", body: JSON.stringify({ ttl: 30, loop_wait: 2, retry_timeout: 5, synchronous_mode: true }) });
      assert.strictEqual(parseShowConfig(patched).ttl, 30);
      assert.deepStrictEqual(parseShowConfig(await run(showConfigCommand(port))), { ...SETTINGS, ttl: 30 });
      assert.strictEqual(seen[1].method, "GET");
    } finally {
      server.close();
    }
    void execFileSync;
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
    const olds = { members: ["a"], restPort: 8008, settings: SETTINGS, version: "2" };
    const d = await patroniDcsProvider.diff!("id", olds, { ...olds, settings: { ...SETTINGS, ttl: 30 } });
    assert.strictEqual(d.changes, true);
    assert.ok(!d.replaces?.length);
    assert.strictEqual((await patroniDcsProvider.diff!("id", olds, { ...olds })).changes, false);
  });
});
