#!/bin/sh
# run.sh: golden diagnostics. For every tests/diag/NAME.biz, runs
# `bizc --check NAME.biz` from inside tests/diag (so paths print as NAME.biz)
# and checks that
#   - bizc exits with status 1 (not 0, not 2, not a signal), or with the
#     status a `# expect-status: N` line gives (0 for a warnings-only case);
#   - the `file:line:col: error|warning|note: ...` and `= hint: ...` lines of
#     stderr are exactly the file's `# expect: LINE` lines, in order (blanks
#     at both ends stripped; `# expect: hint: ...` is the `= hint: ...` line
#     printed under a caret): none missing, none more, none different;
#     but a `# expect-extra: LINE` is a line bizc prints and should not (a
#     known bug, said in a comment): tolerated, and a failure once gone;
#   - `# expect-errors: N`, when present, is the exact number of error lines;
#   - `# expect-nothing` (with `# expect-status: 0`): no diagnostic line at all;
#   - every `NAME.biz:line:col: error: ...` line (and a warning's, when it
#     shows its source) is followed by that source line exactly, then a
#     caret line whose caret is at column col (a tab for a tab, one blank a
#     character: UTF-8 counts once);
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
# prints one reason per problem found. Run with LC_ALL=C: columns are bytes.
cat >"$tmp/check.awk" <<'EOF'
function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
# An output line as compared: trimmed, without the "= " before a hint.
function norm(s) { s = trim(s); sub(/^= hint: /, "hint: ", s); return s }
# What bizc's caret line puts before the caret for column col of line s:
# a tab for a tab, nothing for a UTF-8 continuation byte, else a blank.
function pad(s, col,   i, c, r) {
    r = ""
    for (i = 1; i < col && i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\t") r = r "\t"
        else if (!(c in cont)) r = r " "
    }
    return r
}
BEGIN { for (i = 128; i < 192; i++) cont[sprintf("%c", i)] = 1 }
FILENAME == ARGV[1] { src[FNR] = $0; nsrc = FNR; next }
FILENAME == ARGV[2] { ex[++nexp] = trim($0); next }
FILENAME == ARGV[3] { xt[++nxt] = trim($0); next }
{ out[++nout] = $0 }
END {
    # the diagnostics and hints: exactly the expected ones, in order
    # (but the known wrong lines, each once, `# expect-extra:`)
    ngot = 0
    for (i = 1; i <= nout; i++)
        if (out[i] ~ /^[^ \t#][^ \t]*:[0-9]+:[0-9]+: (error|warning|note): / || out[i] ~ /^[ \t]*= hint: /) {
            for (x = 1; x <= nxt; x++)
                if (!seen[x] && norm(out[i]) == xt[x])
                    break
            if (x <= nxt)
                seen[x] = 1
            else
                got[++ngot] = norm(out[i])
        }
    for (x = 1; x <= nxt; x++)
        if (!seen[x])
            printf "the known wrong line is no longer printed (drop its # expect-extra): %s\n", xt[x]
    for (k = 1; k <= nexp || k <= ngot; k++)
        if (k > ngot) {
            printf "expected line %d not printed: %s\n", k, ex[k]
            break
        } else if (k > nexp) {
            printf "printed, not expected: %s\n", got[k]
            break
        } else if (got[k] != ex[k]) {
            printf "line %d differs: expected %s\n", k, ex[k]
            break
        }
    # each error (and warning with a snippet) of this file: its source
    # line, then the caret at its column
    nerr = 0
    for (i = 1; i <= nout; i++) {
        if (out[i] !~ /^[^ \t#][^ \t]*:[0-9]+:[0-9]+: (error|warning): /)
            continue
        iserr = out[i] ~ /^[^ \t#][^ \t]*:[0-9]+:[0-9]+: error: /
        nerr += iserr
        loc = out[i]
        sub(/: (error|warning): .*/, "", loc)
        n = split(loc, parts, ":")
        file = substr(loc, 1, length(loc) - length(parts[n - 1]) - length(parts[n]) - 2)
        line = parts[n - 1] + 0
        col = parts[n] + 0
        if (file != name || (!iserr && out[i + 1] !~ /^ *[0-9]+ \| /))
            continue
        if (i + 2 > nout) {
            printf "error line without source and caret lines: %s\n", out[i]
            continue
        }
        want = sprintf("%5d | %s", line, src[line])
        if (out[i + 1] != want)
            printf "line after %s:%d:%d is not source line %d: %s\n", file, line, col, line, out[i + 1]
        caret = out[i + 2]
        if (caret !~ /^      \| [ \t]*\^~*$/)
            printf "no caret line after %s:%d:%d: %s\n", file, line, col, caret
        else if (substr(caret, 9, index(caret, "^") - 9) != pad(src[line], col))
            printf "the caret after %s:%d:%d is not at column %d: %s\n", file, line, col, col, caret
    }
    if (want_errors != "" && nerr != want_errors + 0)
        printf "expected exactly %d error(s), got %d\n", want_errors, nerr
}
EOF

# check NAME COMPILER: runs COMPILER --check NAME.biz and sets $reasons
# (empty when it printed exactly what the file expects).
check() {
    f=$diagdir/$1.biz
    sed -n 's/^# expect: //p' "$f" >"$tmp/exp"
    sed -n 's/^# expect-extra: //p' "$f" >"$tmp/extra"
    want_errors=$(sed -n 's/^# expect-errors: *//p' "$f" | head -n 1)
    (cd "$diagdir" && exec "$2" --check "$1.biz") >"$tmp/out" 2>"$tmp/err"
    rc=$?
    reasons=$(LC_ALL=C awk -v want_errors="$want_errors" -v name="$1.biz" -f "$tmp/check.awk" \
              "$f" "$tmp/exp" "$tmp/extra" "$tmp/err")
    # '# expect-nothing' says no diagnostic at all is the golden (a check
    # that a warning is not given); otherwise a file without an expect line
    # is a mistake in the test.
    if [ ! -s "$tmp/exp" ] && ! grep -q '^# expect-nothing$' "$f"; then
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
}

# selftest DESC SED-SCRIPT WANT: the harness itself: bizc's stderr on
# multi_errors.biz changed by SED-SCRIPT must fail the check, with a reason
# holding WANT.
selftest() {
    cat >"$tmp/fake-bizc" <<EOF
#!/bin/sh
"$bizc" "\$@" 2>"$tmp/fake.err"
rc=\$?
sed -e '$2' "$tmp/fake.err" >&2
exit \$rc
EOF
    chmod +x "$tmp/fake-bizc"
    check multi_errors "$tmp/fake-bizc"
    case $reasons in
        *"$3"*) echo "PASS self-test: $1"; pass=$((pass + 1)) ;;
        *) echo "FAIL self-test: $1"; printf '%s\n' "${reasons:-(the check passed)}" | sed 's/^/    /'
           fail=$((fail + 1)) ;;
    esac
}

if [ $# -gt 0 ]; then
    names=$*
else
    names=$(cd "$diagdir" && ls *.biz | sed 's/\.biz$//')
    # a caret one column right, then one left; a message changed; one
    # diagnostic more; one fewer
    selftest "a caret one column off fails" '/cws_nam/{n;n;s/\^/ ^/;}' "the caret after multi_errors.biz:18:63 is not at column 63"
    selftest "a caret one column early fails" '/all_sucess/{n;n;s/ \^/^/;}' "the caret after multi_errors.biz:20:76 is not at column 76"
    selftest "a different message fails" 's/got a string/got a str/' "line 3 differs"
    selftest "a diagnostic more fails" '$a\
multi_errors.biz:1:1: warning: one more' "printed, not expected: multi_errors.biz:1:1: warning: one more"
    selftest "a diagnostic fewer fails" '/error: no task .nope./d' "expected line 6 not printed"
fi
for name in $names; do
    check "$name" "$bizc"
    if [ -z "$reasons" ] && [ -s "$tmp/extra" ]; then
        echo "PASS $name (with $(wc -l <"$tmp/extra") known wrong line(s): its # expect-extra)"
        pass=$((pass + 1))
    elif [ -z "$reasons" ]; then
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
