#!/bin/sh
# python_values.sh: bizc's compile-time Python against CPython. Every line of
# python_values.txt is an expression; the suite writes a DAG whose
# description is json.dumps([str(EXPR), ...]), compiles it with --emit-c,
# reads the description back from the generated C and compares each value
# with what python3 gives for the same expression. Prints PASS/FAIL per
# expression and "N passed, N failed"; exits 77 without python3.
here=$(cd "$(dirname "$0")" && pwd)
: "${BIZC_TOP_BUILDDIR:=$(cd "$here/../.." && pwd)}"
bizc=${BIZC:-$BIZC_TOP_BUILDDIR/bizc}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
[ -x "$bizc" ] || { echo "SKIP: $bizc is not built"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bizc-values.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
exec python3 - "$bizc" "$here/python_values.txt" "$tmp" <<'PY'
import json, re, subprocess, sys, textwrap
bizc, table, tmp = sys.argv[1:4]
lines = [l.strip() for l in open(table, encoding="utf-8") if l.strip() and not l.startswith("#")]
src = ["import json", "import textwrap", "from datetime import datetime", "from airflow import DAG",
       "from airflow.operators.empty import EmptyOperator", "RESULTS = ["]
src += ["    str(%s)," % l for l in lines]
src += ["]", "with DAG('values', start_date=datetime(2024, 1, 1), schedule=None,",
        "         description=json.dumps(RESULTS)) as dag:", "    EmptyOperator(task_id='t')", ""]
open(tmp + "/values.biz", "w", encoding="utf-8").write("\n".join(src))
r = subprocess.run([bizc, "--emit-c", tmp + "/values.c", tmp + "/values.biz"],
                   capture_output=True, text=True)
if r.returncode != 0:
    print(r.stderr)
    print("FAIL: bizc refused the expressions")
    print("0 passed, 1 failed")
    sys.exit(1)
c = open(tmp + "/values.c", encoding="utf-8").read()
# The DAG's settings are one JSON text in C string literals.
start = c.index('.settings_json =')
end = c.index(".tasks = ", start)
text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', c[start:end]))
text = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8")
got = json.loads(json.loads(text)["description"])
passed = failed = 0
for expr, value in zip(lines, got):
    want = str(eval(expr, {"json": json, "textwrap": textwrap}))
    if value == want:
        passed += 1
        print("PASS: %s" % expr)
    else:
        failed += 1
        print("FAIL: %s\n  bizc:   %r\n  python: %r" % (expr, value, want))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
