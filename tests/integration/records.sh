#!/bin/bash
# records.sh: run records that stay true (issue 10). The lock cannot be
# bypassed by deleting its file; a state directory that is read-only or
# full, at the start or in the middle of a run, fails the run with exit
# status 5 and a message naming the file and the error, and afterwards
# --runs and --resume tell the truth (what succeeded is not run again,
# nothing claims a success that was not); hostile records make --show,
# --runs and --resume say what is wrong, never crash; records are strict
# JSON and keep data exactly when one-character secrets are masked.
#
# The read-only and disk-full cases mount tmpfs file systems (root, or a
# user namespace that allows it): where mount is not permitted they are
# skipped. A file system cannot be remounted read-only while a run has
# files open on it for writing (EBUSY), so "turned read-only mid-run" is a
# read-only bind mount of the state directory over itself: every file the
# run opens from then on is read-only, as after a remount.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3

# Mounts made here, unmounted (innermost first) before the scratch
# directory goes.
MOUNTS=()
_records_cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null
    done
    _lib_cleanup
}
trap _records_cleanup EXIT

for d in records_slow records_data; do
    compile_check "$d" "$DAGS/$d.biz" || finish
done

export BIZ_TEST_TRACE="$T/trace"
: >"$BIZ_TEST_TRACE"

# count WORD: how many times a task named WORD ran (its trace lines).
count() { grep -cx "$1" "$BIZ_TEST_TRACE"; }

# run EXE STATE ARGS...: runs EXE on state directory STATE; RC, OUT, ERR.
N=0
run() {
    local exe=$1 state=$2
    shift 2
    N=$((N + 1))
    timeout 60 "$exe" --state-dir "$state" "$@" >"$T/out.$N" 2>"$T/err.$N"
    RC=$?
    OUT=$(cat "$T/out.$N")
    ERR=$(cat "$T/err.$N")
}

# bg EXE STATE ARGS...: starts EXE in the background; BG_PID, BG_N.
bg() {
    local exe=$1 state=$2
    shift 2
    N=$((N + 1))
    BG_N=$N
    "$exe" --state-dir "$state" "$@" >"$T/out.$N" 2>"$T/err.$N" &
    BG_PID=$!
}

# bg_wait: waits for the background run; RC, OUT, ERR.
bg_wait() {
    wait "$BG_PID"
    RC=$?
    OUT=$(cat "$T/out.$BG_N")
    ERR=$(cat "$T/err.$BG_N")
}

