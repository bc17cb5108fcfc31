import { errorText } from "../dynamic";
import { Probe } from "../healthGate/probes";
import { BucketTarget, bucketPath, createBucketBody, judgeCreate, judgeDelete, judgeHead, parseListObjects, parseS3Error, S3Answer } from "./policy";
import { amzDate, EMPTY_PAYLOAD_SHA256, sha256Hex, signRequest } from "./sigv4";

/** The thin I/O half: signed S3 calls through Node's fetch. Decisions live in policy.ts. */

export interface S3Response extends S3Answer {
  body: string;
}

/** One signed path-style request; network failures throw with the method and URL, never the keys. */
export async function s3Call(
  t: BucketTarget, method: string, path: string, query: Record<string, string> = {},
  opts: { body?: string; timeoutMs?: number; now?: Date } = {},
): Promise<S3Response> {
  const host = new URL(t.endpoint).host;
  const payloadHash = opts.body === undefined ? EMPTY_PAYLOAD_SHA256 : sha256Hex(opts.body);
  const headers = { host, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate(opts.now ?? new Date()) };
  const signed = signRequest({ method, path, query, headers, payloadHash },
    { accessKey: t.accessKey, secretKey: t.secretKey, region: t.region, service: "s3", amzDate: headers["x-amz-date"] });
  const search = new URLSearchParams(query).toString().replace(/\+/g, "%20");
  const url = `${t.endpoint}${path}${search ? `?${search}` : ""}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { "x-amz-content-sha256": headers["x-amz-content-sha256"], "x-amz-date": headers["x-amz-date"], authorization: signed.authorization },
      body: opts.body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (e) {
    throw new Error(`${method} ${url}: ${errorText(e)}`);
  }
  const body = await res.text();
  return { status: res.status, body, ...parseS3Error(body) };
}

/** Ready when a signed ListBuckets answers 200: the server is up and takes these keys. */
export function s3Probe(t: BucketTarget): Probe {
  return async (timeoutMs) => {
    const r = await s3Call(t, "GET", "/", {}, { timeoutMs });
    if (r.status !== 200) throw new Error(`ListBuckets answered HTTP ${r.status}${r.code ? ` ${r.code}` : ""}`);
  };
}

/** HEAD first, so an existing bucket of ours reads the same on every server (us-east-1 S3 answers a repeat PUT with 200). */
export async function createBucket(t: BucketTarget): Promise<"created" | "exists"> {
  if (await bucketExists(t)) return "exists";
  return judgeCreate(t.bucket, await s3Call(t, "PUT", bucketPath(t.bucket), {}, { body: createBucketBody(t.region) }));
}

export async function bucketExists(t: BucketTarget): Promise<boolean> {
  return judgeHead(t.bucket, await s3Call(t, "HEAD", bucketPath(t.bucket)));
}

/** Deletes every object, page by page (bounded: a page holds at most 1000 keys, and at most 1000 pages). */
export async function emptyBucket(t: BucketTarget): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const query: Record<string, string> = { "list-type": "2", ...(token ? { "continuation-token": token } : {}) };
    const list = await s3Call(t, "GET", bucketPath(t.bucket), query);
    if (list.status === 404) return deleted;
    if (list.status !== 200) throw new Error(`bucket ${t.bucket}: ListObjectsV2 answered HTTP ${list.status} ${list.code ?? ""}`);
    const { keys, nextToken } = parseListObjects(list.body);
    for (const key of keys) {
      const r = await s3Call(t, "DELETE", bucketPath(t.bucket, key));
      if (r.status !== 204 && r.status !== 200 && r.status !== 404) {
        throw new Error(`bucket ${t.bucket}: DeleteObject ${key} answered HTTP ${r.status} ${r.code ?? ""}`);
      }
      deleted++;
    }
    if (!nextToken) return deleted;
    token = nextToken;
  }
  throw new Error(`bucket ${t.bucket}: still listing objects after 1000 pages`);
}

export async function deleteBucket(t: BucketTarget, forceDestroy: boolean): Promise<"deleted" | "absent"> {
  if (forceDestroy) await emptyBucket(t);
  return judgeDelete(t.bucket, await s3Call(t, "DELETE", bucketPath(t.bucket)));
}
