import * as pulumi from "@pulumi/pulumi";
import { LabDynamicResource } from "../resource";
import { badInput, keyDiff, checkWith, errorText, positiveInt, VersionedInputs, withoutProviderKey, withSecretOutputs } from "../dynamic";
import { normalizeRetryPolicy } from "../healthGate/policy";
import { waitUntilReady } from "../healthGate/probes";
import { normalizeBucketTarget } from "./policy";
import { bucketExists, createBucket, deleteBucket, s3Probe } from "./s3";

export * from "./policy";
export { s3Client, createBucket, deleteBucket, bucketExists, emptyBucket, s3Probe } from "./s3";

/** Bump when the provider's behaviour changes: the version input turns that into an update of every bucket. */
export const MINIO_BUCKET_PROVIDER_VERSION = "1";

export interface MinioBucketInputs extends VersionedInputs {
  endpoint: string;
  bucket: string;
  region?: string;
  accessKey: string;
  secretKey: string;
  /** Delete the objects too when the bucket is deleted; without it a non-empty bucket is refused. */
  forceDestroy?: boolean;
  /** How long create waits for the S3 API to take the keys (default 120000). */
  readyTimeoutMs?: number;
}

export interface MinioBucketOutputs extends MinioBucketInputs {
  /** True when the bucket was already there (ours) on create: adopted, not made. */
  existed: boolean;
}

/** A different server or name is a different bucket; the rest only needs the (idempotent) create again. */
const REPLACE_KEYS = ["endpoint", "bucket"] as const;
const UPDATE_KEYS = ["region", "accessKey", "secretKey", "forceDestroy", "readyTimeoutMs", "version"] as const;

function validate(inputs: MinioBucketInputs) {
  return {
    target: normalizeBucketTarget(inputs as unknown as Record<string, unknown>),
    readyTimeoutMs: positiveInt("readyTimeoutMs", inputs.readyTimeoutMs, 120_000),
    forceDestroy: optionalBool("forceDestroy", inputs.forceDestroy),
  };
}

function optionalBool(key: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw badInput(key, value, "must be true or false");
  return value;
}

/** Waits (bounded) for the S3 API to take the keys, then creates the bucket or adopts ours. */
async function ensureBucket(inputs: MinioBucketInputs): Promise<MinioBucketOutputs> {
  const { target, readyTimeoutMs } = validate(inputs);
  await waitUntilReady(`s3 ${target.endpoint}`, s3Probe(target), normalizeRetryPolicy({ timeoutMs: readyTimeoutMs, maxDelayMs: 2_000 }));
  const outcome = await createBucket(target);
  return { ...withoutProviderKey(inputs), existed: outcome === "exists" };
}

export const minioBucketProvider: pulumi.dynamic.ResourceProvider<MinioBucketInputs, MinioBucketOutputs> = {
  async check(_olds, news) {
    return checkWith(news, validate);
  },
  async diff(_id, olds, news) {
    const { replaces, updates: changed } = keyDiff(olds, news, REPLACE_KEYS, UPDATE_KEYS);
    return { changes: replaces.length + changed.length > 0, replaces };
  },
  async create(inputs) {
    const outs = await ensureBucket(inputs);
    return { id: `${new URL(outs.endpoint).host}/${outs.bucket}`, outs };
  },
  async update(_id, _olds, news) {
    return { outs: await ensureBucket(news) };
  },
  /** Refresh: a bucket deleted by hand reads as gone (no id), so the next `up` creates it again. */
  async read(id, props) {
    if (!props) throw new Error(`minioBucket ${id}: refresh needs the recorded endpoint and keys`);
    const { target } = validate(props);
    try {
      return (await bucketExists(target)) ? { id, props: withoutProviderKey(props) } : {};
    } catch (e) {
      throw new Error(`minioBucket ${id}: cannot read ${target.bucket} at ${target.endpoint}: ${errorText(e)}`);
    }
  },
  /** Idempotent: an absent bucket is fine; a non-empty one is refused unless forceDestroy. */
  async delete(_id, props) {
    const { target, forceDestroy } = validate(props);
    await deleteBucket(target, forceDestroy);
  },
};

export interface MinioBucketArgs {
  endpoint: pulumi.Input<string>;
  bucket: pulumi.Input<string>;
  accessKey: pulumi.Input<string>;
  secretKey: pulumi.Input<string>;
  region?: pulumi.Input<string>;
  forceDestroy?: pulumi.Input<boolean>;
  readyTimeoutMs?: pulumi.Input<number>;
}

/** An S3 bucket on MinIO (or any S3 API), made during `pulumi up` once the server answers; depend on the healthy container. */
export class MinioBucket extends LabDynamicResource {
  // `declare`: with target es2022 a plain field would be re-initialised to undefined after super() set it.
  declare public readonly bucket: pulumi.Output<string>;
  declare public readonly endpoint: pulumi.Output<string>;
  declare public readonly existed: pulumi.Output<boolean>;

  constructor(name: string, args: MinioBucketArgs, opts?: pulumi.CustomResourceOptions) {
    super(minioBucketProvider, "MinioBucket", name, {
      endpoint: args.endpoint, bucket: args.bucket, region: args.region, accessKey: args.accessKey,
      secretKey: pulumi.secret(args.secretKey), forceDestroy: args.forceDestroy, readyTimeoutMs: args.readyTimeoutMs,
      version: MINIO_BUCKET_PROVIDER_VERSION, existed: undefined,
    }, withSecretOutputs(opts, ["secretKey"]));
  }
}
