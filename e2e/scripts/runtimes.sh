#!/usr/bin/env bash
# Builds the local runtimes that process-backed pods run (see e2e/src/main/java/io/chatchat/e2e/runner):
#   chatchat      a Python 3.11 venv with langchain-chatchat 0.3.1.3 from PyPI and the store drivers,
#                 pinned by e2e/runtime/requirements.txt
#   no-drivers    the same venv without pymysql, psycopg2, pgvector and pymilvus: the runtime of the
#                 test image registry.invalid/chatchat-broken:drivers, which really lacks them
# and checks the servers that managed store pods run (Debian's MariaDB and PostgreSQL with pgvector,
# bubblewrap for the sandbox, Chromium for the WebUI test), installing the Debian packages when they are missing. Cached outside the
# repository; rebuilt only when requirements.txt or this script changes.
#
#   milvus        a venv with PyPI's "milvus" 2.3.5, whose real Milvus standalone binary stands in for
#                 the milvusdb/milvus image (e2e/runtime/milvus_entrypoint.sh)
#
#   litellm       a venv with LiteLLM 1.100.5's proxy from PyPI (pinned by
#                 e2e/runtime/litellm-requirements.txt): the ghcr.io/berriai/litellm image's program
#   valkey        Valkey 8.1.1 built from Debian trixie's source tarball (sha256 pinned; Debian 12 has
#                 no valkey package): the valkey/valkey image's valkey-server and valkey-cli
#
# Prints five lines last: the valkey directory, the litellm venv, the milvus venv, the chatchat
# venv, then the no-drivers venv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
req="$here/../runtime/requirements.txt"
CACHE=${CHATCHAT_RUNTIME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chatchat-operator/runtimes}
RECIPE=1
stamp=$( (cat "$req"; echo "recipe=$RECIPE") | sha256sum | cut -c1-12)
venv="$CACHE/chatchat-$stamp"
bare="$CACHE/no-drivers-$stamp"
log() { printf '[runtimes] %s\n' "$*" >&2; }

