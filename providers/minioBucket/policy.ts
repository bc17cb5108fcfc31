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

/**
 * The answer an S3 error carries (the SDK throws it with the HTTP status, S3's error Code as its name, and the
 * Message); undefined when no answer came at all (refused, timed out, aborted).
 */
export function s3Answer(e: unknown): S3Answer | undefined {
  const err = e as { $metadata?: { httpStatusCode?: number }; name?: string; message?: string } | null;
  const status = err?.$metadata?.httpStatusCode;
  if (typeof status !== "number") return undefined;
  // A body-less answer (HEAD, some 404s) gets the SDK's generic name ("NotFound", "Unknown") and no S3 Code.
  const code = err!.name && !["NotFound", "Unknown", "Error"].includes(err!.name) ? err!.name : undefined;
  const message = code && err!.message && err!.message !== code && err!.message !== "UnknownError" ? err!.message : undefined;
  return { status, code, message };
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
