// Entry point: parse and validate lab:* config first (a bad value stops here, before anything is created),
// then stand up the homeworks it names. Stack outputs are grouped by homework.
import { loadLabConfig } from "./config";
import { composeLab } from "./lab";
import { skipUnusedPromiseStacks } from "./promiseStacks";

skipUnusedPromiseStacks();
export = composeLab(loadLabConfig());
