#!/bin/sh
# run.sh: the reference documentation suite (STYLE.md point 10).
#   page      every operator of the table (`bizc --describe-ops`, the JSON
#             of runtime/contract/ops.def) has doc/operators/<Name>.md with the
#             sections "## What it does", "## Arguments", "## Example"
#             (holding a ```python block) and "## Errors";
#   args      every argument of the operator's table appears as `name` in
#             its page (BaseOperator's in doc/operators/BaseOperator.md,
#             which the page must link), with the table's default;
#   example   every ```python block of doc/**/*.md is accepted by
#             `bizc --check` (exit 0, no warning) and by Python's ast.parse;
#   options   every option of a compiled executable's --help appears in the
#             "## The executable" section of README.md (SKIP when the
#             section does not exist yet).
# Prints PASS/FAIL/SKIP per check and ends with "N passed, N failed"; exits
# non-zero when any failed.
#
# Environment: BIZC_TOP_SRCDIR (default: this script's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc), PYTHON (default python3).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../suite.sh"
opdir=$top_src/doc/operators
suite_tmp docs

"$python" -c 'import ast' 2>/dev/null || skip_suite "$python not found: the documentation checks need it"

# --- the operator table: names, and arguments with their defaults --------
# From `bizc --describe-ops` (the table of runtime/contract/ops.def as JSON): one
# line per operator argument, "Operator<TAB>base|own<TAB>arg<TAB>default",
# the default as the pages write it (- required, None, or Python's repr).
need_bizc
"$bizc" --describe-ops > "$tmp/ops.json" 2> "$tmp/err" &&
"$python" - "$tmp/ops.json" > "$tmp/table" 2>> "$tmp/err" <<'PY'
import json, sys
table = json.load(open(sys.argv[1]))
if not table.get("operators"):
    sys.exit("no operator in bizc --describe-ops")
def py(v):
    return repr(v) if not isinstance(v, bool) else str(v)
for op in table["operators"]:
    for arg in op["arguments"]:
        if arg["required"]:
            d = '-'
        elif arg["default"] is None:
            d = 'None'
        else:
            d = py(arg["default"])
        print(op["name"], 'base' if arg["set"] == 'base_args' else 'own', arg["name"], d, sep='\t')
PY
if [ ! -s "$tmp/table" ]; then
    ko "table: cannot read the operator table from bizc --describe-ops"
    echo "$pass passed, $fail failed"
    exit 1
fi
ops=$(cut -f1 "$tmp/table" | uniq)

# The default cell of an argument's row: the third cell of the first table
# row starting with | `name` |.
default_cell() { # page arg
    awk -F'|' -v a="\`$2\`" '$2 ~ "^ *" a " *$" { print $4; exit }' "$1" |
        sed -e 's/^ *//' -e 's/ *$//'
}

# --- pages ---------------------------------------------------------------
for op in $ops; do
    page=$opdir/$op.md
    : > "$tmp/err"
    if [ ! -f "$page" ]; then
        echo "no page doc/operators/$op.md" > "$tmp/err"
        ko "page $op"
        continue
    fi
    for s in '## What it does' '## Arguments' '## Example' '## Errors'; do
        grep -qx "$s" "$page" || echo "no section '$s'" >> "$tmp/err"
    done
    awk '/^## Example$/ { on = 1; next } /^## / { on = 0 } on && /^```python$/ { found = 1 }
         END { exit !found }' "$page" || echo "no \`\`\`python block under '## Example'" >> "$tmp/err"
    if [ -s "$tmp/err" ]; then ko "page $op"; else ok "page $op"; fi

    : > "$tmp/err"
    if grep -q "	base	" "$tmp/table" && awk -F'\t' -v o="$op" '$1 == o && $2 == "base" { f = 1 } END { exit !f }' "$tmp/table"; then
        grep -q '(BaseOperator.md' "$page" || echo "the page does not link BaseOperator.md" >> "$tmp/err"
    fi
    awk -F'\t' -v o="$op" '$1 == o' "$tmp/table" | while IFS='	' read -r _ where arg dflt; do
        p=$page
        [ "$where" = base ] && p=$opdir/BaseOperator.md
        cell=$(default_cell "$p" "$arg")
        if [ -z "$cell" ] && ! grep -q "^| \`$arg\` |" "$p"; then
            echo "argument '$arg' has no row in $(basename "$p")" >> "$tmp/err"
            continue
        fi
        case $dflt in
        -) case $cell in *required*) ;; *) echo "$(basename "$p"): '$arg' is required, the row says: $cell" >> "$tmp/err" ;; esac ;;
        None) case $cell in '`None`'*|'—'*) ;; *) echo "$(basename "$p"): '$arg' has no default, the row says: $cell" >> "$tmp/err" ;; esac ;;
        *) case $cell in "\`$dflt\`"*) ;; *) echo "$(basename "$p"): '$arg' defaults to $dflt, the row says: $cell" >> "$tmp/err" ;; esac ;;
        esac
    done
    if [ -s "$tmp/err" ]; then ko "args $op"; else ok "args $op"; fi
