#!/bin/sh
# run.sh: bizc never crashes. Feeds `bizc --check` every line truncation and
# every single-byte deletion of each example and seed-derived test (see
# robust.py): each run must exit 0, or 1 with an error line, never die of a
# signal, exit 2, hang or trip a sanitizer. Ends with "N passed, N failed"
# (one count per file). The byte deletions go through tests/robust/driver
# (driver.c: bizc's --check path, forked per variant) when it builds.
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

# The driver (driver.c) runs bizc's --check path in a fork per variant,
# without paying bizc's start-up each time; built with the build tree's own
# flags (sanitizers included). Without it every variant execs bizc.
driver=
if [ -z "${BIZC:-}" ] &&
    make -s -C "$top_build" -f Makefile -f "$here/driver.mk" tests/robust/driver \
        >"$top_build/robust-driver.log" 2>&1; then
    driver="--driver $top_build/tests/robust/driver"
else
    echo "note: tests/robust/driver not built (see $top_build/robust-driver.log); exec'ing bizc for every variant"
fi

rm -rf "$top_build/tests/robust-failures"
cd "$top_src" || exit 99
set -- examples/*.biz tests/compile/*.biz tests/diag/seed_*.biz
# shellcheck disable=SC2086
exec "$python" "$here/robust.py" $driver "$bizc" "$top_build/tests/robust-failures" "$jobs" "$@"
