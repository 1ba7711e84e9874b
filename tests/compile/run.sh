#!/bin/sh
# run.sh: the accepted-files suite. For every examples/*.biz and
# tests/compile/*.biz:
#   check  `bizc --check FILE` exits 0 (warnings allowed, no sanitizer report);
#   ast    Python's own parser accepts it (every file bizc accepts must stay a
#          valid Python file, so it still loads in Airflow + CoWorks);
#   build  `bizc FILE -o OUT` makes an executable (SKIPped, with a line saying
#          so, while runtime/libbizrt.a has no biz_main).
# Then every other .biz under tests/ that `bizc --check` accepts gets the ast
# check too. Finally every file bizc accepts gets
#   import Airflow + CoWorks import it: the reference environment's DagBag
#          (tests/conformance/airflow_side.py load, all files in one
#          interpreter) reports no import error and at least one DAG.
# Without the reference environment the import checks cannot run: the suite
# says so and exits 77 (SKIP) unless another check failed.
# Prints PASS/FAIL per check and ends with "N passed, N failed"; exits
# non-zero when any failed.
#
# Environment: BIZC_TOP_SRCDIR (default: this script's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc), PYTHON (default python3),
# BIZC_AIRFLOW_DIR (the reference environment, default
# $BIZC_TOP_SRCDIR/_deps/airflow; scripts/install-airflow.sh makes it).

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

# accepted FILE: remembers FILE for the import checks.
: >"$tmp/accepted"
accepted() { printf '%s\n' "$1" >>"$tmp/accepted"; }

n=0
for f in "$top_src"/examples/*.biz "$top_src"/tests/compile/*.biz; do
    [ -f "$f" ] || continue
    rel=${f#"$top_src"/}
    n=$((n + 1))
    "$bizc" --check "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 0 ] && sanitizer_clean; then
        ok "check $rel"
        accepted "$f"
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
        accepted "$f"
    fi
done <"$tmp/others"

# Every accepted file imports into Airflow + CoWorks.
skipped=0
dagbag_check "$tmp/accepted" || skipped=1

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77
exit 0
