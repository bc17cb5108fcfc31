#!/usr/bin/env bash
# Puts the pinned PostgreSQL JDBC driver into pxf/lib/ (the Greenplum image's build context) and checks its sha256.
# Run before `docker build`; MAVEN_REPO_URL points at a mirror (file:// works too). Does nothing when the jar is already right.
set -euo pipefail
repo_root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
# shellcheck source=../../pxf/jdbc-driver.env
source "$repo_root/pxf/jdbc-driver.env"
VERSION="${POSTGRES_JDBC_VERSION_OVERRIDE:-$POSTGRES_JDBC_VERSION}"
SHA256="${POSTGRES_JDBC_SHA256_OVERRIDE:-$POSTGRES_JDBC_SHA256}"
MAVEN_REPO_URL="${MAVEN_REPO_URL:-https://repo.maven.apache.org/maven2}"
LIB_DIR="${PXF_LIB_DIR:-$repo_root/pxf/lib}"

[[ "$VERSION" =~ ^[0-9]+(\.[0-9]+)+$ ]] || { echo "POSTGRES_JDBC_VERSION=$VERSION: not a version like 42.7.4" >&2; exit 1; }
[[ "$SHA256" =~ ^[0-9a-f]{64}$ ]] || { echo "POSTGRES_JDBC_SHA256=$SHA256: not a sha256 hex digest" >&2; exit 1; }

jar="$LIB_DIR/postgresql-$VERSION.jar"
if [[ -f "$jar" ]] && echo "$SHA256  $jar" | sha256sum --check --status; then
  echo "jdbc driver already in place: $jar"; exit 0
fi
mkdir -p "$LIB_DIR"
tmp="$(mktemp "$LIB_DIR/.download.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
url="$MAVEN_REPO_URL/org/postgresql/postgresql/$VERSION/postgresql-$VERSION.jar"
curl -fsSL --retry 3 --max-time 120 -o "$tmp" "$url" || { echo "download failed: $url" >&2; exit 1; }
actual="$(sha256sum "$tmp" | cut -d' ' -f1)"
if [[ "$actual" != "$SHA256" ]]; then
  echo "checksum mismatch for $url: expected $SHA256, got $actual" >&2; exit 1
fi
# Other driver versions left behind would end up on PXF's classpath too.
find "$LIB_DIR" -maxdepth 1 -name 'postgresql-*.jar' ! -name "postgresql-$VERSION.jar" -delete
mv -f "$tmp" "$jar"
chmod 644 "$jar"
echo "jdbc driver fetched: $jar"
