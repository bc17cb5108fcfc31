// Mocha's options for every run. `npm test` and `npm run test:fast` also collect the unit suites that sit beside their
// code (program/, components/, providers/, tools/): package.json's own globs stay as they were, because package.json
// is part of the app images' build context and any edit to it rebuilds the app images of every running lab
// (docs/internals.md). A single file (`npx mocha path/to/x.test.ts`) runs alone.
const BESIDE_THE_CODE = ["program/**/*.test.ts", "components/**/*.test.ts", "providers/**/*.test.ts", "tools/**/*.test.ts"];

module.exports = {
  require: "ts-node/register/transpile-only",
  extension: ["ts"],
  recursive: true,
  timeout: 60000,
  exit: true,
  "forbid-only": true,
  spec: ["test", "test:fast"].includes(process.env.npm_lifecycle_event) ? BESIDE_THE_CODE : [],
};
