#!/bin/sh
# fuzz.sh: runs the libFuzzer targets (fuzz/README.md) for a bounded time.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]     build _build-fuzz, then run
#   scripts/fuzz.sh --built DIR [--seconds N] ...  run the targets built in DIR
#
# TARGET is front, template, readers or record (default: all four), each run
# for N seconds (default 60) from its corpus in fuzz/corpus/ and fuzz/regress/.
# New inputs go to DIR/fuzz/work/TARGET, crashes to DIR/fuzz/crashes/TARGET.
# Prints one PASS/FAIL line per target and "N passed, N failed"; exits 1 on
# any crash, hang, leak or sanitizer report, 77 when clang is missing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
built=
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --built) built=$2; shift 2 ;;
    -h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
targets=${*:-front template readers record}

if [ -z "$built" ]; then
    if ! command -v clang >/dev/null 2>&1; then
        echo "fuzz.sh: SKIP: clang is not installed (libFuzzer comes with it: apt-get install clang)"
        exit 77
    fi
    built=$top/_build-fuzz
    # AddressSanitizer and UBSan too: a fuzzer finds what they report.
    CC=clang "$top/scripts/build.sh" "$built" --enable-fuzz --enable-asan --enable-ubsan \
        --disable-static-dags || exit 1
fi

passed=0
failed=0
for t in $targets; do
    prog=$built/fuzz/fuzz_$t
    if [ ! -x "$prog" ]; then
        echo "FAIL $t: $prog is not built (configure with --enable-fuzz CC=clang)"
        failed=$((failed + 1)); continue
    fi
    work=$built/fuzz/work/$t
    crashes=$built/fuzz/crashes/$t
    log=$built/fuzz/$t.log
    mkdir -p "$work" "$crashes"
    dict=
    [ -f "$top/fuzz/$t.dict" ] && dict=-dict=$top/fuzz/$t.dict
    # The front end also starts from every DAG the project has (read in
    # place, not copied into its corpus).
    seeds=
    [ "$t" = front ] && seeds="$top/examples $top/tests/compile $top/tests/diag $top/tests/integration/dags"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a run's
    # memory is bounded (ASan's shadow included).
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$prog" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$crashes/" $dict \
        "$work" "$top/fuzz/corpus/$t" "$top/fuzz/regress/$t" $seeds >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    found=$(ls "$crashes" 2>/dev/null | head -n 1)
    if [ $rc -eq 0 ] && [ -z "$found" ]; then
        echo "PASS $t: ${seconds} s, ${runs:-?} inputs, no crash"
        passed=$((passed + 1))
    else
        echo "FAIL $t: exit $rc${found:+, $crashes/$found} (log: $log)"
        grep -m 3 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/    /'
        echo "    keep it as a test: cp $crashes/${found:-FILE} $top/fuzz/regress/$t/"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
