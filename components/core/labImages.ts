// Where every image a lab container runs comes from (lab:imageSource): the pinned registry image, or — in build
// mode — a build of images/debian/<key> (images/catalog.ts says which) FROM the lab's one Debian base. The lab's own images (Patroni, Connect,
// the apps, Airflow's worker) are built here too, FROM whichever of the two their base key resolves to.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ImageKey, Images, DEBIAN_BUILT, debianBuildDir } from "../../images/catalog";
import { DEBIAN_SUITE, MAKE_BASE_SCRIPT, debootstrapBaseTag, hostDebianMirror } from "../../images/debian/base";
import { REPO_ROOT } from "../../program/paths";
import { ConfigError } from "../../program/settings";

/** Where the services' images come from: the pinned official images, or built by the program from Debian packages. */
export const IMAGE_SOURCES = ["registry", "build"] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];
/** How build mode gets its Debian base: one pull of lab:images.debian, or made from a Debian mirror (no registry). */
export const DEBIAN_BASES = ["pull", "debootstrap"] as const;
export type DebianBase = (typeof DEBIAN_BASES)[number];

/** How the lab gets and builds its images (lab:imageSource, lab:debianBase, ...; parsed by config.ts). */
export interface BuildSettings {
  imageSource: ImageSource;
  debianBase: DebianBase;
  /** Mirror debootstrap reads (lab:debianBase=debootstrap); default: the first of this host's apt sources. */
  debianMirror?: string;
  /** Network every image build's RUN steps use (`host` where bridges have no egress); default Docker's own. */
  network?: string;
  /** Platform of the lab's own builds (default linux/amd64; linux/arm64 on Apple silicon avoids emulation). */
  platform: string;
}

export interface OwnImage {
  /** Short name: the image is tagged `<prefix>-<image>:local`. */
  image: string;
  /** Build context, relative to the repository root; Dockerfile relative to it (default <context>/Dockerfile). */
  context: string;
  dockerfile?: string;
  /** The image it builds FROM, through build arg `fromArg` (e.g. POSTGRES_IMAGE). */
  from?: { key: ImageKey; arg: string };
  /** A build arg that gets the lab's Debian base too (a build stage that needs Debian's packages). */
  debianArg?: string;
  args?: Record<string, pulumi.Input<string>>;
}

export class LabImages {
  private readonly built = new Map<ImageKey, docker.Image>();
  private debian?: pulumi.Output<string>;

  constructor(
    private readonly prefix: string,
    private readonly images: Images,
    private readonly settings: BuildSettings,
    private readonly parent: pulumi.Resource,
  ) {}

  /** The reference a container of service `key` runs: a build's id (so a rebuild rolls it) or the pinned image. */
  run(key: ImageKey): pulumi.Input<string> {
    return this.service(key)?.repoDigest ?? this.images[key];
  }

  /** The reference a Dockerfile's FROM takes for `key`: a build's local tag (known only once built) or the pinned image. */
  from(key: ImageKey): pulumi.Input<string> {
    const b = this.service(key);
    return b ? pulumi.all([b.imageName, b.repoDigest]).apply(([name]) => name) : this.images[key];
  }

  /** One of the lab's own images (never pushed); containers use its `repoDigest`, so a rebuild rolls them. */
  build(name: string, a: OwnImage, opts: pulumi.CustomResourceOptions): docker.Image {
    const from = a.from ? { [a.from.arg]: this.from(a.from.key), ...this.baseId(a.from.key) } : {};
    return new docker.Image(name, {
      imageName: `${this.prefix}-${a.image}:local`,
      build: {
        context: path.join(REPO_ROOT, a.context),
        ...(a.dockerfile ? { dockerfile: path.join(REPO_ROOT, a.dockerfile) } : {}),
        args: { ...from, ...(a.debianArg ? { [a.debianArg]: this.debianBase() } : {}), ...a.args },
        platform: this.settings.platform,
        ...(this.settings.network ? { network: this.settings.network } : {}),
      },
      skipPush: true,
    }, opts);
  }

  /** A build arg carrying the base build's id: a rebuilt base (same tag) rebuilds what stands on it. */
  private baseId(key: ImageKey): Record<string, pulumi.Input<string>> {
    const b = this.service(key);
    return b ? { LAB_BASE_ID: b.repoDigest } : {};
  }

  private service(key: ImageKey): docker.Image | undefined {
    if (this.settings.imageSource !== "build" || !DEBIAN_BUILT.includes(key)) return undefined;
    let b = this.built.get(key);
    if (!b) {
      b = this.build(`${key}-image`, { image: key.toLowerCase(), context: debianBuildDir(key), args: { BASE_IMAGE: this.debianBase() } }, { parent: this.parent });
      this.built.set(key, b);
    }
    return b;
  }

  /** lab:debianBase: the pulled lab:images.debian, or a base made from a Debian mirror once per host (cached by tag). */
  private debianBase(): pulumi.Input<string> {
    if (this.settings.debianBase === "pull") return this.images.debian;
    if (!this.debian) {
      const mirror = this.settings.debianMirror ?? hostDebianMirror();
      if (!mirror) throw new ConfigError("debianMirror", undefined, "lab:debianBase=debootstrap needs a Debian mirror and this host's apt sources name none; set lab:debianMirror");
      const tag = debootstrapBaseTag(mirror);
      // Kept by `pulumi destroy` as a cache shared by every stack on the host (its tag names its inputs).
      const made = new command.local.Command("debian-base", {
        create: `bash ${path.relative(REPO_ROOT, MAKE_BASE_SCRIPT)} ${tag} ${DEBIAN_SUITE} ${JSON.stringify(mirror)}`,
        dir: REPO_ROOT,
        triggers: [tag],
      }, { parent: this.parent });
      this.debian = made.stdout.apply(() => tag);
    }
    return this.debian;
  }
}
