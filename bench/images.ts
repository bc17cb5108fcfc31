// Build time and disk of each homework's image set under lab:imageSource=build: the program's own Image resources
// (read from a mocked run of the real composition, so the set, contexts, Dockerfiles and FROM arguments are the
// program's), built in dependency order with the classic builder or BuildKit, cold (--cold: no layer cache) then
// warm; `docker system df` at the end. Prints one table per homework and a summary.
//   npx ts-node --transpile-only bench/images.ts [--homeworks patroni-ha,patroni-cdc,cdc-datavault] [--cold] [--builder classic|buildkit]
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { HOMEWORKS, Homework, parseLabConfig } from "../config";
import { DEBIAN_SUITE, MAKE_BASE_SCRIPT, debootstrapBaseTag, hostDebianMirror } from "../images/debian/base";
import { composeLab } from "../program/compose";
import { rawConfig } from "../tests/testbed/rawConfig";
import { runMocked } from "../tests/testbed/mockLab";
import { buildImage, docker } from "../tests/testbed/docker";

interface Build { tag: string; context: string; dockerfile?: string; args: Record<string, string> }

/** The homework's image builds as the program declares them, FROM-arguments resolved to the set's own tags. */
async function imageSet(hw: Homework, base: string): Promise<Build[]> {
  const run = await runMocked(() => composeLab(parseLabConfig(rawConfig({
    homeworks: [hw], prefix: "lab-bench-img", imageSource: "build", debianBase: "debootstrap", buildNetwork: "host",
    grafana: { enabled: false }, schemaRegistry: { enabled: false },
  }))));
  return run.byType("docker:index/image:Image").map(({ inputs }) => {
    const args = { ...(inputs.build.args ?? {}) } as Record<string, string>;
    delete args.LAB_BASE_ID; // the mocks' stand-in id; a real run passes the base build's id
    for (const k of Object.keys(args)) if (/^lab-debian-base:/.test(args[k])) args[k] = base;
    return { tag: inputs.imageName, context: inputs.build.context, dockerfile: inputs.build.dockerfile, args };
  });
}

/** Builds whose FROM arguments name no other build of the set first. */
export function buildOrder(set: Build[]): Build[] {
  const tags = new Set(set.map((b) => b.tag));
  const done = new Set<string>();
  const out: Build[] = [];
  for (let round = 0; out.length < set.length && round <= set.length; round++) {
    for (const b of set) {
      if (done.has(b.tag)) continue;
      if (Object.values(b.args).every((v) => !tags.has(v) || done.has(v))) { out.push(b); done.add(b.tag); }
    }
  }
  if (out.length < set.length) throw new Error(`image set has a FROM cycle: ${set.filter((b) => !done.has(b.tag)).map((b) => b.tag).join(", ")}`);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { homeworks: { type: "string", default: "patroni-ha,patroni-cdc,cdc-datavault" }, cold: { type: "boolean", default: false }, builder: { type: "string", default: "classic" } } });
  const homeworks = values.homeworks!.split(",") as Homework[];
  for (const h of homeworks) if (!(HOMEWORKS as readonly string[]).includes(h)) throw new Error(`--homeworks: unknown homework ${h}`);
  if (values.builder !== "classic" && values.builder !== "buildkit") throw new Error(`--builder = ${values.builder}: classic or buildkit`);
  const mirror = hostDebianMirror();
  if (!mirror) throw new Error("no Debian mirror in this host's apt sources");
  const base = debootstrapBaseTag(mirror);
  let t = Date.now();
  execFileSync("bash", [MAKE_BASE_SCRIPT, base, DEBIAN_SUITE, mirror], { stdio: ["ignore", "ignore", "inherit"], timeout: 900_000 });
  console.log(`debian base ${base}: ${((Date.now() - t) / 1000).toFixed(1)} s (debootstrap; cached by tag)`);
  const summary: string[] = [];
  for (const hw of homeworks) {
    const set = buildOrder(await imageSet(hw, base));
    console.log(`\n### ${hw} (${values.builder})\n| image | context | ${values.cold ? "cold s | " : ""}warm s | size MB |\n|---|---|${values.cold ? "---|" : ""}---|---|`);
    let cold = 0, warm = 0, size = 0;
    for (const b of set) {
      const one = async (noCache: boolean) => {
        const s = Date.now();
        await buildImage({ tag: b.tag, context: b.context, dockerfile: b.dockerfile, args: b.args, network: "host", builder: values.builder as "classic" | "buildkit", noCache });
        return (Date.now() - s) / 1000;
      };
      const c = values.cold ? await one(true) : 0;
      const w = await one(false);
      const mb = (await docker.getImage(b.tag).inspect()).Size / 1e6;
      cold += c; warm += w; size += mb;
      console.log(`| ${b.tag} | ${path.relative(path.join(__dirname, ".."), b.context)} | ${values.cold ? `${c.toFixed(1)} | ` : ""}${w.toFixed(1)} | ${mb.toFixed(0)} |`);
    }
    summary.push(`| ${hw} | ${set.length} | ${values.cold ? `${cold.toFixed(0)} | ` : ""}${warm.toFixed(1)} | ${size.toFixed(0)} |`);
  }
  console.log(`\n| homework | images | ${values.cold ? "cold s | " : ""}warm s | size MB (sum, layers shared) |\n|---|---|${values.cold ? "---|" : ""}---|---|\n${summary.join("\n")}`);
  console.log(`\ndocker system df:\n${spawnSync("docker", ["system", "df"], { encoding: "utf8" }).stdout}`);
}

if (require.main === module) main().catch((e) => { console.error(e.message); process.exit(1); });
