# CI only. Source me: puts the Pulumi engine built by .ci/pulumi/build.sh on PATH and keeps it offline.
#   source .ci/pulumi/env.sh && pulumi version
_lab_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
_lab_sdk=$(node -p "require('$_lab_repo/package.json').dependencies['@pulumi/pulumi']")
export PULUMI_LAB_HOME=${LAB_CACHE:-/var/cache/lab}/pulumi-$_lab_sdk
if [[ ! -x $PULUMI_LAB_HOME/bin/pulumi ]]; then
  echo ".ci/pulumi/env.sh: no engine in $PULUMI_LAB_HOME/bin: run .ci/pulumi/build.sh (or .ci/install.d/40-pulumi.sh)" >&2
  return 1 2>/dev/null || exit 1
fi
case ":$PATH:" in *":$PULUMI_LAB_HOME/bin:"*) ;; *) export PATH=$PULUMI_LAB_HOME/bin:$PATH ;; esac
# Plugins (resource-command) were installed here by the build.
export PULUMI_HOME=$PULUMI_LAB_HOME/pulumi-home
# No network: never check for updates, never fetch plugins, no telemetry.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_CONFIRMATIONS=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
export PULUMI_DISABLE_CI_DETECTION=true
export PULUMI_NODEJS_TRANSPILE_ONLY=${PULUMI_NODEJS_TRANSPILE_ONLY:-true}
unset _lab_repo _lab_sdk
