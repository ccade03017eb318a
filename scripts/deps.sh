#!/usr/bin/env bash
# Installs the Debian packages pqgen needs to build, test and run the demo, only when missing.
# Runs as root (CI, fresh containers); as another user it only reports what is missing.
set -euo pipefail
need=(build-essential pkg-config libpq-dev libpg-query-dev libjansson-dev libcmocka-dev
      postgresql postgresql-contrib postgresql-15-hypopg clang valgrind jq bc)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]} (run as root: apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
