#!/bin/bash
# state.sh: run records, the lock, resume, schedules and catch-up, the
# crontab line, and the crash test (SIGKILL at random instants, resume,
# nothing that succeeded is called again).
#
# Environment: BIZC_CRASH_KILLS (default 50) kills in the crash test,
# BIZC_CRASH_SEED (default: random) its random seed.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl
require_fake

for d in state_slow state_flaky state_daily state_latest call; do
    compile_check "$d" "$DAGS/$d.biz" || finish
done

# jq_py FILE EXPR: evaluates a Python expression over a JSON file (as `r`).
jq_py() {
    python3 -c '
import json, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "$2"
}

# records DIR DAG: the record files of DAG under state DIR, one a line.
records() { ls "$1/$2/runs" 2>/dev/null | grep '\.json$'; }

# ---------------------------------------------------------------- record
S="$T/s-record"
reset_fake
(umask 000; exec "$T/state_slow" --state-dir "$S" -q) >"$T/rec.out" 2>"$T/rec.err"
assert_eq "record: a run exits 0" 0 $?
REC="$S/state_slow/runs/$(records "$S" state_slow | head -n 1)"
assert_eq "record: one record" 1 "$(records "$S" state_slow | wc -l | tr -d ' ')"
assert_eq "record: valid JSON, run succeeded" success "$(jq_py "$REC" 'r["state"]')"
assert_match "record: manual run id" '^manual__[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+\+00:00$' "$(jq_py "$REC" 'r["run_id"]')"
assert_eq "record: every task succeeded once" '[["a", "success", 1], ["b", "success", 1], ["c", "success", 1], ["d", "success", 1], ["e", "success", 1], ["f", "success", 1], ["g", "success", 1], ["h", "success", 1], ["i", "success", 1], ["j", "success", 1]]' \
    "$(jq_py "$REC" '[[k, v["state"], v["tries"]] for k, v in r["tasks"].items()]')"
assert_eq "record: XComs kept" '/slow/150/f' "$(jq_py "$REC" 'r["tasks"]["f"]["xcom"]["return_value"]["entry"]')"
assert_eq "record: mode 0600 despite umask 000" 600 "$(stat -c %a "$REC")"
assert_eq "record: directories 0700" "700 700 700" \
    "$(stat -c %a "$S" "$S/state_slow/runs" "$S/state_slow/logs" | tr '\n' ' ' | sed 's/ $//')"
LOG=$(jq_py "$REC" 'r["tasks"]["a"]["log"]')
assert_match "record: the run's log path" "/state_slow/logs/manual__[^/]+\\.log\$" "$LOG"
assert_eq "record: the run's log path, once for the run" "$LOG" "$(jq_py "$REC" 'r["log"]')"
assert_match "record: the log has the task's lines, tagged" "\\[a #1\\] success in" "$(cat "$LOG" 2>&1)"
assert_contains "record: the log has debug lines without -v" "$(cat "$LOG" 2>&1)" " debug [a #1] "
assert_contains "record: the log has the run's lines" "$(cat "$LOG" 2>&1)" "info  run manual__"
assert_eq "record: log mode 0600" 600 "$(stat -c %a "$LOG")"
assert_eq "record: no token written anywhere" "" "$(grep -rl 'token-svc' "$S" 2>/dev/null)"

"$T/state_slow" --state-dir "$S" --runs >"$T/runs.out" 2>&1
assert_eq "--runs: exit 0" 0 $?
assert_contains "--runs: lists the run" "$(cat "$T/runs.out")" "$(jq_py "$REC" 'r["run_id"]')  success"
assert_contains "--runs: task counts" "$(cat "$T/runs.out")" "10 success"
"$T/state_slow" --state-dir "$S" --show last >"$T/show.out" 2>&1
assert_eq "--show last: exit 0" 0 $?
assert_contains "--show: the record's path" "$(cat "$T/show.out")" "record:        $REC"
assert_match "--show: a task line" "j +success +1 +[0-9.]+s" "$(cat "$T/show.out")"
assert_contains "--show: the run's log" "$(cat "$T/show.out")" "log:           $LOG"
"$T/state_slow" --state-dir "$S" --show nope >/dev/null 2>"$T/show.err"
assert_eq "--show of an unknown run: exit 1" 1 $?

