#!/bin/sh
# install-deps.sh: the Debian packages bizc needs to build and test
# (chromium: the HTML run report is opened headless by tests/integration/ops.sh;
# libclang-rt-dev: libFuzzer, which clang only recommends).
# Run as root, or as a user with sudo. Safe to run again.
set -eu

PKGS="build-essential autoconf automake pkg-config flex bison
      libcurl4-openssl-dev libcjson-dev libcunit1-dev libssl-dev zlib1g-dev
      python3 python3-venv graphviz file dpkg-dev ca-certificates curl nginx jq valgrind
      clang libclang-rt-dev chromium"

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive

missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# s3rver and maildev (test servers) come from the npm registry; Node.js may
# already be installed from elsewhere (nodesource), so only add Debian's
# when there is none.
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"

if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "install-deps: all packages present"
fi