# wait_trace WORD N: waits (10 s at most) until task WORD ran N times.
wait_trace() {
    local i
    for i in $(seq 100); do
        [ "$(count "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# strict_json DIR: "ok", or what is not strict UTF-8 JSON among the
# records and journal lines under DIR.
strict_json() {
    python3 - "$1" <<'EOF'
import glob, json, os, sys
bad = []
for f in glob.glob(os.path.join(sys.argv[1], "*", "runs", "*")):
    if os.path.basename(f).startswith("."):
        continue
    try:
        text = open(f, "rb").read().decode("utf-8")
        if f.endswith(".json"):
            json.loads(text)
        else:
            for line in text.splitlines():
                json.loads(line)
    except Exception as e:
        bad.append("%s: %s" % (os.path.basename(f), e))
print("; ".join(bad) or "ok")
EOF
}

# run_state DIR: "STATE COUNTS" of the last line of --runs.
runs_last() { "$T/records_slow" --state-dir "$1" --runs 2>/dev/null | tail -n 1; }

# ---------------------------------------------------------------- lock bypass
S="$T/s-lock"
BIZ_TEST_SLEEP=3 bg "$T/records_slow" "$S"
if wait_trace middle 1; then
    rm -f "$S/records_slow/lock"
    run "$T/records_slow" "$S"
    assert_eq "lock: a second run, lock file deleted, exits 4" 4 "$RC"
    assert_contains "lock: it says another run holds it" "$ERR" "another run of DAG 'records_slow' is in progress"
    bg_wait
    assert_eq "lock: the first run succeeds" 0 "$RC"
    assert_eq "lock: the second run ran nothing" 1 "$(count first)"
else
    fail "lock: the first run reaches its middle task"
    bg_wait
fi

# ---------------------------------------------------------------- hostile records
S="$T/s-hostile"
run "$T/records_slow" "$S"
assert_eq "hostile: a run to copy exits 0" 0 "$RC"
ran=$(count first)
python3 - "$S/records_slow/runs" <<'EOF'
import glob, json, os, sys
d = sys.argv[1]
base = json.load(open(glob.glob(os.path.join(d, "*.json"))[0]))
def put(name, change):
    r = json.loads(json.dumps(base))
    r["run_id"] = name
    r["state"] = "failed"
    change(r)
    with open(os.path.join(d, name + ".json"), "w") as f:
        json.dump(r, f)
def killed(r):
    r["state"] = "killed"
    del r["pid"]
put("h-killed-no-pid", killed)
put("h-tasks-array", lambda r: r.update(tasks=[1, {"state": "success"}]))
put("h-tasks-string", lambda r: r.update(tasks="none"))
def huge(r):
    r["pid"] = 1e300
    r["start_date"] = "0001-01-01T00:00:00+00:00"
    r["end_date"] = "9999-12-31T23:59:59.999999+00:00"
    t = r["tasks"]["middle"]
    t["start_date"] = "0001-01-01T00:00:00+00:00"
    t["end_date"] = "9999-12-31T23:59:59+00:00"
    t["duration"] = 1e308
    r["tasks"]["first"]["tries"] = 1e300
put("h-huge", huge)
put("h-no-tasks", lambda r: r.pop("tasks"))
put("h-task-types", lambda r: r["tasks"].update(first={"state": 3, "tries": "x"}))
put("h-running-pid", lambda r: r.update(state="running", pid=2**31 + 5))
with open(os.path.join(d, "h-not-json.json"), "w") as f:
    f.write('{"run_id": "h-not-json", "tasks": {')
EOF
run "$T/records_slow" "$S" --runs
assert_eq "hostile: --runs exits 0" 0 "$RC"
assert_contains "hostile: --runs lists the sound run" "$OUT" "3 success"
assert_contains "hostile: --runs says a record is malformed" "$ERR" "the record of run h-tasks-array is malformed: tasks is not an object"
assert_contains "hostile: --runs says a file is not a record" "$ERR" "h-not-json.json: not a run record"
for c in "h-killed-no-pid|state 'killed' is not a run state" \
         "h-tasks-array|tasks is not an object" \
         "h-tasks-string|tasks is not an object" \
         "h-huge|pid is not a process id" \
         "h-no-tasks|no tasks" \
         "h-task-types|task 'first': no state" \
         "h-running-pid|pid is not a process id"; do
    id=${c%%|*}
    why=${c#*|}
    run "$T/records_slow" "$S" --show "$id"
    assert_eq "hostile: --show $id exits 1" 1 "$RC"
    assert_contains "hostile: --show $id prints the run" "$OUT" "run:           $id"
    assert_contains "hostile: --show $id says what is wrong" "$ERR" "is malformed: $why"
    assert_not_contains "hostile: --show $id: no sanitizer report" "$ERR" "runtime error"
    run "$T/records_slow" "$S" --resume "$id"
    assert_eq "hostile: --resume $id exits 1" 1 "$RC"
    assert_contains "hostile: --resume $id says what is wrong" "$ERR" "malformed run record: $why"
    assert_not_contains "hostile: --resume $id: no sanitizer report" "$ERR" "runtime error"
done
run "$T/records_slow" "$S" --show h-not-json
assert_eq "hostile: --show of a file that is not JSON exits 1" 1 "$RC"
assert_contains "hostile: ... and says there is no such run" "$ERR" "no run 'h-not-json'"
assert_eq "hostile: nothing ran again" "$ran" "$(count first)"

# ---------------------------------------------------------------- data kept exactly
S="$T/s-data"
export AIRFLOW_VAR_API_TOKEN=1 AIRFLOW_VAR_OTHER_TOKEN=t
export BIZ_TEST_FLAG="$T/flag" BIZ_TEST_OUT="$T/use.out"
run "$T/records_data" "$S"
assert_eq "data: the first run fails (flaky)" 1 "$RC"
run "$T/records_data" "$S" --resume last
assert_eq "data: the resume succeeds" 0 "$RC"
assert_eq "data: the resumed task got the XCom byte for byte" 'order/1001|bad \xff\xfe end' "$(cat "$BIZ_TEST_OUT")"
REC=$(ls "$S"/records_data/runs/*.json | head -n 1)
assert_eq "data: the stored XCom, keys and values, is unchanged" '{"return_value": "order/1001"}' \
    "$(python3 -c '
import base64, json, sys
r = json.load(open(sys.argv[1]))
x = r["tasks"]["push"]["xcom"]
if "__sealed__" in x:
    x = json.loads(base64.b64decode(x["__sealed__"]))
print(json.dumps(x))' "$REC")"
assert_eq "data: the log paths are not masked" "yes yes" \
    "$(python3 -c '
import json, os, sys
r = json.load(open(sys.argv[1]))
print("yes" if os.path.isfile(r["log"]) else r["log"], "yes" if r["tasks"]["push"]["log"] == r["log"] else r["tasks"]["push"]["log"])' "$REC")"
assert_not_contains "data: the secret is masked in the output" "$ERR" "order/1001"
assert_eq "data: the records are strict JSON" ok "$(strict_json "$S")"
unset AIRFLOW_VAR_API_TOKEN AIRFLOW_VAR_OTHER_TOKEN

# ---------------------------------------------------------------- mounts
PROBE="$T/probe"
mkdir -p "$PROBE"
if ! mount -t tmpfs -o size=64k tmpfs "$PROBE" 2>/dev/null; then
    skip "read-only and disk-full state directories: mount is not permitted here"
    finish
fi
umount "$PROBE"

# fs DIR [OPTIONS]: a fresh tmpfs of 64 KiB at DIR.
fs() {
    mkdir -p "$1"
    mount -t tmpfs -o "size=64k${2:+,$2}" tmpfs "$1" && MOUNTS+=("$1")
}

# fill DIR: fills the file system of DIR (the file DIR/fill).
fill() { dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; }

ran=$(count first)

# A read-only state directory with nothing in it: the run cannot be made.
S="$T/s-ro-empty"
fs "$S" ro
run "$T/records_slow" "$S"
assert_eq "ro at start (empty): exit status 5" 5 "$RC"
assert_contains "ro at start (empty): the message names the directory and the error" "$ERR" \
    "cannot create the state directory $S/records_slow/runs: Read-only file system"
assert_contains "ro at start (empty): the run does not start" "$ERR" "the run does not start"
assert_eq "ro at start (empty): no task ran" "$ran" "$(count first)"

# A state directory with records, read-only: no run, the records still read.
S="$T/s-ro"
fs "$S"
run "$T/records_slow" "$S"
assert_eq "ro at start: a first run succeeds" 0 "$RC"
ran=$(count first)
mount -o remount,ro "$S"
run "$T/records_slow" "$S"
assert_eq "ro at start: exit status 5" 5 "$RC"
assert_contains "ro at start: the message names the file and the error" "$ERR" \
    "cannot write the lock file $S/records_slow/lock: Read-only file system"
assert_eq "ro at start: no task ran" "$ran" "$(count first)"
run "$T/records_slow" "$S" --runs
assert_eq "ro at start: --runs works" 0 "$RC"
assert_eq "ro at start: --runs shows the one run" 2 "$(printf '%s\n' "$OUT" | wc -l)"

# Turned read-only in the middle of a run.
S="$T/s-ro-mid"
fs "$S"
run "$T/records_slow" "$S"
ran_first=$(count first) ran_last=$(count last)
BIZ_TEST_SLEEP=2 bg "$T/records_slow" "$S"
if wait_trace first $((ran_first + 1)) && wait_trace middle $((ran_first + 1)); then
    mount --bind "$S" "$S" && MOUNTS+=("$S") && mount -o remount,bind,ro "$S"
    bg_wait
    assert_eq "ro mid-run: exit status 5" 5 "$RC"
    assert_match "ro mid-run: the message names the file and the error" \
        "cannot write $S/records_slow/runs/manual__[^ ]*\\.json: Read-only file system" "$ERR"
    umount "$S"
    unset 'MOUNTS[${#MOUNTS[@]}-1]'
    assert_eq "ro mid-run: the records are strict JSON" ok "$(strict_json "$S")"
    # The last Bash task could not record its process group (proc.c), so
    # it did not start: failed, said so, and the journal holds the rest.
    assert_contains "ro mid-run: the last command did not start" "$ERR" \
        "cannot record the command's process group"
    assert_match "ro mid-run: --runs tells what happened" "failed .* 2 success, 1 failed$" "$(runs_last "$S")"
    run "$T/records_slow" "$S" --resume last
    assert_eq "ro mid-run: --resume exits 0" 0 "$RC"
    assert_contains "ro mid-run: --resume runs only the task that did not start" "$ERR" \
        "1 task(s) to run again, 2 kept"
    assert_eq "ro mid-run: nothing ran twice" "$((ran_last + 1))" "$(count last)"
else
    fail "ro mid-run: the run reaches its middle task"
    bg_wait
fi

# The disk fills in the middle of a run (the middle task's XCom needs a
# new page of the tmpfs).
S="$T/s-full-mid"
fs "$S"
run "$T/records_slow" "$S"
ran_first=$(count first) ran_mid=$(count middle) ran_last=$(count last)
BIZ_TEST_SLEEP=2 BIZ_TEST_BIG=10000 bg "$T/records_slow" "$S"
if wait_trace middle $((ran_mid + 1)); then
    fill "$S"
    bg_wait
    assert_eq "full mid-run: exit status 5" 5 "$RC"
    assert_match "full mid-run: the message names the file and the error" \
        "cannot write $S/records_slow/(runs|logs)/manual__[^ ]*: No space left on device" "$ERR"
    assert_contains "full mid-run: the run stops" "$ERR" "the run stops: no task starts from now on"
    assert_eq "full mid-run: the last task did not start" "$ran_last" "$(count last)"
    rm -f "$S/fill"
    assert_eq "full mid-run: the records are strict JSON" ok "$(strict_json "$S")"
    last=$(runs_last "$S")
    assert_not_contains "full mid-run: --runs claims no success" "$last" "success  "
    assert_contains "full mid-run: --runs keeps the first task's success" "$last" "1 success"
    run "$T/records_slow" "$S" --resume last
    assert_eq "full mid-run: --resume succeeds" 0 "$RC"
    assert_eq "full mid-run: the first task is not run again" "$((ran_first + 1))" "$(count first)"
    assert_eq "full mid-run: the last task runs once" "$((ran_last + 1))" "$(count last)"
    assert_match "full mid-run: --runs then shows the success" "success .* 3 success$" "$(runs_last "$S")"
else
    fail "full mid-run: the run reaches its middle task"
    bg_wait
fi

# A full disk at the start: no run, nothing lost.
S="$T/s-full"
fs "$S"
run "$T/records_slow" "$S"
ran=$(count first)
fill "$S"
run "$T/records_slow" "$S"
assert_eq "full at start: exit status 5" 5 "$RC"
assert_match "full at start: the message names the file and the error" \
    "cannot write $S/records_slow/[^ ]*: No space left on device" "$ERR"
assert_contains "full at start: the run does not start" "$ERR" "does not start"
assert_eq "full at start: no task ran" "$ran" "$(count first)"
rm -f "$S/fill"
run "$T/records_slow" "$S" --runs
assert_eq "full at start: --runs shows the one earlier run" 2 "$(printf '%s\n' "$OUT" | wc -l)"
assert_eq "full at start: the records are strict JSON" ok "$(strict_json "$S")"

finish
