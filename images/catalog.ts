// The one list of the images the lab runs or builds FROM: the pinned upstream image (override one by one with
// lab:images for a mirror), and how lab:imageSource=build gets it: built from Debian packages out of
// images/debian/<key>/ (with its contract.json), or run from lab:images in both modes (say why).
// A new upstream image: a line here, images/debian/<key>/ when it is Debian-built, and the key in the needs.ts of
// each homework that runs it.

type Entry = { ref: string; build: "debian" } | { ref: string; build: "registry"; why: string };

export const IMAGE_CATALOG = {
  postgres: { ref: "postgres:15.10-bookworm", build: "debian" },
  etcd: { ref: "quay.io/coreos/etcd:v3.5.17", build: "debian" },
  haproxy: { ref: "haproxy:2.6.18-bookworm", build: "debian" },
  grafana: { ref: "grafana/grafana:11.3.1", build: "registry", why: "packaged nowhere reachable without a registry" },
  prometheus: { ref: "prom/prometheus:v2.55.1", build: "debian" },
  node: { ref: "node:20.19.5-bookworm-slim", build: "debian" }, // >= 20.19: the loader's Kafka client needs it
  kafka: { ref: "apache/kafka:4.3.0", build: "debian" }, // the Kafka the Connect plugins are built against (.ci/install.d/30-kafka.sh)
  pgAdmin: { ref: "dpage/pgadmin4:8.14", build: "debian" },
  // Serves the Confluent REST API at /apis/ccompat/v7; same release line as the Connect image's Avro converter.
  schemaRegistry: {
    ref: "apicurio/apicurio-registry-mem:2.6.13.Final", build: "registry",
    why: "Apicurio's application is not assemblable from Maven Central (images/debian/schemaRegistry/README.md)",
  },
  greenplum: { ref: "woblerr/greenplum:6.27.1", build: "registry", why: "packaged nowhere reachable without a registry" },
  minio: { ref: "minio/minio:RELEASE.2024-11-07T00-52-20Z", build: "registry", why: "packaged nowhere reachable without a registry" },
  airflow: { ref: "apache/airflow:2.10.5-python3.11", build: "debian" }, // same as images/airflow and the tests' venv
  // The one Debian base every Debian-built image starts FROM (lab:debianBase=pull); not a service.
  debian: { ref: "debian:bookworm-slim", build: "registry", why: "the base the Debian builds start FROM" },
} as const satisfies Record<string, Entry>;

export type ImageKey = keyof typeof IMAGE_CATALOG;
export type Images = Record<ImageKey, string>;

const KEYS = Object.keys(IMAGE_CATALOG) as ImageKey[];

/** The pinned reference of every image, by key (lab:images' defaults). */
export const DEFAULT_IMAGES = Object.fromEntries(KEYS.map((k) => [k, IMAGE_CATALOG[k].ref])) as { readonly [K in ImageKey]: (typeof IMAGE_CATALOG)[K]["ref"] };

/** Built from images/debian/<key> under lab:imageSource=build. */
export const DEBIAN_BUILT: readonly ImageKey[] = KEYS.filter((k) => IMAGE_CATALOG[k].build === "debian");

/** Run from lab:images in both modes (`debian` is the base itself). */
export const REGISTRY_ONLY: readonly ImageKey[] = KEYS.filter((k) => IMAGE_CATALOG[k].build === "registry" && k !== "debian");

/** The build folder of a Debian-built image, relative to the repository root. */
export const debianBuildDir = (key: ImageKey): string => `images/debian/${key}`;
