#!/bin/bash
# ops.sh: operating recorded runs. The DAG version in every record (--runs,
# --show) and --resume/--rerun refusing a run of another build unless
# --force; --rerun TASK [--downstream] against the fake service's calls
# (exactly the cleared tasks are called again, with the kept XComs and the
# run's conf; the record keeps the earlier outcomes); --metrics (the
# Prometheus text format, parsed); webhook alerts against a local receiver.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl
require_fake

compile_check ops_rerun "$DAGS/ops_rerun.biz" || finish
# The same DAG from another source (one comment more): another build.
{ cat "$DAGS/ops_rerun.biz"; echo "# another build of the same DAG"; } >"$T/ops_rerun2.biz"
compile_check ops_rerun2 "$T/ops_rerun2.biz" || finish
compile_check ops_alerts "$DAGS/ops_alerts.biz" || finish

# jq_py FILE EXPR: a Python expression over a JSON file (as `r`).
jq_py() {
    python3 -c '
import json, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "$2"
}

# per_task: how many calls each task's service got, "a b c d e".
per_task() {
    calls '" ".join(str(len(path_is("/svc/ops-%s/%s" % (t, t)))) for t in "abcde")'
}

# ex EXE ARGS...: runs EXE with the suite's state directory $S; sets RC,
# OUT and ERR.
ex() {
    local exe=$1
    shift
    "$exe" --state-dir "$S" "$@" >"$T/ex.out" 2>"$T/ex.err"
    RC=$?
    OUT=$(cat "$T/ex.out")
    ERR=$(cat "$T/ex.err")
}

SHA1=$("$T/ops_rerun" --version | sed -n 's/.*sha256:\([0-9a-f]*\).*/\1/p')
SHA2=$("$T/ops_rerun2" --version | sed -n 's/.*sha256:\([0-9a-f]*\).*/\1/p')
SHA_ALERTS=$("$T/ops_alerts" --version | sed -n 's/.*sha256:\([0-9a-f]*\).*/\1/p')
VER=$("$BIZC_TOP_BUILDDIR/bizc" --version | head -n 1 | awk '{ print $2 }')
assert_ne "two builds: two source checksums" "$SHA1" "$SHA2"

