import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { createHash, createHmac, Hash, Hmac } from "crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import {
  MinioBucket, judgeCreate, judgeDelete, judgeHead, MINIO_BUCKET_PROVIDER_VERSION, minioBucketProvider, MinioBucketInputs,
  normalizeBucketTarget, s3Answer,
} from ".";
import { inProviderProcess } from "../../tests/testbed/providerProcess";

const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

/** SHA-256 (HMAC with a key) on Node's crypto, in the shape the SDK's signer takes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData) => typeof d === "string" ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: SourceData) { this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret)); }
  update(data: SourceData) { this.h.update(bytes(data)); }
  async digest() { return new Uint8Array(this.h.digest()); }
  reset() { /* one use per instance */ }
}

// AWS's SigV4 test suite credentials (aws-sig-v4-test-suite) and the S3 documentation's example credentials.
const SUITE = { accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service", date: "2015-08-30T12:36:00Z" };
const S3_DOC = { accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "s3", date: "2013-05-24T00:00:00Z" };
type Vector = typeof SUITE;

/**
 * The Authorization header the AWS SDK's signer (the one the S3 client signs with) makes for a request. S3 does
 * not double-encode paths, so an S3 vector signs with uriEscapePath off, as the S3 client does.
 */
async function authorization(v: Vector, req: { method: string; path: string; query?: Record<string, string>; headers: Record<string, string> }): Promise<string> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: v.accessKey, secretAccessKey: v.secretKey }, region: v.region, service: v.service,
    sha256: NodeSha256, uriEscapePath: v.service !== "s3", applyChecksum: false,
  });
  const signed = await signer.sign({ protocol: "https:", hostname: req.headers.Host ?? req.headers.host, method: req.method, path: req.path,
    query: req.query ?? {}, headers: req.headers }, { signingDate: new Date(v.date) });
  return String(signed.headers.authorization);
}
const signatureOf = (auth: string) => /Signature=([0-9a-f]{64})$/.exec(auth)?.[1];
const signedHeadersOf = (auth: string) => /SignedHeaders=([^,]+),/.exec(auth)?.[1];

const suiteHeaders = { Host: "example.amazonaws.com" };
const s3DocHeaders = (extra: Record<string, string> = {}, payload = EMPTY_PAYLOAD_SHA256) =>
  ({ Host: "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": payload, ...extra });

