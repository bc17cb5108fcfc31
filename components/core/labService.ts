// The opening every service component shares: where it stands (prefix, network, bind address), its container placed
// there, its data volume, and the addresses of the port it serves (inside the lab network and on the Pulumi host).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Address } from "./address";
import { LabContainerArgs, labContainer, labVolume } from "./labContainer";
import { LabNetwork } from "./network";

/** Where a component's containers stand: every service component's args carry these three. */
export interface LabPlacement {
  /** Docker-level prefix (`lab:prefix`), so two stacks coexist on one host. */
  prefix: string;
  network: LabNetwork;
  /** lab:bindAddress: the host address every published port listens on. */
  bindAddress: string;
}

/** The port a service serves: `port` inside its container, published on the Pulumi host at bindAddress:hostPort. */
export interface ServedPort {
  port: number;
  hostPort: number;
  /** Where containers reach it when that is another listener than the published one (Kafka's INTERNAL); default `port`. */
  inLabPort?: number;
}

export interface LabServiceArgs extends Omit<LabContainerArgs, "prefix" | "network" | "bindAddress" | "parent"> {
  /** Its main port: published first, before any further `ports`. */
  serves?: ServedPort;
  /** Its named data volume (`<volume ?? service>-data`) mounted at `path`: data survives container replacement. */
  data?: { path: string; volume?: string };
}

export interface ServiceContainer {
  container: docker.Container;
}

export interface ServingContainer extends ServiceContainer {
  /** Where containers reach it: its service name and in-lab port. */
  inLab: Address;
  /** Where it is published on the Pulumi host (lab:bindAddress and its host port). */
  published: Address;
}

/** A long-running service container of `parent`, placed on the lab; with `serves`, its two addresses. */
export function labService(parent: pulumi.Resource, place: LabPlacement, a: LabServiceArgs & { serves: ServedPort }): ServingContainer;
export function labService(parent: pulumi.Resource, place: LabPlacement, a: LabServiceArgs): ServiceContainer;
export function labService(parent: pulumi.Resource, place: LabPlacement, a: LabServiceArgs): ServiceContainer | ServingContainer {
  const { serves, data, ...rest } = a;
  const container = labContainer({
    ...rest,
    prefix: place.prefix, network: place.network.network, bindAddress: place.bindAddress, parent,
    ports: serves ? [{ internal: serves.port, external: serves.hostPort }, ...(a.ports ?? [])] : a.ports,
    volumes: data ? [{ volume: labVolume(place.prefix, `${data.volume ?? a.service}-data`, parent), path: data.path }, ...(a.volumes ?? [])] : a.volumes,
  });
  if (!serves) return { container };
  return {
    container,
    inLab: { host: a.service, port: serves.inLabPort ?? serves.port },
    published: { host: place.bindAddress, port: serves.hostPort },
  };
}
