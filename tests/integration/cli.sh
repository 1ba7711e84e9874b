#!/bin/bash
# cli.sh: the command line of a compiled DAG (runtime/cli/cli.c, main.c,
# show.c) on the examples and tests/integration/dags/cli_dryrun.biz.
#
# --version, --help, --list, --graph (accepted by `dot`, groups as
# clusters), --dry-run (renders dag_run.conf, calls nothing, shows XComs it
# lacks as placeholders, fails only on real template errors, renders the
# data interval a real run has), --task with --xcom, date-times in
# templates, and usage errors (exit 2).

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"
EXAMPLES="$BIZC_TOP_SRCDIR/examples"

require_bizc
require_tools python3 curl
require_fake

# usage DESC EXE ARGS...: a usage error: exit 2, a message on stderr, and
# nothing called.
usage() {
    local desc=$1
    shift
    run_dag "$@"
    assert_eq "$desc: exit status 2" 2 "$RUN_RC"
    assert_contains "$desc: says to try --help" "$RUN_ERR" "--help"
}

# ---------------------------------------------------------------- invoice
if compile_check invoice "$EXAMPLES/invoice.biz"; then
    X="$T/invoice"

    run_dag "$X" --version
    assert_eq "--version: exit status 0" 0 "$RUN_RC"
    assert_match "--version: DAG id and bizc version" '^invoice \(compiled by bizc [0-9]' "$RUN_OUT"
    assert_match "--version: source checksum" 'sha256:[0-9a-f]{64}' "$RUN_OUT"

    run_dag "$X" --help
    assert_eq "--help: exit status 0" 0 "$RUN_RC"
    assert_contains "--help: usage line" "$RUN_OUT" "Usage: invoice [OPTION]..."
    assert_contains "--help: documents --dry-run" "$RUN_OUT" "--dry-run"
    assert_contains "--help: documents the exit status of a signal" "$RUN_OUT" "130 / 143"

    run_dag "$X" --list
    assert_eq "--list: exit status 0" 0 "$RUN_RC"
    assert_match "--list: header" '^TASK +OPERATOR +UPSTREAM +TRIGGER RULE' "$RUN_OUT"
    assert_match "--list: a task with its upstream" \
        'check_invoice +BranchTechMicroServiceOperator +create_invoice +all_success' "$RUN_OUT"
    assert_eq "--list: one line per task (+ header)" 5 "$(printf '%s\n' "$RUN_OUT" | wc -l)"

    run_dag "$X" --graph
    assert_eq "--graph: exit status 0" 0 "$RUN_RC"
    assert_contains "--graph: an edge" "$RUN_OUT" '"create_invoice" -> "check_invoice";'
    if command -v dot >/dev/null; then
        if printf '%s\n' "$RUN_OUT" | dot -Tsvg >"$T/invoice.svg" 2>"$T/dot.err" &&
           grep -q '<svg' "$T/invoice.svg"; then
            pass "--graph: dot -Tsvg accepts it"
        else
            fail "--graph: dot -Tsvg accepts it" "$(cat "$T/dot.err")"
        fi
    else
        skip "--graph: dot -Tsvg accepts it (graphviz is not installed)"
    fi
    # --graph svg: the executable runs Graphviz itself.
    if command -v dot >/dev/null; then
        run_dag "$X" --graph svg
        assert_eq "--graph svg: exit status 0" 0 "$RUN_RC"
        assert_contains "--graph svg: an SVG" "$RUN_OUT" '<svg'
        assert_eq "--graph svg: every task drawn" 4 \
            "$(printf '%s\n' "$RUN_OUT" | grep -c '<title>\(create_invoice\|check_invoice\|send_to_customer\|mail_error\)</title>')"
        run_dag "$X" --graph=png
        assert_eq "--graph=png: a PNG" true "$(head -c 4 "$T/run.$RUN_N.out" | grep -q PNG && echo true)"
    else
        skip "--graph svg (graphviz is not installed)"
    fi
    # A PATH with what run_dag needs but no dot.
    mkdir -p "$T/nodot"
    for c in timeout date; do ln -sf "$(command -v $c)" "$T/nodot/$c"; done
    PATH="$T/nodot" run_dag "$X" --graph svg
    assert_eq "--graph svg without Graphviz: exit status 1" 1 "$RUN_RC"
    assert_contains "--graph svg without Graphviz: says so" "$(cat "$T/run.$RUN_N.err")" \
        "--graph svg needs Graphviz's 'dot', which is not on PATH (apt-get install graphviz)"
    run_dag "$X" --graph jpg
    assert_eq "--graph jpg: a usage error" 2 "$RUN_RC"
    assert_contains "--graph jpg: names the formats" "$(cat "$T/run.$RUN_N.err")" \
        "unknown format 'jpg' (dot, svg, png or pdf)"

    # --dry-run renders dag_run.conf and calls nothing.
    reset_fake
    run_dag "$X" --dry-run --conf '{"data": {"customer": "C042", "total": 12.5}}'
    assert_eq "--dry-run: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_contains "--dry-run: dag_run.conf rendered" "$RUN_OUT" '"to":"C042"'
    assert_contains "--dry-run: a whole conf value rendered (native)" "$RUN_OUT" \
        'json = {"customer":"C042","total":12.5}'
    assert_contains "--dry-run: an XCom shows as a placeholder" "$RUN_OUT" \
        "<xcom of task 'create_invoice'>"
    assert_contains "--dry-run: ... with its key" "$RUN_OUT" \
        "<xcom 'status_code' of task 'create_invoice'>"
    assert_eq "--dry-run: the fake service saw no call at all" 0 "$(calls 'len(c)')"

    # Usage errors.
    usage "unknown option" "$X" --bogus
    assert_contains "unknown option: named" "$RUN_ERR" "unknown option '--bogus'"
    usage "unexpected argument" "$X" extra
    usage "--task without a value" "$X" --task
    usage "--task of an unknown task" "$X" --task no_such_task
    assert_contains "--task of an unknown task: named" "$RUN_ERR" "no_such_task"
    usage "--xcom without --task" "$X" --xcom '{}'
    usage "--conf that is not JSON" "$X" --conf '{not json'
    assert_contains "--conf that is not JSON: says so" "$RUN_ERR" "--conf is not valid JSON: syntax error at byte"
    usage "--conf that is not an object" "$X" --conf '[1, 2]'
    assert_contains "--conf that is not an object: says so" "$RUN_ERR" "--conf must be a JSON object"
    usage "--conf-file that is missing" "$X" --conf-file "$T/no-such-conf.json"
    assert_contains "--conf-file that is missing: says why" "$RUN_ERR" "No such file or directory"
    usage "--dry-run with --resume" "$X" --dry-run --resume last
    assert_contains "--dry-run with --resume: not silently a fresh run's plan" "$RUN_ERR" \
        "--dry-run and --resume cannot be used together"
    usage "--runs with --show" "$X" --runs --show last
    usage "--keep-runs that is negative" "$X" --keep-runs -1
    assert_contains "--keep-runs that is negative: the range, in plain digits" "$RUN_ERR" "from 0 to 1000000000, not '-1'"
    usage "--max-catchup 0" "$X" --max-catchup 0
    assert_contains "--max-catchup 0: says it needs at least 1" "$RUN_ERR" "--max-catchup needs at least 1"
    usage "--conf and --conf-file together" "$X" --conf '{}' --conf-file /dev/null
    usage "--log-format bad" "$X" --log-format xml
    usage "--xcom that is not JSON" "$X" --task check_invoice --xcom 'nope'
    assert_eq "usage errors: the fake service saw no call" 0 "$(calls 'len(c)')"
