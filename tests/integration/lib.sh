# lib.sh: shared helpers of the integration suites (source it from bash).
#
#   . "$(dirname "$0")/lib.sh"
#   require_bizc                    # no bizc built: an ERROR (exit 99)
#   need_tool node "s3rver runs on it"   # a tool missing: the suite is SKIPped (77)
#   require_tools python3 curl      # need_tool for each
#   skip_suite "mount is not permitted here"   # cannot run here: SKIP (77)
#   require_fake                    # the fake CoWorks service (tests/fake/coworks.py)
#   compile_check x "$DAGS/x.biz" || finish   # compiles to $T/x, counting a check
#   compile_dag "$DAGS/x.biz" "$T/x" || { finish; }
#   run_dag "$T/x" --conf '{"data": 1}'
#   assert_eq "exit status" 0 "$RUN_RC"
#   assert_eq "one call" 1 "$(calls 'len(svc)')"
#   finish                          # prints "N passed, N failed", exits 1 on failures,
#                                   # 77 (SKIP) when no check ran at all
#
# Exit statuses, as automake reads them: 0 PASS, 1 FAIL, 77 SKIP (the suite
# cannot run here: never a PASS with no check), 99 ERROR (the build is
# broken: no bizc).
#
# Environment: BIZC_TOP_SRCDIR / BIZC_TOP_BUILDDIR (set by `make check`;
# default: the repository root), BIZC_NPM_DIR (where s3rver is installed,
# default $BIZC_TOP_SRCDIR/_deps/npm), BIZC_KEEP_TMP=1 keeps the scratch
# directory, BIZC_VERBOSE=1 shows the output of every run.
#
# Everything started here (fake service, s3rver) is stopped by the EXIT trap,
# by process id.

_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${BIZC_TOP_SRCDIR:=$(cd "$_lib_dir/../.." && pwd)}"
: "${BIZC_TOP_BUILDDIR:=$BIZC_TOP_SRCDIR}"
export BIZC_TOP_SRCDIR BIZC_TOP_BUILDDIR

PASSED=0
FAILED=0
SKIPPED=0
_PIDS=()
T=$(mktemp -d "${TMPDIR:-/tmp}/bizc-it.XXXXXX")
export T

# Stops what the suite started (by pid) and removes the scratch directory.
_lib_cleanup() {
    local pid
    for pid in "${_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if [ "${BIZC_KEEP_TMP:-0}" = 1 ]; then
        echo "# scratch kept in $T"
    else
        rm -rf "$T"
    fi
}
trap _lib_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- counters

# pass DESC: counts and prints one passed check.
# gone PID: true when PID has exited (reaped, or a zombie of another
# parent), waiting up to 5 s for a kill to land.
gone() {
    local i st
    for i in $(seq 1 50); do
        [ -r "/proc/$1/stat" ] || return 0
        st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
        [ -z "$st" ] || [ "$st" = Z ] && return 0
        sleep 0.1
    done
    return 1
}

pass() { PASSED=$((PASSED + 1)); echo "PASS: $1"; }

# fail DESC [DETAIL...]: counts and prints one failed check.
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1"
    shift
    local line
    for line in "$@"; do echo "  $line"; done
}

# skip DESC: counts and prints one skipped check.
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $1"; }

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}

# assert_ne DESC UNEXPECTED ACTUAL
assert_ne() {
    if [ "$2" != "$3" ]; then pass "$1"; else fail "$1" "unexpected: $3"; fi
}

# assert_contains DESC HAYSTACK NEEDLE
assert_contains() {
    case "$2" in
        *"$3"*) pass "$1" ;;
        *) fail "$1" "expected to contain: $3" "actual: $(printf '%s' "$2" | head -c 2000)" ;;
    esac
}

# assert_not_contains DESC HAYSTACK NEEDLE
assert_not_contains() {
    case "$2" in
        *"$3"*) fail "$1" "expected not to contain: $3" "actual: $(printf '%s' "$2" | head -c 2000)" ;;
        *) pass "$1" ;;
    esac
}

# assert_match DESC EXTENDED-REGEX STRING
assert_match() {
    if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1" "expected to match: $2" "actual: $3"; fi
}

# _summary: the closing line, "N passed, N failed" (and the skipped checks).
_summary() {
    if [ "$SKIPPED" -gt 0 ]; then
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    else
        echo "$PASSED passed, $FAILED failed"
    fi
}

