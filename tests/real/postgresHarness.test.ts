import * as assert from "assert";
import { startPostgres, LocalPostgres } from "../testbed/postgres";

describe("real: local PostgreSQL harness", function () {
  this.timeout(60_000);
  let pg: LocalPostgres;
  before(async () => { pg = await startPostgres({ name: "harness-check", settings: { wal_level: "logical" } }); });
  after(async () => { await pg?.stop(); });

  it("runs an unprivileged server with the requested settings", async () => {
    const [row] = await pg.query("select current_setting('wal_level') as wal, current_setting('listen_addresses') as listen");
    assert.strictEqual(row.wal, "logical");
    assert.strictEqual(row.listen, "127.0.0.1");
    await pg.createDatabase("other_db");
    const [x] = await pg.query("select current_database() as db", [], "other_db");
    assert.strictEqual(x.db, "other_db");
  });
});
