#!/bin/sh
# test.sh: the whole test suite (run scripts/quickstart.sh once before).
#   1. unit and integration tests of the normal build (_build)
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer (_build-san)
#   3. the fuzz targets, 30 s each (scripts/fuzz.sh)
#   4. make distcheck
# The conformance suite (tests/conformance) needs the Airflow reference
# environment: it is made first (scripts/install-airflow.sh, once per
# machine) and given to the first two; distcheck's copy of the tree has none,
# so there that suite says SKIP.
# Every suite's own summary is printed (CUnit's, or "N passed, N failed").
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
status=0
# npm test servers (s3rver, maildev) are installed once here, also for
# distcheck whose source tree is read-only.
BIZC_NPM_DIR="$top/_deps/npm"; export BIZC_NPM_DIR

run_check() { # DIR LABEL
    echo "==== $2: make check in $1"
    make -C "$1" -j2 check >"$1/check.out" 2>&1
    rc=$?
    for log in $(find "$1/tests" -name '*.log' ! -name test-suite.log | sort); do
        echo "---- ${log#$1/}"
        cat "$log"
    done
    grep -E '^(# (TOTAL|PASS|FAIL|ERROR|SKIP)|(PASS|FAIL|ERROR|SKIP):)' "$1/check.out"
    [ $rc -eq 0 ] || { echo "==== $2: FAILED"; status=1; }
}

scripts/install-airflow.sh "$top/_deps/airflow" || exit 1

scripts/build.sh _build || exit 1
BIZC_AIRFLOW_DIR="$top/_deps/airflow" run_check _build "normal build"

scripts/build.sh _build-san --enable-asan --enable-ubsan --disable-static-dags || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    BIZC_AIRFLOW_DIR="$top/_deps/airflow" run_check _build-san "sanitizers"

# The libFuzzer targets (fuzz/README.md), each for a short bounded time;
# `make fuzz FUZZ_SECONDS=600` is the long run.
echo "==== fuzz: ${BIZC_FUZZ_SECONDS:-30} s per target"
scripts/fuzz.sh --seconds "${BIZC_FUZZ_SECONDS:-30}"
case $? in 0|77) ;; *) echo "==== fuzz: FAILED"; status=1 ;; esac

if [ "${BIZC_SKIP_DISTCHECK:-}" = "" ]; then
    echo "==== make distcheck"
    if make -C _build distcheck >_build/distcheck.out 2>&1; then
        tail -n 4 _build/distcheck.out
    else
        tail -n 40 _build/distcheck.out; status=1
    fi
fi
[ $status -eq 0 ] && echo "==== all suites passed" || echo "==== some suites FAILED"
exit $status
