#!/bin/bash
# mapping.sh: dynamic task mapping (issue 12). A DAG maps a call over the
# 200 invoices an upstream call returned: the service sees exactly 200
# calls with the right bodies, the downstream task gets the 200 results in
# map index order; a SIGKILL in the middle and --resume last repeat no
# instance that had finished; an empty list skips the mapped task; a value
# that is not a list fails it with Airflow's message; max_active_tis_per_dag
# bounds the instances in flight.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl
start_s3rver || skip_suite "s3rver cannot run here (node/npm): the listing is an asynchronous call"
require_fake --async-delay-ms 0

compile_check mapping_invoices "$DAGS/mapping_invoices.biz" || finish
EXE="$T/mapping_invoices"

# ---------------------------------------------------------------- a whole run
reset_fake
run_dag "$EXE"
assert_eq "200 items: exit 0" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || show_run
assert_eq "200 items: the service saw exactly 200 mapped calls" 200 "$(calls 'len([x for x in svc if x["path"].startswith("/svc/billing/invoice")])')"
assert_eq "200 items: each body is its item, once" \
    "$(python3 -c 'import json; print(json.dumps(sorted(json.dumps({"invoice": "INV-%04d" % k, "n": k}, sort_keys=True) for k in range(200)), sort_keys=True))')" \
    "$(calls 'sorted(__import__("json").dumps(x["json"], sort_keys=True) for x in svc if x["path"].startswith("/svc/billing/invoice"))')"
assert_eq "200 items: the downstream task got the 200 results in map index order" \
    "$(python3 -c 'print(list(range(200)))')" \
    "$(calls 'str([x["json"]["n"] for x in to("audit")[0]["json"]])')"
assert_eq "200 items: the results are the instances' answers" '/invoice/slow/0' \
    "$(calls 'to("audit")[0]["json"][7]["entry"]')"
assert_eq "max_active_tis_per_dag=8: at most 8 instances in flight" true "$(stats 's["max_in_flight"] <= 8')"
assert_eq "the record: send mapped into 200 instances" 200 "$(record 'r["tasks"]["send"]["mapped"]')"
assert_eq "the record: instances keyed task_id[k], with map_index" '[17, "success", "17"]' \
    "$(record '[r["tasks"]["send[17]"]["map_index"], r["tasks"]["send[17]"]["state"], r["tasks"]["send[17]"]["rendered_map_index"]]')"
assert_eq "the record: the mapped task's XCom is the list of results" 200 \
    "$(record 'len(__import__("json").loads(__import__("json").dumps(r["tasks"]["send"]["xcom"]["return_value"])))')"
assert_contains "the summary shows the mapped task and its instances" "$RUN_OUT" "send[199]"
assert_match "the summary says into how many" "send +success +0 +[0-9.]+s +\\(mapped: 200\\)" "$RUN_OUT"
out=$("$EXE" --list 2>&1)
assert_contains "--list shows the task as mapped" "$out" "send [ ]"