fi

# ---------------------------------------------------------------- groups
if compile_check async_group "$EXAMPLES/async_group.biz"; then
    run_dag "$T/async_group" --graph
    assert_eq "--graph (groups): exit status 0" 0 "$RUN_RC"
    assert_contains "--graph (groups): the group is a cluster" "$RUN_OUT" 'subgraph "cluster_invoice" {'
    assert_contains "--graph (groups): labelled with its id" "$RUN_OUT" 'label="invoice";'
    in_cluster=$(printf '%s\n' "$RUN_OUT" | awk '/subgraph "cluster_invoice"/ { on = 1; next } on && /^  }/ { on = 0 } on && /"invoice\.(call|wait|read)" \[/ { n++ } END { print n + 0 }')
    assert_eq "--graph (groups): its three tasks inside" 3 "$in_cluster"
    if command -v dot >/dev/null; then
        if printf '%s\n' "$RUN_OUT" | dot -Tsvg >"$T/group.svg" 2>"$T/dot.err" &&
           grep -q 'cluster_invoice' "$T/group.svg"; then
            pass "--graph (groups): dot -Tsvg draws the cluster"
        else
            fail "--graph (groups): dot -Tsvg draws the cluster" "$(cat "$T/dot.err")"
        fi
    fi
fi

# ---------------------------------------------------------------- dry run and XComs
if compile_check cli_dryrun "$DAGS/cli_dryrun.biz"; then
    X="$T/cli_dryrun"
    reset_fake
    run_dag "$X" --dry-run --conf '{"item": "pen", "who": "ann"}'
    assert_eq "dry-run with XComs: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_contains "dry-run with XComs: conf rendered" "$RUN_OUT" 'json = {"item":"pen"}'
    assert_contains "dry-run with XComs: placeholder in a rendered value" "$RUN_OUT" \
        "\"created\":\"<xcom of task 'create'>\""
    assert_contains "dry-run with XComs: a subscript of an XCom is left for run time" "$RUN_OUT" \
        "~ argument 'entry' depends on the XCom of 'create': rendered at run time"
    assert_contains "dry-run with XComs: ... shown as written" "$RUN_OUT" \
        "entry = \"/items/{{ ti.xcom_pull(task_ids='create')['id'] }}\""
    assert_not_contains "dry-run with XComs: no error reported" "$RUN_OUT" "!"

    run_dag "$X" --dry-run
    assert_eq "dry-run, conf key missing: a real error, exit 1" 1 "$RUN_RC"
    assert_contains "dry-run, conf key missing: located" "$RUN_OUT" \
        "! task 'create', argument 'json' ($DAGS/cli_dryrun.biz:24:14)"
    assert_contains "dry-run, conf key missing: next to an XCom, still an error" "$RUN_OUT" \
        "key 'who' not found in dag_run.conf"
    assert_eq "dry-run: the fake service saw no call" 0 "$(calls 'len(c)')"

    run_dag "$X" --dry-run --task show --xcom '{"create": {"return_value": {"id": 7}, "status_code": 201}}' \
        --conf '{"who": "ann"}'
    assert_eq "dry-run --task --xcom: exit status 0" 0 "$RUN_RC"
    assert_contains "dry-run --task --xcom: the given XCom is used" "$RUN_OUT" 'entry = "/items/7"'
    assert_contains "dry-run --task --xcom: ... everywhere" "$RUN_OUT" '"status":"201"'
    assert_not_contains "dry-run --task --xcom: only that task" "$RUN_OUT" "1. create"

    # --task ID with --xcom runs that task alone, with those XComs.
    reset_fake
    run_dag "$X" --task show --xcom '{"create": {"return_value": {"id": 7}, "status_code": 201}}' \
        --conf '{"who": "ann"}'
    assert_eq "--task --xcom: exit status 0" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "--task --xcom: one service call" 1 "$(calls 'len(svc)')"
    assert_eq "--task --xcom: the upstream task did not run" \
        '["/svc/svc-items/items/7"]' "$(calls '[x["path"] for x in svc]')"
    assert_eq "--task --xcom: the XCom in the body" \
        '{"created": "{'"'"'id'"'"': 7}", "status": "201", "who": "ann"}' \
        "$(calls 'svc[0]["json"]')"
    assert_match "--task --xcom: the summary shows that task only" '^TASK .*
