#!/usr/bin/env bash
# Builds promtool (github.com/prometheus/prometheus/cmd/promtool, the version pinned below) from
# Go modules into a cache outside the repository, once; prints its path as the last line. Only the
# Go module proxy is contacted.
set -euo pipefail
VERSION=v0.316.0
RECIPE=1
CACHE=${CHATCHAT_PROMTOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/promtool}
out="$CACHE/$VERSION-r$RECIPE"
log() { printf '[promtool] %s\n' "$*" >&2; }
if [ ! -x "$out/promtool" ]; then
  command -v go >/dev/null || { log "Go is required"; exit 1; }
  log "building promtool $VERSION from Go modules (first time: a few minutes)"
  rm -rf "$out" && mkdir -p "$out/src"
  cat > "$out/src/go.mod" <<MOD
module local/promtool-build

go 1.25
MOD
  cat > "$out/src/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
GO
  (
    cd "$out/src"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}
    go get "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
    go mod tidy >&2
    go build -trimpath -o "$out/promtool.tmp" github.com/prometheus/prometheus/cmd/promtool >&2
  )
  mv "$out/promtool.tmp" "$out/promtool"
  rm -rf "$out/src"
fi
log "promtool of github.com/prometheus/prometheus $VERSION: $out/promtool"
echo "$out/promtool"