# ---------------------------------------------------------------- lock
S="$T/s-lock"
reset_fake
"$T/state_slow" --state-dir "$S" -q >/dev/null 2>"$T/lock1.err" &
P1=$!
"$T/state_slow" --state-dir "$S" -q >/dev/null 2>"$T/lock2.err" &
P2=$!
T0=$(date +%s%N)
wait $P2; RC2=$?
T2=$((($(date +%s%N) - T0) / 1000000))
wait $P1; RC1=$?
# Either may win the race: exactly one runs.
if [ "$RC1" = 4 ]; then LOSER=1; LRC=$RC1; WRC=$RC2; else LOSER=2; LRC=$RC2; WRC=$RC1; fi
assert_eq "lock: exit statuses are 0 and 4" "0 4" "$(echo "$WRC $LRC")"
assert_contains "lock: the other says why" "$(cat "$T/lock$LOSER.err")" "another run of DAG 'state_slow' is in progress (pid "
assert_eq "lock: the service got one set of calls" 10 "$(calls 'len(svc)')"
assert_eq "lock: one record" 1 "$(records "$S" state_slow | wc -l | tr -d ' ')"
if [ "$LOSER" = 2 ]; then
    if [ "$T2" -lt 600 ]; then pass "lock: the loser exits at once (${T2} ms)"; else fail "lock: the loser exits at once" "took ${T2} ms"; fi
fi

reset_fake
"$T/state_slow" --state-dir "$S" -q >/dev/null 2>&1 &
P1=$!
sleep 0.3
"$T/state_slow" --state-dir "$S" -q --wait-lock 0.2 >/dev/null 2>"$T/lock3.err"
assert_eq "--wait-lock 0.2: gives up with 4" 4 $?
assert_contains "--wait-lock: says it gave up" "$(cat "$T/lock3.err")" "gave up waiting"
"$T/state_slow" --state-dir "$S" -q --wait-lock 30 >/dev/null 2>"$T/lock4.err"
assert_eq "--wait-lock 30: waits, then runs" 0 $?
wait $P1
assert_eq "--wait-lock: two more runs made" 3 "$(records "$S" state_slow | wc -l | tr -d ' ')"
assert_eq "--wait-lock: two sets of calls" 20 "$(calls 'len(svc)')"

# A killed holder's lock does not block.
"$T/state_slow" --state-dir "$S" -q >/dev/null 2>&1 &
P1=$!
sleep 0.3
kill -KILL $P1; wait $P1 2>/dev/null
"$T/state_slow" --state-dir "$S" --runs >"$T/runs-killed.out" 2>&1
assert_match "--runs: a SIGKILLed run shows as killed, not running" "  killed  " "$(tail -n 1 "$T/runs-killed.out")"
"$T/state_slow" --state-dir "$S" --show last >"$T/show-killed.out" 2>&1
assert_contains "--show: a SIGKILLed run says its process is gone" "$(cat "$T/show-killed.out")" \
    "killed (recorded as running, but its process $P1 is gone; --resume "
"$T/state_slow" --state-dir "$S" -q --keep-runs 3 >/dev/null 2>&1
assert_eq "lock: a SIGKILLed run's lock is gone" 0 $?
assert_eq "--keep-runs 3: three records left" 3 "$(records "$S" state_slow | wc -l | tr -d ' ')"
assert_eq "--keep-runs 3: logs of three runs left" 3 "$(ls "$S/state_slow/logs" | wc -l | tr -d ' ')"

# ---------------------------------------------------------------- resume
S="$T/s-resume"
reset_fake
run_out=$("$T/state_flaky" --state-dir "$S" 2>&1)
assert_eq "resume: the flaky task fails the run" 1 $?
assert_match "resume: the failure names the log file" "task 'middle' failed \\(try 1\\): .*; log: $S/state_flaky/logs/manual__[^/]+\\.log" "$run_out"
REC="$S/state_flaky/runs/$(records "$S" state_flaky)"
assert_eq "resume: states recorded" '["success", "failed", "upstream_failed"]' \
    "$(jq_py "$REC" '[v["state"] for v in r["tasks"].values()]')"
ID=$(jq_py "$REC" 'r["run_id"]')
"$T/state_flaky" --state-dir "$S" --resume last >"$T/resume.out" 2>"$T/resume.err"
assert_eq "--resume last: exit 0" 0 $?
assert_eq "--resume: first called once, middle twice, last once" '[["/svc/svc-flaky/first", 1], ["/svc/svc-flaky/flaky/state-mid/1", 2], ["/svc/svc-flaky/last", 1]]' \
    "$(calls 'sorted([[p, len(path_is(p))] for p in set(x["path"] for x in svc)])')"
