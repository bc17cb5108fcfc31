import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as tarStream from "tar-stream";
import { packContext } from "../testbed/docker";

const ROOT = path.join(__dirname, "../..");
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

/** The apps as npm workspaces of the root package.json: one lockfile, every app laid out alike. */
describe("apps: npm workspaces, one lockfile, all alike", () => {
  const root = json("package.json");
  const lock = json("package-lock.json");
  const apps = fs.readdirSync(path.join(ROOT, "apps")).filter((d) => fs.existsSync(path.join(ROOT, "apps", d, "package.json"))).sort();

  it("every app folder with a package.json is a workspace the lockfile knows", () => {
    assert.deepStrictEqual(root.workspaces, ["apps/*"]);
    assert.deepStrictEqual(apps, ["cdc-reader", "cdc-writer", "dv-loader", "traffic-generator"]);
    for (const app of apps) {
      const pkg = json(`apps/${app}/package.json`);
      assert.strictEqual(lock.packages[`apps/${app}`]?.name, pkg.name, `package-lock.json lacks apps/${app}`);
      assert.deepStrictEqual(lock.packages[`node_modules/${pkg.name}`], { resolved: `apps/${app}`, link: true });
    }
  });

  it("each app has package.json, tsconfig.json compiling src/ to dist/, src/main.ts, and no lockfile of its own", () => {
    for (const app of apps) {
      const dir = path.join(ROOT, "apps", app);
      assert.ok(!fs.existsSync(path.join(dir, "package-lock.json")), `apps/${app}/package-lock.json: the root lockfile is the only one`);
      assert.ok(fs.existsSync(path.join(dir, "src", "main.ts")), `apps/${app}/src/main.ts`);
      const ts = json(`apps/${app}/tsconfig.json`);
      assert.deepStrictEqual([ts.compilerOptions.rootDir, ts.compilerOptions.outDir, ts.include], ["src", "dist", ["src/**/*.ts"]], `apps/${app}/tsconfig.json`);
      const pkg = json(`apps/${app}/package.json`);
      assert.strictEqual(pkg.main, "dist/main.js", `apps/${app}/package.json main`);
      assert.strictEqual(pkg.scripts.build, "tsc -p tsconfig.json", `apps/${app}/package.json scripts.build`);
    }
  });

  it("an app pins what the project pins, at the same version", () => {
    const pinned = { ...root.dependencies, ...root.devDependencies };
    for (const app of apps) {
      const pkg = json(`apps/${app}/package.json`);
      for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
        assert.match(String(version), /^\d+\.\d+\.\d+$/, `apps/${app}: ${name} = ${version} must be an exact pin`);
        if (pinned[name] !== undefined) assert.strictEqual(version, pinned[name], `apps/${app}: ${name}`);
      }
    }
  });

  it("every app Dockerfile builds from the repository root's lockfile with npm ci for its workspaces", () => {
    const dockerfiles = fs.readdirSync(path.join(ROOT, "apps")).map((d) => `apps/${d}/Dockerfile`).filter((f) => fs.existsSync(path.join(ROOT, f)));
    assert.deepStrictEqual(dockerfiles, ["apps/cdc-apps/Dockerfile", "apps/dv-loader/Dockerfile", "apps/traffic-generator/Dockerfile"]);
    const ignore = fs.readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
    // By name, no wildcard: the real docker provider (5.2.0) does not follow a wildcard re-include into an excluded
    // folder ("failed to read dockerfile", "/apps/cdc-reader/src not found").
    const wanted = ["package.json", "package-lock.json", ...dockerfiles, ...apps.flatMap((a) => [`apps/${a}/package.json`, `apps/${a}/tsconfig.json`, `apps/${a}/src`])];
    for (const file of wanted) assert.ok(ignore.includes(`!${file}`), `.dockerignore must re-include ${file} by name for the root-context builds`);
    assert.deepStrictEqual(ignore.filter((l) => l.startsWith("!") && l.includes("*")), [], "a wildcard re-include the provider would not follow");
    for (const file of dockerfiles) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      assert.match(text, /^COPY package\.json package-lock\.json \.\/$/m, file);
      const workspaces = [...text.matchAll(/^COPY apps\/([a-z-]+)\/package\.json apps\/\1\/$/gm)].map((m) => m[1]);
      assert.ok(workspaces.length > 0 && workspaces.every((w) => apps.includes(w)), `${file}: copies the manifests of ${workspaces}`);
      assert.ok(text.includes(`RUN npm ci --no-audit --no-fund ${workspaces.map((w) => `--workspace apps/${w}`).join(" ")}\n`), `${file}: npm ci of its workspaces`);
    }
  });

  it("the repository-root context the app builds get holds the manifests, the lockfile and each app's sources only", async () => {
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const extract = tarStream.extract();
      extract.on("entry", (h, stream, next) => { names.push(h.name.replace(/\/$/, "")); stream.resume(); stream.on("end", next); });
      extract.on("finish", resolve).on("error", reject);
      packContext(ROOT).pipe(extract);
    });
    for (const want of ["package.json", "package-lock.json", "apps/cdc-apps/Dockerfile", "apps/dv-loader/src/main.ts", "apps/cdc-writer/tsconfig.json", "apps/traffic-generator/package.json"]) {
      assert.ok(names.includes(want), `the context must hold ${want}`);
    }
    const unwanted = names.filter((n) => /(^|\/)(node_modules|dist)(\/|$)/.test(n) || /^(tests|components|providers|stacks)(\/|$)/.test(n));
    assert.deepStrictEqual(unwanted, []);
  });
});