# finish: prints the closing line and exits: 1 when any check failed, 77
# (automake: SKIP) when none ran at all, else 0.
finish() {
    _summary
    [ "$FAILED" -eq 0 ] || exit 1
    [ $((PASSED + FAILED)) -gt 0 ] || exit 77
    exit 0
}

# skip_suite REASON: the suite cannot run here (a tool, a service, root,
# /proc missing): a SKIP line, the closing line, and exit 77 (automake:
# SKIP), whatever passed before; 1 when a check already failed.
skip_suite() {
    skip "$1"
    _summary
    [ "$FAILED" -eq 0 ] || exit 1
    exit 77
}

# ---------------------------------------------------------------- prerequisites

# require_bizc: bizc must be built: without it the suite is an ERROR (exit
# 99, automake: ERROR), not a skip: the build is broken, not the machine.
require_bizc() {
    if [ ! -x "$BIZC_TOP_BUILDDIR/bizc" ]; then
        fail "bizc is not built in $BIZC_TOP_BUILDDIR (make bizc)"
        _summary
        exit 99
    fi
}

# need_tool TOOL [WHAT]: skip_suite unless TOOL is on PATH ("curl is not
# installed (WHAT)").
need_tool() {
    command -v "$1" >/dev/null 2>&1 || skip_suite "$1 is not installed${2:+ ($2)}"
}

# require_tools TOOL...: need_tool for each TOOL.
require_tools() {
    local tool
    for tool in "$@"; do
        need_tool "$tool"
    done
}

# require_fake [ARGS...]: start_fake, or a failed check and finish.
require_fake() {
    start_fake "$@" || { fail "the fake CoWorks service starts"; finish; }
}

# ---------------------------------------------------------------- servers

# _wait_line FILE REGEX SECONDS PID: waits until FILE has a line matching REGEX.
_wait_line() {
    local i=0 max=$(($3 * 10))
    while [ "$i" -lt "$max" ]; do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        kill -0 "$4" 2>/dev/null || return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# start_fake [ARGS...]: starts the fake CoWorks service on a free port, with
# --s3 $AWS_ENDPOINT_URL_S3 when s3rver runs (start s3rver first). Exports
# FAKE_PORT, FAKE_URL and AIRFLOW_CONN_COWORKS_DIRECTORY.
start_fake() {
    local s3=()
    [ -n "${AWS_ENDPOINT_URL_S3:-}" ] && s3=(--s3 "$AWS_ENDPOINT_URL_S3")
    python3 "$BIZC_TOP_SRCDIR/tests/fake/coworks.py" "${s3[@]}" "$@" \
        >"$T/fake.out" 2>"$T/fake.err" &
    local pid=$!
    _PIDS+=("$pid")
    if ! _wait_line "$T/fake.out" '^LISTENING [0-9]+' 10 "$pid"; then
        echo "start_fake: the fake service did not start:" >&2
        cat "$T/fake.err" >&2
        return 1
    fi
    FAKE_PID=$pid
    FAKE_PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$T/fake.out" | head -n 1)
    FAKE_URL="http://127.0.0.1:$FAKE_PORT"
    # The directory's path goes in the host: Airflow's HttpHook would read a
    # URI's path as the URL scheme.
    AIRFLOW_CONN_COWORKS_DIRECTORY="{\"conn_type\": \"http\", \"host\": \"$FAKE_URL/directory\"}"
    export FAKE_PID FAKE_PORT FAKE_URL AIRFLOW_CONN_COWORKS_DIRECTORY
}

# _npm_dir: where s3rver is (to be) installed.
_npm_dir() {
    if [ -n "${BIZC_NPM_DIR:-}" ]; then
        echo "$BIZC_NPM_DIR"
    elif mkdir -p "$BIZC_TOP_SRCDIR/_deps/npm" 2>/dev/null && [ -w "$BIZC_TOP_SRCDIR/_deps/npm" ]; then
        echo "$BIZC_TOP_SRCDIR/_deps/npm"
    else
        echo "$BIZC_TOP_BUILDDIR/_npm"
    fi
}

# _npm_need CALLER PKG@VERSION DIR JS LOG: node is installed and so is JS
# (npm installs PKG into DIR when JS is missing, its output in $T/LOG).
# Returns 1 with a message naming CALLER when it cannot be.
_npm_need() {
    local fn=$1 pkg=$2 dir=$3 js=$4 log=$5
    if ! command -v node >/dev/null 2>&1; then
        echo "$fn: node is not installed (apt-get install nodejs npm)" >&2
        return 1
    fi
    # One installer for every suite, under a lock (scripts/install-npm.sh):
    # suites run in parallel and two npm installs into one tree break it.
    if ! "$BIZC_TOP_SRCDIR/scripts/install-npm.sh" "$dir" >"$T/$log" 2>&1 || [ ! -f "$js" ]; then
        echo "$fn: installing $pkg failed:" >&2
        tail -n 20 "$T/$log" >&2
        return 1
    fi
}

# start_s3rver: starts s3rver 3.7.1 (installed with npm on first use) on a
# free port. Exports AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, AWS_REGION and S3_DIR (its files). Returns 1 with a
# message when node/npm are missing or it cannot start: the caller skips.
start_s3rver() {
    local dir js
    dir=$(_npm_dir)
    js="$dir/node_modules/s3rver/bin/s3rver.js"
    _npm_need start_s3rver s3rver@3.7.1 "$dir" "$js" npm.log || return 1
    S3_DIR="$T/s3"
    mkdir -p "$S3_DIR"
    node "$js" --directory "$S3_DIR" --address 127.0.0.1 --port 0 --silent \
        >"$T/s3rver.out" 2>"$T/s3rver.err" &
    local pid=$!
    _PIDS+=("$pid")
    if ! _wait_line "$T/s3rver.out" 'listening on' 20 "$pid"; then
        echo "start_s3rver: s3rver did not start:" >&2
        cat "$T/s3rver.out" "$T/s3rver.err" >&2
        return 1
    fi
    local port
    port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\).*/\1/p' "$T/s3rver.out" | head -n 1)
    S3RVER_PID=$pid
    AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port"
    AWS_ACCESS_KEY_ID=S3RVER
    AWS_SECRET_ACCESS_KEY=S3RVER
    AWS_REGION=us-east-1
    export S3RVER_PID S3_DIR AWS_ENDPOINT_URL_S3 AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
}

