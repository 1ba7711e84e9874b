#!/bin/sh
# run.sh: the operator contract suite (issue 11): the operator table,
# runtime/contract/ops.def, is the one place an argument's name and default are
# stated; the runtime reads arguments by id (args.h, op.h).
#   names     no runtime/*.c or *.h reads an argument through a string
#             literal naming it: not as an argument of an accessor
#             (biz_try_arg*, biz_args_*), not as the key of a cJSON lookup
#             in an arguments object (a line naming `args`);
#   defaults  no default is restated where an argument is read: no
#             accessor is given one (biz_args_num_or / _str_or take a value
#             inherited from elsewhere, never a literal), and no string
#             default of the table comes back as a fallback
#             (`x ? x : "get"`, `x = "get";`);
#   again     every BIZ_ARG_AGAIN of ops.def follows the BIZ_ARG line that
#             declares its name (biz_arg_decl takes the first one).
# The argument names and defaults come from `bizc --describe-ops`. Prints
# PASS/FAIL per check and ends with "N passed, N failed".
#
# Environment: BIZC_TOP_SRCDIR, BIZC_TOP_BUILDDIR, BIZC, PYTHON (suite.sh).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../suite.sh"
need_bizc
suite_tmp contract

if ! "$bizc" --describe-ops > "$tmp/ops.json" 2> "$tmp/err"; then
    ko "table: bizc --describe-ops failed"
    echo "$pass passed, $fail failed"
    exit 1
fi

# One line per check, PASS|FAIL <TAB> check; what it found in $tmp/N.found
# (N: the check's line number).
"$python" - "$tmp/ops.json" "$top_src" "$tmp" > "$tmp/verdicts" 2> "$tmp/err" <<'PY'
import glob, json, os, re, sys
table = json.load(open(sys.argv[1]))
top = sys.argv[2]
out = sys.argv[3]
checks = 0
args = [a for s in table["sets"] for a in s["arguments"]]
names = {a["name"] for a in args}
str_defaults = {a["default"] for a in args if isinstance(a["default"], str) and a["default"]}

# The table itself, and the accessors that turn an id into its name.
exempt = {"ops.c", "ops.h", "ops.def", "args.c"}
files = sorted(f for f in glob.glob(os.path.join(top, "runtime", "**", "*.[ch]"), recursive=True)
               if os.path.basename(f) not in exempt)

def code_lines(path):
    """(number, line) with comments and the insides of char literals blanked."""
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return list(enumerate(text.split("\n"), 1))

literal = re.compile(r'"((?:[^"\\]|\\.)*)"')
accessor = re.compile(r"\bbiz_(?:try_arg\w*|args_\w+)\s*\(")
lookup = re.compile(r"\bcJSON_\w*(?:GetObjectItem|DetachItemFromObject|ReplaceItemInObject|"
                    r"DeleteItemFromObject|HasObjectItem)\w*\s*\(")
names_found, defaults_found = [], []
for path in files:
    rel = os.path.relpath(path, top)
    for n, line in code_lines(path):
        lits = [m.group(1) for m in literal.finditer(line)]
        arg_lits = [s for s in lits if s in names]
        reads = accessor.search(line) or (lookup.search(line) and re.search(r"args\b", line))
        if arg_lits and reads:
            names_found.append('%s:%d: "%s": %s' % (rel, n, arg_lits[0], line.strip()))
        # A default handed to an accessor: any literal after the id.
        for m in re.finditer(r"\bbiz_(?:try_arg\w*|args_\w+)\s*\(([^;]*?)\bBIZ_ARG_\w+\s*,\s*([^,)]+)", line):
            fb = m.group(2).strip()
            if re.match(r'^(?:-?[0-9][0-9.e+*/ -]*|"|true\b|false\b|[01]$)', fb):
                defaults_found.append("%s:%d: a default given to the accessor (%s): %s" % (rel, n, fb, line.strip()))
        # A string default of the table as a fallback.
        for s in lits:
            if s in str_defaults and re.search(r'(?::|=)\s*"%s"\s*[;),]' % re.escape(s), line) \
                    and re.search(r'\?|\bif\b|=\s*"', line):
                defaults_found.append('%s:%d: the default "%s" restated: %s' % (rel, n, s, line.strip()))

def verdict(check, found, what):
    global checks
    checks += 1
    with open(os.path.join(out, "%d.found" % checks), "w") as f:
        f.write("".join(x + "\n" for x in found))
    print("%s\t%s (%s)" % ("FAIL" if found else "PASS", check, what))

verdict("names", names_found, "%d files of runtime/, %d argument names" % (len(files), len(names)))
verdict("defaults", defaults_found, "%d string defaults" % len(str_defaults))

again = []
declared = set()
for n, line in enumerate(open(os.path.join(top, "runtime", "contract", "ops.def")), 1):
    m = re.match(r"\s*BIZ_ARG(_AGAIN)?\((\w+),", line)
    if not m:
        continue
    if m.group(1) and m.group(2) not in declared:
        again.append("runtime/contract/ops.def:%d: BIZ_ARG_AGAIN(%s) before its BIZ_ARG" % (n, m.group(2)))
    declared.add(m.group(2))
verdict("again", again, "%d argument names declared" % len(declared))
PY
if [ ! -s "$tmp/verdicts" ]; then
    ko "scan: the check itself failed"
    echo "$pass passed, $fail failed"
    exit 1
fi
k=0
while IFS='	' read -r v check; do
    k=$((k + 1))
    cp "$tmp/$k.found" "$tmp/err"
    if [ "$v" = PASS ]; then ok "$check"; else ko "$check"; fi
done < "$tmp/verdicts"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
