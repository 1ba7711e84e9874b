#!/bin/bash
# fault.sh: the runtime against a server that misbehaves on purpose
# (tests/fake/fault.py). Each case compiles a small DAG with one
# TechMicroServiceOperator 'call' pointed at the fault server, runs it and
# checks its exit status, the task's state, the message (it names what was
# wrong, or the limit and its variable), that the run record is valid JSON,
# and what the server received (the double-POST case counts the POSTs).
#
# Peak memory (ru_maxrss of the run) is asserted under 64 MB for the
# oversized answers, with the default limits. Under ASan the same run takes
# several times more (shadow memory, quarantine), so a sanitizer build
# (configured with --enable-asan, or BIZC_FAULT_RSS_MB set) checks it
# against BIZC_FAULT_RSS_MB (default 256; 105 MB measured) instead.

. "$(dirname "$0")/lib.sh"

require_bizc
require_tools python3 curl

# The limits under test are the defaults unless a case sets them.
unset BIZ_HTTP_MAX_RESPONSE_BYTES BIZ_HTTP_TIMEOUT BIZ_HTTP_LOW_SPEED_TIME BIZ_HTTP_MAX_JSON_VALUES

RSS_MB=64
if grep -q -- '--enable-asan' "$BIZC_TOP_BUILDDIR/config.log" 2>/dev/null; then
    RSS_MB=${BIZC_FAULT_RSS_MB:-256}
    echo "# sanitizer build: peak memory checked against $RSS_MB MB"
elif [ -n "${BIZC_FAULT_RSS_MB:-}" ]; then
    RSS_MB=$BIZC_FAULT_RSS_MB
fi

# ---------------------------------------------------------------- the server
python3 "$BIZC_TOP_SRCDIR/tests/fake/fault.py" --port-file "$T/fault.port" \
    >"$T/fault.out" 2>"$T/fault.err" &
_PIDS+=("$!")
if ! _wait_line "$T/fault.out" '^LISTENING [0-9]+' 10 "$!"; then
    fail "the fault server starts" "$(cat "$T/fault.err")"
    finish
fi
PORT=$(cat "$T/fault.port")
URL="http://127.0.0.1:$PORT"
export BIZ_API_GATEWAY_URL="$URL/gw/{api_id}/{stage}"
export AIRFLOW_CONN_COWORKS_DIRECTORY="{\"conn_type\": \"http\", \"host\": \"$URL/directory\"}"

