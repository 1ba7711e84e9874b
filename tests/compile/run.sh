#!/bin/sh
# run.sh: the accepted-files suite. For every examples/*.biz and
# tests/compile/*.biz:
#   check  `bizc --check FILE` exits 0 (warnings allowed, no sanitizer report);
#   ast    Python's own parser accepts it (every file bizc accepts must stay a
#          valid Python file, so it still loads in Airflow + CoWorks);
#   build  `bizc FILE -o OUT` makes an executable (SKIPped, with a line saying
#          so, while runtime/libbizrt.a has no biz_main).
# Then every other .biz under tests/ that `bizc --check` accepts gets the ast
# check too. Prints PASS/FAIL per check and ends with "N passed, N failed";
# exits non-zero when any failed.
#
# Environment: BIZC_TOP_SRCDIR (default: this script's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc), PYTHON (default python3).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../suite.sh"
suite_tmp compile
need_bizc
have_python=1
if ! "$python" -c 'import ast' 2>/dev/null; then
    echo "run.sh: $python not found: the ast checks fail" >&2
    have_python=0
fi

# Whether generated programs can be linked yet.
can_build=0
if nm "$top_build/runtime/libbizrt.a" 2>/dev/null | grep -q ' T biz_main$'; then
    can_build=1
else
    echo "SKIP build: $top_build/runtime/libbizrt.a has no biz_main yet; checking only"
fi

# check_ast FILE LABEL: Python's parser accepts FILE.
check_ast() {
    if [ "$have_python" -eq 1 ] &&
        "$python" -c 'import ast, sys; ast.parse(open(sys.argv[1], "rb").read(), sys.argv[1])' \
            "$1" >"$tmp/out" 2>"$tmp/err"; then
        ok "ast $2"
    else
        ko "ast $2"
    fi
}

# sanitizer_clean: no sanitizer report in $tmp/err.
sanitizer_clean() { ! grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err"; }

n=0
for f in "$top_src"/examples/*.biz "$top_src"/tests/compile/*.biz; do
    [ -f "$f" ] || continue
    rel=${f#"$top_src"/}
    n=$((n + 1))
    "$bizc" --check "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 0 ] && sanitizer_clean; then
        ok "check $rel"
    else
        echo "    (exit status $rc)" >>"$tmp/err"
        ko "check $rel"
    fi
    check_ast "$f" "$rel"
    if [ "$can_build" -eq 1 ]; then
        exe=$tmp/exe.$n
        "$bizc" "$f" -o "$exe" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" -eq 0 ] && [ -x "$exe" ] && sanitizer_clean; then
            ok "build $rel"
        else
            echo "    (exit status $rc)" >>"$tmp/err"
            ko "build $rel"
        fi
        rm -f "$exe"
    fi
done

# Every other .biz under tests/ that bizc accepts must be Python too.
find "$top_src/tests" -name '*.biz' ! -path "$top_src/tests/compile/*" | sort >"$tmp/others"
while IFS= read -r f; do
    if "$bizc" --check "$f" </dev/null >/dev/null 2>&1; then
        check_ast "$f" "${f#"$top_src"/} (accepted by bizc)"
    fi
done <"$tmp/others"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
