#!/bin/bash
# rules.sh: every Airflow trigger rule, end to end against the fake CoWorks
# service (../shared/AIRFLOW.md, "Trigger rules" and "Branching and the
# run's outcome").
#
# tests/integration/dags/rules.biz feeds one task per (rule, upstream
# states) case from upstream tasks that succeed, fail, are skipped or are
# upstream_failed; each task's final state in the run record is checked
# against AIRFLOW.md's table, and the fake service's calls show that no
# skipped or upstream_failed task called anything. rules_outcome.biz checks
# the run's outcome from its leaves (exit status and record).

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl bash
start_fake || { fail "the fake CoWorks service starts"; finish; }

# compile NAME FILE: compiles FILE to $T/NAME, counting a check.
compile() {
    if compile_dag "$2" "$T/$1"; then
        pass "bizc compiles $(basename "$2")"
        return 0
    fi
    fail "bizc compiles $(basename "$2")"
    return 1
}

# at TASK FIELD: start_date or end_date of TASK in the last record, as
# seconds since the epoch.
at() {
    record "__import__('datetime').datetime.fromisoformat(r['tasks']['$1']['$2']).timestamp()"
}

# before DESC A B: A < B (numbers).
before() {
    if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' "$2" "$3" 2>/dev/null; then
        pass "$1"
    else
        fail "$1" "expected $2 < $3"
    fi
}

# ---------------------------------------------------------------- rules.biz
# task  expected state  (upstream kinds in the id: s success, f failed,
# k skipped, uf upstream_failed; AIRFLOW.md's table, row by row)
EXPECTED='
s1 success
s2 success
f1 failed
f2 failed
k1 skipped
k2 skipped
k_late skipped
uf1 upstream_failed
slow success
slow_fail failed
all_success__ss success
all_success__sf upstream_failed
all_success__sk skipped
all_success__fk upstream_failed
all_success__suf upstream_failed
all_failed__ff success
all_failed__fuf success
all_failed__fs skipped
all_failed__fk skipped
all_done__sfk success
all_done__uf success
all_done__kk success
all_skipped__kk success
all_skipped__ks skipped
all_skipped__kf skipped
all_skipped__kuf skipped
one_success__sf success
one_success__fk upstream_failed
one_success__ff upstream_failed
one_success__kk skipped
one_failed__fs success
one_failed__ufs success
one_failed__sk skipped
one_done__fk success
one_done__sk success
one_done__kk skipped
one_done__kuf skipped
none_failed__sk success
none_failed__kk success
none_failed__sf upstream_failed
none_failed__suf upstream_failed
none_failed_min_one_success__sk success
none_failed_min_one_success__kk skipped
none_failed_min_one_success__sf upstream_failed
none_failed_min_one_success__kuf upstream_failed
none_skipped__sf success
none_skipped__suf success
none_skipped__sk skipped
always__fuf success
always__k success
dummy__f success
none_failed_or_skipped__sk success
none_failed_or_skipped__kk skipped
none_failed_or_skipped__sf upstream_failed
early__one_success success
early__one_failed success
early__always success
early__all_success_uf upstream_failed
early__all_success_skip skipped
early__none_skipped_skip skipped
early__all_done success
chain_k_1 skipped
chain_k_2 skipped
chain_k_3 skipped
chain_uf_2 upstream_failed
chain_uf_3 upstream_failed
pick success
taken success
not_taken skipped
branch_chain_2 skipped
branch_chain_3 skipped
branch_join success
branch_join_all_success skipped
'

