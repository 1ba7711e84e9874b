#!/bin/bash
# async.sh: asynchronous calls, their sensors and result readers, and
# TechMicroServiceSensor, against the fake CoWorks service and s3rver.
#
# Compiles the DAGs in tests/integration/dags/ (async_group, async_chain,
# async_soft, tech_sensor), runs them, and checks the tasks' states (from
# the run's summary), exit statuses, messages, and what the fake service
# received.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"
BILLING=neorezo-billing_invoice-eshop

require_bizc
require_tools python3 curl
start_s3rver || skip_suite "s3rver cannot run here (node/npm): asynchronous calls untested"
require_fake
S3_ENDPOINT=$AWS_ENDPOINT_URL_S3

# state TASK: the task's state in the last run's summary ("-" when absent).
state() {
    printf '%s\n%s\n' "$RUN_OUT" "$RUN_ERR" |
        awk -v t="$1" '$1 == t && NF >= 4 && $3 ~ /^[0-9]+$/ { s = $2 } END { print (s ? s : "-") }'
}

# tries TASK: the task's number of tries in the last run's summary.
tries() {
    printf '%s\n%s\n' "$RUN_OUT" "$RUN_ERR" |
        awk -v t="$1" '$1 == t && NF >= 4 && $3 ~ /^[0-9]+$/ { n = $3 } END { print (n ? n : "-") }'
}

# states TASK...: "task=state" for each task, space-separated.
states() {
    local out="" t
    for t in "$@"; do out="$out $t=$(state "$t")"; done
    echo "${out# }"
}

# same_json DESC EXPECTED-JSON ACTUAL-JSON: compares two JSON texts as values.
same_json() {
    local a b
    a=$(printf '%s' "$2" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>&1)
    b=$(printf '%s' "$3" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>&1)
    assert_eq "$1" "$a" "$b"
}

# s3_object KEY: the object coworks-airflow/KEY as stored in s3rver.
s3_object() {
    curl -sS --max-time 10 --aws-sigv4 aws:amz:us-east-1:s3 -u S3RVER:S3RVER \
        -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
        "$S3_ENDPOINT/coworks-airflow/$1"
}

DATA='{"customer": "C042", "lines": [{"sku": "A1", "qty": 2}], "total": 12.5, "note": "café \"quoted\""}'

