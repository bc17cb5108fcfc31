// Where the program's files are. `pulumi up` runs the program compiled into bin/ (program.js); tests, the lab CLI
// and the e2e harness run the same modules from their .ts sources. Assets (SQL, scripts, build contexts) are read
// from the source tree either way; homework modules are required from whichever tree this module runs in.
import * as path from "path";

/** True when this module is the compiled bin/program/paths.js (the program runs compiled). */
export const PROGRAM_COMPILED = path.extname(__filename) === ".js";

/** The repository's root (the folder holding Pulumi.yaml). */
export const REPO_ROOT = path.resolve(__dirname, PROGRAM_COMPILED ? "../.." : "..");

/** Where program.js compiles the program (tsconfig.program.json's outDir). */
export const PROGRAM_BUILD_DIR = path.join(REPO_ROOT, "bin");

/** The source folder of a module's `__dirname`: bin/homeworks/x → homeworks/x; a source folder stays as it is. */
export function sourceDir(dir: string): string {
  const rel = path.relative(PROGRAM_BUILD_DIR, dir);
  return rel.startsWith("..") || path.isAbsolute(rel) ? dir : path.join(REPO_ROOT, rel);
}

/** The folder to `require` a module of the source folder `dir` from: its bin/ twin when the program runs compiled. */
export function moduleDir(dir: string): string {
  const rel = path.relative(REPO_ROOT, dir);
  return PROGRAM_COMPILED && !rel.startsWith("..") && !path.isAbsolute(rel) ? path.join(PROGRAM_BUILD_DIR, rel) : dir;
}

/** The bookings data set (schema, reference and generated data): cdc-datavault's and greenplum-pxf's source database. */
export const BOOKINGS_SQL_DIR = path.join(REPO_ROOT, "datasets", "bookings");

/** The DAGs the lab's Airflow image bakes (images/airflow/Dockerfile); a homework on stock Airflow writes the ones it runs. */
export const AIRFLOW_DAGS_DIR = path.join(REPO_ROOT, "airflow", "dags");
