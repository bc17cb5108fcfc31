source "$(dirname "${BASH_SOURCE[0]}")/cache.sh"
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

# Sourced by install steps: a clean venv at $2 made by interpreter $1, with pip available.
fresh_venv() {
  local python=$1 venv=$2
  # Debian's python3 can bootstrap pip only with python3-venv (ensurepip) installed.
  "$python" -c "import ensurepip" 2>/dev/null || apt_install_no_start python3-venv
  mkdir -p "$(dirname "$venv")"
  rm -rf "$venv"
  "$python" -m venv "$venv"
}

# pip install into venv $1, with the lab's shared download cache.
venv_pip_install() {
  local venv=$1; shift
  "$venv/bin/pip" install -q --disable-pip-version-check --cache-dir "$LAB_PIP_CACHE" "$@"
}