# ---------------------------------------------------------------- the seed's group
if compile_check async_group "$DAGS/async_group.biz"; then
    reset_fake
    run_dag "$T/async_group" -v --conf "{\"data\": $DATA}"
    assert_eq "group: exit status 0" 0 "$RUN_RC"
    assert_eq "group: every task succeeded" \
        "invoice.call=success invoice.wait=success invoice.read=success send_mail=success log_result=success" \
        "$(states invoice.call invoice.wait invoice.read send_mail log_result)"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "group: the call is asynchronous (InvocationType: Event)" Event \
        "$(calls 'h(to("'$BILLING'")[0], "invocationtype")')"
    assert_eq "group: bucket header" coworks-airflow \
        "$(calls 'h(to("'$BILLING'")[0], "x-cws-s3bucket")')"
    KEY=$(calls 'h(to("'$BILLING'")[0], "x-cws-s3key")')
    assert_match "group: key s3/<dag_id>/<task_id>/<job id>" \
        '^s3/async_group/invoice\.call/[0-9a-f-]{36}$' "$KEY"
    same_json "group: the call's body is the conf's data" "$DATA" \
        "$(calls 'to("'$BILLING'")[0]["json"]')"
    assert_eq "group: the result was stored where the headers said" "[\"$KEY\", 200]" \
        "$(s3puts '[p[0]["key"], p[0]["status"]] if p else None')"
    assert_match "group: the sensor poked (HEAD) at least once, logged with -v" \
        'poke 1: HEAD s3://coworks-airflow/s3/async_group/invoice\.call/' "$RUN_ERR$RUN_OUT"
    STORED=$(s3_object "$KEY")
    BODY=$(printf '%s' "$STORED" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["body"]))' 2>&1)
    same_json "group: send_mail's body (invoice.output) is the stored result's body" "$BODY" \
        "$(calls 'to("mailer")[0]["json"]')"
    same_json "group: log_result's body holds ti.xcom_pull(task_ids='invoice.read')" \
        "{\"result\": $BODY}" "$(calls 'to("logger")[0]["json"]')"
    assert_eq "group: the stored result echoes the call's data" True \
        "$(printf '%s' "$BODY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["json"]["customer"] == "C042")')"
    assert_eq "group: each service called once" "[1, 1, 1]" \
        "$(calls '[len(to("'$BILLING'")), len(to("mailer")), len(to("logger"))]')"
    no_s3_secret_shown=$(printf '%s' "$RUN_OUT$RUN_ERR" | grep -c 'S3RVER' || true)
    assert_eq "group: the S3 secret key is never shown" 0 "$no_s3_secret_shown"

    # ------------------------------------------------ S3 through an Airflow connection
    reset_fake
    CONN="aws://S3RVER:S3RVER@/?region_name=us-east-1&endpoint_url=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S3_ENDPOINT")"
    (
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_S3 AWS_REGION
        export AIRFLOW_CONN_AWS_S3="$CONN"
        run_dag "$T/async_group" --conf "{\"data\": $DATA}"
        echo "$RUN_RC" >"$T/conn.rc"
        printf '%s\n%s\n' "$RUN_OUT" "$RUN_ERR" >"$T/conn.out"
    )
    RUN_RC=$(cat "$T/conn.rc"); RUN_OUT=$(cat "$T/conn.out"); RUN_ERR=
    assert_eq "connection aws_s3 (URI, no AWS_* variables): exit status 0" 0 "$RUN_RC"
    assert_eq "connection aws_s3: wait and read succeeded" \
        "invoice.wait=success invoice.read=success" "$(states invoice.wait invoice.read)"
    [ "$RUN_RC" = 0 ] || show_run

    # A secret of the connection's own (s3rver checks only the key id of a
    # V4 request) never reaches the log.
    reset_fake
    CONN2="aws://S3RVER:n0t-A-r3al-s3cr3t@/?region_name=us-east-1&endpoint_url=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$S3_ENDPOINT")"
    (
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_S3 AWS_REGION
        export AIRFLOW_CONN_AWS_S3="$CONN2"
        run_dag "$T/async_group" -v --conf "{\"data\": $DATA}"
        echo "$RUN_RC" >"$T/conn.rc"
        printf '%s\n%s\n' "$RUN_OUT" "$RUN_ERR" >"$T/conn.out"
    )
    RUN_RC=$(cat "$T/conn.rc"); RUN_OUT=$(cat "$T/conn.out"); RUN_ERR=
    assert_eq "connection with its own secret: exit status 0" 0 "$RUN_RC"
    assert_not_contains "connection with its own secret: the secret is never shown (-v)" \
        "$RUN_OUT" "n0t-A-r3al-s3cr3t"

    # No credentials at all: the wait fails and says what to set.
    reset_fake
    (
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_S3 AWS_REGION AIRFLOW_CONN_AWS_S3
        run_dag "$T/async_group" --conf "{\"data\": $DATA}"
        echo "$RUN_RC" >"$T/conn.rc"
        printf '%s\n%s\n' "$RUN_OUT" "$RUN_ERR" >"$T/conn.out"
    )
    RUN_RC=$(cat "$T/conn.rc"); RUN_OUT=$(cat "$T/conn.out"); RUN_ERR=
    assert_eq "no AWS credentials: exit status 1" 1 "$RUN_RC"
    assert_eq "no AWS credentials: the wait failed, the rest upstream_failed" \
        "invoice.wait=failed invoice.read=upstream_failed send_mail=upstream_failed" \
        "$(states invoice.wait invoice.read send_mail)"
    assert_contains "no AWS credentials: the message says what to set" "$RUN_OUT" \
        "AIRFLOW_CONN_AWS_S3"

    # --task: the wait alone has no upstream XComs to read.
    reset_fake
    run_dag "$T/async_group" --task invoice.wait
    assert_eq "wait alone: exit status 1" 1 "$RUN_RC"
    assert_contains "wait alone: says the call pushed no bucket" "$RUN_OUT$RUN_ERR" \
        "task 'invoice.call' pushed no 'bucket' XCom: is it an asynchronous call"

    # --task: the read of an object that does not exist.
    run_dag "$T/async_group" --task invoice.read \
        --xcom '{"invoice.call": {"bucket": "coworks-airflow", "key": "s3/nothing/here"}}'
    assert_eq "read of a missing object: exit status 1" 1 "$RUN_RC"
    assert_contains "read of a missing object: says which" "$RUN_OUT$RUN_ERR" \
        "no such object s3://coworks-airflow/s3/nothing/here"
