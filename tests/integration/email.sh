#!/bin/bash
# email.sh: failure / retry mails and EmailOperator against a real SMTP
# server (maildev, read through its HTTP API), and with the SMTP server down
# or hanging: the run's outcome and exit status never change, the log says
# the mail failed, and the SMTP password never appears anywhere.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"
PW='Pw-s3cret!9'          # the SMTP password: must never be printed

require_bizc
require_tools python3 curl
start_maildev || skip_suite "maildev is not available (node/npm missing or npm install failed)"

compile_check email_alerts "$DAGS/email_alerts.biz" || finish
compile_check email_recover "$DAGS/email_recover.biz" || finish
compile_check email_operator "$DAGS/email_operator.biz" || finish
compile_check email_timeout "$DAGS/email_timeout.biz" || finish

# mails EXPR: a Python expression over what maildev received (`m`, a list,
# oldest first). Helpers: subj(s) the mails whose subject contains s,
# to(x) / cc(x) a mail's To / Cc addresses.
mails() {
    curl -sS --max-time 10 "$MAILDEV_URL/api/email" | python3 -c '
import json, sys
m = json.load(sys.stdin)
def subj(s): return [x for x in m if s in x["subject"]]
def to(x): return [a["address"] for a in x.get("to") or []]
def cc(x): return [a["address"] for a in x.get("cc") or []]
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1"
}

# mail_source N: the raw text of mail N (0 = oldest).
mail_source() {
    local id
    id=$(mails "m[$1]['id']")
    curl -sS --max-time 10 "$MAILDEV_URL/api/email/$id/source"
}

clear_mails() { curl -sS --max-time 10 -X DELETE "$MAILDEV_URL/api/email/all" >/dev/null; }

# no_password DESC: the last run's output, state directory and the mails
# never hold the password.
no_password() {
    local leaks
    leaks=$(grep -rlF -- "$PW" "$T/run.$RUN_N.out" "$T/run.$RUN_N.err" "$RUN_STATE" 2>/dev/null)
    assert_eq "$1: the SMTP password is in no output, record or log file" "" "$leaks"
    assert_not_contains "$1: the SMTP password is in no mail" \
        "$(curl -sS --max-time 10 "$MAILDEV_URL/api/email")" "$PW"
}

# The settings of a local server without TLS, credentials from the
# [smtp] variables (maildev without --incoming-user ignores them).
export AIRFLOW__SMTP__SMTP_HOST=127.0.0.1
export AIRFLOW__SMTP__SMTP_PORT=$MAILDEV_SMTP_PORT
export AIRFLOW__SMTP__SMTP_STARTTLS=False
export AIRFLOW__SMTP__SMTP_USER=mailer
export AIRFLOW__SMTP__SMTP_PASSWORD=$PW
export AIRFLOW__SMTP__SMTP_MAIL_FROM='Alerts <alerts@example.com>'
HOST=$(hostname)

# ---------------------------------------------------------------- alerts

clear_mails
run_dag "$T/email_alerts"
assert_eq "alerts: the run fails (exit status 1)" 1 "$RUN_RC"
RID=$(record 'r["run_id"]')
assert_eq "alerts: 4 mails (boom, flaky x2, flaky_quiet)" 4 "$(mails 'len(m)')"
assert_eq "alerts: boom's failure mail has the Airflow subject" \
    "Airflow alert: <TaskInstance: email_alerts.boom $RID [failed]>" "$(mails 'subj(".boom ")[0]["subject"]')"
assert_eq "alerts: boom's mail goes to both addresses of 'a; b'" \
    '["ops@example.com", "lead@example.com"]' "$(mails 'to(subj(".boom ")[0])')"
assert_eq "alerts: boom's mail comes from AIRFLOW__SMTP__SMTP_MAIL_FROM" \
    alerts@example.com "$(mails 'subj(".boom ")[0]["from"][0]["address"]')"
BODY=$(mails 'subj(".boom ")[0]["html"]')
assert_contains "alerts: the body names the DAG" "$BODY" "DAG: email_alerts<br>"
assert_contains "alerts: the body names the run" "$BODY" "Run: $RID<br>"
assert_contains "alerts: the body names the task" "$BODY" "Task: boom<br>"
assert_contains "alerts: the body gives the try" "$BODY" "Try 1 out of 1<br>"
assert_contains "alerts: the body gives the error, HTML-escaped" "$BODY" \
    "bash command exited with status 3; stderr: disk on fire &lt;sda1&gt; &amp; more (pw=***)"
