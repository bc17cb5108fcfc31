export * from "./source";
import * as path from "path";

/** SQL the primary runs after sql/bookings (replica identity, the signal table). */
export const CDC_SETUP_SQL_DIR = path.join(__dirname, "sql");