# _free_port: a loopback TCP port nothing listens on right now.
_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_maildev [ARGS...]: starts maildev 3.0.0 (an SMTP server with an HTTP
# API; installed with npm on first use, next to s3rver) on free loopback
# ports; ARGS go to maildev (e.g. --incoming-user U --incoming-pass P).
# Exports MAILDEV_SMTP_PORT, MAILDEV_WEB_PORT, MAILDEV_URL (GET
# $MAILDEV_URL/api/email lists what arrived). Returns 1 with a message when
# node/npm are missing or it cannot start: the caller skips.
start_maildev() {
    local dir js
    dir=$(_npm_dir)
    js="$dir/node_modules/maildev/dist/bin/maildev.js"
    _npm_need start_maildev maildev@3.0.0 "$dir" "$js" npm-maildev.log || return 1
    local smtp web pid i=0
    smtp=$(_free_port) && web=$(_free_port) || return 1
    # its own mail directory: the default, /tmp/maildev, is every maildev's
    # on the machine, and one starting prunes the files another still reads
    node "$js" --smtp "$smtp" --web "$web" --ip 127.0.0.1 --mail-directory "$T/maildev.$smtp.mails" "$@" \
        >"$T/maildev.$smtp.out" 2>"$T/maildev.$smtp.err" &
    pid=$!
    _PIDS+=("$pid")
    while ! curl -sf --max-time 2 "http://127.0.0.1:$web/api/email" >/dev/null 2>&1 ||
          ! (exec 3<>"/dev/tcp/127.0.0.1/$smtp") 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
            echo "start_maildev: maildev did not start:" >&2
            cat "$T/maildev.$smtp.out" "$T/maildev.$smtp.err" >&2
            return 1
        fi
        sleep 0.1
    done
    MAILDEV_PID=$pid
    MAILDEV_SMTP_PORT=$smtp
    MAILDEV_WEB_PORT=$web
    MAILDEV_URL="http://127.0.0.1:$web"
    export MAILDEV_PID MAILDEV_SMTP_PORT MAILDEV_WEB_PORT MAILDEV_URL
}

# ---------------------------------------------------------------- fake service

# fake_get PATH: GETs a control or service path of the fake service.
fake_get() { curl -sS --max-time 10 "$FAKE_URL$1"; }

# fake_post PATH: POSTs (empty body) to the fake service.
fake_post() { curl -sS --max-time 10 -X POST "$FAKE_URL$1"; }

# reset_fake: clears the fake service's calls, counters and overrides.
reset_fake() { fake_post /_reset >/dev/null; }

# behave NAME [QUERY]: every later call to service NAME behaves as QUERY says
# (e.g. "status=404", "slow_ms=500", "garbage=1"); no QUERY clears it.
behave() { fake_post "/_behave/$1${2:+?$2}" >/dev/null; }

# _pyq SOURCE-URL-PATH PRELUDE EXPR: evaluates EXPR on the JSON of a control
# endpoint. Strings print raw, everything else as JSON.
_pyq() {
    fake_get "$1" | python3 -c '
import json, sys
data = json.load(sys.stdin)
exec(sys.argv[1])
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$2" "$3"
}

# calls EXPR: evaluates a Python expression over the calls received.
#   c      every call: {method, path, query, headers, body, json, time}
#   svc    the calls to /svc/..., dirc those to /directory/..., apigw to /apigw/...
#   path_is(p), to(name): filters: calls whose path is p, calls to service name
#   h(call, name): a header (lower-case name) or None
#   e.g.  calls 'len(svc)'   calls 'svc[0]["json"]'   calls 'h(svc[0], "accept")'
calls() {
    _pyq /_calls '
c = data
svc = [x for x in c if x["path"].startswith("/svc/")]
dirc = [x for x in c if x["path"].startswith("/directory/")]
apigw = [x for x in c if x["path"].startswith("/apigw/")]
def h(x, name): return x["headers"].get(name.lower())
def path_is(p): return [x for x in c if x["path"] == p]
def to(name): return [x for x in c if x["path"].split("/")[1:3] in (["svc", name], ["apigw", name])]
' "$1"
}

# stats EXPR: evaluates a Python expression over /_stats (as `s`).
stats() { _pyq /_stats 's = data' "$1"; }

# s3puts EXPR: evaluates a Python expression over the S3 stores made (`p`).
s3puts() { _pyq /_s3 'p = data' "$1"; }

# ---------------------------------------------------------------- compiler

# compile_dag FILE OUT: compiles FILE with bizc; on failure prints its output.
compile_dag() {
    local log="$T/compile.$(basename "$2").log"
    if "$BIZC_TOP_BUILDDIR/bizc" "$1" -o "$2" >"$log" 2>&1; then
        return 0
    fi
    echo "compile_dag: bizc $1 -o $2 failed:" >&2
    sed 's/^/  /' "$log" >&2
    return 1
}

# compile_check NAME FILE: compiles FILE to $T/NAME, counting a check
# ("bizc compiles FILE's basename"); returns 1 when it failed.
compile_check() {
    if compile_dag "$2" "$T/$1"; then
        pass "bizc compiles $(basename "$2")"
        return 0
    fi
    fail "bizc compiles $(basename "$2")"
    return 1
}

# run_dag EXE [ARGS...]: runs a compiled DAG with a state directory of its
# own; sets RUN_RC, RUN_OUT and RUN_ERR (the text of stdout and stderr).
RUN_N=0
run_dag() {
    local exe=$1
    shift
    RUN_N=$((RUN_N + 1))
    local state="$T/state.$RUN_N"
    mkdir -p "$state"
    RUN_START=$(date +%s)
    timeout 120 "$exe" --state-dir "$state" "$@" \
        >"$T/run.$RUN_N.out" 2>"$T/run.$RUN_N.err"
    RUN_RC=$?
    RUN_END=$(date +%s)
    RUN_OUT=$(cat "$T/run.$RUN_N.out")
    RUN_ERR=$(cat "$T/run.$RUN_N.err")
    RUN_STATE=$state
    if [ "${BIZC_VERBOSE:-0}" = 1 ]; then
        echo "# $exe $* -> $RUN_RC"
        sed 's/^/#   out: /' "$T/run.$RUN_N.out"
        sed 's/^/#   err: /' "$T/run.$RUN_N.err"
    fi
}

# show_run: prints the last run's output (after a failed check).
show_run() {
    sed 's/^/  out: /' "$T/run.$RUN_N.out"
    sed 's/^/  err: /' "$T/run.$RUN_N.err"
}

# record EXPR: a Python expression over the last run's record `r` (the JSON
# document under <state-dir>/<dag_id>/runs/), e.g. record 'r["state"]'.
# Prints "no record" when the run left none.
record() {
    local f
    f=$(ls -t "$RUN_STATE"/*/runs/*.json 2>/dev/null | head -n 1)
    if [ -z "$f" ]; then
        echo "no record"
        return
    fi
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$f" "$1" 2>&1
}

# task_state TASK: the state of TASK in the last run's record.
task_state() { record "r['tasks'].get('$1', {}).get('state', 'absent')"; }
