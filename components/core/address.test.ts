import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "pg-connection-string";
import { postgresUrl } from "./address";

const settle = (o: pulumi.Output<string>): Promise<{ value: string; secret: boolean }> =>
  Promise.all([(o as any).promise(), (o as any).isSecret]).then(([value, secret]) => ({ value, secret }));

describe("components: postgresUrl, the one PostgreSQL URL builder", () => {
  for (const password of ["p@ss/word:x%y", "a%41b", "with space?#&=", "plain"]) {
    it(`encodes ${JSON.stringify(password)} so pg's parser reads the same password back`, async () => {
      const { value, secret } = await settle(postgresUrl({ user: "us:er@x", password: pulumi.secret(password), at: { host: "haproxy", port: 5000 }, database: "source_db" }));
      assert.strictEqual(secret, true, "a URL with a password must be secret");
      const parsed = parse(value);
      assert.strictEqual(parsed.password, password);
      assert.strictEqual(parsed.user, "us:er@x");
      assert.strictEqual(parsed.host, "haproxy");
      assert.strictEqual(parsed.port, "5000");
      assert.strictEqual(parsed.database, "source_db");
    });
  }
  it("leaves a plain password as written (the lab's default URLs do not change)", async () => {
    const { value } = await settle(postgresUrl({ user: "postgres", password: "lab-pg-secret", at: { host: "127.0.0.1", port: 5001 }, database: "postgres" }));
    assert.strictEqual(value, "postgresql://postgres:lab-pg-secret@127.0.0.1:5001/postgres");
  });
});