done

# --- examples ------------------------------------------------------------
mkdir "$tmp/ex"
find "$top_src/doc" -name '*.md' | sort > "$tmp/mds"
while read -r md; do
    rel=${md#"$top_src"/}
    base=$(echo "$rel" | tr '/.' '__')
    awk -v out="$tmp/ex/$base" -v rel="$rel" '
        /^```python[ \t]*$/ { n++; f = sprintf("%s_%d.biz", out, n); on = 1; printf "" > f
                              print f "\t" rel ":" NR + 1 > "/dev/stderr"; next }
        /^```/ && on { on = 0; close(f); next }
        on { print > f }' "$md" 2>> "$tmp/list"
done < "$tmp/mds"
if [ ! -s "$tmp/list" ]; then
    : > "$tmp/err"
    ko "example: no \`\`\`python block under doc/"
fi
while IFS='	' read -r f where; do
    [ -n "$f" ] || continue
    : > "$tmp/err"
    (cd "$tmp/ex" && "$bizc" --check "$f") > "$tmp/out" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        { echo "bizc --check exited $rc"; cat "$tmp/out"; } > "$tmp/err"
    elif grep -q 'warning:' "$tmp/out"; then
        { echo "bizc --check warns"; cat "$tmp/out"; } > "$tmp/err"
    fi
    "$python" -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' "$f" \
        >> "$tmp/err" 2>&1 || echo "python ast.parse rejects it" >> "$tmp/err"
    if [ -s "$tmp/err" ]; then ko "example $where"; else ok "example $where"; echo "$f" >> "$tmp/accepted"; fi
done < "$tmp/list"
# ... and each imports into Airflow + CoWorks, as a DAG file.
skipped=0
[ -s "$tmp/accepted" ] && { dagbag_check "$tmp/accepted" || skipped=1; }

# --- executable options --------------------------------------------------
readme=$top_src/README.md
if ! grep -qx '## The executable' "$readme" 2>/dev/null; then
    echo "SKIP options: README.md has no '## The executable' section yet"
elif ! nm "$top_build/runtime/libbizrt.a" 2>/dev/null | grep -q ' T biz_main$'; then
    echo "SKIP options: $top_build/runtime/libbizrt.a has no biz_main; cannot build an executable"
else
    : > "$tmp/err"
    if "$bizc" "$top_src/examples/invoice.biz" -o "$tmp/invoice" > "$tmp/err" 2>&1 &&
       "$tmp/invoice" --help > "$tmp/help" 2>> "$tmp/err"; then
        : > "$tmp/err"
        awk '/^## The executable$/ { on = 1; next } /^## / { on = 0 } on' "$readme" > "$tmp/section"
        opts=$(sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' "$tmp/help")
        [ -n "$opts" ] || echo "no option found in --help" >> "$tmp/err"
        for o in $opts; do
            grep -q -- "$o\\b" "$tmp/section" || echo "option $o is not in README's '## The executable'" >> "$tmp/err"
        done
        if [ -s "$tmp/err" ]; then ko "options"; else ok "options ($(echo $opts | wc -w) options)"; fi
    else
        ko "options: cannot build and run examples/invoice.biz"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77
exit 0
