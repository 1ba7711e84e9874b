#!/bin/bash
# hygiene.sh: process hygiene and terminal safety (runtime/core/proc.c, log.c).
#
# kill -9 of a DAG executable takes its Bash command's background children
# with it (the guard process); a resume, or any later run, after an
# executable and its guard were both killed stops the group they left
# running before the task runs again (the registry), so two instances of a
# command never run at once (checked from the marks the command writes);
# ANSI escapes, CR/LF and invalid UTF-8 from Bash output and from an HTTP
# error body are escaped on the console, in JSON lines and in the run's
# log file, while the record keeps the value as it was; the run's log file
# is opened once, not once per output line.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl
[ -r /proc/self/stat ] || skip_suite "/proc is needed to watch the processes"

export BIZ_TEST_PIDDIR="$T/pids"
mkdir -p "$BIZ_TEST_PIDDIR"

# alive PID: PID runs (not a zombie).
alive() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
    [ -n "$st" ] && [ "$st" != Z ]
}

# wait_file FILE: waits up to 10 s for FILE to have content.
wait_file() {
    local i
    for i in $(seq 1 100); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# guard_of PID: the pid of the executable PID's guard process.
guard_of() {
    ps -o pid=,comm= --ppid "$1" | awk '$2 == "biz-guard" { print $1 }'
}

# start_bg MODE STATE [ARGS...]: starts the DAG in the background (EXE_PID).
start_bg() {
    local mode=$1 state=$2
    shift 2
    mkdir -p "$state"
    BIZ_TEST_MODE=$mode "$T/hygiene" --state-dir "$state" "$@" >"$T/bg.out" 2>"$T/bg.err" &
    EXE_PID=$!
}

# run_id_of STATE: the run id of the only run in STATE.
run_id_of() {
    ls "$1/hygiene/runs" | sed -n 's/\.json$//p' | head -n 1
}

compile_check hygiene "$DAGS/hygiene.biz" || finish

# ---------------------------------------------------------------- kill -9: the guard
rm -f "$BIZ_TEST_PIDDIR"/*
start_bg orphan "$T/state.k9"
if wait_file "$BIZ_TEST_PIDDIR/orphan.child" && wait_file "$BIZ_TEST_PIDDIR/orphan.pid"; then
    pass "kill -9: the command and its background sleep run"
else
    fail "kill -9: the command and its background sleep run" "$(cat "$T/bg.err")"
fi
child=$(cat "$BIZ_TEST_PIDDIR/orphan.child")
bashpid=$(cat "$BIZ_TEST_PIDDIR/orphan.pid")
guard=$(guard_of "$EXE_PID")
assert_match "kill -9: a guard process runs" '^[0-9]+$' "$guard"
# The guard holds none of the executable's descriptors (the lock, stdout):
# /dev/null on 0-2 and its socket only.
if [ -n "$guard" ]; then
    fds=$(ls -l "/proc/$guard/fd" 2>/dev/null | awk 'NR > 1 { print $NF }' | sed 's/:\[.*//' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
    assert_eq "kill -9: the guard holds /dev/null and its socket only" " 3 /dev/null; 1 socket;" "$fds"
fi
kill -KILL "$EXE_PID"
wait "$EXE_PID" 2>/dev/null
if gone "$child"; then
    pass "kill -9: the background sleep is gone within 5 s"
else
    fail "kill -9: the background sleep is gone within 5 s" "$(ps -o pid,pgid,stat,cmd -p "$child" | tail -n 1)"
    kill -KILL "$child" 2>/dev/null
fi
if gone "$bashpid"; then pass "kill -9: bash is gone"; else fail "kill -9: bash is gone"; kill -KILL "$bashpid"; fi
if [ -z "$guard" ] || gone "$guard"; then pass "kill -9: the guard exits"; else fail "kill -9: the guard exits"; fi

# A later run finds the lock free and nothing to stop (the guard did it).
rid=$(run_id_of "$T/state.k9")
BIZ_TEST_MODE=lines "$T/hygiene" --state-dir "$T/state.k9" --resume "$rid" >"$T/k9r.out" 2>"$T/k9r.err"
assert_eq "kill -9: the resume succeeds" 0 "$?"
assert_not_contains "kill -9: the resume had nothing to stop" "$(cat "$T/k9r.err")" "still running"
assert_eq "kill -9: the registry is empty afterwards" "" "$(ls "$T/state.k9/hygiene/procs")"

# ---------------------------------------------------------------- resume after the guard died too
# overlap_check FILE: every instance's start..end interval is free of any
# other instance's start or end (two never ran at once); prints the fault.
overlap_check() {
    python3 - "$1" <<'EOF'
import sys
ev = [l.split() for l in open(sys.argv[1]) if l.strip()]
start = {p: int(t) for k, p, t in ev if k == "start"}
end = {p: int(t) for k, p, t in ev if k == "end"}
ids = sorted(start)
for i, p in enumerate(ids):
    for q in ids[i + 1:]:
        if p in end and q in end and start[p] < end[q] and start[q] < end[p]:
            print("instances %s and %s ran at once" % (p, q))
            sys.exit(1)
print("ok")
EOF
}

# orphan_case NAME TRAP ARGS...: runs `overlap`, kills the guard then the
# executable (a group survives, as when both die at once), then runs again
# with ARGS (a resume or a new run); checks the survivor was stopped first.
orphan_case() {
    local name=$1 trap=$2 state="$T/state.$1"
    shift 2
    rm -f "$BIZ_TEST_PIDDIR"/*
    BIZ_TEST_TRAP=$trap start_bg overlap "$state"
    wait_file "$BIZ_TEST_PIDDIR/overlap.child"
    local sub g pg
    sub=$(cat "$BIZ_TEST_PIDDIR/overlap.child")
    # The group is bash's (the command's leader); the subshell is in it.
    pg=$(awk '{ print $5 }' "/proc/$sub/stat" 2>/dev/null)
    g=$(guard_of "$EXE_PID")
    [ -n "$g" ] && kill -KILL "$g"
    sleep 0.2
    kill -KILL "$EXE_PID"
    wait "$EXE_PID" 2>/dev/null
    sleep 0.3
    if alive "$sub"; then
        pass "$name: the command's subshell survived the kill of both"
    else
        fail "$name: the command's subshell survived the kill of both" "cannot test the rest"
        return
    fi
    local args=("$@")
    [ "${args[0]}" = --resume ] && args[1]=$(run_id_of "$state")
    BIZ_KILL_GRACE_MS=500 BIZ_TEST_MODE=overlap BIZ_TEST_TRAP=$trap \
        timeout 60 "$T/hygiene" --state-dir "$state" "${args[@]}" >"$T/$name.out" 2>"$T/$name.err"
    local rc=$?
    assert_eq "$name: the run succeeds" 0 "$rc"
    local err
    err=$(cat "$T/$name.err")
    assert_match "$name: it says which group it stops and why" \
        "warn  process group $pg \\(task 'work' try 1 of run [^)]*\\) is still running, left by executable pid $EXE_PID that was killed: stopping it" "$err"
    assert_match "$name: it says the group stopped" "process group $pg \\(task 'work' try 1 of run [^)]*\\) stopped" "$err"
    if [ "$trap" = 1 ]; then
        assert_contains "$name: SIGTERM ignored: SIGKILL after the grace period" "$err" \
            "still runs 500 ms after SIGTERM: SIGKILL"
    fi
    # The stop comes before the task starts again.
    local stop_line start_line
    stop_line=$(grep -n "process group $pg .*stopped" "$T/$name.err" | head -n 1 | cut -d: -f1)
    start_line=$(grep -n "\[work #[0-9]*\] start" "$T/$name.err" | head -n 1 | cut -d: -f1)
    if [ -n "$stop_line" ] && [ -n "$start_line" ] && [ "$stop_line" -lt "$start_line" ]; then
        pass "$name: stopped before the task starts again"
    else
        fail "$name: stopped before the task starts again" "$err"
    fi
    if gone "$sub"; then pass "$name: the survivor is gone"; else fail "$name: the survivor is gone"; kill -KILL "$sub"; fi
    # Let a survivor that was not stopped write its end mark.
    sleep 3.2
    assert_eq "$name: the command never ran twice at once" ok "$(overlap_check "$BIZ_TEST_PIDDIR/overlap.txt")"
    assert_eq "$name: two starts, one end" "2 1" \
        "$(grep -c '^start' "$BIZ_TEST_PIDDIR/overlap.txt") $(grep -c '^end' "$BIZ_TEST_PIDDIR/overlap.txt")"
    assert_eq "$name: the registry is empty afterwards" "" "$(ls "$state/hygiene/procs")"
}

orphan_case resume "" --resume RUN
orphan_case stubborn 1 --resume RUN
# A new run (what a scheduled next run does) stops it too.
orphan_case newrun "" --logical-date 2024-06-01

# ---------------------------------------------------------------- escapes: Bash output
BIZ_TEST_MODE=escapes run_dag "$T/hygiene" -v
assert_eq "bash escapes: the task fails (exit 3)" 1 "$RUN_RC"
log=$(ls "$RUN_STATE"/hygiene/logs/*.log 2>/dev/null | head -n 1)
for where in console log; do
    if [ "$where" = console ]; then text=$RUN_ERR; file="$T/run.$RUN_N.err"; else text=$(cat "$log"); file=$log; fi
    assert_contains "bash escapes ($where): ESC shown as \\x1b" "$text" 'out \x1b[31mred\x1b[0m\r2026-12-03T00:00:00.000Z info  [work #1] task work succeeded'
    assert_contains "bash escapes ($where): invalid UTF-8 as \\xff" "$text" 'bad \xff byte'
    assert_contains "bash escapes ($where): stderr, OSC and BEL escaped" "$text" 'stderr: err \x1b]0;pwned\x07\r2026-12-03T00:00:00.000Z info  forged'
    assert_contains "bash escapes ($where): the failure message escaped" "$text" \
        'failed: bash command exited with status 3; stderr: err \x1b]0;pwned\x07\r'
    assert_eq "bash escapes ($where): no raw ESC, CR or BEL" 0 "$(tr -cd '\033\r\007' <"$file" | wc -c)"
    assert_eq "bash escapes ($where): no line starts with the forged time" 0 "$(grep -c '^2026-12-03T00:00:00' "$file")"
done
assert_eq "bash escapes: one log line per output line" 1 "$(grep -c 'debug \[work #1\] out ' "$log")"
assert_contains "bash escapes: the record keeps the raw message" \
    "$(record 'repr(r["tasks"]["work"]["reason"])')" "\\x1b]0;pwned\\x07\\r2026"

BIZ_TEST_MODE=escapes run_dag "$T/hygiene" --log-format json -v
bad=$(python3 - "$T/run.$RUN_N.err" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
n = 0
for line in raw.split(b"\n"):
    if line:
        json.loads(line.decode("utf-8"))   # strict: valid UTF-8, valid JSON
        n += 1
print("ok" if b"\x1b" not in raw and b"\r" not in raw and n > 3 else "raw control bytes")
EOF
)
assert_eq "bash escapes (json): every line valid JSON in UTF-8, no raw ESC/CR" ok "$bad"

# ---------------------------------------------------------------- escapes: an HTTP error body
cat >"$T/evil.py" <<'EOF'
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
BODY = (b"boom \x1b[2J\x1b[31mred\r\n2026-12-03T00:00:00.000Z info  [first #1] task first"
        b" succeeded\r\nbad \xff\xfe end")
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def answer(self):
        n = int(self.headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)
        if self.path.startswith("/directory/"):
            body = json.dumps({"url": "http://127.0.0.1:%d/svc" % self.server.server_port,
                               "token": "t0k3n"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            body = BODY
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
s = HTTPServer(("127.0.0.1", 0), H)
print("LISTENING %d" % s.server_port, flush=True)
s.serve_forever()
EOF
python3 "$T/evil.py" >"$T/evil.out" 2>"$T/evil.err" &
_PIDS+=("$!")
if _wait_line "$T/evil.out" '^LISTENING [0-9]+' 10 "$!" && compile_check call "$DAGS/call.biz"; then
    port=$(sed -n 's/^LISTENING //p' "$T/evil.out")
    AIRFLOW_CONN_COWORKS_DIRECTORY="{\"conn_type\": \"http\", \"host\": \"http://127.0.0.1:$port/directory\"}" \
        run_dag "$T/call" -v --conf '{"name": "svc-a", "entry": "/x", "mode": "", "data": {}}'
    assert_eq "http escapes: the call fails" 1 "$RUN_RC"
    log=$(ls "$RUN_STATE"/call/logs/*.log 2>/dev/null | head -n 1)
    for where in console log; do
        if [ "$where" = console ]; then text=$RUN_ERR; file="$T/run.$RUN_N.err"; else text=$(cat "$log"); file=$log; fi
        assert_contains "http escapes ($where): the body escaped in the message" "$text" \
            'boom \x1b[2J\x1b[31mred\r\n2026-12-03T00:00:00.000Z info  [first #1] task first succeeded\r\nbad \xff\xfe end'
        assert_eq "http escapes ($where): no raw ESC or CR" 0 "$(tr -cd '\033\r' <"$file" | wc -c)"
        assert_eq "http escapes ($where): no line starts with the forged time" 0 \
            "$(grep -c '^2026-12-03T00:00:00' "$file")"
    done
    # Read as bytes: an answer's invalid UTF-8 in a record is another fix's.
    assert_eq "http escapes: the record keeps the body's text (ESC as JSON's \\u001b)" 1 \
        "$(cat "$RUN_STATE"/call/runs/*.json | grep -c 'boom \\u001b\[2J\\u001b\[31mred\\r\\n2026')"
else
    fail "http escapes: the evil server starts" "$(cat "$T/evil.err")"
fi

# ---------------------------------------------------------------- the log file is opened once
if command -v strace >/dev/null 2>&1; then
    mkdir -p "$T/state.lines"
    BIZ_TEST_MODE=lines strace -f -e trace=openat,open -o "$T/strace.out" \
        "$T/hygiene" --state-dir "$T/state.lines" >/dev/null 2>&1
    if grep -q 'openat\|open(' "$T/strace.out"; then
        assert_eq "log file: opened once for 200 output lines" 1 "$(grep -c 'logs/[^"]*\.log"' "$T/strace.out")"
        assert_eq "log file: every output line is in it" 200 \
            "$(grep -c 'debug \[work #1\] line ' "$T/state.lines"/hygiene/logs/*.log)"
    else
        skip "log file: strace cannot trace here"
    fi
else
    skip "log file: strace is not installed"
fi

finish
