import { badInput, requireText } from "../dynamic";

/** What the bucket resource decides from S3 answers: pure, so every branch is unit-tested without a server. */

export interface BucketTarget {
  /** S3 API base URL, e.g. http://127.0.0.1:9000 (path-style requests: MinIO's default). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKey: string;
  secretKey: string;
}

/** S3's naming rules (the subset MinIO enforces): 3..63 of a-z 0-9 . -, starting and ending alphanumeric. */
export function validateBucketName(key: string, value: unknown): string {
  const name = requireText(key, value);
  if (name.length < 3 || name.length > 63) throw badInput(key, name, "must be 3..63 characters long");
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    throw badInput(key, name, "may hold only a-z, 0-9, '.' and '-', and must start and end with a letter or digit");
  }
  if (/\.\.|^\d+\.\d+\.\d+\.\d+$/.test(name)) throw badInput(key, name, "must not hold '..' or look like an IP address");
  return name;
}

export function validateEndpoint(key: string, value: unknown): string {
  const text = requireText(key, value);
  let url: URL;
  try { url = new URL(text); } catch { throw badInput(key, text, "must be an absolute URL such as http://127.0.0.1:9000"); }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badInput(key, text, "must start with http:// or https://");
  if (url.pathname !== "/" || url.search || url.hash) throw badInput(key, text, "must be the server's base URL, without a path or query");
  return `${url.protocol}//${url.host}`;
}

export function normalizeBucketTarget(raw: Record<string, unknown>): BucketTarget {
  const region = raw.region === undefined || raw.region === null || raw.region === "" ? "us-east-1" : requireText("region", raw.region);
  if (!/^[a-z0-9-]+$/.test(region)) throw badInput("region", region, "must look like us-east-1");
  return {
    endpoint: validateEndpoint("endpoint", raw.endpoint),
    bucket: validateBucketName("bucket", raw.bucket),
    region,
    accessKey: requireText("accessKey", raw.accessKey),
    secretKey: requireText("secretKey", raw.secretKey),
  };
}

/** An S3 answer as the decisions below need it. */
export interface S3Answer {
  status: number;
  /** The <Code> of an S3 XML error body, when there is one. */
  code?: string;
  message?: string;
}

/** The Code and Message of an S3 XML error body (both absent from a success body). */
export function parseS3Error(body: string): { code?: string; message?: string } {
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1];
  return { code: pick("Code"), message: pick("Message") };
}

const describe = (a: S3Answer) => `HTTP ${a.status}${a.code ? ` ${a.code}` : ""}${a.message ? `: ${a.message}` : ""}`;

/** CreateBucket: new, already ours (idempotent), or an error that says why. */
export function judgeCreate(bucket: string, a: S3Answer): "created" | "exists" {
  if (a.status === 200) return "created";
  if (a.status === 409 && a.code === "BucketAlreadyOwnedByYou") return "exists";
  if (a.status === 409 && a.code === "BucketAlreadyExists") {
    throw new Error(`bucket ${bucket}: the name is taken by another account (${describe(a)}); choose another name`);
  }
  throw new Error(`bucket ${bucket}: CreateBucket answered ${describe(a)}`);
}

/** DeleteBucket: gone now, or already gone (idempotent); a non-empty bucket is refused, never emptied silently. */
export function judgeDelete(bucket: string, a: S3Answer): "deleted" | "absent" {
  if (a.status === 204 || a.status === 200) return "deleted";
  if (a.status === 404 && (a.code === undefined || a.code === "NoSuchBucket")) return "absent";
  if (a.status === 409 && a.code === "BucketNotEmpty") {
    throw new Error(`bucket ${bucket} is not empty: refusing to delete it (set forceDestroy: true to delete its objects too)`);
  }
  throw new Error(`bucket ${bucket}: DeleteBucket answered ${describe(a)}`);
}

/** HeadBucket: exists, absent, or an error (403: the keys do not own it). */
export function judgeHead(bucket: string, a: S3Answer): boolean {
  if (a.status === 200) return true;
  if (a.status === 404) return false;
  throw new Error(`bucket ${bucket}: HeadBucket answered ${describe(a)}`);
}

/** Object keys and the continuation token of one ListObjectsV2 page. */
export function parseListObjects(body: string): { keys: string[]; nextToken?: string } {
  const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  const keys = [...body.matchAll(/<Contents>[\s\S]*?<Key>([^<]*)<\/Key>[\s\S]*?<\/Contents>/g)].map((m) => unescape(m[1]));
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(body);
  const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(body)?.[1];
  return { keys, nextToken: truncated && token ? unescape(token) : undefined };
}

/** CreateBucket's body: none in us-east-1 (S3 refuses that constraint there), the region's LocationConstraint elsewhere. */
export function createBucketBody(region: string): string | undefined {
  if (region === "us-east-1") return undefined;
  return `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`;
}

/** A bucket's S3 path (path-style), encoded as SigV4 signs it. */
export function bucketPath(bucket: string, key?: string): string {
  if (key === undefined) return `/${bucket}`;
  const encoded = key.split("/").map((part) => encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  return `/${bucket}/${encoded.join("/")}`;
}
