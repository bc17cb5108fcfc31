#!/usr/bin/env bash
# Makes PXF ready on every container start, before Greenplum's own entrypoint runs:
#   1. PXF_BASE prepared (what `pxf prepare` makes, only the files that are missing);
#   2. the image's seed (JDBC driver, servers bookings-db and minio) copied in: missing files only,
#      or every changed file with PXF_SEED_OVERWRITE=1; *.xml under servers/ are templates filled from env;
#   3. PXF's JVM kept small in pxf-env.sh;
#   4. once the database answers: CREATE EXTENSION IF NOT EXISTS pxf, then a non-fatal `pxf cluster sync`.
# Idempotent: a second run changes nothing. Exit 1 only when the image's seed is missing (a build bug).
set -uo pipefail   # no -e: each step decides itself whether its failure matters

here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# shellcheck source=greenplum-env.sh
source "$here/greenplum-env.sh"

SEED_DIR="${PXF_SEED_DIR:-/opt/pxf-seed}"
OVERWRITE="${PXF_SEED_OVERWRITE:-0}"
POST_START="${PXF_ENSURE_POST_START:-background}"
DB_WAIT_SECONDS="${PXF_ENSURE_DB_WAIT_SECONDS:-900}"
POLL_SECONDS="${PXF_ENSURE_POLL_SECONDS:-5}"
SYNC_TIMEOUT_SECONDS="${PXF_SYNC_TIMEOUT_SECONDS:-120}"
JVM_OPTS="${PXF_JVM_OPTS:--Xmx512m -Xms256m}"

log()  { echo "[pxf-ensure] $*"; }
warn() { echo "[pxf-ensure] WARNING: $*" >&2; }
fail() { echo "[pxf-ensure] ERROR: $*" >&2; exit 1; }