LOG="$RUN_STATE/email_alerts/logs/$RID.log"
assert_contains "alerts: the body gives the run's log and the try's tag" "$BODY" "Log: $LOG (the lines tagged [boom #1])<br>"
if [ -f "$LOG" ]; then pass "alerts: that log file exists"; else fail "alerts: that log file exists" "$LOG"; fi
assert_contains "alerts: the body gives the host" "$BODY" "Host: $HOST<br>"
assert_eq "alerts: flaky: a retry mail then a failure mail" \
    '["[up_for_retry]>", "[failed]>"]' "$(mails '[x["subject"].split()[-1] for x in subj(".flaky ")]')"
assert_contains "alerts: flaky's retry mail says try 1 out of 2" \
    "$(mails 'subj(".flaky ")[0]["html"]')" "Try 1 out of 2<br>"
assert_contains "alerts: flaky's failure mail says try 2 out of 2" \
    "$(mails 'subj(".flaky ")[1]["html"]')" "Try 2 out of 2<br>"
assert_contains "alerts: flaky's failure mail names try 2's log" \
    "$(mails 'subj(".flaky ")[1]["html"]')" "/logs/$RID.log (the lines tagged [flaky #2])"
assert_eq "alerts: flaky's own email replaces default_args'" \
    '["flaky-owner@example.com"]' "$(mails 'to(subj(".flaky ")[0])')"
assert_eq "alerts: email_on_retry=False: only the failure mail" \
    '["[failed]>"]' "$(mails '[x["subject"].split()[-1] for x in subj(".flaky_quiet ")]')"
assert_eq "alerts: email_on_failure=False: no mail" 0 "$(mails 'len(subj(".silent "))')"
assert_eq "alerts: a successful task: no mail" 0 "$(mails 'len(subj(".fine "))')"
assert_contains "alerts: the log says the mail was sent" "$RUN_ERR" \
    "sent the failure mail for task boom to ops@example.com, lead@example.com"
assert_contains "alerts: the run's log file has that line too, tagged" "$(cat "$LOG" 2>/dev/null)" \
    "[boom #1] sent the failure mail for task boom"
RAW=$(mail_source 0)
assert_not_contains "alerts: no Bcc header" "$RAW" "Bcc:"
assert_contains "alerts: MIME html utf-8" "$RAW" 'Content-Type: text/html; charset="utf-8"'
no_password "alerts"
STATES_UP=$(record '{k: v["state"] for k, v in r["tasks"].items()}')

# A retried task that then succeeds: one retry mail, the run succeeds.
clear_mails
run_dag "$T/email_recover"
assert_eq "recover: the run succeeds (exit status 0)" 0 "$RUN_RC"
assert_eq "recover: one retry mail to oncall" \
    '[["oncall@example.com"], "[up_for_retry]>"]' "$(mails '[to(m[0]), m[0]["subject"].split()[-1]] if len(m) == 1 else m')"

# ---------------------------------------------------------------- EmailOperator

clear_mails
run_dag "$T/email_operator" --conf '{"client": "ACME & Co", "to": "boss@example.com"}'
assert_eq "operator: the run succeeds" 0 "$RUN_RC"
DS=$(record 'r["logical_date"][:10]')
assert_eq "operator: templated subject ({{ ds }}, conf, non-ASCII)" \
    "Report $DS for ACME & Co été" "$(mails 'm[0]["subject"]')"
assert_eq "operator: templated to, split on ','" \
    '["boss@example.com", "second@example.com"]' "$(mails 'to(m[0])')"
assert_eq "operator: cc" '["copy@example.com"]' "$(mails 'cc(m[0])')"
assert_eq "operator: bcc gets it (envelope)" \
    '["boss@example.com", "copy@example.com", "hidden@example.com", "second@example.com"]' \
    "$(mails 'sorted(a["address"] for a in m[0]["envelope"]["to"])')"
RAW=$(mail_source 0)
assert_not_contains "operator: bcc is not a header" "$RAW" "hidden@example.com"
assert_match "operator: the subject is RFC 2047 encoded" 'Subject: =\?utf-8\?B\?[A-Za-z0-9+/=]+\?=' "$RAW"
RID=$(record 'r["run_id"]')
# The body as sent (maildev's "html" is re-serialised), decoded by Python.
BODY=$(printf '%s' "$RAW" | python3 -c 'import email, sys; print(email.message_from_string(sys.stdin.read()).get_payload(decode=True).decode("utf-8").rstrip("\r\n"))')
assert_eq "operator: templated html_content (quoted-printable decodes back)" \
    "<h1>Report for ACME & Co</h1><p>day $DS, run $RID</p>" "$BODY"
no_password "operator"