if compile rules "$DAGS/rules.biz"; then
    reset_fake
    run_dag "$T/rules"
    # Leaves end upstream_failed (e.g. all_success__sf): the run fails.
    assert_eq "rules: exit status 1 (upstream_failed leaves)" 1 "$RUN_RC"
    assert_eq "rules: record: run failed" failed "$(record 'r["state"]')"

    # Every task of the DAG is in the table, and only those.
    assert_eq "rules: the table covers every task of the DAG" \
        "$(printf '%s\n' "$EXPECTED" | awk 'NF {print $1}' | sort | tr '\n' ' ')" \
        "$(record '" ".join(sorted(r["tasks"])) + " "')"

    # One line per task: its final state against the table.
    states=$(record '"\n".join("%s %s" % (k, v["state"]) for k, v in r["tasks"].items())')
    while read -r task want; do
        [ -n "$task" ] || continue
        got=$(printf '%s\n' "$states" | awk -v t="$task" '$1 == t {print $2}')
        assert_eq "rules: $task is $want" "$want" "${got:-absent}"
    done <<<"$EXPECTED"

    # Each rule name (old names too) has a case that runs and one that does not.
    for rule in all_success all_failed all_done all_skipped one_success one_failed one_done \
                none_failed none_failed_min_one_success none_skipped always dummy none_failed_or_skipped; do
        cases=$(printf '%s\n' "$EXPECTED" | awk -v r="$rule" 'index($1, r "__") == 1 {print $2}' | sort -u | tr '\n' ' ')
        case $rule in
            all_done | always | dummy) assert_eq "rules: $rule: a case that runs" "success " "$cases" ;;
            *) assert_match "rules: $rule: a case that runs and one that does not" \
                   '^(skipped success (upstream_failed )?|success upstream_failed )$' "$cases" ;;
        esac
    done

    # The calls: a task that ran called its entry once; a skipped or
    # upstream_failed one called nothing.
    ran=$(calls '" ".join(sorted(x["path"].rsplit("/", 1)[1] for x in to("svc-rule")))')
    want_ran=$(printf '%s\n' "$EXPECTED" |
        awk '$2 == "success" && $1 !~ /^(s1|s2|slow|pick)$/ {print $1}' | sort | tr '\n' ' ')
    assert_eq "rules: exactly the tasks that succeeded called their entry, once each" \
        "${want_ran% }" "$ran"
    not_run=$(printf '%s\n' "$EXPECTED" | awk '$2 == "skipped" || $2 == "upstream_failed" {print $1}' | tr '\n' ' ')
    assert_eq "rules: no call from a skipped or upstream_failed task" "[]" \
        "$(calls "[x['path'] for x in svc if x['path'].rsplit('/', 1)[1] in '$not_run'.split()]")"
    assert_eq "rules: uf1 (upstream_failed) made no call" 0 "$(calls 'len(path_is("/svc/svc-up/uf1"))')"
    assert_eq "rules: the failed upstream tasks called once each (no retry)" 2 \
        "$(calls 'len([x for x in to("svc-up") if x["path"].startswith(("/svc/svc-up/f1", "/svc/svc-up/f2"))])')"

    # Decided while an upstream still runs (slow answers after 2 s).
    slow_call=$(calls 'path_is("/svc/svc-up/slow/2000")[0]["time"]')
    for t in early__one_success early__one_failed early__always; do
        before "rules: $t ran while 'slow' still ran" \
            "$(calls "path_is('/svc/svc-rule/$t')[0]['time'] if path_is('/svc/svc-rule/$t') else 1e12")" \
            "$(python3 -c "print($slow_call + 1.0)")"
    done
    slow_end=$(at slow end_date)
    before "rules: early__all_success_uf was upstream_failed while 'slow' still ran" \
        "$(at early__all_success_uf end_date)" "$(python3 -c "print($slow_end - 1.0)")"
    before "rules: early__none_skipped_skip was skipped while 'slow' still ran" \
        "$(at early__none_skipped_skip end_date)" "$(python3 -c "print($slow_end - 1.0)")"
    before "rules: early__all_success_skip was skipped while 'slow_fail' still ran" \
        "$(at early__all_success_skip end_date)" "$(python3 -c "print($(at slow_fail end_date) - 1.0)")"
    before "rules: early__all_done waited for 'slow'" \
        "$(python3 -c "print($slow_call + 1.9)")" \
        "$(calls "path_is('/svc/svc-rule/early__all_done')[0]['time'] if path_is('/svc/svc-rule/early__all_done') else 0")"
    assert_contains "rules: the reason of a skip names the rule" \
        "$(record 'r["tasks"]["none_skipped__sk"]["reason"]')" none_skipped
    assert_contains "rules: the reason of a branch skip names the branch" \
        "$(record 'r["tasks"]["not_taken"]["reason"]')" pick
    [ "$FAILED" -eq 0 ] || show_run
fi