check_settings() {
  [[ "$OVERWRITE" == 0 || "$OVERWRITE" == 1 ]] || fail "PXF_SEED_OVERWRITE=$OVERWRITE: must be 0 or 1"
  case "$POST_START" in background|foreground|off) ;;
    *) fail "PXF_ENSURE_POST_START=$POST_START: must be background, foreground or off" ;; esac
  [[ "$DB_WAIT_SECONDS" =~ ^[0-9]+$ ]] || fail "PXF_ENSURE_DB_WAIT_SECONDS=$DB_WAIT_SECONDS: must be a whole number of seconds"
  [[ "$POLL_SECONDS" =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "PXF_ENSURE_POLL_SECONDS=$POLL_SECONDS: must be a number of seconds"
  [[ -d "$SEED_DIR" ]] || fail "PXF_SEED_DIR=$SEED_DIR: no such directory (the image was built without the PXF seed)"
}

# Value of a template variable: NAME, or the contents of the file named by NAME_FILE (Docker/Pulumi secrets).
template_value() {
  local name="$1" file_var="${1}_FILE"
  if [[ -n "${!name+x}" ]]; then printf '%s' "${!name}"; return 0; fi
  if [[ -n "${!file_var:-}" ]]; then
    [[ -r "${!file_var}" ]] || { warn "$file_var=${!file_var}: file not readable"; return 1; }
    printf '%s' "$(<"${!file_var}")"; return 0
  fi
  return 1
}

xml_escape() {
  local v="$1"
  v="${v//&/"&amp;"}"; v="${v//</"&lt;"}"; v="${v//>/"&gt;"}"; v="${v//\"/"&quot;"}"; v="${v//\'/"&apos;"}"
  printf '%s' "$v"
}

# Fills ${NAME} placeholders of an XML template into target; on an unset variable prints its name and fails.
render_template() {
  local template="$1" target="$2" text="" line out rest name value re='\$\{([A-Za-z_][A-Za-z0-9_]*)\}'
  while IFS= read -r line || [[ -n "$line" ]]; do
    out="" rest="$line"
    while [[ "$rest" =~ $re ]]; do
      name="${BASH_REMATCH[1]}"
      value="$(template_value "$name")" || { echo "$name"; return 1; }
      out+="${rest%%"${BASH_REMATCH[0]}"*}$(xml_escape "$value")"
      rest="${rest#*"${BASH_REMATCH[0]}"}"
    done
    text+="$out$rest"$'\n'
  done <"$template"
  printf '%s' "$text" >"$target"
}

# Puts one file in place: kept when present (unless overwrite), replaced only when its content differs.
place_file() {
  local candidate="$1" target="$2" mode="$3" overwrite="$4"
  if [[ -e "$target" ]]; then
    if [[ "$overwrite" != 1 ]]; then
      log "kept $target (exists; PXF_SEED_OVERWRITE=1 replaces it)"; rm -f "$candidate"; return 0
    fi
    if cmp -s "$candidate" "$target"; then
      log "unchanged $target"; rm -f "$candidate"; return 0
    fi
  fi
  local verb="wrote"; [[ -e "$target" ]] && verb="replaced"
  mkdir -p "$(dirname "$target")"
  chmod "$mode" "$candidate"
  mv -f "$candidate" "$target"
  log "$verb $target"
}

# Copies a tree into PXF_BASE (directories with their modes: PXF needs its empty run/ and logs/);
# *.xml under servers/ are rendered from the environment.
copy_tree() {
  local from="$1" overwrite="$2" rel src candidate missing mode
  while IFS= read -r -d '' src; do
    rel="${src#"$from"/}"
    [[ -d "$PXF_BASE/$rel" ]] && continue
    mkdir -p "$PXF_BASE/$rel" && chmod "$(stat -c '%a' "$src")" "$PXF_BASE/$rel"
    log "created $PXF_BASE/$rel/"
  done < <(find "$from" -mindepth 1 -type d -print0 | sort -z)
  while IFS= read -r -d '' src; do
    rel="${src#"$from"/}"
    candidate="$(mktemp "$PXF_BASE/.ensure.XXXXXX")"
    if [[ "$rel" == servers/*.xml ]]; then
      if ! missing="$(render_template "$src" "$candidate")"; then
        rm -f "$candidate"
        warn "skipped $PXF_BASE/$rel: template variable $missing is not set (set $missing or ${missing}_FILE)"
        continue
      fi
      mode=600   # may hold a password
    else
      cp "$src" "$candidate"
      mode="$(stat -c '%a' "$src")"
    fi
    place_file "$candidate" "$PXF_BASE/$rel" "$mode" "$overwrite"
  done < <(find "$from" -type f ! -name '.gitignore' -print0 | sort -z)
}

# What `pxf prepare` lays out; prepare insists on an empty directory, so it runs in a staging one.
prepare_base() {
  if [[ -f "$PXF_BASE/conf/pxf-env.sh" ]]; then
    log "skip prepare: $PXF_BASE/conf/pxf-env.sh exists"; return 0
  fi
  local pxf staging
  if ! pxf="$(pxf_command)"; then warn "pxf command not found: $PXF_BASE not prepared"; return 0; fi
  staging="$(mktemp -d "${TMPDIR:-/tmp}/pxf-prepare.XXXXXX")"
  [[ "$(id -u)" == 0 ]] && id -u "$GP_USER" >/dev/null 2>&1 && chown "$GP_USER:" "$staging"
  if as_gpadmin env PXF_BASE="$staging/base" "$pxf" prepare >"$staging.log" 2>&1; then
    copy_tree "$staging/base" 0
    log "prepared $PXF_BASE (pxf prepare)"
    as_gpadmin "$pxf" register >>"$staging.log" 2>&1 || warn "pxf register failed: $(tail -n 3 "$staging.log")"
  else
    warn "pxf prepare failed, $PXF_BASE left as it was: $(tail -n 3 "$staging.log")"
  fi
  rm -rf "$staging" "$staging.log"
}

# The base image's default JVM wants 2 GiB; the lab's PXF lives in a small container.
ensure_jvm_opts() {
  local env_file="$PXF_BASE/conf/pxf-env.sh"
  [[ -f "$env_file" ]] || { log "skip JVM options: no $env_file"; return 0; }
  if grep -Eq '^[[:space:]]*(export[[:space:]]+)?PXF_JVM_OPTS=' "$env_file"; then
    log "kept PXF_JVM_OPTS in $env_file"
  else
    printf 'export PXF_JVM_OPTS="%s"\n' "$JVM_OPTS" >>"$env_file"
    log "set PXF_JVM_OPTS=\"$JVM_OPTS\" in $env_file"
  fi
}

hand_to_gpadmin() {
  if [[ "$(id -u)" != 0 ]]; then return 0; fi
  if id -u "$GP_USER" >/dev/null 2>&1; then
    chown -R "$GP_USER:" "$PXF_BASE" && log "owner of $PXF_BASE: $GP_USER"
  else
    warn "user $GP_USER does not exist: $PXF_BASE stays owned by root"
  fi
}

# After start: the extension needs a running database, and `pxf cluster sync` reads the segment list from it.
post_start() {
  local deadline=$((SECONDS + DB_WAIT_SECONDS)) out
  until out="$(as_gpadmin psql -X -q -v ON_ERROR_STOP=1 -d "$GP_DATABASE" -c 'CREATE EXTENSION IF NOT EXISTS pxf' 2>&1)"; do
    if ((SECONDS >= deadline)); then
      warn "database $GP_DATABASE did not accept CREATE EXTENSION pxf within ${DB_WAIT_SECONDS}s: ${out##*$'\n'}"
      return 0
    fi
    sleep "$POLL_SECONDS"
  done
  log "extension pxf present in database $GP_DATABASE"
  local pxf
  if ! pxf="$(pxf_command)"; then warn "skip pxf cluster sync: pxf command not found"; return 0; fi
  if out="$(as_gpadmin timeout "$SYNC_TIMEOUT_SECONDS" "$pxf" cluster sync 2>&1)"; then
    log "pxf cluster sync done"
  else
    warn "pxf cluster sync failed (not fatal): ${out##*$'\n'}"
  fi
}

main() {
  local started=$SECONDS
  check_settings
  log "PXF_BASE=$PXF_BASE (from $PXF_BASE_SOURCE), seed $SEED_DIR, overwrite=$OVERWRITE"
  mkdir -p "$PXF_BASE" || fail "PXF_BASE=$PXF_BASE: cannot create the directory"
  prepare_base
  copy_tree "$SEED_DIR" "$OVERWRITE"
  ensure_jvm_opts
  hand_to_gpadmin
  case "$POST_START" in
    foreground) post_start ;;
    background) post_start </dev/null & disown; log "extension + sync continue in the background (pid $!)" ;;
    off) log "skip extension + sync: PXF_ENSURE_POST_START=off" ;;
  esac
  log "done in $((SECONDS - started))s"
}

main "$@"
