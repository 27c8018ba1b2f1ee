#!/usr/bin/env bash
# Serves the built web wallet (web/dist, built when missing or older than its sources) with
# `vite preview` on 127.0.0.1:5173 (TWINSHARE_WEB_PORT overrides) and prints its URL. The page
# reads the localnet's deployment (copied at build time; ?deployment=URL names another) and the
# relayer's storage endpoint (http://127.0.0.1:9464/storage/v1/; ?storage=URL).
#
#   scripts/web-serve.sh              # foreground; Ctrl-C stops it
#   scripts/web-serve.sh --background # prints the URL and the server's pid, then returns
set -euo pipefail
cd "$(dirname "$0")/../web"
port="${TWINSHARE_WEB_PORT:-5173}"
url="http://127.0.0.1:$port/"
log() { printf 'scripts/web-serve: %s\n' "$*" >&2; }

if [ ! -d node_modules ]; then npm ci --no-audit --no-fund >&2; fi
if [ ! -f src/wasm/twinshare_crypto_wasm.js ]; then ../scripts/build-web-wasm.sh >&2; fi
if [ ! -f dist/index.html ] || [ -n "$(find src index.html ../localnet/deployment.json -newer dist/index.html 2>/dev/null | head -n 1)" ]; then
  npm run build >&2
fi

if curl -sf -m 2 "$url" >/dev/null 2>&1; then
  log "something already answers at $url; not starting another server"
  echo "$url"
  exit 0
fi
if [ "${1:-}" = --background ]; then
  mkdir -p "${TWINSHARE_LOCALNET_HOME:-$HOME/.cache/twinshare/localnet}/logs"
  logf="${TWINSHARE_LOCALNET_HOME:-$HOME/.cache/twinshare/localnet}/logs/web.log"
  nohup node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$port" --strictPort >"$logf" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -sf -m 1 "$url" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$logf" >&2; exit 1; }
    sleep 0.1
  done
  log "web wallet at $url (pid $pid, log $logf; stop it with kill $pid)"
  echo "$url"
else
  log "web wallet at $url (Ctrl-C stops it)"
  exec node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$port" --strictPort
fi