fi

# ---------------------------------------------------------------- sensor, read, after
if compile_check async_chain "$DAGS/async_chain.biz"; then

    # A result stored base64-encoded.
    reset_fake
    run_dag "$T/async_chain" --conf '{"entry": "/async/base64", "data": {"n": 7}}'
    assert_eq "base64: exit status 0" 0 "$RUN_RC"
    assert_eq "base64: all succeeded" "call=success wait=success read=success after=success" \
        "$(states call wait read after)"
    [ "$RUN_RC" = 0 ] || show_run
    KEY=$(calls 'h(to("billing")[0], "x-cws-s3key")')
    assert_eq "base64: the object is stored base64-encoded" True \
        "$(s3_object "$KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["isBase64Encoded"])')"
    assert_eq "base64: after received the decoded body" \
        '{"n": 7}' "$(calls 'to("after")[0]["json"]["json"]')"
    assert_eq "base64: after received the decoded body (service)" billing \
        "$(calls 'to("after")[0]["json"]["service"]')"

    # A body stored as JSON text stays that text, as CoWorks returns it.
    reset_fake
    run_dag "$T/async_chain" --conf '{"entry": "/async/string", "data": [1, 2]}'
    assert_eq "JSON text body: exit status 0" 0 "$RUN_RC"
    assert_eq "JSON text body: the read value is the text" "str [1, 2]" \
        "$(record '"%s %s" % (type(r["tasks"]["read"]["xcom"]["return_value"]).__name__, json.loads(r["tasks"]["read"]["xcom"]["return_value"])["json"])')"

    # A 500 statusCode in the payload fails the read (final), after pushing.
    reset_fake
    run_dag "$T/async_chain" -v --conf '{"entry": "/async/status/500", "data": {}}'
    assert_eq "statusCode 500: exit status 1" 1 "$RUN_RC"
    assert_eq "statusCode 500: read failed, after upstream_failed" \
        "call=success wait=success read=failed after=upstream_failed" "$(states call wait read after)"
    assert_contains "statusCode 500: the message gives the status" "$RUN_OUT$RUN_ERR" \
        "the asynchronous call of 'call' answered 500"
    assert_contains "statusCode 500: the message quotes the body" "$RUN_OUT$RUN_ERR" \
        "fake async error 500"
    assert_match "statusCode 500: status_code and return_value pushed first" \
        '\[read #1\] xcom \{"status_code":500,"return_value":\{"ok":false' "$RUN_OUT$RUN_ERR"
    assert_eq "statusCode 500: never called after" 0 "$(calls 'len(to("after"))')"

    # A 404 statusCode fails too (raise_400_errors defaults to True).
    reset_fake
    run_dag "$T/async_chain" --conf '{"entry": "/async/status/404", "data": {}}'
    assert_eq "statusCode 404: read failed" "read=failed" "$(states read)"

    # A stored object that is not a CoWorks payload.
    reset_fake
    run_dag "$T/async_chain" --conf '{"entry": "/async/garbage", "data": {}}'
    assert_eq "garbage payload: exit status 1" 1 "$RUN_RC"
    assert_eq "garbage payload: read failed" "wait=success read=failed after=upstream_failed" \
        "$(states wait read after)"
    assert_match "garbage payload: the message says the object is not JSON, and where" \
        'S3 object s3://coworks-airflow/s3/async_chain/call/[0-9a-f-]+ is not JSON: syntax error at byte [0-9]+' \
        "$RUN_OUT$RUN_ERR"
    assert_eq "garbage payload: not retried (one try)" 1 "$(tries read)"

    # Nothing is ever stored: the sensor times out (3 s), final (retries=2
    # on the sensor, still one try), and the run fails.
    reset_fake
    run_dag "$T/async_chain" -v --conf '{"entry": "/async/never", "data": {}}'
    assert_eq "never: exit status 1" 1 "$RUN_RC"
    assert_eq "never: wait failed, the rest upstream_failed" \
        "call=success wait=failed read=upstream_failed after=upstream_failed" \
        "$(states call wait read after)"
    assert_eq "never: a sensor timeout is not retried (retries=2, one try)" 1 "$(tries wait)"
    assert_contains "never: the message says it timed out" "$RUN_OUT$RUN_ERR" "sensor timed out after"
    assert_contains "never: the message names the object" "$RUN_OUT$RUN_ERR" \
        "s3://coworks-airflow/s3/async_chain/call/"
    ELAPSED=$((RUN_END - RUN_START))
    if [ "$ELAPSED" -ge 3 ] && [ "$ELAPSED" -le 7 ]; then
        pass "never: the run took about the sensor's timeout (${ELAPSED}s)"
    else
        fail "never: the run took about the sensor's timeout" "took ${ELAPSED}s, timeout 3s"
    fi
    POKES=$(printf '%s\n' "$RUN_OUT$RUN_ERR" | grep -c 'poke [0-9]*: HEAD s3://')
    if [ "$POKES" -ge 3 ] && [ "$POKES" -le 5 ]; then
        pass "never: one poke a second, the last at the deadline ($POKES pokes)"
    else
        fail "never: one poke a second" "$POKES pokes in 3s"
    fi

    # Wrong S3 key id: 403, access denied; an ordinary failure (retried).
    reset_fake
    AWS_ACCESS_KEY_ID=NOSUCHKEY run_dag "$T/async_chain" --conf '{"entry": "/x", "data": {}}'
    assert_eq "403: exit status 1" 1 "$RUN_RC"
    assert_eq "403: wait failed" "wait=failed" "$(states wait)"
    assert_contains "403: access denied message" "$RUN_OUT$RUN_ERR" "access denied (check AWS credentials)"
    assert_eq "403: an ordinary failure, retried (retries=2)" 3 "$(tries wait)"

    # S3 unreachable: a transport error is poked again; three in a row fail
    # the try (an ordinary failure, retried).
    reset_fake
    AWS_ENDPOINT_URL_S3=http://127.0.0.1:1 run_dag "$T/async_chain" -v --conf '{"entry": "/x", "data": {}}'
    assert_eq "S3 unreachable: exit status 1" 1 "$RUN_RC"
    assert_eq "S3 unreachable: wait failed after its retries" "wait=failed 3" "$(states wait) $(tries wait)"
    assert_match "S3 unreachable: the first errors are poked again" \
        '\[wait #1\] poke 1: HEAD s3://[^ ]+ failed: [^;]+; trying again' "$RUN_OUT$RUN_ERR"
    assert_contains "S3 unreachable: the third in a row fails the try" "$RUN_OUT$RUN_ERR" \
        "(3 times in a row)"
