import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MinioBucket } from "../../providers/minioBucket";
import { Address, httpUrl } from "../core/address";
import { LabPlacement, labService } from "../core/labService";

export const MINIO_API_PORT = 9000;
export const MINIO_CONSOLE_PORT = 9001;
export const MINIO_LIVE_PATH = "/minio/health/live";

/**
 * Exit 0 only when an HTTP GET answers 200, in bash alone: the MinIO image has neither curl nor wget nor grep.
 * `read` takes the status line; the [[ ]] test fails on any other status and on no answer.
 */
export function bashHttpCheck(port: number, path: string): string[] {
  return ["CMD", "bash", "-c",
    `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 5 status <&3 && [[ "$status" == *" 200 "* ]]`];
}

export interface MinioArgs extends LabPlacement {
  image: pulumi.Input<string>;
  ports: { api: number; console: number };
  /** Root user (the seed's `minio`) and its secret key. */
  accessKey?: string;
  secretKey: pulumi.Input<string>;
  /** Buckets made once MinIO is healthy (the partition tools unload to `dp-partition`). */
  buckets?: string[];
  /** Delete the buckets' objects on `pulumi destroy` (default false: a non-empty bucket stops the destroy). */
  forceDestroy?: boolean;
}

/** MinIO: S3 API on 9000 and console on 9001 (loopback), data on a volume, buckets created by the lab. */
export class Minio extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly buckets: MinioBucket[];
  public readonly accessKey: string;
  /** Where containers reach the S3 API: the service name and MinIO's own port. */
  public readonly inLab: Address;
  /** inLab as the S3 endpoint other containers use (PXF's minio server). */
  public readonly innerEndpoint: string;
  public readonly apiUrl: string;
  public readonly consoleUrl: string;

  constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lab:storage:Minio", name, {}, opts);
    this.accessKey = args.accessKey ?? "minio";
    const minio = labService(this, args, {
      service: "minio", image: args.image,
      command: ["server", "/data", "--address", `:${MINIO_API_PORT}`, "--console-address", `:${MINIO_CONSOLE_PORT}`],
      env: { MINIO_ROOT_USER: this.accessKey, MINIO_ROOT_PASSWORD: args.secretKey },
      serves: { port: MINIO_API_PORT, hostPort: args.ports.api },
      ports: [{ internal: MINIO_CONSOLE_PORT, external: args.ports.console }],
      data: { path: "/data", volume: name },
      // /minio/health/live answers 200 once the server process serves requests.
      healthcheck: { test: bashHttpCheck(MINIO_API_PORT, MINIO_LIVE_PATH), startPeriodSeconds: 20 },
    });
    this.container = minio.container;
    this.inLab = minio.inLab;
    this.innerEndpoint = httpUrl(this.inLab);
    this.apiUrl = httpUrl(minio.published);
    this.consoleUrl = httpUrl({ host: args.bindAddress, port: args.ports.console });
    // The bucket provider runs on the host, so it calls the published API port, after the container is healthy.
    this.buckets = (args.buckets ?? []).map((bucket) => new MinioBucket(`${name}-${bucket}`, {
      endpoint: this.apiUrl, bucket, accessKey: this.accessKey, secretKey: args.secretKey, forceDestroy: args.forceDestroy ?? false,
    }, { parent: this, dependsOn: [this.container] }));
    this.registerOutputs({ apiUrl: this.apiUrl, consoleUrl: this.consoleUrl, buckets: args.buckets ?? [] });
  }
}
