// Done-when of issue 9: a sixth homework is one folder plus one stack file. The fixture (program/fixtures/hello)
// joins the real homeworks in a discovery root of its own; config parsing and the composition under mocks pick it
// up with no other edit.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { HOMEWORK_CATALOG, parseLabConfig } from "../config";
import { HOMEWORKS_DIR, HomeworkCatalog, discoverHomeworks } from "./homeworks";
import { ConfigError } from "./settings";
import { composeLab } from "./compose";
import { containersOf, envOf, runMocked } from "../tests/testbed/mockLab";
import { rawConfig } from "../tests/testbed/rawConfig";

const FIXTURES = path.join(__dirname, "fixtures");

/** The stack file's lab:* values, as `pulumi config` hands them to the program. */
function stackValues(file: string): Record<string, unknown> {
  const config = (parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^lab:/, ""), v]));
}

describe("config: adding a homework is one folder and one stack file", () => {
  let root: string;
  let catalog: HomeworkCatalog;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "lab-homeworks-"));
    for (const name of HOMEWORK_CATALOG.names) fs.symlinkSync(path.join(HOMEWORKS_DIR, name), path.join(root, name));
    fs.symlinkSync(path.join(FIXTURES, "hello"), path.join(root, "hello"));
    catalog = discoverHomeworks(root);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it("discovers the new folder beside the five, with its ports and secrets, and the repository's own list stays five", () => {
    assert.deepStrictEqual(catalog.names, [...HOMEWORK_CATALOG.names, "hello"].sort());
    assert.strictEqual(catalog.defaultPorts.helloWeb, 8099);
    assert.strictEqual(catalog.publicSecrets.helloPassword, "lab-hello-secret");
    assert.deepStrictEqual([...HOMEWORK_CATALOG.names], ["cdc-datavault", "greenplum-pxf", "partitions", "patroni-cdc", "patroni-ha"]);
    assert.ok(!("helloWeb" in HOMEWORK_CATALOG.defaultPorts));
  });

  it("parses its stack file: the homework named like the stack, its port from the file, its secret required", () => {
    const values = stackValues(path.join(FIXTURES, "Pulumi.hello.yaml"));
    const cfg = parseLabConfig(rawConfig(values, "hello"), Object.keys(values), catalog);
    assert.deepStrictEqual(cfg.homeworks, ["hello"]);
    assert.strictEqual(cfg.ports.helloWeb, 8098);
    // Its own setting, declared in its needs.ts only: default, a value, and bad input named before anything is created.
    assert.deepStrictEqual(cfg.settings.greeting, { loud: false });
    assert.deepStrictEqual(parseLabConfig(rawConfig({ ...values, greeting: { loud: "true" } }, "hello"), Object.keys(values), catalog).settings.greeting, { loud: true });
    assert.throws(() => parseLabConfig(rawConfig({ ...values, greeting: { loud: 1 } }, "hello"), Object.keys(values), catalog), /lab:greeting.loud = 1: must be true or false/);
    assert.throws(() => parseLabConfig(rawConfig({ ...values, greeting: { volume: 3 } }, "hello"), Object.keys(values), catalog), /lab:greeting.volume = 3: unknown key; known: loud/);
    assert.throws(() => parseLabConfig(rawConfig({ greeting: { loud: true } }), ["greeting"]), /lab:greeting = \{"loud":true\}: unknown key/);
    assert.throws(() => parseLabConfig(rawConfig(values, "hello", ["helloPassword"]), Object.keys(values), catalog), (e: unknown) =>
      e instanceof ConfigError && /lab:helloPassword = undefined: missing secret needed by hello/.test(e.message));
    // Without the folder the same stack file is refused, naming the key.
    assert.throws(() => parseLabConfig(rawConfig({ homeworks: ["hello"] }), ["homeworks"]), /lab:homeworks = \["hello"\]: unknown homework "hello"/);
    assert.throws(() => parseLabConfig(rawConfig(values, "hello"), Object.keys(values)), /lab:ports.helloWeb = 8098: unknown key/);
  });

  it("composes it under mocks: its container on its port, under its own homework component", async () => {
    const values = stackValues(path.join(FIXTURES, "Pulumi.hello.yaml"));
    const run = await runMocked(() => composeLab(parseLabConfig(rawConfig(values, "hello"), Object.keys(values), catalog)));
    const [web, ...others] = containersOf(run);
    assert.deepStrictEqual(others, []);
    assert.strictEqual(web.inputs.name, "lab-hello-hello");
    assert.deepStrictEqual(web.inputs.ports.map((p: any) => [p.internal, p.external, p.ip]), [[8000, 8098, "127.0.0.1"]]);
    assert.strictEqual(envOf(web).HELLO_PASSWORD, "helloPassword-value");
    assert.strictEqual(envOf(web).HELLO_LOUD, "false");
    assert.strictEqual(web.inputs.image, "node:20.19.5-bookworm-slim");
    assert.ok(web.urn.includes("lab:homework:Hello$docker:index/container:Container::hello"), web.urn);
    assert.deepStrictEqual(run.outputs.hello, { url: "http://127.0.0.1:8098", container: "lab-hello-hello" });
  });

  it("refuses a folder whose needs give a shared key another default, naming both homeworks", () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), "lab-homeworks-bad-"));
    try {
      fs.symlinkSync(path.join(HOMEWORKS_DIR, "patroni-ha"), path.join(bad, "patroni-ha"));
      fs.mkdirSync(path.join(bad, "clash"));
      fs.writeFileSync(path.join(bad, "clash", "index.ts"), "export const homework = undefined;\n");
      fs.writeFileSync(path.join(bad, "clash", "needs.ts"), "export const needs = { ports: { grafana: 3300 }, secrets: {}, images: [], settings: {} };\n");
      assert.throws(() => discoverHomeworks(bad), /lab:ports.grafana = 3000: homework patroni-ha declares 3000, clash 3300: one default per key/);
      // A setting both declare: one declaration, shared (patroni-ha and patroni-cdc import lab:patroni's from one module).
      fs.rmSync(path.join(bad, "clash"), { recursive: true });
      fs.mkdirSync(path.join(bad, "clash2"));
      fs.writeFileSync(path.join(bad, "clash2", "index.ts"), "export const homework = undefined;\n");
      fs.writeFileSync(path.join(bad, "clash2", "needs.ts"), "export const needs = { ports: {}, secrets: {}, images: [], settings: { traffic: { fields: { enabled: { default: true, parse: (_k: string, v: unknown) => v } } } } };\n");
      assert.throws(() => discoverHomeworks(bad), /lab:traffic = "patroni-ha": homeworks clash2 and patroni-ha declare lab:traffic each their own way: share one declaration/);
    } finally { fs.rmSync(bad, { recursive: true, force: true }); }
  });

  it("refuses a folder whose index.ts exports no definition, or needs other than its needs.ts, before registering anything", async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), "lab-homeworks-bad-"));
    try {
      fs.mkdirSync(path.join(bad, "empty"));
      fs.writeFileSync(path.join(bad, "empty", "index.ts"), "export const compose = () => ({});\n");
      fs.writeFileSync(path.join(bad, "empty", "needs.ts"), "export const needs = { ports: {}, secrets: {}, images: [], settings: {} };\n");
      // needs other than its needs.ts's (config.ts parsed the stack against those): refused too.
      fs.mkdirSync(path.join(bad, "drift"));
      fs.writeFileSync(path.join(bad, "drift", "needs.ts"), "export const needs = { ports: {}, secrets: {}, images: [], settings: {} };\n");
      fs.writeFileSync(path.join(bad, "drift", "index.ts"),
        "export const homework = { needs: { ports: { extra: 1 }, secrets: {}, images: [], settings: {} }, compose: () => ({}) };\n");
      const catalogOfBad = discoverHomeworks(bad);
      const run = await runMocked(() => {
        assert.throws(() => composeLab(parseLabConfig(rawConfig({}, "empty"), [], catalogOfBad)), (e: unknown) =>
          e instanceof ConfigError && /lab:homeworks = "empty": \S+empty\/index.ts exports no `homework` \{ needs, compose \}/.test(e.message));
        assert.throws(() => composeLab(parseLabConfig(rawConfig({}, "drift"), [], catalogOfBad)), (e: unknown) =>
          e instanceof ConfigError && /lab:homeworks = "drift": \S+drift\/index.ts: homework.needs must be the `needs` of .\/needs.ts/.test(e.message));
        return {};
      });
      assert.strictEqual(run.resources.length, 0);
    } finally { fs.rmSync(bad, { recursive: true, force: true }); }
  });
});
