// Entry point: parse and validate lab:* config first (a bad value stops here, before anything is created), check the
// host (free ports, a reachable registry: program/preflight.ts), then stand up the homeworks it names. Stack outputs are
// grouped by homework.
import { loadLabConfig } from "./config";
import { composeLab } from "./program/compose";
import { preflight } from "./program/preflight";
import { skipUnusedPromiseStacks } from "./program/promiseStacks";

skipUnusedPromiseStacks();
const cfg = loadLabConfig();
export = preflight(cfg).then(() => composeLab(cfg));
