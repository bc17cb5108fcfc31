// One place for what every lab container shares: prefixed names, restart policy, loopback-published ports,
// named volumes, a healthcheck that can fail, and `wait` so dependents start only once it is healthy.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LAB_DNS_OPTIONS } from "./resolver";

export interface Healthcheck {
  /** Docker's exec form, e.g. ["CMD", "pg_isready"]: exit 0 only when the service really serves. */
  test: string[];
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  /** Failures during this period do not count (slow first start). */
  startPeriodSeconds?: number;
}

export interface PublishedPort {
  internal: number;
  external: number;
}

export interface LabContainerArgs {
  /** Docker-level prefix (`lab:prefix`), so two stacks coexist on one host. */
  prefix: string;
  /** Short name inside the lab; also the hostname other containers use. */
  service: string;
  image: pulumi.Input<string>;
  network: docker.Network;
  healthcheck: Healthcheck;
  bindAddress: string;
  ports?: PublishedPort[];
  env?: Record<string, pulumi.Input<string>>;
  command?: pulumi.Input<string>[];
  entrypoint?: pulumi.Input<string>[];
  /** Named volumes mounted at paths: data survives container replacement. */
  volumes?: { volume: docker.Volume; path: string }[];
  /** Files written into the container before it starts (rendered configs). */
  files?: { path: string; content: pulumi.Input<string>; executable?: boolean }[];
  user?: string;
  /** Seconds `pulumi up` waits for healthy before failing. */
  waitSeconds?: number;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  parent: pulumi.Resource;
}

/**
 * Whole seconds as Go's time.Duration prints them (60 → "1m0s", 90 → "1m30s", 3600 → "1h0m0s"): the provider reads
 * durations back in that form, so writing any other ("60s") shows a change on every `up`.
 */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`duration ${seconds}: must be whole seconds >= 0`);
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

export function healthcheckInput(h: Healthcheck): docker.types.input.ContainerHealthcheck {
  return {
    tests: h.test,
    interval: goDuration(h.intervalSeconds ?? 5),
    timeout: goDuration(h.timeoutSeconds ?? 3),
    retries: h.retries ?? 5,
    startPeriod: goDuration(h.startPeriodSeconds ?? 10),
  };
}

/** The label a one-shot job's container carries (checks and tests expect it exited 0, not healthy). */
export const ONE_SHOT_LABEL = "lab.oneShot";

/** A long-running service: restarted unless stopped, waited for until healthy. */
export function labContainer(a: LabContainerArgs): docker.Container {
  return container(a, {
    restart: "unless-stopped",
    ports: (a.ports ?? []).map((p) => ({ internal: p.internal, external: p.external, ip: a.bindAddress })),
    healthcheck: healthcheckInput(a.healthcheck),
    wait: true,
    waitTimeout: a.waitSeconds ?? 180,
  }, []);
}

export type LabJobArgs = Omit<LabContainerArgs, "healthcheck" | "ports" | "waitSeconds" | "bindAddress">;

/**
 * A one-shot job's container (compose's airflow-init): created, not started; providers/containerJob runs it to its
 * end. Never restarted (an engine restart leaves it exited) and never required to run (`mustRun: false`: the
 * provider would otherwise start it again on every `up` after a refresh saw it stopped).
 */
export function labJobContainer(a: LabJobArgs): docker.Container {
  return container(a, { restart: "no", start: false, mustRun: false, wait: false }, [{ label: ONE_SHOT_LABEL, value: "true" }]);
}

function container(a: LabJobArgs, kind: Partial<docker.ContainerArgs>, labels: { label: string; value: string }[]): docker.Container {
  const envs = a.env ? pulumi.all(a.env).apply((e) => Object.entries(e).map(([k, v]) => `${k}=${v}`)) : undefined;
  return new docker.Container(a.service, {
    name: `${a.prefix}-${a.service}`,
    hostname: a.service,
    image: a.image,
    networksAdvanced: [{ name: a.network.name, aliases: [a.service] }],
    envs,
    command: a.command,
    entrypoints: a.entrypoint,
    user: a.user,
    volumes: (a.volumes ?? []).map((v) => ({ volumeName: v.volume.name, containerPath: v.path })),
    uploads: (a.files ?? []).map((f) => ({ file: f.path, content: f.content, executable: f.executable ?? false })),
    // A vanished member's name must fail in ~1 s, not ~20 s (components/core/resolver.ts).
    dnsOpts: [...LAB_DNS_OPTIONS],
    ...kind,
    labels: [{ label: "lab.prefix", value: a.prefix }, { label: "lab.service", value: a.service }, ...labels],
  }, {
    parent: a.parent, dependsOn: a.dependsOn,
    // The provider updates a healthcheck in place, but a running container keeps the one it was created with.
    replaceOnChanges: ["healthcheck"],
    // Container names are fixed: the engine's default create-before-delete fails with "name already in use".
    deleteBeforeReplace: true,
  });
}

/** A named Docker volume for one service's data; lab:keepData makes `pulumi destroy` keep it (program/compose.ts). */
export function labVolume(prefix: string, name: string, parent: pulumi.Resource): docker.Volume {
  return new docker.Volume(name, { name: `${prefix}-${name}`, labels: [{ label: "lab.prefix", value: prefix }] }, { parent });
}