# count PATH METHOD: how many METHOD requests the server received at PATH
# (the path below /gw/svc/dev unless it starts with /directory).
count() {
    local p=$1
    case "$p" in /directory/*) ;; *) p="/gw/svc/dev$p" ;; esac
    curl -sS --max-time 10 "$URL/_counts" | python3 -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], {}).get(sys.argv[2], 0))' "$p" "$2"
}
reset_counts() { curl -sS --max-time 10 -X POST "$URL/_reset" >/dev/null; }

# ---------------------------------------------------------------- DAGs and runs

# mkdag NAME ARGS [DAG-ARGS]: writes and compiles $T/NAME, a DAG whose one task
# 'call' is TechMicroServiceOperator(ARGS); by default it calls api_id 'svc'
# at stage 'dev' (ARGS may give cws_name instead: then the directory is asked).
mkdag() {
    local target="api_id='svc', stage='dev', token='tok-fault-0123456789', "
    case "$2" in *cws_name=*) target="" ;; esac
    cat >"$T/$1.biz" <<EOF
from datetime import datetime
from datetime import timedelta

from coworks.biz import TechMicroServiceOperator
from coworks.biz import TechMicroServiceSensor
from coworks.biz import biz


@biz(start_date=datetime(2024, 1, 1), schedule_interval=None, catchup=False)
def $1():
    TechMicroServiceOperator(task_id='call', $target$2)


$1()
EOF
    if [ -n "${3:-}" ]; then
        # A sensor instead (DAG-ARGS = sensor).
        sed -i "s/TechMicroServiceOperator(task_id='call'/TechMicroServiceSensor(task_id='call'/" "$T/$1.biz"
    fi
    compile_dag "$T/$1.biz" "$T/$1"
}

# frun [VAR=VALUE...] EXE [ARGS...]: runs EXE with a state directory of its
# own, in a python3 wrapper that reports the peak RSS of the run (kB).
# Sets RUN_RC, RUN_OUT, RUN_ERR, RUN_STATE, RUN_RSS_KB and RUN_SECS.
frun() {
    RUN_N=$((RUN_N + 1))
    local state="$T/state.$RUN_N" envs=()
    mkdir -p "$state"
    while [[ $1 == *=* ]]; do envs+=("$1"); shift; done
    local exe=$1
    shift
    python3 -c '
import resource, subprocess, sys, time
out, err = open(sys.argv[1], "w"), open(sys.argv[2], "w")
start = time.monotonic()
try:
    rc = subprocess.run(sys.argv[3:], stdout=out, stderr=err, timeout=100).returncode
except subprocess.TimeoutExpired:
    rc = 124
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, int(time.monotonic() - start))
' "$T/run.$RUN_N.out" "$T/run.$RUN_N.err" env "${envs[@]}" "$exe" --state-dir "$state" "$@" \
        >"$T/run.$RUN_N.rc"
    read -r RUN_RC RUN_RSS_KB RUN_SECS <"$T/run.$RUN_N.rc"
    RUN_OUT=$(cat "$T/run.$RUN_N.out")
    RUN_ERR=$(cat "$T/run.$RUN_N.err")
    RUN_STATE=$state
    if [ "${BIZC_VERBOSE:-0}" = 1 ]; then
        echo "# $exe -> $RUN_RC, ${RUN_RSS_KB} kB, ${RUN_SECS}s"
        sed 's/^/#   out: /' "$T/run.$RUN_N.out"
        sed 's/^/#   err: /' "$T/run.$RUN_N.err"
    fi
}

# case NAME ARGS [VAR=VALUE...]: compiles NAME with ARGS, resets the server's
# counts and runs it (with the variables). A failed compilation is a failed
# check, and the case's other checks then fail on their own.
case_() {
    local name=$1 args=$2
    shift 2
    if ! mkdag "$name" "$args"; then
        fail "$name: bizc compiles it"
    fi
    reset_counts
    frun "$@" "$T/$name"
}

# valid_record DESC: the run record is strict JSON (python3 -m json.tool reads
# it as UTF-8).
valid_record() {
    local f
    f=$(ls -t "$RUN_STATE"/*/runs/*.json 2>/dev/null | head -n 1)
    if [ -n "$f" ] && python3 -m json.tool "$f" >/dev/null 2>"$T/json.err"; then
        pass "$1: the run record is valid JSON"
    else
        fail "$1: the run record is valid JSON" "${f:-no record}" "$(head -c 300 "$T/json.err")"
    fi
}

# outcome DESC RC STATE MESSAGE: exit status, the task's state, the message
# (in what the run printed), and a valid record.
outcome() {
    assert_eq "$1: exit status" "$2" "$RUN_RC"
    assert_eq "$1: task state" "$3" "$(task_state call)"
    [ -n "$4" ] && assert_contains "$1: the message says why" "$RUN_OUT
$RUN_ERR" "$4"
    valid_record "$1"
    assert_not_contains "$1: no sanitizer report" "$RUN_ERR" "runtime error:"
    assert_not_contains "$1: no AddressSanitizer report" "$RUN_ERR" "Sanitizer"
    if [ "$RUN_RC" != "$2" ] || [ "$(task_state call)" != "$3" ]; then show_run; fi
}

# rss_under DESC: the run's peak RSS is under RSS_MB.
rss_under() {
    if [ "$RUN_RSS_KB" -lt $((RSS_MB * 1024)) ]; then
        pass "$1: peak RSS ${RUN_RSS_KB} kB < $RSS_MB MB"
    else
        fail "$1: peak RSS ${RUN_RSS_KB} kB < $RSS_MB MB"
    fi
}

reason() { record "r['tasks']['call'].get('reason', '')"; }
xcom() { record "r['tasks']['call']['xcom'].get('$1')"; }

# ---------------------------------------------------------------- baseline
case_ ok_get "entry='/ok'"
outcome "a plain GET" 0 success ""
assert_eq "a plain GET: one GET" 1 "$(count /ok GET)"
assert_eq "a plain GET: return_value" '{"method": "GET", "n": 1, "ok": true}' "$(xcom return_value)"

# ---------------------------------------------------------------- never twice
# The directory GET leaves a kept-alive connection that the POST reuses; the
# server reads the POST and closes without an answer. libcurl would resend it
# on a new connection (2 POSTs, a success): refused, the try fails.
case_ double_post "cws_name='svc', method='post', entry='/drop-after-read', json={'a': 1}"
outcome "dropped POST" 1 failed "may have reached the server and is not sent twice"
assert_eq "dropped POST: the server got exactly 1 POST" 1 "$(count /drop-after-read POST)"
assert_contains "dropped POST: the message names method and URL" "$(reason)" \
    "POST $URL/gw/svc/dev/drop-after-read:"

case_ double_post_retry "cws_name='svc', method='post', entry='/drop-after-read?once=1', json={'a': 1}, retries=1, retry_delay=0"
outcome "dropped POST, retries=1" 0 success ""
assert_eq "dropped POST, retries=1: 2 POSTs, one a try" 2 "$(count /drop-after-read POST)"
assert_eq "dropped POST, retries=1: 2 tries" 2 "$(record "r['tasks']['call']['tries']")"

case_ double_patch "cws_name='svc', method='patch', entry='/drop-after-read', json={'a': 1}"
outcome "dropped PATCH" 1 failed "is not sent twice"
assert_eq "dropped PATCH: 1 PATCH" 1 "$(count /drop-after-read PATCH)"

case_ double_delete "cws_name='svc', method='delete', entry='/drop-after-read'"
outcome "dropped DELETE" 1 failed "is not sent twice"
assert_eq "dropped DELETE: 1 DELETE" 1 "$(count /drop-after-read DELETE)"

# Two tasks, no directory: the second task's POST reuses the connection the
# first task's GET left open (one loop, one connection cache); the server
# drops only a connection's second request, so the failure shows the reuse.
cat >"$T/two_tasks.biz" <<EOF
from datetime import datetime

from coworks.biz import TechMicroServiceOperator
from coworks.biz import biz


@biz(start_date=datetime(2024, 1, 1), schedule_interval=None, catchup=False)
def two_tasks():
    lookup = TechMicroServiceOperator(task_id='lookup', api_id='svc', stage='dev',
                                      token='tok-fault-0123456789', entry='/ok')
    create = TechMicroServiceOperator(task_id='call', api_id='svc', stage='dev',
                                      token='tok-fault-0123456789', method='post',
                                      entry='/drop-after-read', json={'invoice': 1001})
    lookup >> create


two_tasks()
EOF
if compile_dag "$T/two_tasks.biz" "$T/two_tasks"; then
    reset_counts
    frun "$T/two_tasks"
    outcome "POST after another task's GET, dropped" 1 failed "is not sent twice"
    assert_eq "POST after another task's GET, dropped: 1 POST" 1 "$(count /drop-after-read POST)"
else
    fail "two_tasks: bizc compiles it"
fi

# A GET is idempotent: libcurl's resend on a fresh connection is harmless.
case_ double_get "cws_name='svc', entry='/drop-after-read'"
outcome "dropped GET" 0 success ""
assert_eq "dropped GET: resent once (2 GETs)" 2 "$(count /drop-after-read GET)"

# A 307 is an answer: following it with the same POST is no resend.
case_ redirect_307 "method='post', entry='/redirect-ok?code=307', json={'a': 1}"
outcome "POST redirected by a 307" 0 success ""
assert_eq "POST redirected by a 307: the POST followed it" "1 1" \
    "$(count /redirect-ok POST) $(count /ok POST)"

# ---------------------------------------------------------------- broken answers
case_ reset_body "entry='/reset-mid-body'"
outcome "reset mid-body" 1 failed "call to $URL/gw/svc/dev/reset-mid-body failed"
assert_eq "reset mid-body: one GET" 1 "$(count /reset-mid-body GET)"

case_ reset_body_post "method='post', entry='/reset-mid-body', json={}"
outcome "reset mid-body of a POST" 1 failed "(the POST may have reached the server)"

case_ truncated "entry='/truncated'"
outcome "truncated body" 1 failed "bytes remaining"

case_ empty_reply "entry='/empty-reply'"
outcome "empty reply" 1 failed "Empty reply from server"
assert_eq "empty reply: one GET (a fresh connection is not retried)" 1 "$(count /empty-reply GET)"

case_ bad_status "entry='/bad-status'"
outcome "bad status line" 1 failed "call to $URL/gw/svc/dev/bad-status failed"

case_ garbage_status "entry='/garbage-status'"
outcome "not HTTP at all" 1 failed "call to $URL/gw/svc/dev/garbage-status failed"

case_ chunk_error "entry='/chunk-error'"
outcome "bad chunked encoding" 1 failed "chunk"

case_ huge_header "entry='/huge-header'"
outcome "a 200 KB header" 1 failed "header"

case_ json_trailing "entry='/json-trailing'"
outcome "JSON with trailing text" 0 success ""
assert_eq "JSON with trailing text: kept as text, as json.loads would refuse it" \
    '{"a": 1} and more' "$(xcom return_value)"

# ---------------------------------------------------------------- time limits
case_ never "entry='/never'" BIZ_HTTP_TIMEOUT=2
outcome "never answers" 1 failed "no complete answer within 2 s; the limit is BIZ_HTTP_TIMEOUT"
assert_eq "never answers: ended by the limit (< 15 s)" 1 "$([ "$RUN_SECS" -lt 15 ] && echo 1)"

case_ never_exec "entry='/never', execution_timeout=timedelta(seconds=2)" BIZ_HTTP_TIMEOUT=60
outcome "never answers, execution_timeout" 1 failed "execution_timeout of 2s exceeded"

case_ trickle "entry='/trickle?delay=4'" BIZ_HTTP_LOW_SPEED_TIME=2
outcome "trickles 1 byte / 4 s" 1 failed "less than 1 byte/s for 2 s; the limit is BIZ_HTTP_LOW_SPEED_TIME"

case_ slow_headers "entry='/slow-headers'" BIZ_HTTP_TIMEOUT=3
outcome "headers 1 byte / s" 1 failed "the limit is BIZ_HTTP_TIMEOUT"

# The timeout only bounds the case: the header limit must come first, and a
# loaded machine's fake server may take seconds to send that much.
case_ info_flood "entry='/info-flood'" BIZ_HTTP_TIMEOUT=60
outcome "1xx answers forever" 1 failed "Too large response headers"
rss_under "1xx answers forever"

case_ bad_env_bytes "entry='/ok'" BIZ_HTTP_MAX_RESPONSE_BYTES=12MB
outcome "BIZ_HTTP_MAX_RESPONSE_BYTES=12MB" 1 failed "BIZ_HTTP_MAX_RESPONSE_BYTES='12MB' is not a whole number of bytes"

case_ bad_env "entry='/ok'" BIZ_HTTP_TIMEOUT=soon
outcome "BIZ_HTTP_TIMEOUT=soon" 1 failed "BIZ_HTTP_TIMEOUT='soon' is not a number of seconds"
assert_eq "BIZ_HTTP_TIMEOUT=soon: nothing sent" 0 "$(count /ok GET)"

# ---------------------------------------------------------------- size limits (default)
case_ big "entry='/big'"
outcome "100 MB answer" 1 failed "larger than 4194304 bytes (decompressed); the limit is BIZ_HTTP_MAX_RESPONSE_BYTES"
rss_under "100 MB answer"

case_ big_chunked "entry='/big-chunked'"
outcome "100 MB chunked answer" 1 failed "the limit is BIZ_HTTP_MAX_RESPONSE_BYTES"
rss_under "100 MB chunked answer"

case_ gzip_bomb "entry='/gzip-bomb'"
outcome "gzip bomb (1 MiB -> 1 GiB)" 1 failed "larger than 4194304 bytes (decompressed)"
rss_under "gzip bomb (1 MiB -> 1 GiB)"

case_ big_json "entry='/big-json', query_params={'size': '4194000'}"
outcome "4 MB JSON of 2 M values" 1 failed "the limit is BIZ_HTTP_MAX_JSON_VALUES"
rss_under "4 MB JSON of 2 M values"

case_ just_under "entry='/big', query_params={'size': '4194000'}"
outcome "4 MB text (under the limit)" 0 success ""
rss_under "4 MB text (under the limit)"

case_ just_under_ctl "entry='/big', query_params={'size': '4194000', 'fill': 'ctl'}"
outcome "4 MB of control characters" 0 success ""
rss_under "4 MB of control characters"

case_ just_under_bad "entry='/big', query_params={'size': '4194000', 'fill': 'bad'}"
outcome "4 MB of invalid UTF-8" 0 success ""
rss_under "4 MB of invalid UTF-8"

case_ json_under "entry='/big-json', query_params={'size': '499990'}"
outcome "JSON of 250,000 values" 0 success ""
rss_under "JSON of 250,000 values"

case_ json_strings "entry='/json-strings'"
outcome "JSON of 249,000 strings (under both limits)" 0 success ""
rss_under "JSON of 249,000 strings (under both limits)"

case_ small_limit "entry='/big'" BIZ_HTTP_MAX_RESPONSE_BYTES=1000
outcome "BIZ_HTTP_MAX_RESPONSE_BYTES=1000" 1 failed "larger than 1000 bytes"

case_ no_limit "entry='/big', query_params={'size': '5000000'}" BIZ_HTTP_MAX_RESPONSE_BYTES=0
outcome "BIZ_HTTP_MAX_RESPONSE_BYTES=0 (no limit)" 0 success ""

# ---------------------------------------------------------------- text
case_ bad_utf8 "entry='/bad-utf8'"
outcome "invalid UTF-8" 0 success ""
assert_eq "invalid UTF-8: replaced as Python's decode(errors='replace')" \
    "$(python3 -c 'print(b"caf\xe9 \xff\xfe ok \xe2\x82 end".decode("utf-8", "replace"))')" "$(xcom return_value)"

case_ bad_utf8_json "entry='/bad-utf8-json'"
outcome "invalid UTF-8 in JSON" 0 success ""
assert_eq "invalid UTF-8 in JSON: parsed, replaced" "{\"name\": \"caf\\ufffd\", \"ok\": true}" "$(xcom return_value)"

case_ utf8_torture "entry='/utf8-torture'"
outcome "invalid UTF-8 of every kind" 0 success ""
assert_eq "invalid UTF-8 of every kind: as Python's decode(errors='replace')" \
    "$(cd "$BIZC_TOP_SRCDIR/tests/fake" && python3 -B -c 'import fault; print(fault.TORTURE.decode("utf-8", "replace"))')" \
    "$(xcom return_value)"

case_ nul_text "entry='/nul-text'"
outcome "NUL in a text answer" 1 failed "holds a NUL byte at offset 3 (of 7 bytes)"

case_ ansi_error "entry='/ansi-error'"
outcome "ANSI escapes in an error body" 1 failed 'answered 500: \x1b[2J\x1b[31mboom\r\n[2026-01-01'
esc=$(printf '\033')
assert_not_contains "ANSI escapes in an error body: no ESC printed" "$RUN_OUT$RUN_ERR" "$esc"
assert_eq "ANSI escapes in an error body: no forged log line" 0 \
    "$(grep -c '^\[2026-01-01' "$T/run.$RUN_N.err" "$T/run.$RUN_N.out" | awk -F: '{s += $2} END {print s}')"

# ---------------------------------------------------------------- redirects and protocols
case_ redirect_loop "entry='/redirect-loop'"
outcome "redirect loop" 1 failed "Maximum (30) redirects followed"
assert_eq "redirect loop: 31 GETs" 31 "$(count /redirect-loop GET)"

case_ redirect_file "entry='/redirect-file'"
outcome "redirect to file://" 1 failed "redirected to 'file:///etc/passwd': only http:// and https:// URLs are followed"
assert_not_contains "redirect to file://: nothing of /etc/passwd in the record" \
    "$(record 'json.dumps(r)')" "root:"

case_ dir_file "cws_name='fileurl', entry='/x'"
outcome "directory gives file:///etc" 1 failed "is not an http:// or https:// URL"
assert_eq "directory gives file:///etc: asked once" 1 "$(count /directory/fileurl GET)"

# The same with an executable linked against the shared libcurl.
if mkdag dir_file_dyn "cws_name='fileurl', entry='/x'" && mv "$T/dir_file_dyn.biz" "$T/dyn.biz" &&
   "$BIZC_TOP_BUILDDIR/bizc" --dynamic "$T/dyn.biz" -o "$T/dir_file_dyn" >"$T/dyn.log" 2>&1; then
    reset_counts
    frun "$T/dir_file_dyn"
    outcome "--dynamic: directory gives file:///etc" 1 failed "is not an http:// or https:// URL"
else
    fail "--dynamic: bizc compiles it" "$(cat "$T/dyn.log" 2>/dev/null)"
fi

case_ redirect_ok "entry='/redirect-ok'"
outcome "302 to an http URL" 0 success ""
assert_eq "302 to an http URL: followed" 1 "$(count /ok GET)"

# ---------------------------------------------------------------- S3 results
# An asynchronous call, then AsyncTechServicePullOperator reads its result
# from the fault server playing S3 (path-style); the DAG's id picks the
# document (fault.py's s3_payload).
export AWS_ENDPOINT_URL_S3="$URL" AWS_ACCESS_KEY_ID=FAULTKEY AWS_SECRET_ACCESS_KEY=FAULTSECRET1234 \
    AWS_REGION=us-east-1
# s3case DAG_ID: compiles and runs it; the state checked is the pull's.
s3case() {
    cat >"$T/$1.biz" <<EOF
from datetime import datetime

from coworks.biz import AsyncTechServicePullOperator
from coworks.biz import TechMicroServiceOperator
from coworks.biz import biz


@biz(start_date=datetime(2024, 1, 1), schedule_interval=None, catchup=False)
def $1():
    call = TechMicroServiceOperator(task_id='call', api_id='svc', stage='dev', token='tok-fault-0123456789',
                                    method='post', entry='/ok', asynchronous=True)
    read = AsyncTechServicePullOperator(task_id='read', cws_task_id='call')
    call >> read


$1()
EOF
    compile_dag "$T/$1.biz" "$T/$1" || fail "$1: bizc compiles it"
    reset_counts
    frun "$T/$1"
}
# s3outcome DESC RC STATE MESSAGE: as outcome, for the task 'read'.
s3outcome() {
    assert_eq "$1: exit status" "$2" "$RUN_RC"
    assert_eq "$1: the pull's state" "$3" "$(record "r['tasks']['read']['state']")"
    [ -n "$4" ] && assert_contains "$1: the message says why" "$RUN_OUT
$RUN_ERR" "$4"
    valid_record "$1"
    assert_not_contains "$1: no sanitizer report" "$RUN_ERR" "runtime error:"
    [ "$RUN_RC" = "$2" ] || show_run
}

s3case s3_ok
s3outcome "S3 result" 0 success ""
assert_eq "S3 result: return_value" '{"ok": true}' "$(record "r['tasks']['read']['xcom'].get('return_value')")"

s3case s3_bigjson
s3outcome "S3 base64 body of 1.4 M values" 1 failed "'s base64 body holds about 14000"
rss_under "S3 base64 body of 1.4 M values"

s3case s3_bigouter
s3outcome "S3 document of 1.9 M values" 1 failed "JSON values, more than 250000; the limit is BIZ_HTTP_MAX_JSON_VALUES"
rss_under "S3 document of 1.9 M values"

s3case s3_badutf8
s3outcome "S3 document with invalid UTF-8" 0 success ""
assert_eq "S3 document with invalid UTF-8: replaced" "caf\ufffd \ufffd" \
    "$(record "json.dumps(r['tasks']['read']['xcom'].get('return_value'))" | tr -d '"')"

s3case s3_b64bad
s3outcome "S3 base64 body with invalid UTF-8" 0 success ""
assert_eq "S3 base64 body with invalid UTF-8: replaced" "caf\ufffd \ufffd" \
    "$(record "json.dumps(r['tasks']['read']['xcom'].get('return_value'))" | tr -d '"')"

# ---------------------------------------------------------------- retries
case_ flaky_get "entry='/flaky/1', retries=1, retry_delay=0"
outcome "transport error, retries=1" 0 success ""
assert_eq "transport error, retries=1: 2 GETs" 2 "$(count /flaky/1 GET)"

case_ flaky_post "method='post', entry='/flaky/5', json={}, retries=1, retry_delay=0"
outcome "POST without answer, retries=1" 1 failed "may have reached the server"
assert_eq "POST without answer, retries=1: one POST a try" 2 "$(count /flaky/5 POST)"

case_ status_503 "entry='/5xx/1', retries=2, retry_delay=0"
outcome "503 (an answer: final, as CoWorks)" 1 failed "answered 503"
assert_eq "503: one GET despite retries=2" 1 "$(count /5xx/1 GET)"

if mkdag sensor_5xx "entry='/5xx/2', poke_interval=1, timeout=30" sensor; then
    reset_counts
    frun "$T/sensor_5xx"
    outcome "sensor: 503, 503, then 200" 0 success ""
    assert_eq "sensor: 503, 503, then 200: 3 pokes" 3 "$(count /5xx/2 GET)"
else
    fail "sensor_5xx: bizc compiles it"
fi

finish
