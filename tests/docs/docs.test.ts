import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOMEWORKS, parseLabConfig } from "../../config";
import { composeLab } from "../../program/compose";
import { REPO_ROOT } from "../../program/paths";
import { rawConfig } from "../testbed/rawConfig";
import { runMocked } from "../testbed/mockLab";
import { checkCommand, declaredKeys, DocContext } from "./docCheck";
import { commandsOf, docFiles, firstExperiment, shellBlocks, ShellCommand } from "./shellBlocks";

const STACKS = ["dev", ...HOMEWORKS];

/** The Docker names a stack's composition creates, from the program under mocks. */
async function dockerNames(stack: string): Promise<Set<string>> {
  const run = await runMocked(() => composeLab(parseLabConfig(rawConfig({}, stack))));
  const names = run.resources.filter((r) => r.type.startsWith("docker:")).map((r) => String(r.inputs.name ?? r.inputs.imageName ?? ""));
  return new Set(names.filter(Boolean).map((n) => n.replace(/:[^:]*$/, "")));
}

/** A command as it would be read from `text` in `file` (a fixture file under a temporary folder named like the docs). */
function commands(rel: string, text: string): ShellCommand[] {
  const file = path.join(REPO_ROOT, rel);
  return commandsOf({ file, line: 1, tag: "", text });
}

describe("docs: every shell command of README.md, docs/ and the homework READMEs", function () {
  this.timeout(120_000);
  let ctx: DocContext;
  before(async () => {
    const names: Record<string, Set<string>> = {};
    for (const s of STACKS) names[s] = await dockerNames(s);
    ctx = { stacks: STACKS, declared: declaredKeys(), dockerNames: names };
  });

  it("holds against the CLI, Pulumi.yaml, config.ts and each stack's Docker names", () => {
    const all = docFiles(REPO_ROOT).flatMap((f) => shellBlocks(f).flatMap(commandsOf));
    assert.ok(all.length > 50, `only ${all.length} documented commands found: is the parser reading the fences?`);
    assert.ok(all.some((c) => c.words[0] === "npm" && c.words.includes("lab")), "no `npm run lab` command found");
    const problems = all.flatMap((c) => checkCommand(c, ctx));
    assert.deepStrictEqual(problems, []);
  });

  it("each homework README opens with its own stack and tags one first experiment", () => {
    for (const h of HOMEWORKS) {
      const readme = path.join(REPO_ROOT, "homeworks", h, "README.md");
      const first = shellBlocks(readme)[0];
      assert.ok(first, `${h}: no shell block`);
      assert.match(first.text, new RegExp(`pulumi stack select --create ${h}\\b.*pulumi up`), `${h}: its first block must select --create ${h} and run pulumi up`);
      assert.doesNotThrow(() => firstExperiment(readme));
    }
  });

  describe("the checker refuses what the docs got wrong before", () => {
    const problems = (rel: string, text: string) => commands(rel, text).flatMap((c) => checkCommand(c, ctx));
    it("an array key set without --path", () => {
      assert.match(problems("homeworks/cdc-datavault/README.md", `pulumi config set lab:homeworks '["cdc-datavault"]'`).join("\n"), /declares lab:homeworks an array: use --path/);
    });
    it("a placeholder value and a secret set in plain text", () => {
      const p = problems("README.md", "pulumi config set lab:airflowAdminPassword ...").join("\n");
      assert.match(p, /placeholder/);
      assert.match(p, /is a secret: set it with --secret/);
    });
    it("a value config.ts refuses, an unknown key", () => {
      assert.match(problems("README.md", "pulumi config set --path lab:ports.grafana 70000").join("\n"), /lab:ports.grafana = 70000/);
      assert.match(problems("README.md", "pulumi config set lab:nope 1").join("\n"), /lab:nope is neither declared/);
    });
    it("a stack selected without --create, another homework's stack, an unknown stack", () => {
      assert.match(problems("homeworks/patroni-cdc/README.md", "pulumi stack select patroni-cdc && pulumi up").join("\n"), /without --create/);
      assert.match(problems("homeworks/patroni-cdc/README.md", "pulumi stack select --create dev").join("\n"), /select its own stack/);
      assert.match(problems("README.md", "pulumi up --stack nosuch").join("\n"), /"nosuch" is not one of/);
    });
    it("a container of another stack, a container the stack lacks", () => {
      assert.match(problems("homeworks/greenplum-pxf/README.md", "docker exec -it lab-dev-greenplum bash").join("\n"), /belongs to stack dev/);
      assert.match(problems("homeworks/patroni-ha/README.md", "docker logs lab-patroni-ha-pg-9").join("\n"), /no Docker object named lab-patroni-ha-pg-9/);
      assert.deepStrictEqual(problems("homeworks/patroni-ha/README.md", "docker logs lab-patroni-ha-pg-1 | tail"), []);
    });
    it("an unknown lab command or flag, a placeholder argument, a service the stack lacks", () => {
      assert.match(problems("README.md", "npm run lab -- frobnicate").join("\n"), /unknown command "frobnicate"/);
      assert.match(problems("README.md", "npm run lab -- consume x --nope 1").join("\n"), /Unknown option '--nope'/);
      assert.match(problems("README.md", "npm run lab -- config <connector>").join("\n"), /placeholder/);
      assert.match(problems("homeworks/patroni-ha/README.md", "npm run lab -- kill connect-1").join("\n"), /no container lab-patroni-ha-connect-1/);
    });
  });

  it("mocha refuses .only (a focused test would silently skip the rest in CI)", () => {
    assert.strictEqual(require(path.join(REPO_ROOT, ".mocharc.js"))["forbid-only"], true);
  });

  it("reads quoted words, continuations and $(...) as a shell does", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "docs-"));
    try {
      const [a, b, c] = commandsOf({ file: path.join(tmp, "x.md"), line: 1, tag: "", text: "pulumi config set --path 'lab:ports.grafana' 3001 && \\\n  echo \"a b\" # note\ndocker exec $(echo lab-x | tr a b) ls" });
      assert.deepStrictEqual(a.words, ["pulumi", "config", "set", "--path", "lab:ports.grafana", "3001"]);
      assert.deepStrictEqual(b.words, ["echo", "a b"]);
      assert.deepStrictEqual(c.words, ["docker", "exec", "$(echo lab-x | tr a b)", "ls"]);
      assert.strictEqual(c.line, 4);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
