#!/usr/bin/env bash
# The local Kubernetes cluster for the quick start and the end-to-end tests: a real kube-apiserver,
# kube-controller-manager, kube-scheduler and etcd, and kwok playing the kubelets of fake nodes
# (two CPU nodes, two nodes with 4 nvidia.com/gpu each). Everything listens on 127.0.0.1.
# Pods follow the kwok Stages of kwok-stages.yaml (Running and Ready at once, Job pods Succeeded,
# and two broken test images: registry.invalid/chatchat-broken:drivers fails,
# registry.invalid/chatchat-broken:never-ready never becomes Ready). The Gateway API
# standard-channel CRDs (version in versions.env) are installed.
#
#   local-cluster.sh up          start (or reuse) the cluster; prints the kubeconfig path last
#   local-cluster.sh down        stop it and delete its state
#   local-cluster.sh status      say whether it runs
#   local-cluster.sh kubeconfig  print the kubeconfig path
#   local-cluster.sh kubectl-path print the path of the cluster's kubectl
#   local-cluster.sh pv-pool N   make sure N unbound PersistentVolumes are available
#   local-cluster.sh runtimes    build (or reuse) the runtimes of process-backed pods; prints the
#                                Chatchat venv and the driverless venv (see runtimes.sh)
#
# CHATCHAT_CLUSTER_NAME (default chatchat) names the cluster; several can run side by side.
# CHATCHAT_CLUSTER_AUDIT=true writes the API server's audit log (bench-audit-policy.yaml, metadata of
# every request) to logs/audit.log in the cluster's directory, and widens the Service range to a /16
# (the default /24 holds 254 Services); the scale benchmark uses both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NAME=${CHATCHAT_CLUSTER_NAME:-chatchat}
CACHE=${CHATCHAT_CP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/control-plane}
export KWOK_WORKDIR=${CHATCHAT_KWOK_WORKDIR:-$(dirname "$CACHE")/kwok}
log() { printf '[local-cluster] %s\n' "$*" >&2; }

bin=$(bash "$here/build-control-plane.sh" | tail -n 1)
export PATH="$bin:$PATH" KWOK_KUBECTL_BINARY="$bin/kubectl"
kubeconfig="$KWOK_WORKDIR/clusters/$NAME/kubeconfig.yaml"
# kwokctl reads its configuration (and the Stages) only when it creates a cluster: a running cluster
# made from another configuration is made anew.
configs=("$here/kwok-cluster.yaml" "$here/kwok-stages.yaml")
config_stamp_file="$KWOK_WORKDIR/clusters/$NAME/chatchat-config.sha256"
# kwok's Logs and PortForward objects, which the pod runner creates for the pods it runs, give
# `kubectl logs` and `kubectl port-forward` for them (kwok serves the kubelet API on 127.0.0.1).
kwok_crds=Logs,PortForward
audit_args=()
if [ "${CHATCHAT_CLUSTER_AUDIT:-false}" = true ]; then
  configs+=("$here/bench-audit-policy.yaml")
  # Service ClusterIPs are only assigned, never dialled (network rule of the project).
  # One file, not rotated at kwok's 100 MB: a benchmark reads the requests after its mark in it.
  audit_args=(--kube-audit-policy "$here/bench-audit-policy.yaml"
    --extra-args "kube-apiserver=service-cluster-ip-range=10.96.0.0/16"
    --extra-args "kube-apiserver=audit-log-maxsize=4096")
fi
# CHATCHAT_CLUSTER_CONTROLLER_QPS=N raises the controller-manager's request rate to the API server
# (Kubernetes' default: 20 per second, burst 30, per controller), which sets the pace of a burst of
# hundreds of Jobs and Deployments; the scale benchmark measures with and without it.
if [ -n "${CHATCHAT_CLUSTER_CONTROLLER_QPS:-}" ]; then
  qps=$CHATCHAT_CLUSTER_CONTROLLER_QPS
  audit_args+=(--extra-args "kube-controller-manager=kube-api-qps=$qps"
    --extra-args "kube-controller-manager=kube-api-burst=$((qps * 3 / 2))")
fi
config_stamp=$( (cat "${configs[@]}"; echo "crds=$kwok_crds ${audit_args[*]}") | sha256sum | cut -c1-16)
kc() { kubectl --kubeconfig "$kubeconfig" "$@"; }