assert_eq "--resume: the same record, now success" "$ID success" "$(jq_py "$REC" 'r["run_id"] + " " + r["state"]')"
assert_eq "--resume: tries continue (middle: 2)" '[1, 2, 1]' "$(jq_py "$REC" '[v["tries"] for v in r["tasks"].values()]')"
assert_eq "--resume: the kept XCom fed the template" '{"from": "/first"}' "$(calls 'path_is("/svc/svc-flaky/flaky/state-mid/1")[-1]["json"]')"
"$T/state_flaky" --state-dir "$S" --resume "$ID" >/dev/null 2>"$T/resume2.err"
assert_eq "--resume of a successful run: exit 0, nothing run" "0 4" "$? $(calls 'len(svc)')"
"$T/state_flaky" --state-dir "$S" --resume nope >/dev/null 2>"$T/resume3.err"
assert_eq "--resume of an unknown run: exit 2" 2 $?
"$T/state_flaky" --state-dir "$S" --resume last --conf '{}' >/dev/null 2>&1
assert_eq "--resume with --conf: usage error" 2 $?

# ---------------------------------------------------------------- schedules
S="$T/s-daily"
reset_fake
BIZ_NOW=2024-01-03T06:00:00Z "$T/state_daily" --state-dir "$S" -q 2>"$T/daily.err"
assert_eq "catchup: exit 0" 0 $?
assert_eq "catchup: ds 2024-01-01 then 2024-01-02" '["/svc/svc-daily/ds/2024-01-01", "/svc/svc-daily/ds/2024-01-02"]' "$(calls '[x["path"] for x in svc]')"
assert_eq "catchup: data intervals and run ids" '{"end": "2024-01-02 00:00:00+00:00", "run_id": "scheduled__2024-01-01T00:00:00+00:00", "start": "2024-01-01 00:00:00+00:00"}' "$(calls 'svc[0]["json"]')"
assert_eq "catchup: two records" "scheduled__2024-01-01T00:00:00+00:00.json scheduled__2024-01-02T00:00:00+00:00.json" "$(records "$S" state_daily | tr '\n' ' ' | sed 's/ $//')"
reset_fake
BIZ_NOW=2024-01-03T06:00:00Z "$T/state_daily" --state-dir "$S" 2>"$T/daily2.err" >/dev/null
assert_eq "catchup: a second invocation exits 0" 0 $?
assert_eq "catchup: ... and runs nothing" 0 "$(calls 'len(svc)')"
assert_contains "catchup: ... and says so" "$(cat "$T/daily2.err")" "nothing due for DAG 'state_daily': the next run covers 2024-01-03T00:00:00+00:00 to 2024-01-04T00:00:00+00:00"
reset_fake
BIZ_NOW=2024-01-09T00:00:00Z "$T/state_daily" --state-dir "$S" -q --max-catchup 3 2>/dev/null
assert_eq "--max-catchup 3: the next three days" '["2024-01-03", "2024-01-04", "2024-01-05"]' "$(calls '[x["path"][-10:] for x in svc]')"
# The first failure stops the catch-up; the next invocation resumes it.
reset_fake
behave svc-daily status=500
BIZ_NOW=2024-01-09T00:00:00Z "$T/state_daily" --state-dir "$S" -q 2>"$T/daily3.err"
assert_eq "catchup: a failed interval fails the invocation" 1 $?
assert_eq "catchup: ... and stops there" '["2024-01-06"]' "$(calls '[x["path"][-10:] for x in svc]')"
behave svc-daily
reset_fake
BIZ_NOW=2024-01-09T00:00:00Z "$T/state_daily" --state-dir "$S" -q 2>/dev/null
assert_eq "catchup: the next invocation reruns it, then goes on" '["2024-01-06", "2024-01-07", "2024-01-08"]' "$(calls '[x["path"][-10:] for x in svc]')"
assert_eq "catchup: the failed run was resumed, not duplicated (try 2)" 2 \
    "$(jq_py "$S/state_daily/runs/scheduled__2024-01-06T00:00:00+00:00.json" 'r["tasks"]["day"]["tries"]')"

