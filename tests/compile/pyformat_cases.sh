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
. "$here/../suite.sh"
need_bizc
need_tool "$python"
suite_tmp pyformat
"$python" - "$bizc" "$here" "$top_src/tests/shared" "$tmp" <<'PY'
import json, re, subprocess, sys
bizc, here, shared, tmp = sys.argv[1:5]
sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, here)
from bizc_values import DAG, IMPORTS, str_values
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
head = IMPORTS + lets
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
got = str_values(bizc, tmp, head, [e for e, _ in values])
if got is None:
    report(False, "the value rows", ": bizc refused them")
else:
    for (expr, want), value in zip(values, got):
        report(value == want, expr, "\n  bizc:   %r\n  python: %r" % (value, want))

# the errors, one a line, in another file
errors = [(e, w) for e, k, w in rows if k == "!"]
first = len(head) + 1
src = head + ["E_%d = %s" % (i, e) for i, (e, _) in enumerate(errors)] + ["RESULTS = []"] + DAG
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
