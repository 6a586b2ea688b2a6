#!/usr/bin/env bash
# The quick start: builds the operator, starts the embedded local Kubernetes cluster (real
# kube-apiserver, controller-manager, scheduler and etcd) with one node, proc-0, whose pods run as
# real local processes (the pod runner, e2e/src/main/java/io/chatchat/e2e/runner: the real
# Chatchat 0.3.1.3 from PyPI, Debian's PostgreSQL with pgvector, the project's model stand-in),
# installs the CRD, runs the operator, applies examples/quickstart-local.yaml, waits for the
# ChatchatCluster to be Ready with its sample knowledge base built, asks it a question and opens
# the WebUI on 127.0.0.1 through kubectl port-forward.
#
#   ./quickstart.sh         run it (again: the cluster and the build are reused)
#   ./quickstart.sh down    stop the operator, the pod runner and the local cluster (its data too)
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
state="$root/.local"
ns=chatchat-quickstart
mkdir -p "$state"
log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

stop() { # stop NAME: the background process recorded in .local/NAME.pid
  local pid
  if [ -f "$state/$1.pid" ] && pid=$(cat "$state/$1.pid") && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    # The pod runner stops its pods first (each gets its grace period): wait, at most 60 s.
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$state/$1.pid"
}
stop_all() { stop webui-port-forward; stop operator; stop pod-runner; }

if [ "${1:-}" = "down" ]; then
  stop_all
  e2e/scripts/local-cluster.sh down
  # The pods' volumes (the databases' data among them) went with the cluster.
  rm -rf "$state/pod-runner"
  exit 0
fi

bash e2e/scripts/check-prerequisites.sh

log "Building the operator (mvn install, tests skipped here: run them with mvn -B verify)"
mvn -B -q install -DskipTests

log "Starting the local cluster"
kubeconfig=$(e2e/scripts/local-cluster.sh kubeconfig)
kubectl_bin=$(e2e/scripts/local-cluster.sh kubectl-path)
kubectl() { "$kubectl_bin" --kubeconfig "$kubeconfig" "$@"; }
if e2e/scripts/local-cluster.sh status >/dev/null 2>&1; then
  # A cluster of an earlier run: its fake nodes were cordoned below (the script re-applies them),
  # and a node proc-0 whose runner is gone would never be Ready again (the new runner registers it).
  kubectl uncordon -l type=kwok >/dev/null 2>&1 || true
  [ -f "$state/pod-runner.pid" ] && kill -0 "$(cat "$state/pod-runner.pid")" 2>/dev/null ||
    kubectl delete node proc-0 --ignore-not-found >/dev/null 2>&1 || true
fi
kubeconfig=$(e2e/scripts/local-cluster.sh up | tail -n 1)

log "Preparing the local runtimes (Chatchat venv, PostgreSQL + pgvector, MariaDB; cached)"
venvs=$(e2e/scripts/local-cluster.sh runtimes)
milvus_venv=$(echo "$venvs" | tail -n 3 | sed -n 1p)
chatchat_venv=$(echo "$venvs" | tail -n 2 | sed -n 1p)
driverless_venv=$(echo "$venvs" | tail -n 1)
valkey_dir=$(echo "$venvs" | tail -n 5 | sed -n 1p)
litellm_venv=$(echo "$venvs" | tail -n 4 | sed -n 1p)

log "Starting the pod runner: node proc-0 runs its pods as local processes (log in .local/pod-runner.log)"
stop_all
java -cp operator/target/chatchat-operator.jar:e2e/target/classes io.chatchat.e2e.runner.PodRunner \
  --kubeconfig "$kubeconfig" --node proc-0 --state "$state/pod-runner" --runtime-dir "$root/e2e/runtime" \
  --chatchat-venv "$chatchat_venv" --driverless-venv "$driverless_venv" --milvus-venv "$milvus_venv" \
  --litellm-venv "$litellm_venv" --valkey-dir "$valkey_dir" \
  --taint false \
  > "$state/pod-runner.log" 2>&1 &
echo $! > "$state/pod-runner.pid"
for _ in $(seq 1 60); do
  kubectl get node proc-0 >/dev/null 2>&1 && break
  kill -0 "$(cat "$state/pod-runner.pid")" 2>/dev/null || { cat "$state/pod-runner.log"; exit 1; }
  sleep 1
done
# kwok's fake nodes run nothing: keep the quick start's pods off them.
kubectl cordon -l type=kwok >/dev/null

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
# Its smoke gates reach pods where the pod runner serves them on 127.0.0.1, never at a pod IP.
KUBECONFIG="$kubeconfig" OPERATOR_POD_ADDRESSES_FILE="$state/pod-runner/addresses.json" \
  OPERATOR_HTTP_BIND_ADDRESS=127.0.0.1 OPERATOR_HTTP_PORT="${QUICKSTART_OPERATOR_PORT:-18080}" \
  nohup java -jar operator/target/chatchat-operator.jar > "$state/operator.log" 2>&1 &