fi

# ---------------------------------------------------------------- soft_fail
if compile_check async_soft "$DAGS/async_soft.biz"; then
    reset_fake
    run_dag "$T/async_soft" -v --conf '{"entry": "/async/never"}'
    assert_eq "soft_fail: exit status 0 (the leaves are skipped)" 0 "$RUN_RC"
    assert_eq "soft_fail: wait skipped, and what follows it" \
        "call=success wait=skipped read=skipped after=skipped" "$(states call wait read after)"
    assert_match "soft_fail: the reason says timeout and soft_fail" \
        'skipped: sensor timed out after 3\.[0-9]s \(timeout 3s, [0-9]+ pokes; soft_fail\): s3://coworks-airflow/' \
        "$RUN_OUT$RUN_ERR"
    ELAPSED=$((RUN_END - RUN_START))
    if [ "$ELAPSED" -ge 3 ] && [ "$ELAPSED" -le 7 ]; then
        pass "soft_fail: skipped at the timeout (${ELAPSED}s)"
    else
        fail "soft_fail: skipped at the timeout" "took ${ELAPSED}s, timeout 3s"
    fi
    assert_contains "soft_fail: exponential backoff logs its waits" "$RUN_OUT$RUN_ERR" "next poke in"

    # A result that comes: soft_fail changes nothing.
    reset_fake
    run_dag "$T/async_soft" --conf '{"entry": "/async"}'
    assert_eq "soft_fail, result stored: exit status 0" 0 "$RUN_RC"
    assert_eq "soft_fail, result stored: all succeeded" \
        "wait=success read=success after=success" "$(states wait read after)"
