#!/bin/sh
# run.sh: golden diagnostics. For every tests/diag/NAME.biz, runs
# `bizc --check NAME.biz` from inside tests/diag (so paths print as NAME.biz)
# and checks that
#   - bizc exits with status 1 (not 0, not 2, not a signal), or with the
#     status a `# expect-status: N` line gives (0 for a warnings-only case);
#   - each `# expect: LINE` of the file appears in stderr, in order (lines are
#     compared with surrounding blanks stripped; `# expect: hint: ...` matches
#     the `= hint: ...` line printed under a caret);
#   - `# expect-errors: N`, when present, is the exact number of error lines;
#   - every `file:line:col: error: ...` line is followed by the source line
#     it names and a caret line;
#   - no sanitizer report.
# Prints PASS/FAIL per file (with a diff on failure) and ends with
# "N passed, N failed"; exits non-zero when any failed.
#
# Environment: BIZC_TOP_SRCDIR (default: this script's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc). Arguments: test names to run (default all).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../suite.sh"
diagdir=$top_src/tests/diag
suite_tmp diag
need_bizc

# check.awk: reads the .biz file, its expected lines, then bizc's stderr;
# prints one reason per problem found.
cat >"$tmp/check.awk" <<'EOF'
function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
# An output line as compared: trimmed, without the "= " before a hint.
function norm(s) { s = trim(s); sub(/^= hint: /, "hint: ", s); return s }
function squeeze(s) { gsub(/[ \t\r]+/, "", s); return s }
FILENAME == ARGV[1] { src[FNR] = $0; nsrc = FNR; next }
FILENAME == ARGV[2] { ex[++nexp] = trim($0); next }
{ out[++nout] = $0 }
END {
    k = 1
    for (i = 1; i <= nout; i++)
        if (k <= nexp && norm(out[i]) == ex[k])
            k++
    if (k <= nexp)
        printf "expected line %d not found (in order): %s\n", k, ex[k]
    nerr = 0
    for (i = 1; i <= nout; i++) {
        if (out[i] !~ /^[^ \t#][^ \t]*:[0-9]+:[0-9]+: error: /)
            continue
        nerr++
        loc = out[i]
        sub(/: error: .*/, "", loc)
        n = split(loc, parts, ":")
        line = parts[n - 1] + 0
        if (i + 2 > nout) {
            printf "error line without source and caret lines: %s\n", out[i]
            continue
        }
        want = squeeze(src[line])
        if (want != "" && index(squeeze(out[i + 1]), want) == 0)
            printf "line after the error is not source line %d: %s\n", line, out[i + 1]
        if (out[i + 2] !~ /\^/ || out[i + 2] !~ /^[ \t|0-9]*[ \t^~]*\^[ \t^~]*$/)
            printf "no caret line after the error: %s\n", out[i + 2]
    }
    if (want_errors != "" && nerr != want_errors + 0)
        printf "expected exactly %d error(s), got %d\n", want_errors, nerr
}
EOF

if [ $# -gt 0 ]; then
    names=$*
else
    names=$(cd "$diagdir" && ls *.biz | sed 's/\.biz$//')
fi
for name in $names; do
    f=$diagdir/$name.biz
    sed -n 's/^# expect: //p' "$f" >"$tmp/exp"
    want_errors=$(sed -n 's/^# expect-errors: *//p' "$f" | head -n 1)
    (cd "$diagdir" && exec "$bizc" --check "$name.biz") >"$tmp/out" 2>"$tmp/err"
    rc=$?
    reasons=$(awk -v want_errors="$want_errors" -f "$tmp/check.awk" "$f" "$tmp/exp" "$tmp/err")
    if [ ! -s "$tmp/exp" ]; then
        reasons="no '# expect:' line in the file
$reasons"
    fi
    want_status=$(sed -n 's/^# expect-status: *//p' "$f" | head -n 1)
    want_status=${want_status:-1}
    if [ "$rc" -ne "$want_status" ]; then
        reasons="exit status $rc, expected $want_status
$reasons"
    fi
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err"; then
        reasons="sanitizer report
$reasons"
    fi
    reasons=$(printf '%s\n' "$reasons" | sed '/^$/d')
    if [ -z "$reasons" ]; then
        echo "PASS $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        printf '%s\n' "$reasons" | sed 's/^/    /'
        # The diff: expected lines against what bizc printed that looks
        # like a diagnostic or a hint.
        grep -E -e '^[^ #][^ ]*:[0-9]+:[0-9]+: (error|warning|note): ' -e '^ *(= )?hint: ' "$tmp/err" |
            sed -e 's/^[ \t]*//' -e 's/[ \t]*$//' -e 's/^= hint: /hint: /' >"$tmp/got"
        diff -u "$tmp/exp" "$tmp/got" | sed -e '1s/.*/--- expected/' -e '2s/.*/+++ bizc/' -e 's/^/    /'
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
