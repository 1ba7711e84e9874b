#!/bin/sh
# walls.sh: the layers' walls (issue 11). Each folder of the tree is a
# layer whose README says which layers' headers it may include, and
# Makefile.am compiles it with exactly that include path.
#   includes  every #include "x.h" of a layer's sources names a header of
#             its own folder or of a layer its README allows (the table
#             below is those READMEs' "May include" lines);
#   wall      a file compiled with a layer's own flags cannot include a
#             header across its wall (core/ including net/'s http.h, the
#             compiler including engine/'s run.h), and can include one it
#             may (core/'s log.h, the template front's template_int.h);
#   bizc      bizc links no libcurl and no runtime evaluator: none of
#             their symbols is in it (nm), and no runtime/ object but the
#             calendar, contract and template-front ones.
# Ends with "N passed, N failed".
#
# Environment: BIZC_TOP_SRCDIR, BIZC_TOP_BUILDDIR, and from make check
# BIZC_CC, BIZC_WALL_CORE, BIZC_WALL_COMPILER (the layers' -I flags).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../suite.sh"
need_bizc
suite_tmp walls
top=${BIZC_TOP_SRCDIR:-$(cd "$here/../.." && pwd)}

# ---------------------------------------------------------------- includes
"${PYTHON:-python3}" - "$top" > "$tmp/verdicts" <<'PY'
import os, re, sys
top = sys.argv[1]
# folder -> the folders whose headers it may include (besides its own)
R = "runtime"
allowed = {
    "base": [],
    "grammar": ["base"],
    R + "/calendar": ["base", R],
    R + "/contract": ["base", R],
    R + "/core": ["base", R],
    R + "/net": ["base", R, R + "/core"],
    R + "/template": ["base", R, R + "/calendar", R + "/core", R + "/net"],
    R + "/engine": ["base", R, R + "/calendar", R + "/contract", R + "/template",
                    R + "/core", R + "/net", R + "/state"],
    R + "/state": ["base", R, R + "/calendar", R + "/contract", R + "/core", R + "/engine"],
    R + "/ops": ["base", R, R + "/calendar", R + "/contract", R + "/template",
                 R + "/core", R + "/net", R + "/engine"],
    R + "/cli": ["base", R, R + "/calendar", R + "/contract", R + "/template",
                 R + "/core", R + "/net", R + "/engine", R + "/state", R + "/ops"],
    "compiler": ["base", "grammar", R, R + "/calendar", R + "/contract", R + "/template"],
    R: [],
}
# The template front (linked by bizc) may not reach the evaluator's walls.
front = {"template_lex.c", "template_parse.c", "template_refs.c", "template_names.c",
         "template_limits.c", "template_value.c", "template_dt.c", "template_fmt.c", "params.c"}
generated = {"biz_parse.h", "biz_lex.h"}
external = {"cJSON.h"}   # a library's header written with quotes
where = {}
for d in allowed:
    for f in os.listdir(os.path.join(top, d)):
        if f.endswith((".h", ".def")):
            where.setdefault(f, d)
bad = []
seen = 0
for d, ok in allowed.items():
    for f in sorted(os.listdir(os.path.join(top, d))):
        if not f.endswith((".c", ".h", ".y", ".l")):
            continue
        may = set(ok) | {d}
        if d == R + "/template" and f in front:
            may -= {R + "/core", R + "/net"}
        for n, line in enumerate(open(os.path.join(top, d, f), encoding="utf-8"), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            seen += 1
            h = m.group(1)
            if h in external or (h in generated and d == "grammar"):
                continue
            home = where.get(h)
            if home is None:
                bad.append("%s/%s:%d: includes \"%s\", a header of no layer" % (d, f, n, h))
            elif home not in may:
                bad.append("%s/%s:%d: includes \"%s\" of %s/, across its wall" % (d, f, n, h, home))
for b in bad:
    print("FOUND\t" + b)
print(("PASS" if not bad else "FAIL") + "\tincludes: %d includes of %d layers stay inside their walls" % (seen, len(allowed)))
PY
grep '^FOUND' "$tmp/verdicts" | cut -f2- | sed 's/^/  /'
line=$(grep -v '^FOUND' "$tmp/verdicts")
case "$line" in
PASS*) ok "${line#PASS	}" ;;
*) ko "${line#FAIL	}" ;;
esac

# ---------------------------------------------------------------- wall
cc=${BIZC_CC:-cc}
try_include() {   # FLAGS HEADER: 0 when a file including HEADER compiles
    printf '#include "%s"\nint walls_probe;\n' "$2" > "$tmp/probe.c"
    # shellcheck disable=SC2086
    $cc -std=c11 -D_GNU_SOURCE $1 -fsyntax-only "$tmp/probe.c" 2> "$tmp/probe.err"
}
if [ -z "$BIZC_WALL_CORE" ] || [ -z "$BIZC_WALL_COMPILER" ]; then
    ko "wall: BIZC_WALL_CORE / BIZC_WALL_COMPILER not set (run through make check)"
else
    if try_include "$BIZC_WALL_CORE" log.h; then ok "wall: core/ includes its own log.h"
    else ko "wall: core/ cannot include its own log.h"; cat "$tmp/probe.err"; fi
    if try_include "$BIZC_WALL_CORE" http.h; then ko "wall: core/ could include net/'s http.h"
    elif grep -q "http.h: No such file" "$tmp/probe.err"; then ok "wall: core/ including net/'s http.h does not compile"
    else ko "wall: core/ including http.h failed for another reason"; cat "$tmp/probe.err"; fi
    if try_include "$BIZC_WALL_COMPILER" template_int.h; then ok "wall: the compiler includes the template front's template_int.h"
    else ko "wall: the compiler cannot include template_int.h"; cat "$tmp/probe.err"; fi
    if try_include "$BIZC_WALL_COMPILER" run.h; then ko "wall: the compiler could include engine/'s run.h"
    elif grep -q "run.h: No such file" "$tmp/probe.err"; then ok "wall: the compiler including engine/'s run.h does not compile"
    else ko "wall: the compiler including run.h failed for another reason"; cat "$tmp/probe.err"; fi
fi

# ---------------------------------------------------------------- bizc
if ! command -v nm > /dev/null 2>&1; then
    ko "bizc: nm is not installed"
else
    nm "$bizc" > "$tmp/syms" 2> "$tmp/err"
    total=$(grep -c ' [TtDdBbRr] ' "$tmp/syms")
    bad=$(grep -E ' (curl_|Curl_|biz_http_|biz_conn_|biz_log_|biz_loop_|biz_run_|biz_sched_[a-z]|biz_try_|biz_store_|biz_tpl_(render|run|eval|exec|apply|call)|biz_tpl_filter_[a-z]*$)' "$tmp/syms" \
          | grep -v -E 'biz_tpl_filter_(known|suggest)$' | awk '{print $3}' | sort -u)
    if [ "$total" -gt 100 ] && [ -z "$bad" ]; then
        ok "bizc: $total symbols, none of libcurl, the network, the log, the engine or the template evaluator"
    else
        ko "bizc: runtime symbols in bizc ($total symbols): $(echo $bad | head -c 400)"
    fi
    if [ -n "$BIZC_WALL_CORE" ] && grep -q ' biz_tpl_parse$' "$tmp/syms"; then
        ok "bizc: has the template parser (biz_tpl_parse), which checks templates at compile time"
    else
        ko "bizc: no biz_tpl_parse in bizc: is this test looking at the right file?"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
