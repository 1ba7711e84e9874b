#!/bin/sh
# run.sh: bizc never crashes. Feeds `bizc --check` every line truncation and
# every single-byte deletion of each example and seed-derived test (see
# robust.py): each run must exit 0, or 1 with an error line, never die of a
# signal, exit 2, hang or trip a sanitizer. Ends with "N passed, N failed"
# (one count per file).
#
# Environment: BIZC_TOP_SRCDIR (default: this script's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc), BIZC_ROBUST_JOBS (parallel runs, default
# the number of CPUs), PYTHON (default python3). Failing variants are kept in
# $BIZC_TOP_BUILDDIR/tests/robust-failures/.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../suite.sh"
jobs=${BIZC_ROBUST_JOBS:-$(nproc 2>/dev/null || echo 2)}
need_bizc
need_tool "$python"

rm -rf "$top_build/tests/robust-failures"
cd "$top_src" || exit 99
set -- examples/*.biz tests/compile/*.biz tests/diag/seed_*.biz
exec "$python" "$here/robust.py" "$bizc" "$top_build/tests/robust-failures" "$jobs" "$@"
