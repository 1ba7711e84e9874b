#!/bin/bash
# bash.sh: BashOperator in compiled DAGs (runtime/ops/op_bash.c, proc.c) and
# stopping a run with SIGTERM (runtime/core/signals.c).
#
# Output feeding a later call (checked in the body the fake service got),
# env / append_env / cwd / the temporary directory, exit codes (success,
# skip, failure, signal), bash missing, execution_timeout killing a
# `sleep 100` (checked by its pid), SIGTERM to a running DAG executable
# (its Bash children gone, the summary printed, exit 143), and twenty
# commands at once.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"
EXAMPLES="$BIZC_TOP_SRCDIR/examples"

require_bizc
require_tools python3 curl
require_fake

# state_of TASK: a task's state in the last run's summary table.
state_of() {
    printf '%s\n' "$RUN_OUT" | awk -v t="$1" '$1 == t { print $2 }'
}

# check_gone DESC FILE: the pid written in FILE is gone.
check_gone() {
    local pid
    pid=$(cat "$2" 2>/dev/null)
    if [ -z "$pid" ]; then
        fail "$1" "no pid in $2"
    elif gone "$pid"; then
        pass "$1 (pid $pid)"
    else
        fail "$1" "pid $pid still runs: $(ps -o pid,stat,cmd -p "$pid" | tail -n 1)"
        kill -KILL "$pid" 2>/dev/null
    fi
}

# ---------------------------------------------------------------- output feeds a call
if compile_check bash_feed "$DAGS/bash_feed.biz"; then
    reset_fake
    export BIZ_TEST_INHERITED=inherited
    run_dag "$T/bash_feed" --conf '{"who": "world"}'
    unset BIZ_TEST_INHERITED
    assert_eq "feed: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "feed: one call to the service" 1 "$(calls 'len(to("bash-report"))')"
    assert_eq "feed: last stdout line is the XCom (stderr left out)" 3 \
        "$(calls 'to("bash-report")[0]["json"]["count"]')"
    assert_eq "feed: env replaces the environment, templated, AIRFLOW_CTX_*" \
        "hello world|unset|bash_feed|env_only" \
        "$(calls 'to("bash-report")[0]["json"]["env_only"]')"
    assert_eq "feed: append_env keeps the inherited environment" \
        "hi|inherited" "$(calls 'to("bash-report")[0]["json"]["env_append"]')"
    assert_eq "feed: cwd" / "$(calls 'to("bash-report")[0]["json"]["cwd"]')"
    tmp=$(calls 'to("bash-report")[0]["json"]["tmp"]')
    assert_match "feed: without cwd, a fresh airflowtmp directory" '/airflowtmp[A-Za-z0-9]{6}$' "$tmp"
    if [ -n "$tmp" ] && [ ! -e "$tmp" ]; then
        pass "feed: the temporary directory is removed afterwards"
    else
        fail "feed: the temporary directory is removed afterwards" "$tmp exists"
    fi
    # Without -v, the run's log file still holds the command's output (what
    # a user reads after a failed cron run), tagged with the task's try.
    count_log=$(record 'r["tasks"]["count"]["log"]')
    assert_contains "feed: the run's log file holds stdout without -v" "$(cat "$count_log" 2>/dev/null)" "debug [count #1] 3"
    assert_contains "feed: the run's log file holds stderr without -v" "$(cat "$count_log" 2>/dev/null)" "[count #1] stderr: noise"
    run_dag "$T/bash_feed" --conf '{"who": "world"}' -v
    assert_contains "feed: -v logs each output line" "$RUN_ERR" "[count #1] 3"
    assert_contains "feed: -v logs stderr lines" "$RUN_ERR" "[count #1] stderr: noise"
fi

# ---------------------------------------------------------------- the example
if compile_check bash_example "$EXAMPLES/bash.biz"; then
    reset_fake
    printf 'o1\no2\no3\no4\n' >"$T/orders.csv"
    ORDERS_FILE="$T/orders.csv" run_dag "$T/bash_example"
    assert_eq "example bash.biz: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "example bash.biz: the count sent" 4 "$(calls 'to("neorezo-stats")[0]["json"]["count"]')"
    assert_eq "example bash.biz: the host sent" "$(hostname)" \
        "$(calls 'to("neorezo-stats")[0]["json"]["host"]')"
fi

# ---------------------------------------------------------------- exit codes
if compile_check bash_outcomes "$DAGS/bash_outcomes.biz"; then
    run_dag "$T/bash_outcomes"
    assert_eq "outcomes: the run fails (exit 1)" 1 "$RUN_RC"
    assert_eq "outcomes: exit 0 succeeds" success "$(state_of ok)"
    assert_eq "outcomes: exit 3 fails" failed "$(state_of fails)"
    assert_contains "outcomes: the failure names the status" "$RUN_ERR" \
        "bash command exited with status 3"
    assert_contains "outcomes: ... and the last stderr lines" "$RUN_ERR" \
        "stderr: first problem | disk full"
    assert_eq "outcomes: exit 99 skips" skipped "$(state_of skips)"
    assert_eq "outcomes: the skip propagates (all_success)" skipped "$(state_of after_skip)"
    assert_eq "outcomes: skip_on_exit_code=[5, 6] skips on 5" skipped "$(state_of own_code)"
    assert_eq "outcomes: skip_on_exit_code=[] fails on 99" failed "$(state_of no_skip)"
    assert_eq "outcomes: killed by a signal fails" failed "$(state_of killed)"
    assert_contains "outcomes: the signal is named" "$RUN_ERR" \
        "bash command was killed by signal SIGKILL (9)"
    assert_eq "outcomes: bash missing from PATH fails" failed "$(state_of no_bash)"
    assert_contains "outcomes: ... with a clear message" "$RUN_ERR" \
        "bash not found in PATH (/nonexistent)"
    assert_contains "outcomes: a missing cwd fails clearly" "$RUN_ERR" \
        "cannot find the cwd '/nonexistent/dir'"