S="$T/s-latest"
reset_fake
BIZ_NOW=2024-01-03T06:00:00Z "$T/state_latest" --state-dir "$S" -q 2>/dev/null
assert_eq "no catchup: only ds 2024-01-02" '["/svc/svc-latest/ds/2024-01-02"]' "$(calls '[x["path"] for x in svc]')"
reset_fake
BIZ_NOW=2024-01-03T07:00:00Z "$T/state_latest" --state-dir "$S" -q 2>/dev/null
assert_eq "no catchup: a second invocation runs nothing" "0 0" "$? $(calls 'len(svc)')"

# depends_on_past: a failed day blocks the next one.
reset_fake
behave svc-latest status=500
BIZ_NOW=2024-01-04T06:00:00Z "$T/state_latest" --state-dir "$S" -q 2>/dev/null
assert_eq "depends_on_past: day 3 fails" 1 $?
behave svc-latest
reset_fake
BIZ_NOW=2024-01-05T06:00:00Z "$T/state_latest" --state-dir "$S" 2>"$T/dop.err" >/dev/null
assert_eq "depends_on_past: day 4 fails without a call" "1 0" "$? $(calls 'len(svc)')"
assert_contains "depends_on_past: the log says why" "$(cat "$T/dop.err")" "[day] will not run: depends_on_past: in the previous run scheduled__2024-01-03T00:00:00+00:00 this task is failed"
REC="$S/state_latest/runs/scheduled__2024-01-04T00:00:00+00:00.json"
assert_eq "depends_on_past: the record says why" "none True" "$(jq_py "$REC" 'r["tasks"]["day"]["state"] + " " + str(r["tasks"]["day"].get("blocked")) ')"
"$T/state_latest" --state-dir "$S" -q --resume scheduled__2024-01-03T00:00:00+00:00 2>/dev/null
assert_eq "depends_on_past: day 3 resumed" 0 $?
"$T/state_latest" --state-dir "$S" -q --resume last 2>/dev/null
assert_eq "depends_on_past: day 4 then runs" "0 2" "$? $(calls 'len(svc)')"

# A manual run of a scheduled DAG: --conf or --logical-date.
reset_fake
BIZ_NOW=2024-02-01T12:00:00Z "$T/state_daily" --state-dir "$T/s-manual" -q --conf '{}' 2>/dev/null
assert_eq "--conf: a manual run at now" '{"end": "2024-02-01 00:00:00+00:00", "run_id": "manual__2024-02-01T12:00:00+00:00", "start": "2024-01-31 00:00:00+00:00"}' "$(calls 'svc[0]["json"]')"
"$T/state_daily" --state-dir "$T/s-manual" -q --logical-date 2023-06-01 2>/dev/null
assert_eq "--logical-date: a manual run on that date" '/svc/svc-daily/ds/2023-06-01' "$(calls 'svc[-1]["path"]')"
"$T/state_daily" --state-dir "$T/s-manual" -q --logical-date 2023-06-01 2>"$T/dup.err"
assert_eq "--logical-date twice: refused (exit 2)" 2 $?
assert_contains "--logical-date twice: says --resume" "$(cat "$T/dup.err")" "--resume manual__2023-06-01T00:00:00+00:00"

# ---------------------------------------------------------------- crontab
out=$("$T/state_daily" --crontab --state-dir "$T/s-cron" 2>&1)
assert_eq "--crontab: exit 0" 0 $?
assert_contains "--crontab: CRON_TZ=UTC" "$out" "CRON_TZ=UTC"
assert_contains "--crontab: the line" "$out" "0 0 * * * $T/state_daily --state-dir $T/s-cron -q"
out=$("$T/state_slow" --crontab --state-dir "$T/s-cron" 2>&1)
assert_eq "--crontab without a schedule: exit 1" 1 $?
assert_contains "--crontab without a schedule: says why" "$out" "has no crontab line: the schedule is None"

