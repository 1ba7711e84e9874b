#!/bin/sh
# python_values.sh: bizc's compile-time Python against CPython. Every line of
# python_values.txt is an expression; the suite writes a DAG whose
# description is json.dumps([str(EXPR), ...]), compiles it with --emit-c,
# reads the description back from the generated C and compares each value
# with what python3 gives for the same expression. Prints PASS/FAIL per
# expression and "N passed, N failed"; exits 77 without python3, 99
# without bizc.
here=$(cd "$(dirname "$0")" && pwd)
: "${BIZC_TOP_BUILDDIR:=$(cd "$here/../.." && pwd)}"
bizc=${BIZC:-$BIZC_TOP_BUILDDIR/bizc}
# no compiler: the build is broken (automake's ERROR); no python3: SKIP
[ -x "$bizc" ] || { echo "ERROR: $bizc is not built"; echo "0 passed, 1 failed"; exit 99; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; echo "0 passed, 0 failed"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bizc-values.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
python3 - "$bizc" "$here" "$tmp" <<'PY'
import json, os, sys, textwrap
bizc, here, tmp = sys.argv[1:4]
sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, here)
from bizc_values import IMPORTS, str_values
lines = [l.strip() for l in open(here + "/python_values.txt", encoding="utf-8") if l.strip() and not l.startswith("#")]
got = str_values(bizc, tmp, IMPORTS + ["import textwrap"], lines)
if got is None:
    print("FAIL: bizc refused the expressions")
    print("0 passed, 1 failed")
    sys.exit(1)
passed = failed = 0
for expr, value in zip(lines, got):
    want = str(eval(expr, {"json": json, "os": os, "textwrap": textwrap}))
    if value == want:
        passed += 1
        print("PASS: %s" % expr)
    else:
        failed += 1
        print("FAIL: %s\n  bizc:   %r\n  python: %r" % (expr, value, want))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
