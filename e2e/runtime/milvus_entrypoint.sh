#!/bin/sh
# Stands in for the milvusdb/milvus image in a process-backed pod: the Milvus standalone server
# (2.3.5, with embedded etcd and local storage) that PyPI's "milvus" package (Milvus Lite) ships,
# from the venv in MILVUS_VENV (e2e/scripts/runtimes.sh builds it and unpacks the binary into
# $MILVUS_VENV/milvus-standalone). Run as the image runs it, "milvus run standalone": the
# container's command, with the image's data layout under /var/lib/milvus (etcd in ETCD_DATA_DIR,
# segments in data/, the message log in rdb_data/), gRPC on 19530, /healthz and metrics on 9091,
# embedded etcd on 2379 (client, from ETCD_CONFIG_PATH) and 2380 (peer), all in the pod's own
# network namespace. The container's env (ETCD_*, COMMON_STORAGETYPE, ...) overrides milvus.yaml as
# in the image. The venv is read-only: the configuration goes to /tmp/milvus, and a venv without
# the unpacked binary gets it unpacked into /var/lib/milvus/.milvus-lite (once per volume).
set -eu
if [ -z "${MILVUS_VENV:-}" ]; then
  server=$(command -v milvus-server) || { echo "milvus_entrypoint: MILVUS_VENV is not set" >&2; exit 1; }
  MILVUS_VENV=$(dirname "$(dirname "$server")")
fi
py="$MILVUS_VENV/bin/python"
data=/var/lib/milvus
conf=/tmp/milvus/configs
bin="$MILVUS_VENV/milvus-standalone/bin"
if [ ! -x "$bin/milvus" ]; then
  bin="$data/.milvus-lite/bin"
  [ -x "$bin/milvus" ] || echo "milvus_entrypoint: unpacking the Milvus binary into $bin"
  # The package's own unpacker: it skips files whose .lzma checksum has not changed.
  "$py" -c 'import sys, milvus; milvus._initialize_data_files(sys.argv[1])' "$(dirname "$bin")"
fi
mkdir -p "$conf" /tmp/milvus/run /tmp/milvus/logs "$data"
# milvus.yaml from the package's own template: its {{ key(type): default }} placeholders get the
# image's paths, the default ports and no log files (logs go to stdout, as in the image).
"$py" - "$conf" "${ETCD_DATA_DIR:-$data/etcd}" "$data" <<'PY'
import os, re, sys, milvus
conf, etcd_dir, data = sys.argv[1:]
values = {
    'etcd_data_dir': etcd_dir,
    'etcd_log_path': 'stdout',
    'local_storage_dir': os.path.join(data, 'data'),
    'rocksmq_data_dir': os.path.join(data, 'rdb_data'),
    'system_log_path': '',
}
def fill(m):
    key, _, default = m.group(1).partition(':')
    key = key.split('(')[0].strip()
    return values.get(key, default.strip())
tmpl = os.path.join(os.path.dirname(milvus.__file__), 'data', 'config.yaml.template')
with open(tmpl, encoding='utf-8') as f:
    text = re.sub(r'\{\{(.*?)\}\}', fill, f.read())
# Milvus 2.3's query node waits on SIGTERM for its segments to move to another node, which a
# standalone server has not (its coordinators are already stopped), up to common.gracefulStopTimeout
# (1800 s): give up after 5 s, as 2.4 bounds its stop; the data is flushed or in the message log.
text = text.replace('\nqueryNode:\n', '\nqueryNode:\n  gracefulStopTimeout: 5\n', 1)
# Only the root coordinator revokes its etcd session when 2.3 stops: the others' sessions live on
# for common.session.ttl, and until they expire a restarted server's time ticks (and so every write
# and every search of consistency Strong, Session or Bounded) wait. 10 s instead of 30 s.
text = text.replace('    ttl: 30 # ttl value', '    ttl: 10 # ttl value', 1)
with open(os.path.join(conf, 'milvus.yaml'), 'w', encoding='utf-8') as f:
    f.write(text)
PY
cat > "$conf/glog.conf" <<'EOF'
--logtostdout=true
--logtostderr=false
--alsologtostderr=false
--minloglevel=0
--log_dir=/tmp/milvus/logs/
--max_log_size=200
--stop_logging_if_full_disk=true
EOF
export MILVUSCONF="$conf" MILVUS_RUN_DIR=/tmp/milvus/run DEPLOY_MODE=STANDALONE
export METRICS_PORT="${METRICS_PORT:-9091}"
export LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cd /tmp/milvus
# The image's command is "milvus run standalone": its "milvus" is this binary.
if [ "${1:-}" = milvus ]; then shift; fi
if [ $# -eq 0 ]; then set -- run standalone; fi
exec "$bin/milvus" "$@"
