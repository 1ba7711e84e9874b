#!/bin/sh
# pyformat_cases.sh: the shared formatting table tests/shared/pyformat_cases.txt
# through the compiler's constant evaluator (the template engine's side is
# tests/unit/test_pyformat). The table's `let` names become module
# constants of a .biz file; every `=` row goes into one DAG's description
# (json.dumps([str(EXPR), ...]), read back from the generated C as
# python_values.sh does) and must give the table's value; every `!` row is
# a constant of its own line in a second file, which bizc must refuse with
# an error on that line holding Python's message. When python3 is 3.11 or
# later the table itself is checked against it (gen_pyformat_cases.py
# --check). Prints PASS/FAIL per row and "N passed, N failed"; exits 77
# without python3.
here=$(cd "$(dirname "$0")" && pwd)
: "${BIZC_TOP_SRCDIR:=$(cd "$here/../.." && pwd)}"
: "${BIZC_TOP_BUILDDIR:=$(cd "$here/../.." && pwd)}"
bizc=${BIZC:-$BIZC_TOP_BUILDDIR/bizc}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
[ -x "$bizc" ] || { echo "SKIP: $bizc is not built"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bizc-pyformat.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
exec python3 - "$bizc" "$BIZC_TOP_SRCDIR/tests/shared" "$tmp" <<'PY'
import json, re, subprocess, sys
bizc, shared, tmp = sys.argv[1:4]
lets, rows = [], []
for line in open(shared + "/pyformat_cases.txt", encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    if line.startswith("let\t"):
        lets.append(line[4:])
        continue
    expr, kind, want = line.split("\t")
    rows.append((expr, kind, json.loads(want)))
head = ["import json", "from datetime import datetime", "from airflow import DAG",
        "from airflow.operators.empty import EmptyOperator"] + lets
dag = ["with DAG('values', start_date=datetime(2024, 1, 1), schedule=None,",
       "         description=json.dumps(RESULTS)) as dag:", "    EmptyOperator(task_id='t')", ""]
passed = failed = 0

def report(ok, expr, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS: %s" % expr)
    else:
        failed += 1
        print("FAIL: %s%s" % (expr, why))

# the values, in one DAG
values = [(e, w) for e, k, w in rows if k == "="]
src = head + ["RESULTS = ["] + ["    str(%s)," % e for e, _ in values] + ["]"] + dag
open(tmp + "/values.biz", "w", encoding="utf-8").write("\n".join(src))
r = subprocess.run([bizc, "--emit-c", tmp + "/values.c", tmp + "/values.biz"], capture_output=True, text=True)
if r.returncode != 0:
    print(r.stderr)
    report(False, "the value rows", ": bizc refused them")
else:
    c = open(tmp + "/values.c", encoding="utf-8").read()
    start = c.index('.settings_json =')
    end = c.index(".tasks = ", start)
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', c[start:end]))
    text = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8")
    got = json.loads(json.loads(text)["description"])
    for (expr, want), value in zip(values, got):
        report(value == want, expr, "\n  bizc:   %r\n  python: %r" % (value, want))

# the errors, one a line, in another file
errors = [(e, w) for e, k, w in rows if k == "!"]
first = len(head) + 1
src = head + ["E_%d = %s" % (i, e) for i, (e, _) in enumerate(errors)] + ["RESULTS = []"] + dag
open(tmp + "/errors.biz", "w", encoding="utf-8").write("\n".join(src))
r = subprocess.run([bizc, "--check", "errors.biz"], capture_output=True, text=True, cwd=tmp)
found = {}
for m in re.finditer(r"^errors\.biz:(\d+):\d+: error: (.*)$", r.stderr, re.M):
    found.setdefault(int(m.group(1)), []).append(m.group(2))
for i, (expr, want) in enumerate(errors):
    msgs = found.get(first + i, [])
    report(any(want in m for m in msgs), expr,
           "\n  bizc:   %s\n  python: %s" % (" / ".join(msgs) if msgs else "(accepted)", want))
if r.returncode == 0:
    report(False, "the error rows", ": bizc accepted them")

# the table itself, when this Python can tell
if sys.version_info[:2] >= (3, 11):
    g = subprocess.run([sys.executable, shared + "/gen_pyformat_cases.py", "--check"], capture_output=True, text=True)
    report(g.returncode == 0, "the table is what this Python gives", "\n" + g.stdout)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