fi

# ---------------------------------------------------------------- killing
if compile_check bash_kill "$DAGS/bash_kill.biz"; then
    export BIZ_TEST_PIDDIR="$T/pids"
    mkdir -p "$BIZ_TEST_PIDDIR"

    # execution_timeout: the try fails, its `sleep 100` is killed.
    run_dag "$T/bash_kill" --task slow
    assert_eq "timeout: exit status 1" 1 "$RUN_RC"
    assert_contains "timeout: the task failed on execution_timeout" "$RUN_ERR" \
        "execution_timeout of 1s exceeded"
    check_gone "timeout: the bash child is gone" "$BIZ_TEST_PIDDIR/slow.pid"
    if [ $((RUN_END - RUN_START)) -lt 60 ]; then
        pass "timeout: the run did not wait for sleep 100 ($((RUN_END - RUN_START))s)"
    else
        fail "timeout: the run did not wait for sleep 100" "took $((RUN_END - RUN_START))s"
    fi

    # SIGTERM to the running executable.
    rm -f "$BIZ_TEST_PIDDIR"/*
    mkdir -p "$T/state.sig"
    "$T/bash_kill" --state-dir "$T/state.sig" >"$T/sig.out" 2>"$T/sig.err" &
    dag_pid=$!
    for i in $(seq 1 100); do
        [ -s "$BIZ_TEST_PIDDIR/long_a.child" ] && [ -s "$BIZ_TEST_PIDDIR/long_b.pid" ] && break
        sleep 0.1
    done
    if [ -s "$BIZ_TEST_PIDDIR/long_a.child" ] && [ -s "$BIZ_TEST_PIDDIR/long_b.pid" ]; then
        pass "sigterm: the Bash tasks are running"
    else
        fail "sigterm: the Bash tasks are running" "$(cat "$T/sig.err")"
    fi
    kill -TERM "$dag_pid"
    wait "$dag_pid"
    rc=$?
    RUN_OUT=$(cat "$T/sig.out")
    assert_eq "sigterm: exit status 143" 143 "$rc"
    assert_contains "sigterm: the summary is printed" "$RUN_OUT" "interrupted by SIGTERM"
    assert_eq "sigterm: a running task is marked failed" failed "$(state_of long_a)"
    assert_eq "sigterm: a task not started stays unrun" none "$(state_of after)"
    assert_contains "sigterm: the log says why" "$(cat "$T/sig.err")" "interrupted by SIGTERM"
    check_gone "sigterm: long_a's bash is gone" "$BIZ_TEST_PIDDIR/long_a.pid"
    check_gone "sigterm: long_a's background sleep is gone" "$BIZ_TEST_PIDDIR/long_a.child"
    check_gone "sigterm: long_b's bash is gone" "$BIZ_TEST_PIDDIR/long_b.pid"

    # SIGKILL to the executable (no chance to stop its tasks): the bash
    # commands die with it, else a --resume would run them a second time.
    rm -f "$BIZ_TEST_PIDDIR"/*
    "$T/bash_kill" --state-dir "$T/state.kill" -q >/dev/null 2>&1 &
    dag_pid=$!
    for i in $(seq 1 100); do
        [ -s "$BIZ_TEST_PIDDIR/long_a.pid" ] && [ -s "$BIZ_TEST_PIDDIR/long_b.pid" ] && break
        sleep 0.1
    done
    kill -KILL "$dag_pid"
    wait "$dag_pid" 2>/dev/null
    check_gone "sigkill: long_a's bash dies with the executable" "$BIZ_TEST_PIDDIR/long_a.pid"
    check_gone "sigkill: long_b's bash dies with the executable" "$BIZ_TEST_PIDDIR/long_b.pid"
    # Their own children (the sleeps) outlive them: end their process groups.
    for f in long_a long_b; do
        pg=$(cat "$BIZ_TEST_PIDDIR/$f.pid" 2>/dev/null)
        [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null
    done
    unset BIZ_TEST_PIDDIR
fi

# ---------------------------------------------------------------- parallel
if compile_check bash_parallel "$DAGS/bash_parallel.biz"; then
    t0=$(date +%s%N)
    run_dag "$T/bash_parallel"
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    assert_eq "parallel: exit status 0" 0 "$RUN_RC"
    assert_eq "parallel: 21 tasks succeeded" 21 "$(printf '%s\n' "$RUN_OUT" | grep -c ' success ')"
    if [ "$ms" -lt 5000 ]; then
        pass "parallel: 20 x 0.5 s ran at once (${ms} ms)"
    else
        fail "parallel: 20 x 0.5 s ran at once" "took ${ms} ms"
    fi
fi

finish
