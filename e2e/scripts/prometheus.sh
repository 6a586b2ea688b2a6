#!/usr/bin/env bash
# Builds promtool, or with "prometheus" as argument the Prometheus server
# (github.com/prometheus/prometheus/cmd/..., the version pinned below), from Go modules into a cache
# outside the repository, once; prints its path as the last line. Only the Go module proxy is
# contacted. The server is built without its web UI assets (its HTTP API is all the tests use).
set -euo pipefail
VERSION=v0.316.0
RECIPE=1
CACHE=${CHATCHAT_PROMETHEUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/prometheus}
tool=${1:-promtool}
case "$tool" in promtool|prometheus) ;; *) echo "usage: $0 [promtool|prometheus]" >&2; exit 2 ;; esac
out="$CACHE/$VERSION-r$RECIPE"
log() { printf "[prometheus] %s\n" "$*" >&2; }
if [ ! -x "$out/$tool" ]; then
  command -v go >/dev/null || { log "Go is required"; exit 1; }
  log "building $tool $VERSION from Go modules (first time: a few minutes)"
  rm -rf "$out/src" && mkdir -p "$out/src"
  cat > "$out/src/go.mod" <<MOD
module local/prometheus-build

go 1.25
MOD
  cat > "$out/src/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
GO
  (
    cd "$out/src"
    export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}
    go get "github.com/prometheus/prometheus/cmd/$tool@$VERSION" >&2
    go mod tidy >&2
    go build -trimpath -o "$out/$tool.tmp" "github.com/prometheus/prometheus/cmd/$tool" >&2
  )
  mv "$out/$tool.tmp" "$out/$tool"
  rm -rf "$out/src"
fi
log "$tool of github.com/prometheus/prometheus $VERSION: $out/$tool"
echo "$out/$tool"
