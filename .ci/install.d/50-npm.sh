#!/usr/bin/env bash
# The project's npm packages, exactly as locked.
set -euo pipefail
npm ci --no-audit --no-fund --loglevel=error
