import * as crypto from "crypto";

/**
 * AWS Signature Version 4 as pure functions: same request and clock in, same Authorization header out.
 * No I/O and no clock reads here; tests check it against AWS's published examples.
 */

export const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ALGORITHM = "AWS4-HMAC-SHA256";

export interface SigningRequest {
  method: string;
  /** The path as sent, already URI-encoded (S3 does not encode it a second time). */
  path: string;
  /** Query parameters before encoding; a key with "" is a flag such as `?lifecycle`. */
  query?: Record<string, string>;
  /** Every header here is signed (host included); names are matched case-insensitively. */
  headers: Record<string, string>;
  /** Hex sha256 of the body, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
}

export interface SigningCredentials {
  accessKey: string;
  secretKey: string;
  region: string;
  service: string;
  /** The request time as YYYYMMDD'T'HHMMSS'Z' (x-amz-date). */
  amzDate: string;
}

export interface Signature {
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
  signature: string;
  authorization: string;
}

export const sha256Hex = (data: string | Buffer): string => crypto.createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer => crypto.createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX in upper case. */
export function uriEncode(value: string, keepSlash = false): string {
  return Array.from(Buffer.from(value, "utf8")).map((b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) return c;
    return `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

/** Query parameters encoded, then sorted by encoded name (and value), joined with &. */
export function canonicalQuery(query: Record<string, string> = {}): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** Lower-case names, trimmed values with inner runs of spaces collapsed, sorted by name. */
export function canonicalHeaders(headers: Record<string, string>): { text: string; signed: string } {
  const rows = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase().trim(), String(v).trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { text: rows.map(([k, v]) => `${k}:${v}\n`).join(""), signed: rows.map(([k]) => k).join(";") };
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), service), "aws4_request");
}

export function credentialScope(c: Pick<SigningCredentials, "amzDate" | "region" | "service">): string {
  return `${c.amzDate.slice(0, 8)}/${c.region}/${c.service}/aws4_request`;
}

/** Signs one request: every intermediate text is returned so a mismatch can be read, not guessed. */
export function signRequest(req: SigningRequest, creds: SigningCredentials): Signature {
  if (!/^\d{8}T\d{6}Z$/.test(creds.amzDate)) throw new Error(`amzDate = ${JSON.stringify(creds.amzDate)}: must look like 20150830T123600Z`);
  const headers = canonicalHeaders(req.headers);
  const canonicalRequest = [
    req.method.toUpperCase(), req.path || "/", canonicalQuery(req.query), headers.text, headers.signed, req.payloadHash,
  ].join("\n");
  const scope = credentialScope(creds);
  const stringToSign = [ALGORITHM, creds.amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = signingKey(creds.secretKey, creds.amzDate.slice(0, 8), creds.region, creds.service);
  const signature = crypto.createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return {
    canonicalRequest, stringToSign, signedHeaders: headers.signed, signature,
    authorization: `${ALGORITHM} Credential=${creds.accessKey}/${scope}, SignedHeaders=${headers.signed}, Signature=${signature}`,
  };
}

/** A Date as x-amz-date (basic ISO 8601, UTC, no fraction). */
export function amzDate(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
