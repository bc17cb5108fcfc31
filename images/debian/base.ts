// The lab's Debian bookworm base for lab:imageSource=build: pulled (lab:images.debian) or made from a Debian mirror
// with no registry at all (make-base.sh: debootstrap + docker import). Pure apart from reading host files.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { sourceDir } from "../../program/paths";

export const MAKE_BASE_SCRIPT = path.join(sourceDir(__dirname), "make-base.sh");
export const DEBIAN_SUITE = "bookworm";
const LOCAL_CA_DIR = "/usr/local/share/ca-certificates";

/** The first Debian mirror of this host's apt sources (deb822 `URIs:` or one-line `deb URI suite`), if any. */
export function hostDebianMirror(files = aptSourceFiles()): string | undefined {
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m.exec(text);
    if (m && !/security/.test(m[1])) return m[1].replace(/\/$/, "");
  }
  return undefined;
}

function aptSourceFiles(): string[] {
  const d = "/etc/apt/sources.list.d";
  const listed = fs.existsSync(d) ? fs.readdirSync(d).filter((f) => /\.(list|sources)$/.test(f)).sort().map((f) => path.join(d, f)) : [];
  return ["/etc/apt/sources.list", ...listed].filter((f) => fs.existsSync(f));
}

/** The CA certificates this host added locally (copied into a debootstrapped base): name → content. */
export function hostLocalCas(dir = LOCAL_CA_DIR): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith(".crt")).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

/** Tag of the debootstrapped base: a hash of the script and every input, so a changed input makes a new base. */
export function debootstrapBaseTag(mirror: string, cas: Record<string, string> = hostLocalCas()): string {
  const h = createHash("sha256").update(fs.readFileSync(MAKE_BASE_SCRIPT)).update(`\0${DEBIAN_SUITE}\0${mirror}\0`).update(JSON.stringify(cas));
  return `lab-debian-base:${DEBIAN_SUITE}-${h.digest("hex").slice(0, 12)}`;
}