# The HTML report: the mapped task is one box in the graph, "send [200]";
# its instances are listed under it, in map order, each with its tries.
"$EXE" --state-dir "$RUN_STATE" --show last --html "$T/mapped.html" >/dev/null 2>&1
assert_eq "report: written" 0 $?
python3 "$(dirname "$0")/report_check.py" "$T/mapped.html" >"$T/mapped.json"
pj() { python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/mapped.json" "$1"; }
assert_eq "report: the mapped task is one box, with its count" '{'"'"'send'"'"': 200}' "$(pj 'p["mapped"]')"
assert_eq "report: no box per instance" '[]' "$(pj '[k for k in p["nodes"] if "[" in k]')"
assert_eq "report: the instances under their task, in map order" True \
    "$(pj 'p["instances"].get("send") == ["send[%d]" % k for k in range(200)]')"
assert_eq "report: one Gantt bar per instance's try" '[]' \
    "$(pj '[k for k in ["send[%d]" % k for k in range(200)] if len(p["bars"].get(k, [])) != 1]')"
assert_contains "report: the box's title counts the instances by state" "$(cat "$T/mapped.html")" \
    "mapped into 200 instances: 200 success"

# ---------------------------------------------------------------- kill and resume
reset_fake
S="$T/s-kill"
mkdir -p "$S"
"$EXE" --state-dir "$S" -q --conf '{"slow": 100}' >"$T/kill.out" 2>"$T/kill.err" &
P=$!
# Killed once the service has answered 60 of the mapped calls: in the
# middle, whatever the machine's speed.
for _ in $(seq 1 1200); do
    n=$(fake_get /_calls | grep -o '"path": "/svc/billing/invoice' | wc -l)
    [ "${n:-0}" -ge 60 ] && break
    kill -0 $P 2>/dev/null || break
    sleep 0.05
done
kill -KILL $P 2>/dev/null
wait $P 2>/dev/null
before=$(calls 'sorted(x["json"]["n"] for x in svc if x["path"].startswith("/svc/billing/invoice"))')
nbefore=$(calls 'len([x for x in svc if x["path"].startswith("/svc/billing/invoice")])')
assert_eq "kill: the run died in the middle ($nbefore mapped calls made)" true "$(python3 -c "print(str(60 <= $nbefore < 200).lower())")"
# What the record says had finished when the kill landed.
"$EXE" --state-dir "$S" --show last >"$T/show.out" 2>&1
done_before=$(python3 -c '
import re, sys
print(sorted(int(m.group(1)) for m in re.finditer(r"^send\[(\d+)\]\s+success", open(sys.argv[1]).read(), re.M)))
' "$T/show.out")
assert_eq "kill: the record shows finished instances" true "$(python3 -c "print(str(len($done_before) >= 50).lower())")"
"$EXE" --state-dir "$S" -q --resume last >"$T/resume.out" 2>"$T/resume.err"
assert_eq "--resume last: exit 0" 0 $?
assert_eq "--resume: every item was called" "$(python3 -c 'print(list(range(200)))')" \
    "$(calls 'str(sorted(set(x["json"]["n"] for x in svc if x["path"].startswith("/svc/billing/invoice"))))')"
assert_eq "--resume: no instance that had finished was called again" "[]" \
    "$(calls "str([n for n in $done_before if len([x for x in svc if x['path'].startswith('/svc/billing/invoice') and x['json']['n'] == n]) != 1])")"
assert_eq "--resume: only unfinished instances were called again" true \
    "$(calls "len([x for x in svc if x['path'].startswith('/svc/billing/invoice')]) - 200 <= 200 - len($done_before)")"
assert_eq "--resume: the listing was not called again" 1 "$(calls 'len([x for x in svc if x["path"] == "/svc/billing/items/200" and h(x, "invocationtype") == "Event"])')"
assert_eq "--resume: the downstream task got the 200 results in order" \
    "$(python3 -c 'print(list(range(200)))')" \
    "$(calls 'str([x["json"]["n"] for x in to("audit")[-1]["json"]])')"
"$EXE" --state-dir "$S" --show last >"$T/show2.out" 2>&1
assert_match "--show: the resumed run succeeded" "state: +success" "$(cat "$T/show2.out")"

# ---------------------------------------------------------------- empty and wrong
reset_fake
run_dag "$EXE" --conf '{"count": 0}'
assert_eq "empty list: exit 0" 0 "$RUN_RC"
assert_eq "empty list: no mapped call" 0 "$(calls 'len([x for x in svc if x["path"].startswith("/svc/billing/invoice")])')"
assert_eq "empty list: the mapped task is skipped" skipped "$(task_state send)"
assert_eq "empty list: its downstream task is skipped (all_success)" skipped "$(task_state collect)"

cat >"$T/wrong.biz" <<'EOF'
from datetime import datetime

from airflow.operators.bash import BashOperator
from coworks.biz import TechMicroServiceOperator, biz


@biz(start_date=datetime(2024, 1, 1), schedule=None)
def mapping_wrong():
    echo = BashOperator(task_id='echo', bash_command='echo hi')
    TechMicroServiceOperator.partial(task_id='send', cws_name='billing').expand(json=echo.output)


mapping_wrong()
EOF
compile_check wrong "$T/wrong.biz" || finish
reset_fake
run_dag "$T/wrong"
assert_eq "a str to map over: exit 1" 1 "$RUN_RC"
assert_eq "a str to map over: the task that pushed it fails, as on Airflow" failed "$(task_state echo)"
assert_eq "a str to map over: Airflow's message" "unmappable return type 'str'" "$(record 'r["tasks"]["echo"]["reason"]')"
assert_eq "a str to map over: the mapped task is upstream_failed" upstream_failed "$(task_state send)"
assert_eq "a str to map over: no call" 0 "$(calls 'len(svc)')"

# ---------------------------------------------------------------- constants
cat >"$T/const.biz" <<'EOF'
from datetime import datetime

from airflow.operators.bash import BashOperator
from coworks.biz import TechMicroServiceOperator, biz


@biz(start_date=datetime(2024, 1, 1), schedule=None)
def mapping_const():
    calls = TechMicroServiceOperator.partial(task_id='calls', cws_name='billing', method='POST').expand(
        entry=['/a', '/b'], json=[{'day': '{{ ds }}'}, {'n': 2}, {'n': 3}])
    kw = TechMicroServiceOperator.partial(task_id='kw', cws_name='billing').expand_kwargs(
        [{'entry': '/k0'}, {'entry': '/k1', 'method': 'POST', 'json': {'i': '{{ ti.map_index }}'}}])
    echo = BashOperator.partial(task_id='echo').expand(bash_command=['echo one', 'echo two'])
    calls >> kw >> echo


mapping_const()
EOF
compile_check const "$T/const.biz" || finish
reset_fake
run_dag "$T/const" --logical-date 2024-03-01
assert_eq "constants: exit 0" 0 "$RUN_RC"
assert_eq "constants: the product in map index order, the last argument fastest" \
    '[["/a", {"day": "2024-03-01"}], ["/a", {"n": 2}], ["/a", {"n": 3}], ["/b", {"day": "2024-03-01"}], ["/b", {"n": 2}], ["/b", {"n": 3}]]' \
    "$(record '[[x["entry"], x["json"]] for x in r["tasks"]["calls"]["xcom"]["return_value"]]')"
assert_eq "expand_kwargs: each dict's arguments, templates rendered per instance" \
    '[["GET", "/svc/billing/k0", null], ["POST", "/svc/billing/k1", {"i": "1"}]]' \
    "$(calls 'sorted([x["method"], x["path"], x["json"]] for x in to("billing") if "/k" in x["path"])')"
assert_eq "BashOperator mapped: both instances ran" '["one", "two"]' "$(record 'r["tasks"]["echo"]["xcom"]["return_value"]')"

finish
