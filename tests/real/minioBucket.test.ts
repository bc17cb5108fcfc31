import * as assert from "assert";
import { spawnSync } from "child_process";
import { bashHttpCheck } from "../../components/minio/minio";
import * as path from "path";
import { S3_VENV } from "../testbed/cache";
import { freePort, waitForTcp } from "../testbed/ports";
import { Managed, requireBinary, start, stopAll, tempDir } from "../testbed/proc";
import { ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  MINIO_BUCKET_PROVIDER_VERSION, minioBucketProvider, MinioBucketInputs, normalizeBucketTarget, s3Client,
} from "../../providers/minioBucket";

const MOTO_SERVER = path.join(S3_VENV, "bin", "moto_server");
const INSTALLER = ".ci/install.d/36-s3.sh";

/**
 * The bucket provider's own create/read/delete (the object the engine calls) against moto's S3 server on a free
 * loopback port. moto accepts any signature: the S3 client's signer is checked against AWS's test vectors in tests/providers.
 */
describe("real: MinioBucket against a local S3 server (moto)", function () {
  this.timeout(60_000);
  let server: Managed;
  let inputs: MinioBucketInputs;
  /** The bucket names ListBuckets answers. */
  const list = async () => {
    const client = s3Client(normalizeBucketTarget(inputs as any));
    try { return ((await client.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!); } finally { client.destroy(); }
  };

  before(async () => {
    const bin = requireBinary(MOTO_SERVER, INSTALLER);
    const port = await freePort();
    server = start({ name: "moto-s3", cmd: bin, args: ["-H", "127.0.0.1", "-p", String(port)], logDir: tempDir("lab-moto") });
    await waitForTcp(port, 30_000).catch((e) => { throw new Error(`${e.message}\n${server.tail()}`); });
    inputs = { endpoint: `http://127.0.0.1:${port}`, bucket: "dp-partition", accessKey: "minio", secretKey: "minio-secret", readyTimeoutMs: 10_000, version: MINIO_BUCKET_PROVIDER_VERSION };
  });
  after(async () => { await stopAll(); });

  it("creates the bucket, and a second create adopts it (idempotent)", async () => {
    const first = await minioBucketProvider.create!(inputs);
    assert.strictEqual(first.id, `${new URL(inputs.endpoint).host}/dp-partition`);
    assert.strictEqual(first.outs!.existed, false);
    assert.ok((await list()).includes("dp-partition"));
    const again = await minioBucketProvider.create!(inputs);
    assert.strictEqual(again.outs!.existed, true);
    assert.deepStrictEqual(await list(), ["dp-partition"]);
  });

  it("refresh reads the bucket back, and reads a missing one as gone (no id)", async () => {
    const read = await minioBucketProvider.read!("id", inputs as any);
    assert.strictEqual(read.id, "id");
    const other = { ...inputs, bucket: "never-made" };
    assert.deepStrictEqual(await minioBucketProvider.read!("id2", other as any), {});
  });

  it("refuses to delete a non-empty bucket unless forceDestroy, then deletes; a second delete is a no-op", async () => {
    const t = normalizeBucketTarget(inputs as any);
    const client = s3Client(t);
    const put = await client.send(new PutObjectCommand({ Bucket: t.bucket, Key: "sales/year=2024/part 1.csv", Body: "id,amount\n1,10\n" })).finally(() => client.destroy());
    assert.strictEqual(put.$metadata.httpStatusCode, 200);
    await assert.rejects(minioBucketProvider.delete!("id", inputs as any), /bucket dp-partition is not empty: refusing to delete it/);
    assert.ok((await list()).includes("dp-partition"), "the refused delete must leave the bucket");
    await minioBucketProvider.delete!("id", { ...inputs, forceDestroy: true } as any);
    assert.ok(!(await list()).some((name) => /dp-partition/.test(name)));
    await minioBucketProvider.delete!("id", inputs as any);
  });

  it("MinIO's healthcheck (bash only) passes on HTTP 200 and fails on 404 and on a closed port", async () => {
    const run = (port: number, path: string) => {
      const [form, ...cmd] = bashHttpCheck(port, path);
      assert.strictEqual(form, "CMD");
      return spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", timeout: 15_000 }).status;
    };
    const port = Number(new URL(inputs.endpoint).port);
    assert.strictEqual(run(port, "/"), 0, "ListBuckets answers 200");
    assert.notStrictEqual(run(port, "/dp-partition-missing"), 0, "a 404 must fail the check");
    assert.notStrictEqual(run(await freePort(), "/minio/health/live"), 0, "a closed port must fail the check");
  });

  it("creates in another region with its location constraint", async () => {
    const eu = { ...inputs, bucket: "dp-partition-eu", region: "eu-west-1" };
    assert.strictEqual((await minioBucketProvider.create!(eu)).outs!.existed, false);
    assert.strictEqual((await minioBucketProvider.create!(eu)).outs!.existed, true);
    await minioBucketProvider.delete!("id", eu as any);
    assert.deepStrictEqual(await minioBucketProvider.read!("id", eu as any), {});
  });
});
