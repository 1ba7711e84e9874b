#!/bin/sh
# build.sh DIR [configure options...]: configure (once) and build bizc out
# of tree in DIR.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-_build}
[ $# -gt 0 ] && shift
cd "$top"
if [ -f config.status ]; then
    echo "build.sh: the source tree is configured in place; run 'make distclean' first" >&2
    exit 2
fi
[ -x configure ] || autoreconf -fi
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" -q "$@"
make -j2 >/dev/null
echo "build.sh: built $dir/bizc"
