#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes),
# etcd (go.etcd.io/etcd/server/v3) and kwok/kwokctl (sigs.k8s.io/kwok) from Go modules into a cache
# outside the repository. Only the Go module proxy is contacted. Re-running is cheap: the binaries
# are rebuilt only when a pinned version (versions.env) or this script changes.
#
# Prints the directory holding the binaries as the last line of stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
CACHE=${CHATCHAT_CP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/control-plane}
# Bump RECIPE when the way the binaries are built changes (flags, module layout).
RECIPE=1
# Only the control-plane part of versions.env counts (the lines before the "Not part of" marker).
stamp=$( (sed '/^# Not part of the control-plane build/,$d' "$here/versions.env"; echo "recipe=$RECIPE") | sha256sum | cut -c1-12)
out="$CACHE/$stamp"
bin="$out/bin"
log() { printf '[control-plane] %s\n' "$*" >&2; }

need=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok kwokctl)
missing=()
for b in "${need[@]}"; do [ -x "$bin/$b" ] || missing+=("$b"); done
if [ ${#missing[@]} -eq 0 ]; then
  log "cached binaries in $bin (k8s $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
  echo "$bin"; exit 0
fi
command -v go >/dev/null || { log "Go is required (https://go.dev/dl or the 'golang' package)"; exit 1; }
mkdir -p "$bin" "$out/src"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}

# Shows progress of a `go build -v` (one line per compiled package) without flooding the log.
progress() {
  local what=$1 n=0 start=$SECONDS
  while IFS= read -r line; do
    case "$line" in
      *.go:[0-9]*|"# "*|go:\ *|*"cannot "*|*"undefined"*) printf '%s\n' "$line" >&2 ;;
    esac
    n=$((n + 1))
    if (( n % 200 == 0 )); then log "$what: $n packages compiled ($((SECONDS - start)) s)"; fi
  done
  log "$what: done, $n packages compiled in $((SECONDS - start)) s"
}

build_k8s() {
  local src="$out/src/kubernetes" minor staging v
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  v="v0.${K8S_VERSION#v1.}"
  mkdir -p "$src"
  staging="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api
    cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms
    kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
    mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller"
  {
    echo "module local/k8s-cp-build"
    echo
    echo "go 1.24.0"
    echo
    echo "godebug default=go1.24"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	k8s.io/$m => k8s.io/$m $v"; done
    echo ")"
  } > "$src/go.mod"
  cat > "$src/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  log "resolving k8s.io/kubernetes $K8S_VERSION modules (first run downloads ~0.5 GB from the Go module proxy)"
  (cd "$src" && go mod tidy -e 2>&1 | tail -5 >&2)
  local ldf="-s -w" date
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldf+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  log "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (cold: 15-30 min on 2 cores)"
  (cd "$src" && go build -v -trimpath -ldflags "$ldf" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl 2>&1) | progress kubernetes
  "$bin/kube-apiserver" --version >&2
}

build_etcd() {
  local src="$out/src/etcd"
  mkdir -p "$src"
  cat > "$src/go.mod" <<GOMOD
module local/etcd-build

go 1.24.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat > "$src/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  log "building etcd $ETCD_VERSION"
  (cd "$src" && go mod tidy 2>&1 | tail -5 >&2 && go build -v -trimpath -ldflags "-s -w" -o "$bin/etcd" . 2>&1) | progress etcd
  # sed, not head: head would exit first and etcd die of SIGPIPE, failing the build under pipefail.
  "$bin/etcd" --version 2>&1 | sed -n 1p >&2
}

build_kwok() {
  log "building kwok and kwokctl $KWOK_VERSION"
  (GOBIN="$bin" go install -v "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION" 2>&1) | progress kwok
}

t0=$SECONDS
for b in "${missing[@]}"; do
  case $b in
    kube-apiserver|kube-controller-manager|kube-scheduler|kubectl) [ -n "${did_k8s:-}" ] || { build_k8s; did_k8s=1; } ;;
    etcd) build_etcd ;;
    kwok|kwokctl) [ -n "${did_kwok:-}" ] || { build_kwok; did_kwok=1; } ;;
  esac
done
for b in "${need[@]}"; do [ -x "$bin/$b" ] || { log "missing $bin/$b after build"; exit 1; }; done
log "control plane built in $((SECONDS - t0)) s into $bin"
echo "$bin"