# ---------------------------------------------------------------- DAG version
S="$T/s-rerun"
reset_fake
ex "$T/ops_rerun" --conf '{"n": 7}' -q
assert_eq "first run: exit 0" 0 "$RC"
assert_eq "first run: each task called once" "1 1 1 1 1" "$(per_task)"
REC=$(ls "$S"/ops_rerun/runs/*.json)
assert_eq "record: the source's sha256" "$SHA1" "$(jq_py "$REC" 'r["source_sha256"]')"
assert_eq "record: the bizc version" "$VER" "$(jq_py "$REC" 'r["bizc_version"]')"
ex "$T/ops_rerun" --runs
assert_contains "--runs: a DAG VERSION column" "$OUT" "DAG VERSION"
assert_contains "--runs: the run's version" "$OUT" "${SHA1:0:12} (bizc $VER)"
ex "$T/ops_rerun" --show last
assert_contains "--show: the DAG version" "$OUT" "dag version:   sha256:$SHA1, bizc $VER"

# ---------------------------------------------------------------- rerun
reset_fake
ex "$T/ops_rerun" --rerun b
assert_eq "--rerun b: exit 0" 0 "$RC"
assert_eq "--rerun b: only b called again" "0 1 0 0 0" "$(per_task)"
assert_eq "--rerun b: the kept XCom of a and the run's conf fed b" '{"from": "/a", "n": "7"}' \
    "$(calls 'path_is("/svc/ops-b/b")[0]["json"]')"
assert_contains "--rerun b: says what it clears" "$ERR" "from task 'b': 1 task(s) cleared, 1 to run again, 4 kept"
assert_eq "--rerun b: one record still" 1 "$(ls "$S"/ops_rerun/runs/*.json | wc -l)"
assert_eq "--rerun b: b's tries continue, the others kept" '[1, 2, 1, 1, 1]' \
    "$(jq_py "$REC" '[r["tasks"][t]["tries"] for t in "abcde"]')"
assert_eq "--rerun b: b's earlier outcome in its history" '[["success", 1, "rerun"]]' \
    "$(jq_py "$REC" '[[h["state"], h["tries"], h["cleared_by"]] for h in r["tasks"]["b"]["history"]]')"
assert_eq "--rerun b: the run's history" '[["rerun", "b", false, ["b"]]]' \
    "$(jq_py "$REC" '[[h["action"], h["task"], h["downstream"], h["cleared"]] for h in r["history"]]')"
assert_eq "--rerun b: the run succeeded" success "$(jq_py "$REC" 'r["state"]')"

reset_fake
ex "$T/ops_rerun" --rerun b --downstream --run "$(jq_py "$REC" 'r["run_id"]')"
assert_eq "--rerun b --downstream: exit 0" 0 "$RC"
assert_eq "--rerun b --downstream: b, c and d called again, not a nor e" "0 1 1 1 0" "$(per_task)"
assert_eq "--rerun b --downstream: c got b's new XCom" '{"from": "/b"}' \
    "$(calls 'path_is("/svc/ops-c/c")[0]["json"]')"
assert_eq "--rerun b --downstream: tries" '[1, 3, 2, 2, 1]' \
    "$(jq_py "$REC" '[r["tasks"][t]["tries"] for t in "abcde"]')"
assert_eq "--rerun b --downstream: b's two earlier outcomes kept" 2 \
    "$(jq_py "$REC" 'len(r["tasks"]["b"]["history"])')"
assert_eq "--rerun b --downstream: the run's history" '[["b", false], ["b", true]]' \
    "$(jq_py "$REC" '[[h["task"], h["downstream"]] for h in r["history"]]')"
ex "$T/ops_rerun" --show last
assert_contains "--show: the history" "$OUT" "rerun of the success run from task b with its downstream tasks"
assert_contains "--show: earlier outcomes" "$OUT" "b: success after 2 tries, cleared by rerun"

# A failed task rerun after its service is fixed: the run succeeds.
S="$T/s-fail"
reset_fake
behave ops-d status=500
ex "$T/ops_rerun" --conf '{"n": 1}' -q
assert_eq "failing d: the run fails" 1 "$RC"
behave ops-d
reset_fake
ex "$T/ops_rerun" --rerun d -q
assert_eq "--rerun d: exit 0" 0 "$RC"
assert_eq "--rerun d: only d called" "0 0 0 1 0" "$(per_task)"
REC=$(ls "$S"/ops_rerun/runs/*.json)
assert_eq "--rerun d: the run now succeeded" success "$(jq_py "$REC" 'r["state"]')"
assert_eq "--rerun d: the failure is in d's history" failed "$(jq_py "$REC" 'r["tasks"]["d"]["history"][0]["state"]')"

# Usage errors.
ex "$T/ops_rerun" --rerun nope
assert_eq "--rerun of an unknown task: exit 2" 2 "$RC"
assert_contains "--rerun of an unknown task: says so" "$ERR" "no task 'nope' in DAG 'ops_rerun'"
ex "$T/ops_rerun" --rerun b --run nope
assert_eq "--rerun of an unknown run: exit 2" 2 "$RC"
ex "$T/ops_rerun" --downstream
assert_eq "--downstream without --rerun: exit 2" 2 "$RC"
ex "$T/ops_rerun" --rerun b --conf '{}'
assert_eq "--rerun with --conf: exit 2" 2 "$RC"
ex "$T/ops_rerun" --force
assert_eq "--force alone: exit 2" 2 "$RC"

# ---------------------------------------------------------------- another build
S="$T/s-rerun"
REC=$(ls "$S"/ops_rerun/runs/*.json)
reset_fake
ex "$T/ops_rerun2" --rerun b
assert_eq "another build: --rerun refused (exit 2)" 2 "$RC"
assert_contains "another build: says why" "$ERR" "was recorded by another build of DAG 'ops_rerun' (source sha256:${SHA1:0:12}, bizc $VER; this executable: sha256:${SHA2:0:12}, bizc $VER)"
assert_contains "another build: names --force" "$ERR" "--rerun --force does it anyway"
ex "$T/ops_rerun2" --resume last
assert_eq "another build: --resume refused (exit 2)" 2 "$RC"
assert_eq "another build: nothing called" "0 0 0 0 0" "$(per_task)"
assert_eq "another build: the record is untouched" "$SHA1" "$(jq_py "$REC" 'r["source_sha256"]')"
ex "$T/ops_rerun2" --rerun b --force -q
assert_eq "another build, --force: exit 0" 0 "$RC"
assert_eq "another build, --force: only b called" "0 1 0 0 0" "$(per_task)"
assert_contains "another build, --force: warns" "$ERR" "continued by this build (--force)"
assert_eq "another build, --force: the record names the new build" "$SHA2" "$(jq_py "$REC" 'r["source_sha256"]')"
assert_eq "another build, --force: the history keeps the old one" "$SHA1" "$(jq_py "$REC" 'r["history"][-1]["source_sha256"]')"
ex "$T/ops_rerun" --rerun b
assert_eq "then the first build is the other one: refused" 2 "$RC"

# ---------------------------------------------------------------- metrics
S="$T/s-metrics"
M="$T/prom/ops.prom"
mkdir -p "$T/prom"
PROM="$BIZC_TOP_SRCDIR/tests/integration/prom_text.py"
# prom EXPR: a Python expression over the parsed metrics file (`f`, the
# families); v(name, **labels) is the value of one series.
prom() {
    python3 "$PROM" "$M" >"$T/prom.json" 2>"$T/prom.err" || { echo "unparsable: $(cat "$T/prom.err")"; return; }
    python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
def v(name, **labels):
    labels.setdefault("dag_id", "ops_rerun")
    fam = f[name]["samples"]
    got = [s[2] for s in fam if s[1] == labels]
    return got[0] if len(got) == 1 else "missing %s%s" % (name, labels)
r = eval(sys.argv[2])
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))
' "$T/prom.json" "$1"
}
reset_fake
ex "$T/ops_rerun" --conf '{"n": 2}' -q --metrics "$M"
assert_eq "metrics: the run exits 0" 0 "$RC"
assert_eq "metrics: parses as the Prometheus text format" ok "$(prom '"ok"')"
# The series README.md documents are exactly the file's.
DOC=$(sed -n '/^### Monitoring: metrics/,/^## /p' "$BIZC_TOP_SRCDIR/README.md" |
      sed -n 's/^| `\(bizc_[a-z_]*\).*/\1/p' | sort | tr '\n' ' ')
assert_eq "metrics: the documented series, and only them" "$DOC" "$(prom '" ".join(sorted(f)) + " "')"
assert_eq "metrics: every family has HELP and TYPE gauge" '[]' \
    "$(prom '[k for k in f if f[k]["type"] != "gauge" or not f[k]["help"]]')"
REC=$(ls "$S"/ops_rerun/runs/*.json)
assert_eq "metrics: run_info names the run and the build" "[\"$(jq_py "$REC" 'r["run_id"]')\", \"manual\", \"$SHA1\", \"$VER\", 1.0]" \
    "$(prom '[f["bizc_dag_run_info"]["samples"][0][1][k] for k in ("run_id", "run_type", "source_sha256", "bizc_version")] + [f["bizc_dag_run_info"]["samples"][0][2]]')"
assert_eq "metrics: success, state, exit status" '[1.0, 1.0, 0.0, 0.0, 0.0]' \
    "$(prom '[v("bizc_dag_run_success"), v("bizc_dag_run_state", state="success"), v("bizc_dag_run_state", state="failed"), v("bizc_dag_run_state", state="timed_out"), v("bizc_dag_run_exit_status")]')"
assert_eq "metrics: task state counts" '[5.0, 0.0, 0.0, 0.0]' \
    "$(prom '[v("bizc_dag_run_tasks", state=s) for s in ("success", "failed", "upstream_failed", "none")]')"
assert_eq "metrics: tries" '[5.0, 0.0, 1.0]' \
    "$(prom '[v("bizc_dag_run_tries"), v("bizc_dag_run_retries"), v("bizc_dag_task_tries", task_id="c")]')"
assert_eq "metrics: start <= end, duration = end - start" true \
    "$(prom 'v("bizc_dag_run_start_timestamp_seconds") <= v("bizc_dag_run_end_timestamp_seconds") and abs(v("bizc_dag_run_end_timestamp_seconds") - v("bizc_dag_run_start_timestamp_seconds") - v("bizc_dag_run_duration_seconds")) < 0.002')"
END1=$(jq_py "$REC" '__import__("datetime").datetime.fromisoformat(r["end_date"]).timestamp()')
assert_eq "metrics: last success = the run's end" true "$(prom "abs(v('bizc_dag_last_success_timestamp_seconds') - $END1) < 0.002")"
assert_eq "metrics: mode 0644" 644 "$(stat -c %a "$M")"
assert_eq "metrics: no temporary file left" "ops.prom" "$(ls -A "$T/prom" | tr '\n' ' ' | sed 's/ $//')"

# A failed run: outcome 0, the last success carried over from the file.
behave ops-d status=500
ex "$T/ops_rerun" --conf '{"n": 3}' -q --metrics "$M"
assert_eq "metrics, failed run: exit 1" 1 "$RC"
assert_eq "metrics, failed run: outcome, exit status, counts" '[0.0, 1.0, 1.0, 1.0, 4.0]' \
    "$(prom '[v("bizc_dag_run_success"), v("bizc_dag_run_state", state="failed"), v("bizc_dag_run_exit_status"), v("bizc_dag_run_tasks", state="failed"), v("bizc_dag_run_tasks", state="success")]')"
assert_eq "metrics, failed run: the last success carried over" true "$(prom "abs(v('bizc_dag_last_success_timestamp_seconds') - $END1) < 0.002")"
# Without the file, the records know it.
rm -f "$M"
ex "$T/ops_rerun" --conf '{"n": 4}' -q --metrics "$M"
assert_eq "metrics, no earlier file: the last success from the records" true "$(prom "abs(v('bizc_dag_last_success_timestamp_seconds') - $END1) < 0.002")"
behave ops-d
ex "$T/ops_rerun" --rerun d -q --metrics "$M"
assert_eq "metrics, --rerun: exit 0" 0 "$RC"
assert_eq "metrics, --rerun: success, d's second try" '[1.0, 2.0, 1.0]' \
    "$(prom '[v("bizc_dag_run_success"), v("bizc_dag_task_tries", task_id="d"), v("bizc_dag_run_retries")]')"
assert_eq "metrics, --rerun: the last success is now" true "$(prom "v('bizc_dag_last_success_timestamp_seconds') > $END1")"
# A file that cannot be written: a warning, the outcome unchanged.
ex "$T/ops_rerun" --conf '{"n": 5}' -q --metrics "$T/no-such-dir/ops.prom"
assert_eq "metrics, unwritable: exit 0 all the same" 0 "$RC"
assert_contains "metrics, unwritable: the log says why" "$ERR" "cannot write the metrics file $T/no-such-dir/ops.prom: No such file or directory"
ex "$T/ops_rerun" --list --metrics "$M"
assert_eq "metrics with --list: usage error" 2 "$RC"

# ---------------------------------------------------------------- webhooks
RECV="$BIZC_TOP_SRCDIR/tests/integration/webhook_recv.py"
TOKEN='T0/B0/Tok-s3cret-42'      # the webhook's token: never in a body or a log
VAR_SECRET='Sekr1t-Var-77'       # a variable named like a secret: masked
export AIRFLOW_VAR_API_TOKEN=$VAR_SECRET
export BIZ_WEBHOOK_RETRY_DELAY=0.05
N_RECV=0
# start_recv [ARGS...]: starts a receiver; sets RECV_PORT, RECV_OUT, RECV_PID.
start_recv() {
    N_RECV=$((N_RECV + 1))
    RECV_OUT="$T/recv.$N_RECV.jsonl"
    : >"$RECV_OUT"
    python3 "$RECV" "$RECV_OUT" "$@" >"$T/recv.$N_RECV.out" 2>"$T/recv.$N_RECV.err" &
    RECV_PID=$!
    _PIDS+=("$RECV_PID")
    _wait_line "$T/recv.$N_RECV.out" '^LISTENING [0-9]+' 10 "$RECV_PID" || { fail "the webhook receiver starts"; finish; }
    RECV_PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$T/recv.$N_RECV.out")
}
# got EXPR: a Python expression over what the receiver got: `q` the
# requests (path, headers, body, status), `b` their bodies parsed, and
# ev(name) the bodies of that event (generic format).
got() {
    python3 -c '
import json, sys
q = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(x["body"]) for x in q]
def ev(name): return [x for x in b if x.get("event") == name]
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$RECV_OUT" "$1"
}
# mark: a new file name for ops_alerts' flaky task (its first try fails).
mark() { mktemp -u "$T/mark.XXXXXX"; }
# no_secret DESC TEXT...: neither the token nor the variable's value is in TEXT.
no_secret() {
    local d=$1
    shift
    assert_not_contains "$d: not the webhook token" "$*" "Tok-s3cret-42"
    assert_not_contains "$d: not the secret variable" "$*" "$VAR_SECRET"
}

S="$T/s-hook"
# Slack's format through an Airflow-style connection (the password is the
# webhook's token, as for Airflow's Slack webhook connection).
start_recv
reset_fake
AIRFLOW_CONN_BIZ_WEBHOOK="{\"conn_type\": \"http\", \"host\": \"http://127.0.0.1:$RECV_PORT/hooks\", \"password\": \"$TOKEN\"}" \
    ex "$T/ops_alerts" --conf "{\"code\": 1, \"mark\": \"$(mark)\"}"
assert_eq "slack: the run fails as it would without the webhook" 1 "$RC"
assert_eq "slack: a retry and a failure notification, no success" 2 "$(got 'len(q)')"
assert_eq "slack: posted to the connection's URL with its token" "[\"/hooks/$TOKEN\", \"/hooks/$TOKEN\"]" "$(got '[x["path"] for x in q]')"
assert_eq "slack: JSON bodies of one key, text" '[["text"], ["text"]]' "$(got '[sorted(x) for x in b]')"
assert_eq "slack: content type" '["application/json", "application/json"]' "$(got '[x["headers"]["content-type"] for x in q]')"
assert_eq "slack: the retry names the task and the try" 1 "$(got 'len([x for x in b if "task `flaky` failed, will retry" in x["text"] and "(try 1 of 2)" in x["text"]])')"
assert_eq "slack: the failure names the task, the run, the error" 1 \
    "$(got 'len([x for x in b if "task `leak` failed in run `manual__" in x["text"] and "cannot log in with ***" in x["text"]])')"
no_secret "slack: bodies" "$(cat "$RECV_OUT" | python3 -c 'import json,sys; [print(json.loads(l)["body"]) for l in sys.stdin]')"
no_secret "slack: console" "$OUT$ERR"
no_secret "slack: the run's log" "$(cat "$S"/ops_alerts/logs/*.log)"
assert_contains "slack: the log says where it posted (host and port only)" "$ERR" "posted the failure notification for task leak to the webhook at http://127.0.0.1:$RECV_PORT (HTTP 200)"

# The generic format, from BIZ_WEBHOOK_URL; a run that succeeds.
reset_fake
BIZ_WEBHOOK_URL="http://127.0.0.1:$RECV_PORT/generic" BIZ_WEBHOOK_FORMAT=json \
    ex "$T/ops_alerts" --conf "{\"code\": 0, \"mark\": \"$(mark)\"}" -q
assert_eq "json: the run succeeds" 0 "$RC"
RID=$(ls -t "$S"/ops_alerts/runs/*.json | head -n 1 | xargs -I{} python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' {})
assert_eq "json: a retry and a success notification" '[1, 1, 0]' "$(got '[len(ev("retry")), len(ev("success")), len(ev("failure"))]')"
assert_eq "json: the retry's fields" "[\"ops_alerts\", \"$RID\", \"flaky\", \"up_for_retry\", 1, 2, \"$SHA_ALERTS\"]" \
    "$(got '[ev("retry")[0][k] for k in ("dag_id", "run_id", "task_id", "state", "try_number", "max_tries", "source_sha256")]')"
assert_eq "json: the success's fields" "[\"$RID\", null, \"success\", 2, \"$VER\"]" \
    "$(got '[ev("success")[0][k] for k in ("run_id", "task_id", "state", "tasks", "bizc_version")]')"
assert_contains "json: the retry's error" "$(got 'ev("retry")[0]["error"]')" "first try fails"
assert_contains "json: a text too" "$(got 'ev("success")[0]["text"]')" "succeeded"

# A receiver failing once: the notification is sent again.
start_recv --fail-first 1
reset_fake
BIZ_WEBHOOK_URL="http://127.0.0.1:$RECV_PORT/x" BIZ_WEBHOOK_EVENTS=success ex "$T/ops_alerts" --conf "{\"code\": 0, \"mark\": \"$(mark)\"}" -q
assert_eq "retried: exit 0" 0 "$RC"
assert_eq "retried: answered 500 then 200, the same body twice" '[[500, 200], 1]' "$(got '[[x["status"] for x in q], len(set(x["body"] for x in q))]')"
assert_contains "retried: the log says why" "$ERR" "could not post the success notification of run $(ls -t "$S"/ops_alerts/runs/ | head -n 1 | sed 's/\.json$//') to the webhook at http://127.0.0.1:$RECV_PORT (try 1 of 3): HTTP 500; again in"

# A 4xx is not retried.
start_recv --status 400
reset_fake
BIZ_WEBHOOK_URL="http://127.0.0.1:$RECV_PORT/x" BIZ_WEBHOOK_EVENTS=success ex "$T/ops_alerts" --conf "{\"code\": 0, \"mark\": \"$(mark)\"}" -q
assert_eq "4xx: exit 0" 0 "$RC"
assert_eq "4xx: one request" 1 "$(got 'len(q)')"
assert_contains "4xx: the log says why" "$ERR" "after 1 try: HTTP 400 (the run's outcome is not changed)"

# The receiver down: the outcome unchanged, the log says why.
DOWN=$(_free_port)
reset_fake
BIZ_WEBHOOK_URL="http://127.0.0.1:$DOWN/hooks/$TOKEN" ex "$T/ops_alerts" --conf "{\"code\": 0, \"mark\": \"$(mark)\"}" -q
assert_eq "down, success: exit 0" 0 "$RC"
assert_contains "down, success: the log says why" "$ERR" "could not post the success notification of run "
assert_contains "down, success: after 3 tries" "$ERR" "to the webhook at http://127.0.0.1:$DOWN after 3 tries: "
no_secret "down: console" "$ERR"
reset_fake
BIZ_WEBHOOK_URL="http://127.0.0.1:$DOWN/hooks/$TOKEN" ex "$T/ops_alerts" --conf "{\"code\": 1, \"mark\": \"$(mark)\"}" -q
assert_eq "down, failure: exit 1" 1 "$RC"
assert_contains "down, failure: the log says why" "$ERR" "could not post the failure notification for task leak to the webhook at http://127.0.0.1:$DOWN after 3 tries"

# Headers from the connection's extras; a bad setting is a warning only.
start_recv
reset_fake
AIRFLOW_CONN_BIZ_WEBHOOK="{\"conn_type\": \"http\", \"host\": \"http://127.0.0.1:$RECV_PORT/h\", \"extra\": {\"format\": \"json\", \"Authorization\": \"Bearer hdr-s3cret\"}}" \
    BIZ_WEBHOOK_EVENTS=failure ex "$T/ops_alerts" --conf "{\"code\": 1, \"mark\": \"$(mark)\"}"
assert_eq "extras: only the failure (BIZ_WEBHOOK_EVENTS)" '["failure"]' "$(got '[x["event"] for x in b]')"
assert_eq "extras: the header sent" "Bearer hdr-s3cret" "$(got 'q[0]["headers"]["authorization"]')"
assert_eq "extras: the format from the connection" leak "$(got 'b[0]["task_id"]')"
assert_not_contains "extras: the header value never logged" "$OUT$ERR$(cat "$S"/ops_alerts/logs/*.log)" "hdr-s3cret"
BIZ_WEBHOOK_URL="http://127.0.0.1:$RECV_PORT/x" BIZ_WEBHOOK_FORMAT=xml ex "$T/ops_alerts" --conf "{\"code\": 0, \"mark\": \"$(mark)\"}" -q
assert_eq "bad format: exit 0" 0 "$RC"
assert_contains "bad format: says why" "$ERR" "could not post the success notification of run"
assert_contains "bad format: names the value" "$ERR" "the webhook format 'xml' is not slack or json"

# ---------------------------------------------------------------- HTML report
compile_check invoice "$BIZC_TOP_SRCDIR/examples/invoice.biz" || finish
compile_check ops_report_big "$DAGS/ops_report_big.biz" || finish
CHECK="$BIZC_TOP_SRCDIR/tests/integration/report_check.py"
# page FILE EXPR: a Python expression over what report_check.py found in
# FILE (`p`), with `r` the last run record of state $S, COLOR the state
# colours the report documents.
page() {
    python3 "$CHECK" "$1" >"$T/page.json" 2>"$T/page.err" || { echo "unparsable: $(cat "$T/page.err")"; return; }
    python3 -c '
import glob, json, os, sys
p = json.load(open(sys.argv[1]))
recs = sorted(glob.glob(os.path.join(sys.argv[3], "*", "runs", "*.json")), key=os.path.getmtime)
r = json.load(open(recs[-1])) if recs else {}
COLOR = {"success": "#008000", "failed": "#ff0000", "upstream_failed": "#ffa500",
         "skipped": "#ff69b4", "up_for_retry": "#ffd700", "none": "#f0f0f0"}
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
 ' "$T/page.json" "$2" "$S"
}
# report_checks NAME FILE: the checks every report passes.
report_checks() {
    assert_eq "$1: every task of the record in the graph, coloured by its state" '[]' \
        "$(page "$2" '[k for k, v in r["tasks"].items() if p["nodes"].get(k) != [v["state"], COLOR[v["state"]]]]')"
    assert_eq "$1: one Gantt bar per try" '[]' \
        "$(page "$2" '[k for k, v in r["tasks"].items() if len(p["bars"].get(k, [])) != v["tries"]]')"
    assert_eq "$1: every task's details" '[]' "$(page "$2" '[k for k in r["tasks"] if k not in p["details"]]')"
    assert_eq "$1: nothing outside the page" '[]' "$(page "$2" 'p["external"]')"
    assert_contains "$1: the run's outcome, DAG version" "$(page "$2" 'p["text"]')" "sha256:$(page "$2" 'r["source_sha256"]'), bizc $VER"
}

S="$T/s-report"
reset_fake
ex "$T/invoice" --conf '{"data": {"customer": "C042"}}' --report "$T/invoice.html"
assert_eq "report: the invoice run exits 0" 0 "$RC"
assert_contains "report: the log names it" "$ERR" "the run's report: $T/invoice.html"
assert_eq "report: mode 0600, as the run's log" 600 "$(stat -c %a "$T/invoice.html")"
report_checks "report (invoice)" "$T/invoice.html"
assert_eq "report (invoice): the skipped branch is pink" '["skipped", "#ff69b4"]' "$(page "$T/invoice.html" 'p["nodes"]["mail_error"]')"
assert_contains "report (invoice): a task's log lines" "$(page "$T/invoice.html" 'p["logs"]["create_invoice"]')" "[create_invoice #1] start (try 1 of 1)"
assert_contains "report (invoice): a task's XComs" "$(page "$T/invoice.html" 'p["xcom"]["create_invoice"]')" '"customer":'
assert_contains "report (invoice): the conf" "$(page "$T/invoice.html" 'p["text"]')" '"C042"'

# A recorded run with retries, reruns and a secret: --show --html.
S="$T/s-rerun"
ex "$T/ops_rerun2" --show last --html "$T/rerun.html"
assert_eq "--show --html: exit 0" 0 "$RC"
assert_contains "--show --html: says where" "$OUT" "the report of run "
report_checks "report (reruns)" "$T/rerun.html"
assert_eq "report (reruns): b's bars, every try" '[1, 2, 3, 4]' "$(page "$T/rerun.html" '[b[0] for b in p["bars"]["b"]]')"
assert_contains "report (reruns): the earlier outcomes" "$(page "$T/rerun.html" 'p["text"]')" "cleared by rerun at"
assert_contains "report (reruns): the run's history" "$(page "$T/rerun.html" 'p["text"]')" "rerun of the success run from task b with its downstream tasks"
S="$T/s-hook"
ex "$T/ops_alerts" --show last --html "$T/alerts.html"
report_checks "report (retry)" "$T/alerts.html"
assert_eq "report (retry): flaky's two tries, the first up_for_retry" '[[1, "up_for_retry", "#ffd700"], [2, "success", "#008000"]]' \
    "$(page "$T/alerts.html" 'p["bars"]["flaky"]')"
no_secret "report (retry)" "$(cat "$T/alerts.html")"
ex "$T/ops_alerts" --html "$T/x.html"
assert_eq "--html without --show: usage error" 2 "$RC"
ex "$T/ops_alerts" --show nope --html "$T/x.html"
assert_eq "--show --html of an unknown run: exit 1" 1 "$RC"

# 1,002 tasks in ten groups.
S="$T/s-big"
ex "$T/ops_report_big" -q --report "$T/big.html"
assert_eq "report (1,002 tasks): the run exits 0" 0 "$RC"
report_checks "report (1,002 tasks)" "$T/big.html"
assert_eq "report (1,002 tasks): 1002 nodes, 1002 bars, 10 groups in each list" '[1002, 1002, 20]' \
    "$(page "$T/big.html" '[len(p["nodes"]), sum(len(b) for b in p["bars"].values()), p["groups"]]')"

# In a browser: headless Chromium (Debian's) opens each page without a
# console message, and its script runs (a search from the URL fades the
# graph's other tasks); a screenshot of each is kept.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    skip "report in a browser: chromium is not installed (apt-get install chromium)"
else
    SHOTS="$BIZC_TOP_BUILDDIR/tests/report-shots"
    mkdir -p "$SHOTS"
    # browse URL OUT: dumps the DOM after load into OUT, the console into OUT.err.
    browse() {
        timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
            --enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom "$1" >"$2" 2>"$2.err"
    }
    echo '<html><body><script>nosuch();</script></body></html>' >"$T/broken.html"
    browse "file://$T/broken.html" "$T/broken.dom"
    assert_contains "browser: a page's script error is seen (the check works)" "$(cat "$T/broken.dom.err")" ":CONSOLE"
    for name in invoice big; do
        q=$([ "$name" = big ] && echo "part_3.lane_2" || echo "check")
        browse "file://$T/$name.html#q=$q" "$T/$name.dom"
        assert_eq "browser ($name): opened" 0 $?
        assert_eq "browser ($name): no console message" "" "$(grep ':CONSOLE' "$T/$name.dom.err")"
        assert_eq "browser ($name): the search ran (other tasks faded, the hits not)" true \
            "$(python3 -c '
import re, sys
d = open(sys.argv[1]).read()
nodes = re.findall(r"<g class=\"([^\"]*)\" data-task=\"([^\"]*)\"", d)
hits = [t for c, t in nodes if sys.argv[2] in t]
print(str(bool(hits) and all(("faded" in c) == (sys.argv[2] not in t) for c, t in nodes)).lower())
' "$T/$name.dom" "$q")"
        timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --user-data-dir="$T/chromium" \
            --hide-scrollbars --window-size=1400,1000 --screenshot="$SHOTS/$name.png" "file://$T/$name.html" \
            >/dev/null 2>&1
        assert_eq "browser ($name): a screenshot ($SHOTS/$name.png)" true "$([ -s "$SHOTS/$name.png" ] && echo true)"
    done
fi

finish