debs=()
command -v bwrap >/dev/null || debs+=(bubblewrap)
command -v nsenter >/dev/null || debs+=(util-linux)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || debs+=(mariadb-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || debs+=(postgresql-15)
# The browser test of the WebUI: Debian's Chromium and ChromeDriver, and CJK fonts for Chatchat's UI.
[ -x /usr/bin/chromium ] || debs+=(chromium)
[ -x /usr/bin/chromedriver ] || debs+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || debs+=(fonts-noto-cjk)
if [ ${#debs[@]} -gt 0 ]; then
  log "installing Debian packages: ${debs[*]}"
  if [ "$(id -u)" != 0 ]; then log "run as root or install them yourself"; exit 1; fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >&2
fi

# pgvector for PostgreSQL 15: Debian 12 has no package of it, so it is built from Debian trixie's
# source package (pgvector 0.8.0), fetched through this machine's own Debian mirror with a private
# apt configuration (the system's sources are left alone).
build_pgvector() {
  local dir="$CACHE/pgvector" mirror opts
  [ -f /usr/share/postgresql/15/extension/vector.control ] && return 0
  log "building pgvector for PostgreSQL 15 from Debian trixie's source package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-server-dev-15 dpkg-dev make gcc >&2
  mirror=$(apt-get indextargets --format '$(REPO_URI)' | grep -m1 '/debian/$')
  [ -n "$mirror" ] || { log "no Debian mirror found in apt's configuration"; return 1; }
  rm -rf "$dir" && mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/src"
  echo "deb-src $mirror trixie main" > "$dir/sources.list"
  opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
  apt-get "${opts[@]}" update -qq >&2
  (cd "$dir/src" && apt-get "${opts[@]}" source -qq pgvector >&2)
  make -C "$dir"/src/pgvector-*/ PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >&2
  make -C "$dir"/src/pgvector-*/ PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config install >&2
}
if [ "$(id -u)" = 0 ]; then
  build_pgvector
elif [ ! -f /usr/share/postgresql/15/extension/vector.control ]; then
  log "pgvector for PostgreSQL 15 is missing and only root can build it: pgvector pods will fail"
fi

python=${CHATCHAT_RUNTIME_PYTHON:-$(command -v python3.11 || true)}
[ -n "$python" ] || { log "Python 3.11 is required (Chatchat 0.3.1.3 supports 3.8-3.11)"; exit 1; }

if [ ! -f "$venv/.complete" ]; then
  log "building the Chatchat runtime in $venv (first time: a few minutes)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$req" >&2
  "$venv/bin/pip" check >&2 || { log "pip check failed for $req"; exit 1; }
  touch "$venv/.complete"
fi
if [ ! -f "$bare/.complete" ]; then
  log "building the driverless runtime in $bare"
  rm -rf "$bare"
  cp -al "$venv" "$bare"
  sed -i "s#$venv#$bare#g" "$bare/pyvenv.cfg"
  "$bare/bin/python" -m pip uninstall -q -y pymysql psycopg2-binary pgvector pymilvus >&2
  touch "$bare/.complete"
fi
# The Milvus runtime:
#   milvus        a Python 3.11 venv with PyPI's "milvus" 2.3.5 (Milvus Lite: a real Milvus 2.3.5
#                 standalone binary with embedded etcd and local storage), installed --no-deps (its
#                 only dependency, pymilvus, is the client extra), with the binary and its libraries
#                 unpacked once into $venv/milvus-standalone/bin (the package would unpack them into
#                 its data dir at every first start; pods bind the venv read-only)
# Only a manylinux2014_x86_64 wheel exists on PyPI for Linux; its hash is pinned.
MILVUS_PIN='milvus==2.3.5 --hash=sha256:69515a0630ce29fd10e101fa442afea8ca1387b93a456cd9bd41fdf3deb93d04'
MILVUS_RECIPE=1
milvus_stamp=$( (echo "$MILVUS_PIN"; echo "recipe=$MILVUS_RECIPE"; "$python" -c 'import sys; print(sys.version)') \
  | sha256sum | cut -c1-12)
milvus_venv="$CACHE/milvus-$milvus_stamp"
if [ ! -f "$milvus_venv/.complete" ]; then
  log "building the Milvus runtime in $milvus_venv"
  rm -rf "$milvus_venv"
  mkdir -p "$CACHE"
  "$python" -m venv "$milvus_venv"
  "$milvus_venv/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r /dev/stdin <<<"$MILVUS_PIN" >&2
  "$milvus_venv/bin/python" -c '
import sys, milvus
milvus._initialize_data_files(sys.argv[1])
' "$milvus_venv/milvus-standalone" >&2
  missing=$(LD_LIBRARY_PATH="$milvus_venv/milvus-standalone/bin" \
    ldd "$milvus_venv/milvus-standalone/bin/milvus" | grep 'not found' || true)
  [ -z "$missing" ] || { log "the Milvus binary misses shared libraries: $missing"; exit 1; }
  touch "$milvus_venv/.complete"
fi
litellm_req="$here/../runtime/litellm-requirements.txt"
litellm_stamp=$( (cat "$litellm_req"; echo "recipe=1"; "$python" -c 'import sys; print(sys.version)') \
  | sha256sum | cut -c1-12)
litellm_venv="$CACHE/litellm-$litellm_stamp"
if [ ! -f "$litellm_venv/.complete" ]; then
  log "building the LiteLLM proxy runtime in $litellm_venv"
  rm -rf "$litellm_venv"
  "$python" -m venv "$litellm_venv"
  "$litellm_venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$litellm_req" >&2
  "$litellm_venv/bin/python" -c 'import litellm.proxy.proxy_server, redis, prometheus_client' >&2
  touch "$litellm_venv/.complete"
fi

VALKEY_TARBALL='valkey_8.1.1+dfsg1.orig.tar.xz'
VALKEY_SHA256='d9bbd82eecb82f359e649a0007ad3dc1b47cc15afa626348ca86b73c4ae2c7ee'
valkey_dir="$CACHE/valkey-8.1.1-${VALKEY_SHA256:0:12}"
if [ ! -f "$valkey_dir/.complete" ]; then
  log "building Valkey 8.1.1 from Debian's source tarball in $valkey_dir (first time: a minute or two)"
  mirror=$(apt-get indextargets --format '$(REPO_URI)' | grep -m1 '/debian/$')
  [ -n "$mirror" ] || { log "no Debian mirror found in apt's configuration"; exit 1; }
  rm -rf "$valkey_dir" && mkdir -p "$valkey_dir/src" "$valkey_dir/bin"
  curl -fsSL -o "$valkey_dir/$VALKEY_TARBALL" "${mirror}pool/main/v/valkey/$VALKEY_TARBALL"
  echo "$VALKEY_SHA256  $valkey_dir/$VALKEY_TARBALL" | sha256sum -c --quiet -
  tar -xJf "$valkey_dir/$VALKEY_TARBALL" -C "$valkey_dir/src" --strip-components=1
  make -C "$valkey_dir/src" -j"$(nproc)" MALLOC=libc BUILD_TLS=no >"$valkey_dir/build.log" 2>&1 \
    || { tail -20 "$valkey_dir/build.log" >&2; exit 1; }
  cp "$valkey_dir/src/src/valkey-server" "$valkey_dir/src/src/valkey-cli" "$valkey_dir/bin/"
  rm -rf "$valkey_dir/src" "$valkey_dir/$VALKEY_TARBALL"
  touch "$valkey_dir/.complete"
fi
log "Valkey runtime: $valkey_dir ($("$valkey_dir/bin/valkey-server" --version | cut -d' ' -f1-3))"
log "LiteLLM runtime: $litellm_venv (litellm $("$litellm_venv/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))'))"
log "Milvus runtime: $milvus_venv (milvus $("$milvus_venv/bin/python" -c 'import milvus; print(milvus.__version__)'))"
log "Chatchat runtime: $venv ($("$venv/bin/python" -c 'import importlib.metadata as m; print("langchain-chatchat", m.version("langchain-chatchat"))'))"
echo "$valkey_dir"
echo "$litellm_venv"
echo "$milvus_venv"
echo "$venv"
echo "$bare"
