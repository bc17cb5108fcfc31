#!/usr/bin/env bash
# The Pulumi engine (CLI, Node.js language host, command provider) built from the Go module proxy; cached.
# CI only (.ci/pulumi/): users install the official Pulumi CLI and plugins.
set -euo pipefail
source "$(dirname "$0")/../lib/cache.sh"
exec bash "$(dirname "$0")/../pulumi/build.sh"
