#!/usr/bin/env python3
"""gen_pyformat_cases.py: fills in pyformat_cases.txt from CPython.

Every row of the table is a Python expression; this script evaluates it
with the table's `let` names bound and writes, after a tab, what Python
gives: `=` and str() of the value, or `!` and the exception as
"TypeName: message", as a JSON string. Run it after adding or editing rows
(a row may be written as the expression alone); --check only says whether
the table is what Python gives (exit 1 when not).

    python3 tests/shared/gen_pyformat_cases.py [--check] [TABLE]
"""
import json
import os
import sys


def expected(expr, names):
    try:
        return "=", str(eval(expr, dict(names)))
    except Exception as e:  # what the row must make both engines refuse
        return "!", "%s: %s" % (type(e).__name__, e)


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    path = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyformat_cases.txt")
    if sys.version_info[:2] < (3, 11):
        sys.exit("gen_pyformat_cases.py: needs Python 3.11 or later (the 'z' option, its messages)")
    out, names, stale = [], {}, 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if not line.strip() or line.startswith("#"):
            out.append(line)
            continue
        if line.startswith("let\t"):
            name, value = line[4:].split(" = ", 1)
            names[name] = eval(value, dict(names))
            out.append(line)
            continue
        expr = line.split("\t")[0]
        kind, text = expected(expr, names)
        row = "%s\t%s\t%s" % (expr, kind, json.dumps(text))
        if row != line:
            stale += 1
            if check:
                print("stale: %s\n  table:  %s\n  python: %s %s" % (expr, line[len(expr):].strip(), kind,
                                                                   json.dumps(text)))
        out.append(row)
    if check:
        print("%d stale rows" % stale)
        sys.exit(1 if stale else 0)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("%s: %d rows updated" % (path, stale))


main()
