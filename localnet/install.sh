#!/usr/bin/env bash
# Builds wasmd (pinned) from its Go module into a cache outside the repository, once; later runs
# reuse it. Prints the path of the binary on stdout.
#
# `go install module@version` refuses wasmd (its go.mod has replace directives), so the module is
# downloaded and `./cmd/wasmd` built inside a writable copy. sonic v1.14.2 does not compile on
# Go 1.26, hence the one dependency bump (DESIGN.md, "Building wasmd").
set -euo pipefail

case "${1:-}" in
  -h|--help)
    echo "Usage: localnet/install.sh   (builds wasmd once into \${TWINSHARE_CACHE:-~/.cache/twinshare}; prints the binary's path)"
    exit 0 ;;
esac

WASMD_VERSION="${WASMD_VERSION:-v0.61.14}"
SONIC_VERSION=v1.15.5
CACHE="${TWINSHARE_CACHE:-$HOME/.cache/twinshare}"
BIN="$CACHE/wasmd-$WASMD_VERSION/bin/wasmd"
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -mod=mod"

log() { printf 'localnet/install: %s\n' "$*" >&2; }

if [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { log "Go is required (go1.26 is on this machine kind)"; exit 1; }
log "building wasmd $WASMD_VERSION (cold: about 3 minutes to download, 2-3 to compile)"
dir=$(go mod download -json "github.com/CosmWasm/wasmd@$WASMD_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir" ] || { log "go mod download gave no module folder"; exit 1; }

src="$CACHE/wasmd-$WASMD_VERSION/src"
rm -rf "$src"
mkdir -p "$(dirname "$src")"
cp -r "$dir" "$src"
chmod -R u+w "$src"
(
  cd "$src"
  go get "github.com/bytedance/sonic@$SONIC_VERSION" >&2
  go build -o "$BIN" ./cmd/wasmd >&2
)
rm -rf "$src"
"$BIN" version >/dev/null 2>&1 || { log "built wasmd does not run"; exit 1; }
log "wasmd $WASMD_VERSION ready at $BIN"
echo "$BIN"