running() {
  [ -f "$kubeconfig" ] && kc get --raw /readyz >/dev/null 2>&1
}

# Every listener of the cluster's processes must be on loopback (network rule of the project).
check_loopback() {
  local pids bad
  pids=$(cat "$KWOK_WORKDIR/clusters/$NAME/pids/"*.pid 2>/dev/null | tr '\n' '|' | sed 's/|$//')
  [ -n "$pids" ] || return 0
  command -v ss >/dev/null || { log "ss not found; skipping the listener check"; return 0; }
  bad=$(ss -ltnpH 2>/dev/null | grep -E "pid=($pids)," | awk '{print $4}' | grep -vE '^(127\.[0-9.]+|\[::1\]):' || true)
  if [ -n "$bad" ]; then
    log "listeners outside loopback: $bad"; exit 1
  fi
}

pv_pool() {
  local want=$1 available i name
  available=$(kc get pv -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Available$' || true)
  if [ "$available" -ge "$want" ]; then return 0; fi
  i=$(date +%s%N)
  for ((n = available; n < want; n++)); do
    name="fake-pv-$i-$n"
    cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $name, labels: {chatchat.io/fake-pool: "true"}}
spec:
  capacity: {storage: 1Ti}
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local-fake
  hostPath: {path: /fake/$name}
YAML
  done | kc apply -f - >/dev/null
  log "PersistentVolume pool topped up to $want available"
}

case "${1:-up}" in
  up)
    if running && [ "$(cat "$config_stamp_file" 2>/dev/null)" != "$config_stamp" ]; then
      log "cluster '$NAME' runs with an older kwok configuration or stages; making it anew"
      kwokctl delete cluster --name "$NAME" --kubeconfig "$KWOK_WORKDIR/clusters/$NAME/kubeconfig.user.yaml" >&2 || true
    fi
    if running; then
      log "cluster '$NAME' is running"
    else
      kwokctl delete cluster --name "$NAME" --kubeconfig "$KWOK_WORKDIR/clusters/$NAME/kubeconfig.user.yaml" >/dev/null 2>&1 || true
      log "starting cluster '$NAME' (kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok)"
      kwokctl create cluster --name "$NAME" --runtime binary \
        --kube-apiserver-binary "$bin/kube-apiserver" \
        --kube-controller-manager-binary "$bin/kube-controller-manager" \
        --kube-scheduler-binary "$bin/kube-scheduler" \
        --kwok-controller-binary "$bin/kwok" \
        --etcd-binary "$bin/etcd" \
        --kubeconfig "$KWOK_WORKDIR/clusters/$NAME/kubeconfig.user.yaml" \
        --enable-crds "$kwok_crds" "${audit_args[@]}" \
        --wait 120s -c "${configs[0]}" -c "${configs[1]}" >&2
      echo "$config_stamp" > "$config_stamp_file"
    fi
    kc apply --server-side --field-manager=local-cluster -f "$here/cluster-objects.yaml" >/dev/null
    gateway_crds=$(bash "$here/optional-crds.sh" gateway-api | tail -n 1)
    kc apply --server-side --force-conflicts --field-manager=local-cluster -f "$gateway_crds" >/dev/null
    kc wait --for=condition=Established --timeout=60s -f "$gateway_crds" >/dev/null
    pv_pool "${CHATCHAT_PV_POOL:-40}"
    check_loopback
    kc wait --for=condition=Ready node --all --timeout=60s >/dev/null
    log "ready: $(kc get nodes --no-headers | wc -l) nodes; kubectl --kubeconfig $kubeconfig"
    echo "$kubeconfig"
    ;;
  down)
    kwokctl delete cluster --name "$NAME" --kubeconfig "$KWOK_WORKDIR/clusters/$NAME/kubeconfig.user.yaml" >&2 || true
    ;;
  status)
    if running; then echo "running: $kubeconfig"; else echo "not running"; exit 1; fi
    ;;
  kubeconfig)
    echo "$kubeconfig"
    ;;
  kubectl-path)
    echo "$bin/kubectl"
    ;;
  pv-pool)
    pv_pool "${2:?count}"
    ;;
  runtimes)
    bash "$here/runtimes.sh"
    ;;
  *)
    echo "usage: $0 up|down|status|kubeconfig|pv-pool N" >&2; exit 2
    ;;
esac
