#!/usr/bin/env bash
# CI only: builds the Pulumi engine the lab's tests run, from the Go module proxy (this CI cannot fetch Pulumi's
# released binaries; users install the official CLI and plugins instead):
#   pulumi                         CLI, github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
#   pulumi-language-nodejs         the lab's own Node.js language host (.ci/pulumi/languagehost)
#   pulumi-resource-pulumi-nodejs  launcher for dynamic providers (what the release archive ships as a script)
#   pulumi-analyzer-policy         launcher for policy packs (likewise)
#   pulumi-resource-command        the lab's stand-in for pulumi-command's provider, installed as plugin
# Versions come from package.json (@pulumi/pulumi, @pulumi/command). Cached in $LAB_CACHE/pulumi-<version>;
# a second run with the same versions and sources only prints where things are.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/.ci/pulumi
dep_version() { node -p "require('$repo/package.json').dependencies['$1'] || ''"; }
sdk_version=$(dep_version @pulumi/pulumi)
command_version=$(dep_version @pulumi/command)
[[ $sdk_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package.json dependencies.@pulumi/pulumi = '$sdk_version': need an exact x.y.z pin" >&2; exit 1; }
[[ $command_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package.json dependencies.@pulumi/command = '$command_version': need an exact x.y.z pin" >&2; exit 1; }

home=${LAB_CACHE:-/var/cache/lab}/pulumi-$sdk_version
bin=$home/bin
# The stamp covers our own Go sources too, so editing the language host or provider rebuilds them.
stamp_want="sdk=$sdk_version command=$command_version src=$(cat "$here"/*/*.go "$0" | sha256sum | cut -c1-16)"
if [[ -f $home/stamp && $(cat "$home/stamp") == "$stamp_want" && -x $bin/pulumi ]]; then
  echo "pulumi engine cached: $bin (CLI $(cat "$home/cli-version"), $stamp_want)"
  exit 0
fi

command -v go >/dev/null || { echo "go not found: .ci/pulumi/build.sh needs the Go toolchain" >&2; exit 1; }
t0=$SECONDS
src=$home/src
rm -rf "$src" && mkdir -p "$src" "$bin"
cp -r "$here"/*/ "$src"/
cd "$src"

# The proxy serves pkg/v3 for only some releases; when the pinned one is refused, take the nearest newer
# one it serves (a newer CLI runs older Node SDKs) and say so loudly.
cli_version=$sdk_version
if ! go mod download "github.com/pulumi/pulumi/pkg/v3@v$sdk_version" 2>/dev/null; then
  cli_version=$(go list -m -versions github.com/pulumi/pulumi/pkg/v3 | tr ' ' '\n' | sed -n 's/^v//p' |
    awk -v want="$sdk_version" 'function key(v, p) { split(v, p, "."); return p[1]*1e6 + p[2]*1e3 + p[3] }
      $0 ~ /^[0-9]+\.[0-9]+\.[0-9]+$/ && key($0) >= key(want) { print key($0), $0 }' | sort -n | head -1 | cut -d' ' -f2)
  [[ -n $cli_version ]] || { echo "the Go module proxy serves no github.com/pulumi/pulumi/pkg/v3 >= $sdk_version" >&2; exit 1; }
  echo "WARNING: the Go module proxy refuses github.com/pulumi/pulumi/pkg/v3@v$sdk_version; building the CLI at v$cli_version" >&2
fi

# pkg's go.mod points sdk at ../sdk and swaps atotto/clipboard; mirror both here.
cat > go.mod <<MOD
module lab/pulumi-build

go 1.26.6

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$cli_version"
go get "github.com/pulumi/pulumi/sdk/v3@v$cli_version"
go mod tidy
echo "modules resolved in $((SECONDS - t0))s"

export GOFLAGS="-trimpath -buildvcs=false"
vpkg=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
t1=$SECONDS
go build -ldflags "-s -w -X $vpkg=v$cli_version" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
echo "pulumi CLI built in $((SECONDS - t1))s"
t1=$SECONDS
go build -ldflags "-s -w -X main.version=$sdk_version" -o "$bin/pulumi-language-nodejs" ./languagehost
go build -ldflags "-s -w -X main.version=$command_version" -o "$home/plugins-src/pulumi-resource-command" ./commandprovider
echo "language host and command provider built in $((SECONDS - t1))s"

# Launchers the release archive carries as scripts: they run the program's own @pulumi/pulumi.
launcher() { # name, module under @pulumi/pulumi/cmd
  cat > "$bin/$1" <<SH
#!/bin/sh
# Runs @pulumi/pulumi/cmd/$2 from the program's node_modules (the working directory is the program's).
script=\$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/$2'))") || exit 1
exec node "\$script" "\$@"
SH
  chmod +x "$bin/$1"
}
launcher pulumi-resource-pulumi-nodejs dynamic-provider
launcher pulumi-analyzer-policy run-policy-pack

# Installed as a versioned plugin so the engine never tries to download resource-command.
PULUMI_HOME=$home/pulumi-home PULUMI_SKIP_UPDATE_CHECK=true \
  "$bin/pulumi" plugin install resource command "$command_version" --file "$home/plugins-src/pulumi-resource-command" --reinstall

echo "v$cli_version" > "$home/cli-version"
echo "$stamp_want" > "$home/stamp"
"$bin/pulumi" version
echo "pulumi engine built in $((SECONDS - t0))s: $bin"
