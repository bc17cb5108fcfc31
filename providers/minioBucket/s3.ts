import type * as S3 from "@aws-sdk/client-s3";
import type { BucketLocationConstraint, ListObjectsV2CommandOutput, S3Client } from "@aws-sdk/client-s3";
import { errorText } from "../dynamic";
import { Probe } from "../healthGate/probes";
import { BucketTarget, judgeCreate, judgeDelete, judgeHead, s3Answer, S3Answer } from "./policy";

/** The thin I/O half: S3 calls through the AWS SDK's client (it signs and parses). Decisions live in policy.ts. */

/**
 * The AWS SDK, required on first use: it takes 1.5 s to load, and a no-op up only checks and diffs, so the provider
 * host never needs it then (bench/README-noop.md).
 */
function sdk(): typeof S3 {
  return require("@aws-sdk/client-s3");
}

/** A path-style client for the target. One attempt per call: the bounded waits are providers/retry.ts's, not the SDK's. */
export function s3Client(t: BucketTarget): S3Client {
  return new (sdk().S3Client)({
    endpoint: t.endpoint,
    region: t.region,
    forcePathStyle: true,
    credentials: { accessKeyId: t.accessKey, secretAccessKey: t.secretKey },
    maxAttempts: 1,
    // The calls made here need no CRC checksums; send them only where S3 requires one (not every S3 server checks them).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

type Sent<T> = S3Answer & { output?: T };

/**
 * One call within `timeoutMs`: the answer's status (an S3 error answer is returned, not thrown, for the judge
 * functions), or — when no answer came (refused, timed out) — an error naming the method and URL, never the keys.
 */
async function s3Send<T extends { $metadata: { httpStatusCode?: number } }>(
  t: BucketTarget, method: string, path: string, send: (c: S3Client, o: { abortSignal: AbortSignal }) => Promise<T>, timeoutMs = 10_000,
): Promise<Sent<T>> {
  const client = s3Client(t);
  try {
    const output = await send(client, { abortSignal: AbortSignal.timeout(timeoutMs) });
    return { status: output.$metadata.httpStatusCode ?? 200, output };
  } catch (e) {
    const answer = s3Answer(e);
    if (answer) return answer;
    throw new Error(`${method} ${t.endpoint}${path}: ${errorText(e)}`);
  } finally {
    client.destroy();
  }
}

/** Ready when ListBuckets answers 200: the server is up and takes these keys. */
export function s3Probe(t: BucketTarget): Probe {
  return async (timeoutMs) => {
    const r = await s3Send(t, "GET", "/", (c, o) => c.send(new (sdk().ListBucketsCommand)({}), o), timeoutMs);
    if (r.status !== 200) throw new Error(`ListBuckets answered HTTP ${r.status}${r.code ? ` ${r.code}` : ""}`);
  };
}

/** HEAD first, so an existing bucket of ours reads the same on every server (us-east-1 S3 answers a repeat PUT with 200). */
export async function createBucket(t: BucketTarget): Promise<"created" | "exists"> {
  if (await bucketExists(t)) return "exists";
  // S3 refuses a us-east-1 location constraint; every other region needs its own.
  const config = t.region === "us-east-1" ? undefined : { LocationConstraint: t.region as BucketLocationConstraint };
  return judgeCreate(t.bucket, await s3Send(t, "PUT", `/${t.bucket}`,
    (c, o) => c.send(new (sdk().CreateBucketCommand)({ Bucket: t.bucket, CreateBucketConfiguration: config }), o)));
}

export async function bucketExists(t: BucketTarget): Promise<boolean> {
  return judgeHead(t.bucket, await s3Send(t, "HEAD", `/${t.bucket}`, (c, o) => c.send(new (sdk().HeadBucketCommand)({ Bucket: t.bucket }), o)));
}

/** Deletes every object, page by page (bounded: a page holds at most 1000 keys, and at most 1000 pages). */
export async function emptyBucket(t: BucketTarget): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const list: Sent<ListObjectsV2CommandOutput> = await s3Send(t, "GET", `/${t.bucket}?list-type=2`,
      (c, o) => c.send(new (sdk().ListObjectsV2Command)({ Bucket: t.bucket, ContinuationToken: token }), o));
    if (list.status === 404) return deleted;
    if (!list.output) throw new Error(`bucket ${t.bucket}: ListObjectsV2 answered HTTP ${list.status} ${list.code ?? ""}`);
    for (const { Key } of list.output.Contents ?? []) {
      const r = await s3Send(t, "DELETE", `/${t.bucket}/${Key}`, (c, o) => c.send(new (sdk().DeleteObjectCommand)({ Bucket: t.bucket, Key }), o));
      if (r.status !== 204 && r.status !== 200 && r.status !== 404) {
        throw new Error(`bucket ${t.bucket}: DeleteObject ${Key} answered HTTP ${r.status} ${r.code ?? ""}`);
      }
      deleted++;
    }
    if (!list.output.IsTruncated || !list.output.NextContinuationToken) return deleted;
    token = list.output.NextContinuationToken;
  }
  throw new Error(`bucket ${t.bucket}: still listing objects after 1000 pages`);
}

export async function deleteBucket(t: BucketTarget, forceDestroy: boolean): Promise<"deleted" | "absent"> {
  if (forceDestroy) await emptyBucket(t);
  return judgeDelete(t.bucket, await s3Send(t, "DELETE", `/${t.bucket}`, (c, o) => c.send(new (sdk().DeleteBucketCommand)({ Bucket: t.bucket }), o)));
}
