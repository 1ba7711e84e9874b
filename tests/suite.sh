# suite.sh: the common start of the sh suites (tests/compile, docs, diag and
# robust run.sh). Set `here` to the suite's directory, then source it:
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/../suite.sh"
#   need_bizc                       # no compiler: "0 passed, 1 failed", exit 99 (ERROR)
#   need_tool python3               # not installed: "SKIP: ...", exit 77 (SKIP)
#   skip_suite "REASON"             # cannot run here: exit 77 (SKIP)
#   suite_tmp compile               # $tmp, removed on exit
#   ok "DESC"  /  ko "DESC"         # count a check (ko shows $tmp/err)
#   dagbag_check LIST               # each file of LIST imports into Airflow
#
# Sets top_src, top_build (absolute), bizc, python, pass=0 and fail=0, and
# the sanitizer options.
#
# Environment: BIZC_TOP_SRCDIR (default: the suite's ../..),
# BIZC_TOP_BUILDDIR (default: the current directory), BIZC (the compiler,
# default $BIZC_TOP_BUILDDIR/bizc), PYTHON (default python3).

top_src=${BIZC_TOP_SRCDIR:-$here/../..}
top_src=$(cd "$top_src" && pwd)
top_build=${BIZC_TOP_BUILDDIR:-$(pwd)}
top_build=$(cd "$top_build" && pwd)
bizc=${BIZC:-$top_build/bizc}
python=${PYTHON:-python3}

# abort_on_error turns a sanitizer report into a signal, which a suite
# catches even when the report itself is lost.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

pass=0
fail=0

# ok DESC: counts and prints one passed check.
ok() { echo "PASS $1"; pass=$((pass + 1)); }

# ko DESC: counts and prints one failed check, with $tmp/err when not empty.
ko() {
    echo "FAIL $1"
    [ -s "$tmp/err" ] && sed -e 's/^/    /' "$tmp/err" | head -n 40
    fail=$((fail + 1))
}

# suite_tmp NAME: makes the scratch directory $tmp, removed on exit.
suite_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bizc-$1.XXXXXX") || exit 99
    trap 'rm -rf "$tmp"' EXIT INT TERM
}

# need_bizc: without a compiler the suite is an ERROR ("0 passed, 1
# failed", exit 99, automake: ERROR): the build is broken, not the machine.
need_bizc() {
    if [ ! -x "$bizc" ]; then
        echo "run.sh: no compiler at $bizc (build it: make bizc)" >&2
        echo "$pass passed, $((fail + 1)) failed"
        exit 99
    fi
}

# skip_suite REASON: the suite cannot run here: a SKIP line, the closing
# line, exit 77 (automake: SKIP); 1 when a check already failed.
skip_suite() {
    echo "SKIP: $1"
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] || exit 1
    exit 77
}

# need_tool TOOL [WHAT]: skip_suite unless TOOL is on PATH.
need_tool() {
    command -v "$1" >/dev/null 2>&1 || skip_suite "$1 is not installed${2:+ ($2)}"
}

# dagbag_check LIST: every file named in LIST (one path a line) imports
# into Airflow's DagBag in the reference environment (Apache Airflow +
# CoWorks, ${BIZC_AIRFLOW_DIR:-$top_src/_deps/airflow}; one interpreter for
# all), with at least one DAG: an "import FILE" check each. Returns 1, after
# a SKIP line, when there is no reference environment.
dagbag_check() {
    airflow_dir=${BIZC_AIRFLOW_DIR:-$top_src/_deps/airflow}
    airflow_py=$airflow_dir/bin/python
    if [ ! -x "$airflow_py" ]; then
        echo "SKIP import: no reference environment at $airflow_dir (make it: scripts/install-airflow.sh);" \
             "the DagBag import of $(wc -l <"$1") accepted files is not checked"
        return 1
    fi
    [ -s "$1" ] || return 0
    cp "$1" "$tmp/dagbag.list"
    mkdir -p "$tmp/airflow-home"
    set --
    while IFS= read -r f; do set -- "$@" "$f"; done <"$tmp/dagbag.list"
    # The user's Airflow, AWS and bizc settings must not reach the DagBag.
    # shellcheck disable=SC2046
    env $(env | sed -n 's/^\(AIRFLOW[A-Z0-9_]*\|AWS_[A-Z0-9_]*\|BIZ_[A-Z0-9_]*\)=.*/-u \1/p') \
        AIRFLOW_HOME="$tmp/airflow-home" AIRFLOW__CORE__DAGS_FOLDER="$tmp/airflow-home" \
        AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__UNIT_TEST_MODE=False PYTHONWARNINGS=ignore \
        PYTHONDONTWRITEBYTECODE=1 \
        "$airflow_py" "$top_src/tests/conformance/airflow_side.py" load "$@" \
        >"$tmp/loaded" 2>"$tmp/load.err"
    # One line per file: PASS/FAIL, the file, then why.
    "$python" - "$tmp/dagbag.list" "$tmp/loaded" "$top_src" >"$tmp/verdicts" <<'PY'
import json, os, sys
files = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
got = {}
for line in open(sys.argv[2]):
    if line.startswith("{"):
        d = json.loads(line)
        got[d["file"]] = d
for f in files:
    rel = os.path.relpath(f, sys.argv[3])
    if rel.startswith(".."):
        rel = os.path.basename(f)  # a scratch file (a doc's example)
    d = got.get(f)
    if d is None:
        print("FAIL\t%s\tAirflow gave no answer for it" % rel)
    elif d["import_error"]:
        lines = [l.strip() for l in d["import_error"].strip().splitlines() if l.strip()]
        print("FAIL\t%s\tAirflow cannot import it: %s" % (rel, lines[-1] if lines else "?"))
    elif not d["dags"]:
        print("FAIL\t%s\tAirflow imports it but finds no DAG" % rel)
    else:
        print("PASS\t%s\tDAGs: %s" % (rel, ", ".join(sorted(d["dags"]))))
PY
    if [ ! -s "$tmp/verdicts" ]; then
        cp "$tmp/load.err" "$tmp/err"
        ko "import: the reference environment answered nothing"
    fi
    while IFS='	' read -r verdict rel why; do
        printf '%s\n' "$why" >"$tmp/err"
        if [ "$verdict" = PASS ]; then ok "import $rel"; else ko "import $rel"; fi
    done <"$tmp/verdicts"
    return 0
}
