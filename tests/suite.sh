# suite.sh: the common start of the sh suites (tests/compile, docs, diag and
# robust run.sh). Set `here` to the suite's directory, then source it:
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/../suite.sh"
#   need_bizc                       # no compiler: "0 passed, 1 failed", exit 1
#   suite_tmp compile               # $tmp, removed on exit
#   ok "DESC"  /  ko "DESC"         # count a check (ko shows $tmp/err)
#
# Sets top_src, top_build (absolute), bizc, python, pass=0 and fail=0, and
# the sanitizer options.
#
# Environment: BIZC_TOP_SRCDIR (default: the suite's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc), PYTHON (default python3).

top_src=${BIZC_TOP_SRCDIR:-$here/../..}
top_src=$(cd "$top_src" && pwd)
top_build=${BIZC_TOP_BUILDDIR:-$(pwd)}
top_build=$(cd "$top_build" && pwd)
bizc=${BIZC:-$top_build/bizc}
python=${PYTHON:-python3}

# abort_on_error turns a sanitizer report into a signal, which a suite
# catches even when the report itself is lost.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

pass=0
fail=0

# ok DESC: counts and prints one passed check.
ok() { echo "PASS $1"; pass=$((pass + 1)); }

# ko DESC: counts and prints one failed check, with $tmp/err when not empty.
ko() {
    echo "FAIL $1"
    [ -s "$tmp/err" ] && sed -e 's/^/    /' "$tmp/err" | head -n 40
    fail=$((fail + 1))
}

# suite_tmp NAME: makes the scratch directory $tmp, removed on exit.
suite_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bizc-$1.XXXXXX") || exit 99
    trap 'rm -rf "$tmp"' EXIT INT TERM
}

# need_bizc: fails the suite ("0 passed, 1 failed", exit 1) when there is
# no compiler.
need_bizc() {
    if [ ! -x "$bizc" ]; then
        echo "run.sh: no compiler at $bizc (build it: make bizc)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
}
