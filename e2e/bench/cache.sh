#!/usr/bin/env bash
# The answer-cache benchmark (issue 15): on the e2e local cluster (process-backed pods), the real
# Chatchat API, LiteLLM proxy and Valkey, the LLM stand-in answering after a delay; a workload of
# repeated kb_chat questions, one at a time. Prints the hit rate and the latency of hits against
# misses; the table is also written to e2e/target/bench-cache-<date>.md.
#
#   e2e/bench/cache.sh
#
# Settings (environment):
#   BENCH_REQUESTS=200      kb_chat requests        BENCH_QUESTIONS=20   distinct questions
#   BENCH_LLM_DELAY_MS=1500 the stand-in's delay    BENCH_ZIPF=1.1       how skewed the questions are
#   BENCH_ONE_OFF=0.3       share of one-off questions (asked once, never again)
#   BENCH_SKIP_BUILD=true   do not build first
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${BENCH_SKIP_BUILD:-false}" != true ]; then
  mvn -B -q install -DskipTests
fi
exec mvn -B -pl e2e verify -Dspotless.check.skip=true \
  -Dtest=AnswerCacheBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.requests="${BENCH_REQUESTS:-200}" \
  -Dbench.questions="${BENCH_QUESTIONS:-20}" \
  -Dbench.llmDelayMs="${BENCH_LLM_DELAY_MS:-1500}" \
  -Dbench.zipf="${BENCH_ZIPF:-1.1}" \
  -Dbench.oneOff="${BENCH_ONE_OFF:-0.3}"
