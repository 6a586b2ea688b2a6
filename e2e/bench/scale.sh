#!/usr/bin/env bash
# The scale benchmark (issue 14): starts its own local cluster (chatchat-bench: the real control
# plane with the audit log on), runs the operator jar as a process, and prints the figures table; the
# table is also written to e2e/target/bench-<label>-<date>.md.
#
#   e2e/bench/scale.sh [label]           the current tree, default JVM options
#
# Settings (environment):
#   BENCH_CLUSTERS=500      clusters in the burst          BENCH_SEQUENTIAL=20  one at a time
#   BENCH_PRODUCTION=5      production-shape clusters      BENCH_MANAGED=10     managed-store ones
#   BENCH_IDLE_MINUTES=3    idle window                    BENCH_STARTS=3       cold starts
#   BENCH_ROLLOUTS=3        rollouts of a 4-replica API
#   BENCH_CONTROLLER_QPS=   the controller-manager's API request rate (empty: Kubernetes' 20/s)
#   BENCH_JVM_OPTIONS=""    the operator's JVM options (the chart's: see helm values jvmOptions)
#                           (add -XX:NativeMemoryTracking=summary for the JVM's memory by category)
#   BENCH_OPERATOR_JAR=...  another build of the operator (to compare against an older commit)
#   BENCH_SKIP_BUILD=true   do not build first
set -euo pipefail
cd "$(dirname "$0")/../.."
label=${1:-run}
if [ "${BENCH_SKIP_BUILD:-false}" != true ]; then
  mvn -B -q install -DskipTests
fi
exec mvn -B -pl e2e verify -Dspotless.check.skip=true \
  -Dtest=ScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.label="$label" \
  -Dbench.clusters="${BENCH_CLUSTERS:-500}" \
  -Dbench.sequential="${BENCH_SEQUENTIAL:-20}" \
  -Dbench.production="${BENCH_PRODUCTION:-5}" \
  -Dbench.managed="${BENCH_MANAGED:-10}" \
  -Dbench.idleMinutes="${BENCH_IDLE_MINUTES:-3}" \
  -Dbench.starts="${BENCH_STARTS:-3}" \
  -Dbench.rollouts="${BENCH_ROLLOUTS:-3}" \
  -Dbench.controllerQps="${BENCH_CONTROLLER_QPS:-}" \
  -Dbench.jvmOptions="${BENCH_JVM_OPTIONS:-}" \
  -Dbench.operatorJar="${BENCH_OPERATOR_JAR:-$PWD/operator/target/chatchat-operator.jar}"
