#!/usr/bin/env bash
# Makes the lab's Debian base image from a Debian mirror, with no image registry: debootstrap a minimal
# bookworm root, then `docker import` it. Cached by tag: the caller's tag carries a hash of this script and
# its inputs, so an existing image with that tag is reused. Prints the image id on the last line.
#   make-base.sh <tag> <suite> <mirror>      (lab:debianBase=debootstrap; components/labImages.ts runs it)
set -euo pipefail
tag=${1:?tag} suite=${2:?suite} mirror=${3:?mirror}
if id=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null); then
  echo "debian base $tag already present"; echo "$id"; exit 0
fi
[[ $(id -u) == 0 ]] || { echo "make-base.sh: debootstrap needs root (lab:debianBase=debootstrap); run as root or set lab:debianBase=pull" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "make-base.sh: debootstrap is not installed (apt-get install debootstrap), or set lab:debianBase=pull" >&2; exit 2; }
root=$(mktemp -d "${TMPDIR:-/tmp}/lab-debian-XXXXXX")
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite from $mirror into $root"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Trust what this host trusts: CA certificates added locally (/usr/local/share/ca-certificates, e.g. a
# TLS-intercepting proxy's) go into the base's system store, which the lab's Dockerfiles point pip, npm and Java at.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
# What the official slim image also does: no apt caches, no docs; apt sources pointing at the same mirror.
printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite" >"$root/etc/apt/sources.list"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/99lab-no-recommends"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
docker image inspect --format '{{.Id}}' "$tag"