describe("minioBucket: the S3 client's SigV4 signer against AWS's documented test vectors", () => {
  it("get-vanilla: the Authorization header", async () => {
    assert.strictEqual(await authorization(SUITE, { method: "GET", path: "/", headers: suiteHeaders }),
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
      + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  });

  it("get-vanilla-query-order-key-case: query sorted by name", async () => {
    const auth = await authorization(SUITE, { method: "GET", path: "/", query: { Param2: "value2", Param1: "value1" }, headers: suiteHeaders });
    assert.strictEqual(signatureOf(auth), "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  });

  it("S3 GET Object with a Range header", async () => {
    const auth = await authorization(S3_DOC, { method: "GET", path: "/test.txt", headers: s3DocHeaders({ Range: "bytes=0-9" }) });
    assert.strictEqual(signedHeadersOf(auth), "host;range;x-amz-content-sha256;x-amz-date");
    assert.strictEqual(signatureOf(auth), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  });

  it("S3 PUT Object: the documented payload hash; a Date header is never signed (the signer dates by x-amz-date)", async () => {
    // AWS's vector signs a Date header too; the SDK's signer drops Date before signing, so only its parts apply here.
    const payload = sha256Hex("Welcome to Amazon S3.");
    assert.strictEqual(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    const auth = await authorization(S3_DOC, {
      method: "PUT", path: "/test%24file.text",
      headers: s3DocHeaders({ Date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY" }, payload),
    });
    assert.strictEqual(signedHeadersOf(auth), "host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
    assert.match(auth, /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/s3\/aws4_request, /);
  });

  it("S3 GET Bucket Lifecycle (a flag parameter) and GET Bucket (List Objects)", async () => {
    const lifecycle = await authorization(S3_DOC, { method: "GET", path: "/", query: { lifecycle: "" }, headers: s3DocHeaders() });
    assert.strictEqual(signatureOf(lifecycle), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    const list = await authorization(S3_DOC, { method: "GET", path: "/", query: { "max-keys": "2", prefix: "J" }, headers: s3DocHeaders() });
    assert.strictEqual(signatureOf(list), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  });
});

describe("minioBucket: decisions and validation (pure)", () => {
  const good = { endpoint: "http://127.0.0.1:9000", bucket: "dp-partition", accessKey: "minio", secretKey: "s" };

  it("normalises the target and names the key and value of bad input", () => {
    assert.deepStrictEqual(normalizeBucketTarget({ ...good, endpoint: "http://127.0.0.1:9000/" }), { ...good, region: "us-east-1" });
    assert.throws(() => normalizeBucketTarget({ ...good, bucket: "DP_Partition" }), /^Error: bucket = "DP_Partition": may hold only a-z/);
    assert.throws(() => normalizeBucketTarget({ ...good, bucket: "ab" }), /bucket = "ab": must be 3\.\.63 characters long/);
    assert.throws(() => normalizeBucketTarget({ ...good, bucket: "10.0.0.1" }), /must not hold '\.\.' or look like an IP address/);
    assert.throws(() => normalizeBucketTarget({ ...good, endpoint: "minio:9000" }), /endpoint = "minio:9000": must start with http/);
    assert.throws(() => normalizeBucketTarget({ ...good, endpoint: "http://h:9000/x" }), /endpoint = "http:\/\/h:9000\/x": must be the server's base URL/);
    assert.throws(() => normalizeBucketTarget({ ...good, secretKey: "" }), /secretKey = "": must be a non-empty string/);
  });

  it("create: 200 is new, 409 BucketAlreadyOwnedByYou is ours (idempotent), anything else says why", () => {
    assert.strictEqual(judgeCreate("b", { status: 200 }), "created");
    assert.strictEqual(judgeCreate("b", { status: 409, code: "BucketAlreadyOwnedByYou" }), "exists");
    assert.throws(() => judgeCreate("b", { status: 409, code: "BucketAlreadyExists", message: "taken" }), /bucket b: the name is taken by another account \(HTTP 409 BucketAlreadyExists: taken\)/);
    assert.throws(() => judgeCreate("b", { status: 403, code: "SignatureDoesNotMatch" }), /CreateBucket answered HTTP 403 SignatureDoesNotMatch/);
  });

  it("delete: 204 deleted, 404 already gone, 409 BucketNotEmpty refused with the way out", () => {
    assert.strictEqual(judgeDelete("b", { status: 204 }), "deleted");
    assert.strictEqual(judgeDelete("b", { status: 404, code: "NoSuchBucket" }), "absent");
    assert.throws(() => judgeDelete("b", { status: 409, code: "BucketNotEmpty" }), /bucket b is not empty: refusing to delete it \(set forceDestroy: true/);
    assert.throws(() => judgeDelete("b", { status: 500, code: "InternalError" }), /DeleteBucket answered HTTP 500 InternalError/);
    assert.strictEqual(judgeHead("b", { status: 200 }), true);
    assert.strictEqual(judgeHead("b", { status: 404 }), false);
    assert.throws(() => judgeHead("b", { status: 403 }), /HeadBucket answered HTTP 403/);
  });

  it("reads S3's answer off the SDK's error: status, Code and Message; no answer (refused) is no answer", () => {
    const sdkError = (name: string, message: string, status?: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    assert.deepStrictEqual(s3Answer(sdkError("NoSuchBucket", "gone", 404)), { status: 404, code: "NoSuchBucket", message: "gone" });
    assert.deepStrictEqual(s3Answer(sdkError("NotFound", "UnknownError", 404)), { status: 404, code: undefined, message: undefined });
    assert.deepStrictEqual(s3Answer(sdkError("BucketNotEmpty", "BucketNotEmpty", 409)), { status: 409, code: "BucketNotEmpty", message: undefined });
    assert.strictEqual(s3Answer(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED", $metadata: {} })), undefined);
    assert.strictEqual(s3Answer(new Error("fetch failed")), undefined);
    assert.throws(() => judgeDelete("b", s3Answer(sdkError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409))!), /bucket b is not empty/);
  });
});

describe("minioBucket: provider check/diff (no I/O) and serialization", () => {
  const inputs: MinioBucketInputs = { endpoint: "http://127.0.0.1:9000", bucket: "dp-partition", accessKey: "minio", secretKey: "s", version: MINIO_BUCKET_PROVIDER_VERSION };

  it("check reports the bad property; unknown values wait for apply", async () => {
    const bad = await minioBucketProvider.check!(undefined as any, { ...inputs, bucket: "Bad" });
    assert.deepStrictEqual(bad.failures?.map((f) => f.property), ["bucket"]);
    const force = await minioBucketProvider.check!(undefined as any, { ...inputs, forceDestroy: "yes" as any });
    assert.deepStrictEqual(force.failures, [{ property: "forceDestroy", reason: "forceDestroy = \"yes\": must be true or false" }]);
    const unknown = await minioBucketProvider.check!(undefined as any, { ...inputs, secretKey: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    assert.strictEqual(unknown.failures, undefined);
  });

  it("diff: a new name or server replaces; keys, forceDestroy and version update; same inputs in another key order do nothing", async () => {
    const outs = { ...inputs, existed: false };
    const same = await minioBucketProvider.diff!("id", outs, { version: inputs.version, secretKey: "s", accessKey: "minio", bucket: "dp-partition", endpoint: "http://127.0.0.1:9000" });
    assert.strictEqual(same.changes, false);
    assert.deepStrictEqual((await minioBucketProvider.diff!("id", outs, { ...inputs, bucket: "other" })).replaces, ["bucket"]);
    for (const change of [{ secretKey: "t" }, { forceDestroy: true }, { version: "2" }]) {
      const d = await minioBucketProvider.diff!("id", outs, { ...inputs, ...change });
      assert.deepStrictEqual([d.changes, d.replaces], [true, []], JSON.stringify(change));
    }
  });

  it("survives Pulumi's closure serialization (a plain node process, like the provider host)", async () => {
    // Port 1 refuses at once: create must give up within its short readiness budget and name the endpoint.
    const out = await inProviderProcess(minioBucketProvider, `
      const bad = await p.check({}, { endpoint: "http://127.0.0.1:1", bucket: "x", accessKey: "a", secretKey: "s", version: "1" });
      const fail = await p.create({ endpoint: "http://127.0.0.1:1", bucket: "dp-partition", accessKey: "a", secretKey: "s", readyTimeoutMs: 300, version: "1" }).catch((e) => e.message);
      return { bad: bad.failures, fail };`);
    assert.deepStrictEqual(out.bad, [{ property: "bucket", reason: "bucket = \"x\": must be 3..63 characters long" }]);
    assert.match(out.fail, /^s3 http:\/\/127\.0\.0\.1:1 not ready after \d+ ms \(\d+ attempts, timeout 300 ms\); last failure: GET http:\/\/127\.0\.0\.1:1\/: /);
    assert.ok(!out.fail.includes("\"s\""), "the secret key must not appear in errors");
  });
});

describe("minioBucket: the resource (Pulumi mocks)", () => {
  const registered: { type: string; inputs: Record<string, any> }[] = [];
  before(async () => {
    await pulumi.runtime.setMocks({
      newResource: (args) => { registered.push({ type: args.type, inputs: args.inputs }); return { id: `${args.name}-id`, state: { ...args.inputs, existed: false } }; },
      call: (args) => args.inputs,
    }, "lab", "test", false);
  });

  it("keeps the secret key secret, sends the version and the serialized provider", async () => {
    const b = new MinioBucket("dp", { endpoint: "http://127.0.0.1:9000", bucket: "dp-partition", accessKey: "minio", secretKey: "plain" });
    assert.strictEqual(await pulumi.isSecret((b as any).secretKey), true, "secretKey must be a secret output");
    assert.strictEqual(await pulumi.isSecret(b.bucket), false);
    await new Promise<void>((resolve) => b.bucket.apply(() => resolve()));
    const r = registered.find((x) => x.inputs.bucket === "dp-partition")!;
    assert.strictEqual(r.type, "pulumi-nodejs:dynamic/lab:MinioBucket");
    assert.strictEqual(r.inputs.version, MINIO_BUCKET_PROVIDER_VERSION);
    assert.strictEqual(typeof r.inputs.__provider, "string");
  });
});
