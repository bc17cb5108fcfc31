// providers/resource.ts keeps each provider's serialized closure in bin/.providers/ between runs; an entry is reused
// only under the same key, and holds what Pulumi's serializer gives.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { programDigest, providerCacheKey, readCachedSerialization, serializeAndStore, SerializedFunction } from "./resource";

describe("providers: the serialized-provider cache", () => {
  let dir: string;
  let calls: number;
  const provider = { async check() { return { inputs: {} }; } };
  const serialize = (text: string, containsSecrets = false) => async (): Promise<SerializedFunction> => { calls++; return { text, containsSecrets }; };
  beforeEach(() => { dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lab-prov-")), ".providers"); calls = 0; });

  it("stores what it serialized and reads it back under the same key only", async () => {
    assert.strictEqual(readCachedSerialization(dir, "HealthGate", "k1"), undefined);
    assert.deepStrictEqual(await serializeAndStore(dir, "HealthGate", "k1", provider, serialize("v1")), { text: "v1", containsSecrets: false });
    assert.strictEqual(readCachedSerialization(dir, "HealthGate", "k1"), "v1");
    assert.strictEqual(readCachedSerialization(dir, "HealthGate", "k2"), undefined);
    assert.strictEqual(calls, 1);
  });

  it("replaces the entry of a type under a new key, leaving the other types' entries", async () => {
    await serializeAndStore(dir, "HealthGate", "k1", provider, serialize("v1"));
    await serializeAndStore(dir, "PrefixGuard", "k1", provider, serialize("g1"));
    assert.strictEqual((await serializeAndStore(dir, "HealthGate", "k2", provider, serialize("v2"))).text, "v2");
    assert.strictEqual(calls, 3);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["HealthGate-k2.js", "PrefixGuard-k1.js"]);
  });

  it("still gives the text when it cannot store it", async () => {
    fs.writeFileSync(path.dirname(dir) + "/blocker", "");
    const blocked = path.join(path.dirname(dir), "blocker", ".providers");
    assert.strictEqual((await serializeAndStore(blocked, "HealthGate", "k1", provider, serialize("v1"))).text, "v1");
    assert.strictEqual(readCachedSerialization(blocked, "HealthGate", "k1"), undefined);
  });

  it("never stores a closure that captured a secret", async () => {
    assert.strictEqual((await serializeAndStore(dir, "HealthGate", "k1", provider, serialize("s", true))).containsSecrets, true);
    assert.strictEqual(fs.existsSync(dir), false);
  });

  it("keys on the SDK version, the type, every compiled module and package-lock.json, not on file order", () => {
    const files = [{ name: "providers/a.js", text: "a" }, { name: "providers/b.js", text: "b" }];
    const key = providerCacheKey("HealthGate", programDigest("3.270.0", files, "lock"));
    assert.strictEqual(providerCacheKey("HealthGate", programDigest("3.270.0", [...files].reverse(), "lock")), key);
    for (const other of [
      providerCacheKey("HealthGate", programDigest("3.271.0", files, "lock")),
      providerCacheKey("PrefixGuard", programDigest("3.270.0", files, "lock")),
      providerCacheKey("HealthGate", programDigest("3.270.0", [files[0], { name: "providers/b.js", text: "b2" }], "lock")),
      providerCacheKey("HealthGate", programDigest("3.270.0", files, "lock2")),
    ]) assert.notStrictEqual(other, key);
  });
});
