// lab:imageSource=build under mocks: every service packaged in Debian/PyPI/npm/Maven runs an image the program
// builds FROM one Debian base; the lab's own images build FROM those builds; registry-only services stay pinned.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseLabConfig } from "../config";
import { DEBIAN_BUILT, DEFAULT_IMAGES, ImageKey, REGISTRY_ONLY } from "../images/catalog";
import { composeLab, keepVolumes } from "./compose";
import { rawConfig } from "../tests/testbed/rawConfig";
import { containersOf, MockRun, mockImageId, runMocked } from "../tests/testbed/mockLab";

const BUILD = { imageSource: "build", debianBase: "debootstrap", debianMirror: "http://mirror.invalid/debian", buildNetwork: "host" };

describe("stacks: lab:imageSource=build", () => {
  const runs: Record<string, MockRun> = {};
  before(async function () {
    this.timeout(120_000);
    for (const hw of ["patroni-ha", "patroni-cdc", "cdc-datavault"]) {
      runs[hw] = await runMocked(() => composeLab(parseLabConfig(rawConfig({ ...BUILD, homeworks: [hw], grafana: { enabled: false }, schemaRegistry: { enabled: false } }))));
    }
  });

  it("has a Dockerfile and a contract for every buildable service; every other image key stays on the registry", () => {
    for (const k of DEBIAN_BUILT) {
      assert.ok(fs.existsSync(path.join(__dirname, "../images/debian", k, "Dockerfile")), `${k}: no images/debian/${k}/Dockerfile`);
      assert.ok(fs.existsSync(path.join(__dirname, "../images/debian", k, "contract.json")), `${k}: no contract.json`);
    }
    const keys = Object.keys(DEFAULT_IMAGES).filter((k) => k !== "debian").sort();
    assert.deepStrictEqual([...DEBIAN_BUILT, ...REGISTRY_ONLY].sort(), keys, "every image key is either built or registry-only");
    for (const k of REGISTRY_ONLY) assert.ok(!fs.existsSync(path.join(__dirname, "../images/debian", k, "Dockerfile")), k);
  });

  for (const hw of ["patroni-ha", "patroni-cdc", "cdc-datavault"]) {
    it(`${hw}: makes the Debian base once from the mirror, builds every image on the host network, runs no registry image of a buildable service`, () => {
      const run = runs[hw];
      const base = run.byType("command:local:Command").filter((c) => c.name === "debian-base");
      assert.strictEqual(base.length, 1, "one debootstrapped base");
      assert.match(base[0].inputs.create, /^bash images\/debian\/make-base\.sh lab-debian-base:bookworm-[0-9a-f]{12} bookworm "http:\/\/mirror\.invalid\/debian"/);
      const images = run.byType("docker:index/image:Image");
      const byTag = new Map(images.map((i) => [i.inputs.imageName, i]));
      for (const i of images) {
        assert.strictEqual(i.inputs.build.network, "host", `${i.inputs.imageName} builds on the host network`);
        // Every FROM argument names a local build or, for registry-only bases, the pinned image.
        for (const [arg, v] of Object.entries<string>(i.inputs.build.args ?? {})) {
          if (arg === "BASE_IMAGE") assert.match(v, /^lab-debian-base:bookworm-/);
          else if (arg.endsWith("_IMAGE")) assert.ok(byTag.has(v), `${i.inputs.imageName}: ${arg}=${v} is not a build of this run`);
        }
      }
      const registryRefs = new Set(Object.entries(DEFAULT_IMAGES).filter(([k]) => DEBIAN_BUILT.includes(k as ImageKey)).map(([, v]) => v));
      for (const c of containersOf(run)) {
        assert.ok(!registryRefs.has(c.inputs.image), `${c.inputs.name} runs the registry image ${c.inputs.image}`);
        const built = [...byTag.keys()].find((t) => mockImageId(t) === c.inputs.image);
        assert.ok(built, `${c.inputs.name} runs ${c.inputs.image}, not an image this run built`);
      }
    });
  }

  it("leaves Grafana and the schema registry out when disabled (nothing to pull them from)", () => {
    assert.ok(!containersOf(runs["patroni-ha"]).some((c) => /grafana/.test(c.inputs.name)));
    assert.ok(!containersOf(runs["patroni-cdc"]).some((c) => /schema-registry/.test(c.inputs.name)));
  });
});

describe("lab:keepData", () => {
  it("keeps volumes on destroy and leaves every other resource alone", () => {
    const props = { name: "v" };
    const kept = keepVolumes({ type: "docker:index/volume:Volume", name: "v", props, opts: {}, resource: undefined as unknown as pulumi.Resource });
    assert.strictEqual(kept?.opts.retainOnDelete, true);
    assert.strictEqual(keepVolumes({ type: "docker:index/container:Container", name: "c", props, opts: {}, resource: undefined as unknown as pulumi.Resource }), undefined);
  });
});