show +success' "$RUN_OUT"
fi

# ---------------------------------------------------------------- task params, classic DAGs
if compile_check cli_params "$DAGS/cli_params.biz"; then
    run_dag "$T/cli_params" --dry-run
    assert_eq "task params: dry run, exit status 0" 0 "$RUN_RC"
    assert_contains "task params: the task's own override the DAG's" "$RUN_OUT" \
        'bash_command = "echo own 2 default_args"'
    assert_contains "task params: without its own, the DAG's (and default_args')" "$RUN_OUT" \
        'bash_command = "echo dags 1 default_args"'
    run_dag "$T/cli_params" --dry-run --conf '{"x": 9}'
    assert_contains "task params: dag_run.conf overrides the task's" "$RUN_OUT" \
        'bash_command = "echo own 9 default_args"'
fi

# ---------------------------------------------------------------- dates, dry-run intervals
if compile_check cli_dates "$DAGS/cli_dates.biz"; then
    D="$T/cli_dates"
    # a manual run at 2024-03-30 12:00 UTC: the last complete interval of a
    # 02:30 Paris schedule ends that day at 02:30 CET (01:30 UTC)
    run_dag "$D" --dry-run --logical-date 2024-03-30T12:00:00Z --conf '{"k": [1]}'
    assert_eq "dates: dry run, exit status 0" 0 "$RUN_RC"
    want_interval="interval 2024-03-29 01:30:00+00:00 .. 2024-03-30 01:30:00+00:00"
    assert_contains "dates: dry run renders the schedule's data interval" "$RUN_OUT" "$want_interval"
    assert_contains "dates: in_timezone + strftime" "$RUN_OUT" "paris 30 02:30 +0100"
    assert_contains "dates: add | ds, subtract + isoformat" "$RUN_OUT" \
        "next 2024-03-31 2024-03-30T11:00:00+00:00"
    assert_contains "dates: comparisons" "$RUN_OUT" "same True True"
    assert_contains "dates: tojson(indent=2)" "$RUN_OUT" '{\n  \"k\": [\n    1\n  ]\n}'
    dry_out=$RUN_OUT
    run_dag "$D" --logical-date 2024-03-30T12:00:00Z --conf '{"k": [1]}' -v
    assert_eq "dates: the real run succeeds" 0 "$RUN_RC"
    assert_contains "dates: the real run has the dry run's interval" "$RUN_ERR" "$want_interval"
    assert_eq "dates: ... and records it" '2024-03-29T01:30:00+00:00 2024-03-30T01:30:00+00:00' \
        "$(python3 -c 'import json,sys,glob; d=json.load(open(glob.glob(sys.argv[1]+"/*/runs/*.json")[0])); print(d["data_interval_start"], d["data_interval_end"])' "$RUN_STATE")"
    BIZ_NOW=2024-03-20T12:00:00Z run_dag "$D" --dry-run
    assert_contains "dates: a dry run without --conf previews the latest scheduled interval" "$RUN_OUT" \
        "Plan of cli_dates, run scheduled__2024-03-19T01:30:00+00:00"
fi
if compile_check cli_dryrun_bad "$DAGS/cli_dryrun_bad.biz"; then
    run_dag "$T/cli_dryrun_bad" --dry-run
    assert_eq "dry run: a template that fails to render exits 1" 1 "$RUN_RC"
    assert_contains "dry run: ... and says which and why" "$RUN_OUT" "key 'missing' not found in dag_run.conf"
fi

"$BIZC_TOP_BUILDDIR/bizc" "$DAGS/cli_two_dags.biz" -o "$T/two" >"$T/two.log" 2>&1
assert_eq "two classic DAGs: bizc asks for --dag (exit 2)" 2 "$?"
assert_contains "two classic DAGs: names both" "$(cat "$T/two.log")" "(first, second)"
if "$BIZC_TOP_BUILDDIR/bizc" --dag second "$DAGS/cli_two_dags.biz" -o "$T/second" >"$T/two.log" 2>&1; then
    run_dag "$T/second" --list
    assert_match "two classic DAGs: --dag second has its tasks" 'd +BashOperator +c ' "$RUN_OUT"
    assert_eq "two classic DAGs: two tasks (+ header)" 3 "$(printf '%s\n' "$RUN_OUT" | wc -l)"
else
    fail "two classic DAGs: bizc --dag second" "$(cat "$T/two.log")"
fi

finish
