#!/usr/bin/env bash
# The quick start: builds the operator, starts the embedded local Kubernetes cluster (real
# kube-apiserver, controller-manager, scheduler and etcd, with kwok as the kubelets of fake nodes),
# installs the CRD, runs the operator, applies examples/quickstart.yaml and shows the
# ChatchatCluster becoming Ready.
#
#   ./quickstart.sh         run it (again: the cluster and the build are reused)
#   ./quickstart.sh down    stop the operator and the local cluster
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
state="$root/.local"
ns=chatchat-quickstart
mkdir -p "$state"
log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

stop_operator() {
  if [ -f "$state/operator.pid" ] && kill -0 "$(cat "$state/operator.pid")" 2>/dev/null; then
    kill "$(cat "$state/operator.pid")" && sleep 1
  fi
  rm -f "$state/operator.pid"
}

if [ "${1:-}" = "down" ]; then
  stop_operator
  e2e/scripts/local-cluster.sh down
  exit 0
fi

bash e2e/scripts/check-prerequisites.sh

log "Building the operator (mvn install, tests skipped here: run them with mvn -B verify)"
mvn -B -q install -DskipTests

log "Starting the local cluster"
kubeconfig=$(e2e/scripts/local-cluster.sh up | tail -n 1)
kubectl_bin=$(e2e/scripts/local-cluster.sh kubectl-path)
kubectl() { "$kubectl_bin" --kubeconfig "$kubeconfig" "$@"; }

log "Installing the ChatchatCluster CRD"
kubectl apply --server-side --force-conflicts --field-manager=quickstart -f crds/chatchatclusters.chatchat.io-v1.yml
# `kubectl wait` fails outright while a brand-new CRD has no status yet: poll, at most 60 s.
for _ in $(seq 120); do
  established=$(kubectl get crd chatchatclusters.chatchat.io \
    -o jsonpath='{.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)
  [ "$established" = True ] && break
  sleep 0.5
done
[ "$established" = True ] || { log "the CRD did not become Established"; exit 1; }

log "Running the operator (java -jar operator/target/chatchat-operator.jar, log in .local/operator.log)"
stop_operator
KUBECONFIG="$kubeconfig" OPERATOR_HTTP_BIND_ADDRESS=127.0.0.1 OPERATOR_HTTP_PORT="${QUICKSTART_OPERATOR_PORT:-18080}" \
  nohup java -jar operator/target/chatchat-operator.jar > "$state/operator.log" 2>&1 &
echo $! > "$state/operator.pid"
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:${QUICKSTART_OPERATOR_PORT:-18080}/readyz" >/dev/null 2>&1 && break
  kill -0 "$(cat "$state/operator.pid")" 2>/dev/null || { cat "$state/operator.log"; exit 1; }
  sleep 1
done
echo "operator ready: http://127.0.0.1:${QUICKSTART_OPERATOR_PORT:-18080}/metrics"

log "Applying examples/quickstart.yaml in namespace $ns"
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$ns" apply -f examples/quickstart.yaml

log "Waiting for the ChatchatCluster to become Ready"
ready=""
for i in $(seq 1 90); do
  line=$(kubectl -n "$ns" get chatchatcluster quickstart --no-headers 2>/dev/null || true)
  [ "$line" != "${last:-}" ] && { echo "[$i s] $line"; last=$line; }
  if kubectl -n "$ns" get chatchatcluster quickstart -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; then
    ready=yes; break
  fi
  sleep 1
done
echo
kubectl -n "$ns" get chatchatcluster
echo
kubectl -n "$ns" get deployments,services,persistentvolumeclaims,pods
echo
kubectl -n "$ns" get events --field-selector involvedObject.kind=ChatchatCluster
if [ -z "$ready" ]; then
  echo "The ChatchatCluster did not become Ready; operator log: $state/operator.log" >&2
  exit 1
fi
cat <<TXT

The ChatchatCluster is Ready. Try:
  export KUBECONFIG=$kubeconfig PATH=$(dirname "$kubectl_bin"):\$PATH
  kubectl -n $ns describe chatchatcluster quickstart
  kubectl -n $ns scale chatchatcluster quickstart --replicas=3
  kubectl explain chatchatcluster.spec
Stop everything with: ./quickstart.sh down
(The pods run on kwok's fake nodes: their containers do not really run here.)
TXT