fi

# ---------------------------------------------------------------- TechMicroServiceSensor
if compile_check tech_sensor "$DAGS/tech_sensor.biz"; then
    reset_fake
    run_dag "$T/tech_sensor" -v --conf '{"entry": "/flaky/ts1/2"}'
    assert_eq "tech sensor: exit status 0" 0 "$RUN_RC"
    assert_eq "tech sensor: poll and done succeeded" "poll=success done=success" "$(states poll done)"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "tech sensor: 503, 503, then 200: three calls" 3 "$(calls 'len(to("statuspage"))')"
    # CoWorks' sensor asks the directory in pre_execute, before the first
    # poke, and again at every poke.
    assert_eq "tech sensor: one directory lookup per poke, plus one before" 4 \
        "$(calls 'len([x for x in dirc if x["path"] == "/directory/statuspage"])')"
    assert_eq "tech sensor: each poke is the operator's call (Authorization)" \
        '["token-statuspage", "token-statuspage", "token-statuspage"]' \
        "$(calls '[h(x, "authorization") for x in to("statuspage")]')"
    assert_eq "tech sensor: calls a second apart" true \
        "$(calls '(lambda t: all(0.9 <= b - a <= 2.0 for a, b in zip(t, t[1:])))([x["time"] for x in to("statuspage")])')"

    reset_fake
    run_dag "$T/tech_sensor" --conf '{"entry": "/status/404"}'
    assert_eq "tech sensor never 2xx: exit status 1" 1 "$RUN_RC"
    assert_eq "tech sensor never 2xx: poll failed, done upstream_failed" \
        "poll=failed done=upstream_failed" "$(states poll done)"
    assert_contains "tech sensor never 2xx: timed out, last answer given" "$RUN_OUT$RUN_ERR" \
        "answered 404"
    N=$(calls 'len(to("statuspage"))')
    if [ "$N" -ge 4 ] && [ "$N" -le 6 ]; then
        pass "tech sensor never 2xx: polled every second for 4s ($N calls)"
    else
        fail "tech sensor never 2xx: polled every second for 4s" "$N calls"
    fi

    reset_fake
    run_dag "$T/tech_sensor" --conf '{"entry": "/status/304"}'
    assert_eq "tech sensor, a 3xx answer: success at the first poke" "poll=success 1" \
        "$(states poll) $(calls 'len(to("statuspage"))')"
fi

finish