# ---------------------------------------------------------------- outcome from the leaves
if compile rules_outcome "$DAGS/rules_outcome.biz"; then
    reset_fake
    run_dag "$T/rules_outcome" --conf '{"work": "/status/500", "cleanup": "/ok"}'
    assert_eq "outcome: failed task, all_done leaf succeeds: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "outcome: failed task, all_done leaf succeeds: run success" success "$(record 'r["state"]')"
    assert_eq "outcome: work failed, cleanup and on_failure succeeded" "failed success success" \
        "$(task_state work) $(task_state cleanup) $(task_state on_failure)"
    assert_eq "outcome: cleanup and on_failure called once each" "1 1" \
        "$(calls 'len(to("svc-cleanup"))') $(calls 'len(to("svc-alert"))')"

    reset_fake
    run_dag "$T/rules_outcome" --conf '{"work": "/ok", "cleanup": "/ok"}'
    assert_eq "outcome: success and a skipped leaf: exit status 0" 0 "$RUN_RC"
    assert_eq "outcome: success and a skipped leaf: run success" success "$(record 'r["state"]')"
    assert_eq "outcome: on_failure (one_failed) skipped, no call" "skipped 0" \
        "$(task_state on_failure) $(calls 'len(to("svc-alert"))')"

    reset_fake
    run_dag "$T/rules_outcome" --conf '{"work": "/status/500", "cleanup": "/status/500"}'
    assert_eq "outcome: a failed leaf: exit status 1" 1 "$RUN_RC"
    assert_eq "outcome: a failed leaf: run failed" failed "$(record 'r["state"]')"
    assert_eq "outcome: a failed leaf: cleanup failed, on_failure succeeded" "failed success" \
        "$(task_state cleanup) $(task_state on_failure)"
fi

# Setup and teardown: the teardown runs when its setup succeeded, whatever
# the work did, and counts for the run's outcome only with
# on_failure_fail_dagrun (which it does not have here).
if compile setup_teardown "$DAGS/setup_teardown.biz"; then
    X="$T/setup_teardown"
    run_dag "$X" --list
    assert_contains "setup/teardown: --list marks the setup" "$RUN_OUT" "create  TechMicroServiceOperator (setup)"
    assert_match "setup/teardown: --list marks the teardown and its rule" \
        'delete +TechMicroServiceOperator \(teardown\) +create, work, report +all_done_setup_success' "$RUN_OUT"
    run_dag "$X" --graph
    assert_contains "setup/teardown: --graph labels the teardown" "$RUN_OUT" 'label="delete\nTechMicroServiceOperator (teardown)"'
    assert_contains "setup/teardown: --graph dashes setup -> teardown" "$RUN_OUT" '"create" -> "delete" [style=dashed];'

    reset_fake
    run_dag "$X" --conf '{"work": "/status/500"}'
    assert_eq "setup/teardown: failed work: exit status 1" 1 "$RUN_RC"
    assert_eq "setup/teardown: failed work: the teardown still ran" "failed success 1" \
        "$(task_state work) $(task_state delete) $(calls 'len(to("svc-delete"))')"

    reset_fake
    run_dag "$X" --conf '{"delete": "/status/500"}'
    assert_eq "setup/teardown: a failed teardown does not fail the run" "0 failed success" \
        "$RUN_RC $(task_state delete) $(record 'r["state"]')"

    reset_fake
    run_dag "$X" --conf '{"create": "/status/500"}'
    assert_eq "setup/teardown: failed setup: nothing after it runs" "1 upstream_failed upstream_failed 0" \
        "$RUN_RC $(task_state work) $(task_state delete) $(calls 'len(to("svc-delete")) + len(to("svc-work"))')"
fi

# LatestOnlyOperator: a scheduled run that is not the latest (a catch-up
# of an older interval) skips the direct downstream tasks, ALL_DONE ones
# included, and what follows them; the latest and a manual run go on.
if compile latest_only "$DAGS/latest_only.biz"; then
    X="$T/latest_only"
    BIZ_NOW=2024-01-04T06:00:00Z run_dag "$X"
    assert_eq "latest only: the catch-up succeeds" 0 "$RUN_RC"
    assert_eq "latest only: only the latest interval ran its downstream tasks" \
        "2024-01-01 success skipped skipped skipped|2024-01-02 success skipped skipped skipped|2024-01-03 success success success success" \
        "$(python3 -c '
import glob, json, sys
runs = sorted((json.load(open(f)) for f in glob.glob(sys.argv[1] + "/*/runs/*.json")), key=lambda r: r["logical_date"])
print("|".join(" ".join([r["logical_date"][:10]] + [r["tasks"][t]["state"] for t in ("latest_only", "report", "always", "after")]) for r in runs))
' "$RUN_STATE")"
    BIZ_NOW=2024-01-04T06:00:00Z run_dag "$X" --logical-date 2024-01-02
    assert_eq "latest only: a manual run goes on" "success success" "$(task_state report) $(task_state always)"
fi

finish
