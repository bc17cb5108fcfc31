import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HOMEWORK_CATALOG, HOMEWORKS, parseLabConfig } from "../config";
import { DEFAULT_IMAGES } from "../images/catalog";
import { composeLab } from "./compose";
import { rawConfig } from "../tests/testbed/rawConfig";
import { runMocked } from "../tests/testbed/mockLab";

describe("stacks: the images the lab builds", () => {
  for (const hw of HOMEWORKS) {
    it(`${hw}: every local build has a real context and Dockerfile, is never pushed, and is pinned to lab:images`, async () => {
      const run = await runMocked(() => composeLab(parseLabConfig(rawConfig({ homeworks: [hw] }))));
      const images = run.byType("docker:index/image:Image");
      assert.ok(images.length > 0, `${hw} builds no image`);
      for (const { inputs } of images) {
        const dockerfile = inputs.build.dockerfile ?? path.join(inputs.build.context, "Dockerfile");
        assert.ok(fs.statSync(inputs.build.context).isDirectory(), `${inputs.imageName}: no context ${inputs.build.context}`);
        const text = fs.readFileSync(dockerfile, "utf8");
        assert.strictEqual(inputs.skipPush, true);
        assert.match(inputs.imageName, /^lab-dev-[a-z-]+:local$/);
        // Every FROM takes its base from a build argument the component fills from lab:images (mirrors, air gaps).
        for (const from of text.match(/^FROM\s+\S+/gm) ?? []) {
          const ref = from.split(/\s+/)[1];
          if (/^\$\{?\w+\}?$/.test(ref)) assert.ok(ref.replace(/[${}]/g, "") in (inputs.build.args ?? {}), `${dockerfile}: ${from} has no build arg`);
          else assert.ok(new RegExp(`^FROM\\s.*\\sAS\\s+${ref}\\s*$`, "im").test(text), `${dockerfile}: ${from} is neither a build arg nor an earlier stage`);
        }
      }
    });
  }

  for (const hw of HOMEWORKS) {
    it(`${hw}: runs or builds FROM exactly the lab:images keys its needs.ts declares`, async () => {
      const run = await runMocked(() => composeLab(parseLabConfig(rawConfig({ homeworks: [hw] }))));
      const keyOf = new Map(Object.entries(DEFAULT_IMAGES).map(([k, v]) => [v as string, k]));
      const refs = [
        ...run.byType("docker:index/container:Container").map((c) => c.inputs.image),
        ...run.byType("docker:index/image:Image").flatMap((i) => Object.values(i.inputs.build.args ?? {})),
      ];
      const used = new Set(refs.filter((r) => keyOf.has(r)).map((r) => keyOf.get(r)));
      assert.deepStrictEqual([...used].sort(), [...HOMEWORK_CATALOG.needs[hw].images].sort());
    });
  }
});
