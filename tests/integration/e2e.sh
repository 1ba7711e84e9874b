#!/bin/bash
# e2e.sh: compiled DAGs against the fake CoWorks service.
#
# Compiles examples/invoice.biz and the DAGs in tests/integration/dags/, runs
# them, and checks what the fake service received (PROTOCOL.md: directory
# lookups, method, path, headers, body) and each run's exit status.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"
EXAMPLES="$BIZC_TOP_SRCDIR/examples"
BILLING=neorezo-billing_invoice-eshop

require_bizc
require_tools python3 curl
require_fake

# same_json DESC EXPECTED-JSON ACTUAL-JSON: compares two JSON texts as values.
same_json() {
    local a b
    a=$(printf '%s' "$2" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>&1)
    b=$(printf '%s' "$3" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>&1)
    assert_eq "$1" "$a" "$b"
}

# check_trace DESC TRACE: the x-amzn-trace-id of a run that started in
# [RUN_START, RUN_END]: Root=1-<start time, 8 hex>-<hex of "cws" + 9 digits>.
check_trace() {
    local re='^Root=1-([0-9a-f]{8})-([0-9a-f]{24})$'
    if [[ ! $2 =~ $re ]]; then
        fail "$1: format Root=1-<8 hex>-<24 hex>" "actual: $2"
        return
    fi
    pass "$1: format Root=1-<8 hex>-<24 hex>"
    local t=$((16#${BASH_REMATCH[1]})) run
    if [ "$t" -ge $((RUN_START - 1)) ] && [ "$t" -le $((RUN_END + 1)) ]; then
        pass "$1: time part is the run's start"
    else
        fail "$1: time part is the run's start" "got $t, run from $RUN_START to $RUN_END"
    fi
    run=$(printf '%s' "${BASH_REMATCH[2]}" | python3 -c 'import sys; print(bytes.fromhex(sys.stdin.read()).decode("ascii", "replace"))')
    assert_match "$1: second part is \"cws\" + 9-digit run number" '^cws[0-9]{9}$' "$run"
    assert_eq "$1: the run number is the record's" "$run" "$(record '"cws%09d" % r["run_number"]')"
}

# no_secret DESC SECRET: the last run's output does not show SECRET.
no_secret() {
    assert_not_contains "$1" "$RUN_OUT
$RUN_ERR" "$2"
}

# ---------------------------------------------------------------- invoice: success
DATA='{"customer": "C042", "lines": [{"sku": "A1", "qty": 2}, {"sku": "B7", "qty": 1}], "total": 12.5, "paid": false, "note": "café \"quoted\""}'

if compile_check invoice "$EXAMPLES/invoice.biz"; then
    reset_fake
    run_dag "$T/invoice" --conf "{\"data\": $DATA}"
    assert_eq "invoice: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run

    assert_eq "invoice: directory lookups are GETs" true "$(calls 'all(x["method"] == "GET" for x in dirc)')"
    assert_eq "invoice: directory asked for both services" \
        "[\"/directory/$BILLING\", \"/directory/neorezo-mailer\"]" \
        "$(calls 'sorted(set(x["path"] for x in dirc))')"
    assert_eq "invoice: no stage in the lookups" true "$(calls 'all("stage" not in x["query"] for x in dirc)')"

    ci="path_is('/svc/$BILLING/invoice')"
    assert_eq "invoice: create_invoice called once" 1 "$(calls "len($ci)")"
    assert_eq "invoice: create_invoice is a POST" POST "$(calls "$ci[0]['method']")"
    assert_eq "invoice: Content-Type" application/json "$(calls "h($ci[0], 'content-type')")"
    assert_eq "invoice: Accept" application/json "$(calls "h($ci[0], 'accept')")"
    assert_eq "invoice: Authorization is the directory's token" "token-$BILLING" "$(calls "h($ci[0], 'authorization')")"
    same_json "invoice: body is dag_run.conf['data']" "$DATA" "$(calls "$ci[0]['json']")"
    check_trace "invoice: trace header" "$(calls "h($ci[0], 'x-amzn-trace-id')")"
    assert_eq "invoice: one trace id for the whole run" 1 "$(calls 'len(set(h(x, "x-amzn-trace-id") for x in svc))')"
    assert_eq "invoice: no asynchronous header on a sync call" null "$(calls "h($ci[0], 'invocationtype')")"

    send="[x for x in path_is('/svc/neorezo-mailer/send') if (x['json'] or {}).get('template') == 'invoice']"
    err="[x for x in path_is('/svc/neorezo-mailer/send') if (x['json'] or {}).get('template') == 'invoice_error']"
    assert_eq "invoice: send_to_customer ran once" 1 "$(calls "len($send)")"
    assert_eq "invoice: mail_error was not called" 0 "$(calls "len($err)")"
    assert_eq "invoice: record: mail_error skipped" skipped "$(task_state mail_error)"
    assert_eq "invoice: record: run success" success "$(record 'r["state"]')"
    assert_eq "invoice: send_to_customer's token" token-neorezo-mailer "$(calls "h($send[0], 'authorization')")"
    assert_eq "invoice: send_to_customer renders conf into a nested dict" C042 "$(calls "$send[0]['json']['to']")"
    same_json "invoice: xcom_pull of create_invoice gives its JSON answer (native)" \
        "$DATA" "$(calls "$send[0]['json']['invoice']['json']")"
    assert_eq "invoice: create_invoice was called before send_to_customer" true \
        "$(calls "$ci[0]['time'] <= $send[0]['time']")"
    no_secret "invoice: the token is not in the output" "token-$BILLING"

    # ------------------------------------------------------------ invoice: a 4xx answer
    reset_fake
    behave "$BILLING" status=404
    run_dag "$T/invoice" --conf "{\"data\": $DATA}"
    assert_eq "invoice 404: exit status 0 (raise_400_errors=False, branch to mail_error)" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "invoice 404: create_invoice called once" 1 "$(calls "len($ci)")"
    assert_eq "invoice 404: mail_error ran once" 1 "$(calls "len($err)")"
    assert_eq "invoice 404: send_to_customer was not called" 0 "$(calls "len($send)")"
    assert_eq "invoice 404: record: send_to_customer skipped" skipped "$(task_state send_to_customer)"
    assert_eq "invoice 404: record: create_invoice success" success "$(task_state create_invoice)"
    assert_eq "invoice 404: record: status_code XCom" 404 "$(record 'r["tasks"]["create_invoice"]["xcom"].get("status_code")')"
    assert_eq "invoice 404: mail_error got the status XCom" 404 "$(calls "$err[0]['json']['status'] if $err else None")"
    assert_eq "invoice 404: mail_error got the error answer" 404 \
        "$(calls "($err[0]['json']['answer'] or {}).get('status') if $err else None")"
    behave "$BILLING"

    # ------------------------------------------------------------ no directory connection
    reset_fake
    saved=$AIRFLOW_CONN_COWORKS_DIRECTORY
    unset AIRFLOW_CONN_COWORKS_DIRECTORY
    run_dag "$T/invoice" --conf "{\"data\": $DATA}"
    export AIRFLOW_CONN_COWORKS_DIRECTORY=$saved
    assert_eq "no directory connection: exit status 1" 1 "$RUN_RC"
    assert_contains "no directory connection: the error names the variable" "$RUN_OUT
$RUN_ERR" AIRFLOW_CONN_COWORKS_DIRECTORY
    assert_eq "no directory connection: nothing called" 0 "$(calls 'len(c)')"
fi

# ---------------------------------------------------------------- branch on 4xx / 204 / 2xx
if compile_check branch_status "$DAGS/branch_status.biz"; then
    for case in "/status/404 error" "/status/204 empty" "/anything ok"; do
        set -- $case
        reset_fake
        run_dag "$T/branch_status" --conf "{\"entry\": \"$1\"}"
        assert_eq "branch $1: exit status 0" 0 "$RUN_RC"
        [ "$RUN_RC" = 0 ] || show_run
        assert_eq "branch $1: the probe called $1" 1 "$(calls "len(path_is('/svc/svc-probe$1'))")"
        assert_eq "branch $1: only the $2 branch ran" "[\"/svc/svc-branch/$2\"]" \
            "$(calls 'sorted(x["path"] for x in to("svc-branch"))')"
    done
    reset_fake
    run_dag "$T/branch_status" --conf '{"entry": "/status/404"}'
    assert_eq "branch: when_error got status_code 404" 404 \
        "$(calls "path_is('/svc/svc-branch/error')[0]['json']['status'] if path_is('/svc/svc-branch/error') else None")"
fi

# ---------------------------------------------------------------- direct api_id/stage/token
if compile_check direct "$DAGS/direct.biz"; then
    reset_fake
    export BIZ_API_GATEWAY_URL="$FAKE_URL/apigw/{api_id}/{stage}"
    run_dag "$T/direct" --conf '{"id": "F-17", "q": "a b&c"}'
    unset BIZ_API_GATEWAY_URL
    assert_eq "direct: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "direct: no directory lookup" 0 "$(calls 'len(dirc)')"
    assert_eq "direct: called <base>/<api_id>/<stage>/<entry>" '["/apigw/fakeapi/v1/invoice/F-17"]' \
        "$(calls '[x["path"] for x in apigw]')"
    assert_eq "direct: GET" GET "$(calls 'apigw[0]["method"] if apigw else None')"
    assert_eq "direct: Authorization is the token argument" tok-direct "$(calls 'h(apigw[0], "authorization") if apigw else None')"
    assert_eq "direct: query_params, encoded" '{"q": "a b&c"}' "$(calls 'apigw[0]["query"] if apigw else None')"
    assert_eq "direct: extra header" one "$(calls 'h(apigw[0], "x-extra") if apigw else None')"
    assert_eq "direct: Accept still set" application/json "$(calls 'h(apigw[0], "accept") if apigw else None')"
    no_secret "direct: the token is not in the output" tok-direct
fi

# ---------------------------------------------------------------- failure rules
if compile_check call "$DAGS/call.biz"; then
    # call_case NAME ENTRY MODE: runs call.biz once.
    call_case() {
        reset_fake
        run_dag "$T/call" --conf "{\"name\": \"$1\", \"entry\": \"$2\", \"mode\": \"$3\", \"data\": {\"n\": 1}}"
    }

    call_case svc-err /status/500 ""
    assert_eq "500 with raise_errors: exit status 1" 1 "$RUN_RC"
    assert_eq "500 with raise_errors: no retry although retries=2" 1 "$(calls 'len(to("svc-err"))')"
    assert_eq "500 with raise_errors: the downstream task did not run" 0 "$(calls 'len(to("svc-after"))')"
    assert_eq "500 with raise_errors: record: one try" 1 "$(record 'r["tasks"]["first"]["tries"]')"
    assert_eq "500 with raise_errors: record: first failed, after upstream_failed" "failed upstream_failed" \
        "$(task_state first) $(task_state after)"

    call_case svc-err /status/404 ""
    assert_eq "404 with raise_400_errors: exit status 1" 1 "$RUN_RC"
    assert_eq "404 with raise_400_errors: no retry" 1 "$(calls 'len(to("svc-err"))')"

    call_case svc-flaky /flaky/s503/1 ""
    assert_eq "503 is final too: exit status 1" 1 "$RUN_RC"
    assert_eq "503 is final too: one call" 1 "$(calls 'len(to("svc-flaky"))')"

    # A half answer, not a reset: a POST reset on a reused connection is no
    # longer resent by libcurl (the try fails; fault.sh tests that case).
    call_case svc-flaky /flaky/reset1/1 partial
    assert_eq "transport error is retried: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "transport error is retried: two calls" 2 "$(calls 'len(to("svc-flaky"))')"
    assert_eq "transport error is retried: then the downstream task ran" 1 "$(calls 'len(to("svc-after"))')"

    call_case svc-flaky /flaky/reset3/3 partial
    assert_eq "transport errors beyond retries: exit status 1" 1 "$RUN_RC"
    assert_eq "transport errors beyond retries: 1 + 2 tries" 3 "$(calls 'len(to("svc-flaky"))')"

    call_case missing-service /x ""
    assert_eq "unknown service: exit status 1" 1 "$RUN_RC"
    assert_eq "unknown service: looked up in the directory" true "$(calls 'len(path_is("/directory/missing-service")) >= 1')"
    assert_eq "unknown service: nothing else called" 0 "$(calls 'len(svc)')"
    assert_contains "unknown service: the error names it" "$RUN_OUT
$RUN_ERR" missing-service

    # A rendered entry and query value with spaces and reserved characters,
    # sent as requests sends CoWorks' f"{url}/{entry}" with params=: the
    # path normalized and escaped by urllib3, the value urlencoded, the
    # whole requoted (what tests/unit/test_http.c checks against requests).
    call_case svc-url '/inv oice/./2024 [Q1]/x/../y;z@w/caf\u00e9/100%' 'a b&c=d+e/f?g#h%i~*'
    assert_eq "entry and query with reserved characters: exit status 0" 0 "$RUN_RC"
    assert_eq "entry and query with reserved characters: the request target" \
        '/svc/svc-url/inv%20oice/2024%20%5BQ1%5D/y;z@w/caf%C3%A9/100%25?mode=a+b%26c%3Dd%2Be%2Ff%3Fg%23h%25i~%2A' \
        "$(calls 'svc[0]["target"]')"
    assert_eq "entry and query with reserved characters: the service's path" \
        '/svc/svc-url/inv oice/2024 [Q1]/y;z@w/café/100%' "$(calls 'svc[0]["path"]')"
    assert_eq "entry and query with reserved characters: the query value" \
        'a b&c=d+e/f?g#h%i~*' "$(calls 'svc[0]["query"]["mode"]')"
fi

# ---------------------------------------------------------------- secrets read by templates
# A connection's password and a variable named like a secret, read by a
# template, are masked (as Airflow masks them); a directory answering a
# non-JSON page is said so.
cat >"$T/secret_tpl.biz" <<'EOF'
from datetime import datetime

from airflow.operators.bash import BashOperator
from coworks.biz import TechMicroServiceOperator
from coworks.biz import biz


@biz(
    start_date=datetime(2024, 1, 1),
    schedule_interval=None,
    catchup=False,
)
def secret_tpl():
    leak = BashOperator(
        task_id='leak',
        bash_command='echo "pw={{ conn.vault.password }} tok={{ var.value.api_token }}"; '
                     'echo "pw={{ conn.vault.password }} tok={{ var.value.api_token }} user={{ var.value.user }}" >&2; '
                     'exit 1',
    )
    garbled = TechMicroServiceOperator(
        task_id='garbled',
        cws_name='dirgarbage-page',
        trigger_rule='all_done',
    )
    hdr = TechMicroServiceOperator(
        task_id='hdr',
        cws_name='svc-hdr',
        no_auth=True,
        headers={'Authorization': 'Bearer hdr-s3cr3t'},
        method='POST',
        json={'echo': 'Bearer hdr-s3cr3t'},
        log_response=True,
    )
    leak >> garbled


secret_tpl()
EOF
if compile_check secret_tpl "$T/secret_tpl.biz"; then
    reset_fake
    AIRFLOW_CONN_VAULT='http://vuser:conn-pw-s3cr3t@127.0.0.1:1' AIRFLOW_VAR_API_TOKEN=var-tok-s3cr3t \
        AIRFLOW_VAR_USER=alice run_dag "$T/secret_tpl" -v
    assert_eq "secret_tpl: exit status 1" 1 "$RUN_RC"
    no_secret "secret_tpl: a connection's password read by a template is masked" conn-pw-s3cr3t
    no_secret "secret_tpl: a variable named like a secret is masked" var-tok-s3cr3t
    assert_contains "secret_tpl: masked as ***" "$RUN_ERR" "pw=*** tok=*** user=alice"
    assert_eq "secret_tpl: nothing in the state directory" "" \
        "$(grep -rl -e conn-pw-s3cr3t -e var-tok-s3cr3t -e hdr-s3cr3t "$RUN_STATE" 2>/dev/null)"
    assert_contains "secret_tpl: a non-JSON directory answer is said so" "$RUN_ERR" \
        "with a body that is not JSON"
    no_secret "secret_tpl: an Authorization header set by the DAG is masked" hdr-s3cr3t
    assert_eq "secret_tpl: the header was sent" "Bearer hdr-s3cr3t" \
        "$(calls "h(path_is('/svc/svc-hdr/')[0], 'authorization') if path_is('/svc/svc-hdr/') else None")"
    AIRFLOW_CONN_VAULT='http://vuser:conn-pw-s3cr3t@127.0.0.1:1' AIRFLOW_VAR_API_TOKEN=var-tok-s3cr3t \
        AIRFLOW_VAR_USER=alice run_dag "$T/secret_tpl" --dry-run
    assert_eq "secret_tpl --dry-run: exit status 0" 0 "$RUN_RC"
    no_secret "secret_tpl --dry-run: no connection password" conn-pw-s3cr3t
    no_secret "secret_tpl --dry-run: no secret variable" var-tok-s3cr3t
    no_secret "secret_tpl --dry-run: no Authorization header" hdr-s3cr3t
fi

finish
