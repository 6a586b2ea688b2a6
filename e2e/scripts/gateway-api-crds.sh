#!/usr/bin/env bash
# Fetches the Gateway API standard-channel CRDs (GatewayClass, Gateway, HTTPRoute, GRPCRoute,
# ReferenceGrant) of the version pinned in versions.env from the Go module proxy (module
# sigs.k8s.io/gateway-api, directory config/crd/standard) into a cache outside the repository.
# Only the Go module proxy is contacted, and only on the first run for a version.
#
# Prints the directory holding the CRD manifests as the last line of stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
: "${GATEWAY_API_VERSION:?GATEWAY_API_VERSION missing in versions.env}"
CACHE=${CHATCHAT_CP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/control-plane}
out="$(dirname "$CACHE")/gateway-api/$GATEWAY_API_VERSION/standard"
log() { printf '[gateway-api] %s\n' "$*" >&2; }

if [ -f "$out/.complete" ]; then
  log "cached standard-channel CRDs $GATEWAY_API_VERSION in $out"
  echo "$out"; exit 0
fi
command -v go >/dev/null || { log "Go is required (https://go.dev/dl or the 'golang' package)"; exit 1; }
log "downloading module sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION from the Go module proxy"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Run outside any module so that no go.mod around interferes.
json=$(cd "$tmp" && GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS= go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION") \
  || { log "go mod download failed"; printf '%s\n' "${json:-}" >&2; exit 1; }
dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
src="$dir/config/crd/standard"
if [ -z "$dir" ] || ! ls "$src"/gateway.networking.k8s.io_*.yaml >/dev/null 2>&1; then
  log "no CRDs under $src"; printf '%s\n' "$json" >&2; exit 1
fi
rm -rf "$out"
mkdir -p "$out"
cp "$src"/gateway.networking.k8s.io_*.yaml "$out/"
chmod u+w "$out"/*.yaml   # the module cache is read-only
touch "$out/.complete"
log "cached $(ls "$out"/*.yaml | wc -l) CRDs in $out"
echo "$out"