# Credentials from AIRFLOW_CONN_SMTP_DEFAULT, against a server that checks
# them: they win over the [smtp] variables (Airflow 2).
if start_maildev --incoming-user mailer2 --incoming-pass "$PW"; then
    SAVED_PORT=$AIRFLOW__SMTP__SMTP_PORT
    export AIRFLOW__SMTP__SMTP_PORT=$MAILDEV_SMTP_PORT AIRFLOW__SMTP__SMTP_PASSWORD=wrong-one
    export AIRFLOW_CONN_SMTP_DEFAULT="smtp://mailer2:$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PW")@127.0.0.1"
    run_dag "$T/email_operator" --conf '{"client": "C", "to": "auth@example.com"}'
    assert_eq "auth: the connection's login and password are accepted" 0 "$RUN_RC"
    assert_eq "auth: the mail arrived" '["auth@example.com", "second@example.com"]' "$(mails 'to(m[0])')"
    no_password "auth"
    export AIRFLOW_CONN_SMTP_DEFAULT="smtp://mailer2:bad@127.0.0.1"
    run_dag "$T/email_operator" --conf '{"client": "C", "to": "auth@example.com"}'
    assert_eq "auth: a refused login fails the EmailOperator task" 1 "$RUN_RC"
    assert_contains "auth: the log gives the server's refusal" "$RUN_ERR" "535"
    no_password "auth refused"
    unset AIRFLOW_CONN_SMTP_DEFAULT
    export AIRFLOW__SMTP__SMTP_PORT=$SAVED_PORT AIRFLOW__SMTP__SMTP_PASSWORD=$PW
else
    skip "a second maildev with authentication did not start"
fi

# ---------------------------------------------------------------- SMTP down

export AIRFLOW__SMTP__SMTP_PORT=$(_free_port)   # nothing listens there
run_dag "$T/email_alerts"
assert_eq "down: the run's exit status is unchanged (1)" 1 "$RUN_RC"
assert_eq "down: every task ends as with the server up" "$STATES_UP" \
    "$(record '{k: v["state"] for k, v in r["tasks"].items()}')"
assert_contains "down: the log says the failure mail failed" "$RUN_ERR" \
    "could not send the failure mail for task boom: "
assert_contains "down: the log says the retry mail failed" "$RUN_ERR" \
    "could not send the retry mail for task flaky: "
assert_contains "down: the failed mail is in the run's log file" \
    "$(cat "$RUN_STATE"/email_alerts/logs/*.log 2>/dev/null)" "[boom #1] could not send the failure mail"
no_password "down"

run_dag "$T/email_recover"
assert_eq "down: a run that recovers still succeeds (exit status 0)" 0 "$RUN_RC"
assert_eq "down: its record says success" success "$(record 'r["state"]')"
assert_contains "down: the log says the retry mail failed" "$RUN_ERR" \
    "could not send the retry mail for task recover: "

run_dag "$T/email_operator" --conf '{"client": "C", "to": "x@example.com"}'
assert_eq "down: EmailOperator fails its task" 1 "$RUN_RC"
assert_contains "down: EmailOperator says why" "$RUN_ERR" "could not send the mail: "

# A server that accepts connections and never answers: the run waits for
# the mail at most AIRFLOW__SMTP__SMTP_TIMEOUT, then ends as it would.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$T/hang.port" 2>/dev/null &
_PIDS+=("$!")
_wait_line "$T/hang.port" '^[0-9]+$' 10 "$!"
export AIRFLOW__SMTP__SMTP_PORT=$(head -n 1 "$T/hang.port")
export AIRFLOW__SMTP__SMTP_TIMEOUT=2
run_dag "$T/email_recover"
assert_eq "hang: the run still succeeds" 0 "$RUN_RC"
assert_contains "hang: the log says the mail timed out" "$RUN_ERR" "could not send the retry mail for task recover: "
if [ $((RUN_END - RUN_START)) -le 8 ]; then
    pass "hang: the run waited at most the SMTP timeout ($((RUN_END - RUN_START))s)"
else
    fail "hang: the run waited at most the SMTP timeout" "took $((RUN_END - RUN_START))s"
fi
no_password "hang"

# execution_timeout cuts an EmailOperator's send: the try ends at once (the
# cancelled transfer must not block the loop until the SMTP timeout).
export AIRFLOW__SMTP__SMTP_TIMEOUT=20
run_dag "$T/email_timeout"
assert_eq "cancel: the task fails" 1 "$RUN_RC"
assert_contains "cancel: by its execution_timeout" "$RUN_ERR" "execution_timeout of 1s exceeded"
if [ $((RUN_END - RUN_START)) -le 5 ]; then
    pass "cancel: the run does not wait for the SMTP timeout ($((RUN_END - RUN_START))s)"
else
    fail "cancel: the run does not wait for the SMTP timeout" "took $((RUN_END - RUN_START))s"
fi

finish
