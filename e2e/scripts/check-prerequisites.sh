#!/usr/bin/env bash
# Checks (and where Debian's packages can, installs) what building and testing needs:
# Java 17+, Maven 3.8+, Go 1.24+ (to build the local control plane), curl and ss.
set -euo pipefail
missing_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have java || missing_pkgs+=(openjdk-17-jdk-headless)
have mvn || missing_pkgs+=(maven)
have curl || missing_pkgs+=(curl)
have ss || missing_pkgs+=(iproute2)
if [ ${#missing_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "[prerequisites] installing ${missing_pkgs[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_pkgs[@]}" >&2
  else
    echo "[prerequisites] please install: ${missing_pkgs[*]}" >&2; exit 1
  fi
fi
jv=$(java -version 2>&1 | awk -F'"' '/version/ {print $2}' | cut -d. -f1)
[ "${jv:-0}" -ge 17 ] || { echo "[prerequisites] Java 17 or newer is needed (found $jv)" >&2; exit 1; }
if ! have go; then
  echo "[prerequisites] Go 1.24 or newer is needed to build the local control plane (https://go.dev/doc/install)" >&2
  exit 1
fi
gv=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n1.24\n' "$gv" | sort -V | sed -n 1p)" != "1.24" ]; then
  echo "[prerequisites] Go 1.24 or newer is needed (found $gv)" >&2; exit 1
fi
