#!/usr/bin/env bash
# Fetches the CRDs of an optional integration from its Go module (versions pinned in versions.env)
# into a cache outside the repository, for local-cluster.sh and the tests that install them:
#   gateway-api          the standard channel: GatewayClass, Gateway, HTTPRoute, GRPCRoute,
#                        ReferenceGrant (v1.2+ has HTTPRoute rules[].timeouts in standard)
#   prometheus-operator  PodMonitor, ServiceMonitor, PrometheusRule (monitoring.coreos.com)
#   keda                 ScaledObject, TriggerAuthentication, ... (keda.sh)
#   grafana-operator     GrafanaDashboard (grafana.integreatly.org)
# Only the Go module proxy is contacted, and only on the first run for a version.
#
# Prints the directory holding the CRD manifests as the last line of stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
which=${1:?usage: optional-crds.sh gateway-api|prometheus-operator|keda|grafana-operator}
case "$which" in
  gateway-api)
    module=sigs.k8s.io/gateway-api
    version=$GATEWAY_API_VERSION
    dir=config/crd/standard
    files="gateway.networking.k8s.io_*.yaml" ;;
  prometheus-operator)
    module=github.com/prometheus-operator/prometheus-operator
    version=$PROMETHEUS_OPERATOR_VERSION
    dir=example/prometheus-operator-crd
    files="monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml" ;;
  keda)
    module=github.com/kedacore/keda/v2
    version=$KEDA_VERSION
    dir=config/crd/bases
    files="keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml" ;;
  grafana-operator)
    module=github.com/grafana/grafana-operator/v5
    version=$GRAFANA_OPERATOR_VERSION
    dir=config/crd/bases
    files="grafana.integreatly.org_grafanadashboards.yaml" ;;
  *) echo "unknown integration: $which" >&2; exit 2 ;;
esac
CACHE=${CHATCHAT_CP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/control-plane}
out="$(dirname "$CACHE")/optional-crds/$which/$version"
log() { printf '[optional-crds] %s\n' "$*" >&2; }

if [ -f "$out/.complete" ]; then
  log "cached $which $version CRDs in $out"
  echo "$out"; exit 0
fi
command -v go >/dev/null || { log "Go is required (https://go.dev/dl or the 'golang' package)"; exit 1; }
log "downloading module $module@$version from the Go module proxy"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Run outside any module so that no go.mod around interferes.
json=$(cd "$tmp" && GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS= go mod download -json "$module@$version") \
  || { log "go mod download failed"; printf '%s\n' "${json:-}" >&2; exit 1; }
src=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')/$dir
rm -rf "$out"
mkdir -p "$out"
for f in $files; do
  # shellcheck disable=SC2086  # a pattern: expanded in $src
  found=$(cd "$src" 2>/dev/null && ls $f 2>/dev/null) || { log "no $f under $src"; exit 1; }
  for g in $found; do cp "$src/$g" "$out/"; done
done
chmod u+w "$out"/*.yaml   # the module cache is read-only
touch "$out/.complete"
log "cached $(ls "$out"/*.yaml | wc -l) CRDs of $which in $out"
echo "$out"
