# Sourced by install steps: apt_install_no_start PKG... installs the missing ones, never starting a service
# (a policy-rc.d that denies starts exists only while apt runs, and only if the host had none).
apt_install_no_start() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  local policy=/usr/sbin/policy-rc.d ours=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && ours=1; fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  ((ours)) && rm -f "$policy"
  return $rc
}
