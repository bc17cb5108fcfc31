// The whole program under the mocks, as the homework suites run it: rawConfig's values parsed and composed.
import { parseLabConfig } from "../../config";
import { composeLab } from "../../program/compose";
import { MockRun, containersOf, runMocked } from "./mockLab";
import { rawConfig } from "./rawConfig";

/** The lab that `values` (lab:* keys over rawConfig's defaults, every secret set) configures, composed under the mocks. */
export function composeMocked(values: Record<string, unknown> = {}): Promise<MockRun> {
  return runMocked(() => composeLab(parseLabConfig(rawConfig(values))));
}

/** What a run created, by Docker name: containers, networks, volumes and images, each sorted. */
export function createdNames(run: MockRun): { containers: string[]; networks: string[]; volumes: string[]; images: string[] } {
  const names = (type: string, key: string) => run.byType(type).map((r) => r.inputs[key] as string).sort();
  return {
    containers: containersOf(run).map((c) => c.inputs.name as string).sort(),
    networks: names("docker:index/network:Network", "name"),
    volumes: names("docker:index/volume:Volume", "name"),
    images: names("docker:index/image:Image", "imageName"),
  };
}