# ---------------------------------------------------------------- crash test
S="$T/s-crash"
reset_fake
"$T/state_slow" --state-dir "$T/s-base" -q 2>/dev/null
BASE="$T/s-base/state_slow/runs/$(records "$T/s-base" state_slow)"
SPAN=$(jq_py "$BASE" 'round(__import__("datetime").datetime.fromisoformat(r["end_date"]).timestamp() - __import__("datetime").datetime.fromisoformat(r["start_date"]).timestamp(), 3)')
SEED=${BIZC_CRASH_SEED:-$RANDOM}
KILLS=${BIZC_CRASH_KILLS:-50}
echo "# crash test: $KILLS kills over a span of ${SPAN}s, seed $SEED"
RES=$(python3 "$BIZC_TOP_SRCDIR/tests/integration/crash.py" "$T/state_slow" "$S" "$FAKE_URL" "$BASE" "$KILLS" "$SPAN" "$SEED")
echo "# crash test: $(printf '%s' "$RES" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%d kills, %d runs, %d attempts, %d resumes; succeeded tasks at the kills: %s" % (r["kills"], r["runs"], r["attempts"], r["resumes"], r["kills_by_done"]))')"
crash() { printf '%s' "$RES" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(eval(sys.argv[1])))' "$1"; }
assert_eq "crash: $KILLS SIGKILLs made" "$KILLS" "$(crash 'r["kills"]')"
assert_eq "crash: the record is valid JSON after every kill" 0 "$(crash 'r["invalid"]')"
assert_eq "crash: every run ends in success after resumes" "[]" "$(crash 'r["failures"]')"
assert_eq "crash: no task that had succeeded was called again" "[]" "$(crash 'r["recalled"]')"
assert_eq "crash: final XComs equal those of an uninterrupted run" "[]" "$(crash 'r["xcom_mismatch"]')"
if [ "$KILLS" -ge 20 ]; then
    assert_eq "crash: kills landed at several stages" true "$(crash 'len(set(r["kills_by_done"])) >= 4')"
fi

# The same on a chain of 1,000 calls (by api_id, one request each): the
# record is a base plus a journal while the run goes; kills land anywhere in
# it, with hundreds of tasks recorded only in the journal.
python3 - "$T/chain1000.biz" <<'PY'
import sys
n = 1000
lines = ["from datetime import datetime", "from coworks.biz import TechMicroServiceOperator, biz", "",
         "@biz(start_date=datetime(2024, 1, 1), schedule=None)", "def chain1000():"]
lines += ["    t%d = TechMicroServiceOperator(task_id='t%d', api_id='bench', stage='v1', token='tok', "
          "entry='/t%d')" % (i, i, i) for i in range(n)]
lines += ["    t%d >> t%d" % (i, i + 1) for i in range(n - 1)]
lines += ["", "", "chain1000()"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
if compile_check chain1000 "$T/chain1000.biz"; then
    export BIZ_API_GATEWAY_URL="$FAKE_URL/apigw/{api_id}/{stage}"
    reset_fake
    "$T/chain1000" --state-dir "$T/s-base1000" -q 2>/dev/null
    BASE="$T/s-base1000/chain1000/runs/$(records "$T/s-base1000" chain1000)"
    SPAN=$(jq_py "$BASE" 'round(__import__("datetime").datetime.fromisoformat(r["end_date"]).timestamp() - __import__("datetime").datetime.fromisoformat(r["start_date"]).timestamp(), 3)')
    echo "# crash test, 1,000-task chain: $KILLS kills over a span of ${SPAN}s, seed $SEED"
    RES=$(python3 "$BIZC_TOP_SRCDIR/tests/integration/crash.py" "$T/chain1000" "$T/s-crash1000" "$FAKE_URL" "$BASE" "$KILLS" "$SPAN" "$SEED")
    echo "# crash test, 1,000-task chain: $(printf '%s' "$RES" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%d kills, %d runs, %d attempts, %d resumes; succeeded tasks at the kills: %s" % (r["kills"], r["runs"], r["attempts"], r["resumes"], r["kills_by_done"]))')"
    assert_eq "crash 1000: $KILLS SIGKILLs made" "$KILLS" "$(crash 'r["kills"]')"
    assert_eq "crash 1000: the record is valid JSON after every kill" 0 "$(crash 'r["invalid"]')"
    assert_eq "crash 1000: every run ends in success after resumes" "[]" "$(crash 'r["failures"]')"
    assert_eq "crash 1000: no task that had succeeded was called again" "[]" "$(crash 'r["recalled"]')"
    assert_eq "crash 1000: final XComs equal those of an uninterrupted run" "[]" "$(crash 'r["xcom_mismatch"]')"
    if [ "$KILLS" -ge 20 ]; then
        assert_eq "crash 1000: kills landed at several stages" true "$(crash 'len(set(r["kills_by_done"])) >= 10')"
    fi
    unset BIZ_API_GATEWAY_URL
fi

finish