echo $! > "$state/operator.pid"
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:${QUICKSTART_OPERATOR_PORT:-18080}/readyz" >/dev/null 2>&1 && break
  kill -0 "$(cat "$state/operator.pid")" 2>/dev/null || { cat "$state/operator.log"; exit 1; }
  sleep 1
done
echo "operator ready: http://127.0.0.1:${QUICKSTART_OPERATOR_PORT:-18080}/metrics"

log "Applying examples/quickstart-local.yaml in namespace $ns"
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$ns" apply -f examples/quickstart-local.yaml

log "Waiting for the ChatchatCluster to be Ready and its sample knowledge base built"
cond() { kubectl -n "$ns" get chatchatcluster quickstart -o jsonpath="{.status.conditions[?(@.type==\"$1\")].status}" 2>/dev/null; }
ready=""
for i in $(seq 1 600); do
  line=$(kubectl -n "$ns" get chatchatcluster quickstart --no-headers 2>/dev/null || true)
  [ "$line" != "${last:-}" ] && { echo "[$i s] $line"; last=$line; }
  if [ "$(cond Ready)" = True ] && [ "$(cond KnowledgeBaseBuilt)" = True ]; then
    ready=yes; break
  fi
  sleep 1
done
echo
kubectl -n "$ns" get chatchatcluster
echo
kubectl -n "$ns" get pods,services,persistentvolumeclaims
echo
kubectl -n "$ns" get events --field-selector involvedObject.kind=ChatchatCluster
if [ -z "$ready" ]; then
  echo "The ChatchatCluster did not become Ready; logs: $state/operator.log, $state/pod-runner.log" >&2
  exit 1
fi

# A local port that is free now, for kubectl port-forward.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
forward() { # forward SERVICE PORT NAME: kubectl port-forward in the background, prints the local port
  local port; port=$(free_port)
  # The binary itself, not the kubectl function: $! must be the process that `stop` kills.
  "$kubectl_bin" --kubeconfig "$kubeconfig" -n "$ns" port-forward --address 127.0.0.1 "svc/$1" "$port:$2" \
    > "$state/$3.log" 2>&1 &
  echo $! > "$state/$3.pid"
  for _ in $(seq 1 30); do grep -q "Forwarding from" "$state/$3.log" && break; sleep 0.5; done
  echo "$port"
}

log "Asking the sample knowledge base a question (POST /chat/kb_chat, streamed, through kubectl port-forward)"
question="大模型推理优化有哪些策略？"
api_port=$(forward quickstart-api 7861 api-port-forward)
answer=$(curl -fsS --max-time 120 "http://127.0.0.1:$api_port/chat/kb_chat" -H 'Content-Type: application/json' \
  -d "{\"query\":\"$question\",\"mode\":\"local_kb\",\"kb_name\":\"samples\",\"model\":\"standin-llm\",\"stream\":true}")
stop api-port-forward
echo "Question: $question  (which strategies optimise LLM inference?)"
ANSWER="$answer" python3 - <<'PY'
import json, os, re
# Server-sent events: the first carries the retrieved documents, the others the answer's deltas.
events = [json.loads(l[6:]) for l in os.environ["ANSWER"].splitlines() if l.startswith("data: ")]
docs = [d for e in events for d in e.get("docs") or []]
text = "".join((e["choices"][0]["delta"].get("content") or "") for e in events if e.get("choices"))
print("Retrieved from the knowledge base:")
for d in docs:
    m = re.search(r"\[([^\]]+)\]\(", d)
    print("  -", m.group(1) if m else d[:80])
print("Answer (the model stand-in quotes the prompt Chatchat sent it, retrieved context included):")
print("  " + text[:900].replace("\n", "\n  ") + (" ..." if len(text) > 900 else ""))
if not docs:
    raise SystemExit("no documents were retrieved")
PY

log "Opening the WebUI through kubectl port-forward"
webui_port=$(forward quickstart-webui 8501 webui-port-forward)
cat <<TXT

The ChatchatCluster is Ready and answers from its sample knowledge base.
  WebUI:  http://127.0.0.1:$webui_port  (kubectl port-forward svc/quickstart-webui, running in the background)
Try:
  export KUBECONFIG=$kubeconfig PATH=$(dirname "$kubectl_bin"):\$PATH
  kubectl -n $ns describe chatchatcluster quickstart
  kubectl -n $ns logs deploy/quickstart-api
  kubectl -n $ns scale chatchatcluster quickstart --replicas=2
  kubectl explain chatchatcluster.spec
Stop everything with: ./quickstart.sh down
(Every pod runs on node proc-0 as a local process in its own sandbox; the substitutions it makes
for images are listed at the top of .local/pod-runner.log.)
TXT
