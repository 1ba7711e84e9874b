#!/bin/bash
# ops.sh: operating recorded runs. The DAG version in every record (--runs,
# --show) and --resume/--rerun refusing a run of another build unless
# --force; --rerun TASK [--downstream] against the fake service's calls
# (exactly the cleared tasks are called again, with the kept XComs and the
# run's conf; the record keeps the earlier outcomes); --metrics (the
# Prometheus text format, parsed); webhook alerts against a local receiver.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl
require_fake

compile_check ops_rerun "$DAGS/ops_rerun.biz" || finish
# The same DAG from another source (one comment more): another build.
{ cat "$DAGS/ops_rerun.biz"; echo "# another build of the same DAG"; } >"$T/ops_rerun2.biz"
compile_check ops_rerun2 "$T/ops_rerun2.biz" || finish

# jq_py FILE EXPR: a Python expression over a JSON file (as `r`).
jq_py() {
    python3 -c '
import json, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1" "$2"
}

# per_task: how many calls each task's service got, "a b c d e".
per_task() {
    calls '" ".join(str(len(path_is("/svc/ops-%s/%s" % (t, t)))) for t in "abcde")'
}

# ex EXE ARGS...: runs EXE with the suite's state directory $S; sets RC,
# OUT and ERR.
ex() {
    local exe=$1
    shift
    "$exe" --state-dir "$S" "$@" >"$T/ex.out" 2>"$T/ex.err"
    RC=$?
    OUT=$(cat "$T/ex.out")
    ERR=$(cat "$T/ex.err")
}

SHA1=$("$T/ops_rerun" --version | sed -n 's/.*sha256:\([0-9a-f]*\).*/\1/p')
SHA2=$("$T/ops_rerun2" --version | sed -n 's/.*sha256:\([0-9a-f]*\).*/\1/p')
VER=$("$BIZC_TOP_BUILDDIR/bizc" --version | head -n 1 | awk '{ print $2 }')
assert_ne "two builds: two source checksums" "$SHA1" "$SHA2"

# ---------------------------------------------------------------- DAG version
S="$T/s-rerun"
reset_fake
ex "$T/ops_rerun" --conf '{"n": 7}' -q
assert_eq "first run: exit 0" 0 "$RC"
assert_eq "first run: each task called once" "1 1 1 1 1" "$(per_task)"
REC=$(ls "$S"/ops_rerun/runs/*.json)
assert_eq "record: the source's sha256" "$SHA1" "$(jq_py "$REC" 'r["source_sha256"]')"
assert_eq "record: the bizc version" "$VER" "$(jq_py "$REC" 'r["bizc_version"]')"
ex "$T/ops_rerun" --runs
assert_contains "--runs: a DAG VERSION column" "$OUT" "DAG VERSION"
assert_contains "--runs: the run's version" "$OUT" "${SHA1:0:12} (bizc $VER)"
ex "$T/ops_rerun" --show last
assert_contains "--show: the DAG version" "$OUT" "dag version:   sha256:$SHA1, bizc $VER"

# ---------------------------------------------------------------- rerun
reset_fake
ex "$T/ops_rerun" --rerun b
assert_eq "--rerun b: exit 0" 0 "$RC"
assert_eq "--rerun b: only b called again" "0 1 0 0 0" "$(per_task)"
assert_eq "--rerun b: the kept XCom of a and the run's conf fed b" '{"from": "/a", "n": "7"}' \
    "$(calls 'path_is("/svc/ops-b/b")[0]["json"]')"
assert_contains "--rerun b: says what it clears" "$ERR" "from task 'b': 1 task(s) cleared, 1 to run again, 4 kept"
assert_eq "--rerun b: one record still" 1 "$(ls "$S"/ops_rerun/runs/*.json | wc -l)"
assert_eq "--rerun b: b's tries continue, the others kept" '[1, 2, 1, 1, 1]' \
    "$(jq_py "$REC" '[r["tasks"][t]["tries"] for t in "abcde"]')"
assert_eq "--rerun b: b's earlier outcome in its history" '[["success", 1, "rerun"]]' \
    "$(jq_py "$REC" '[[h["state"], h["tries"], h["cleared_by"]] for h in r["tasks"]["b"]["history"]]')"
assert_eq "--rerun b: the run's history" '[["rerun", "b", false, ["b"]]]' \
    "$(jq_py "$REC" '[[h["action"], h["task"], h["downstream"], h["cleared"]] for h in r["history"]]')"
assert_eq "--rerun b: the run succeeded" success "$(jq_py "$REC" 'r["state"]')"

reset_fake
ex "$T/ops_rerun" --rerun b --downstream --run "$(jq_py "$REC" 'r["run_id"]')"
assert_eq "--rerun b --downstream: exit 0" 0 "$RC"
assert_eq "--rerun b --downstream: b, c and d called again, not a nor e" "0 1 1 1 0" "$(per_task)"
assert_eq "--rerun b --downstream: c got b's new XCom" '{"from": "/b"}' \
    "$(calls 'path_is("/svc/ops-c/c")[0]["json"]')"
assert_eq "--rerun b --downstream: tries" '[1, 3, 2, 2, 1]' \
    "$(jq_py "$REC" '[r["tasks"][t]["tries"] for t in "abcde"]')"
assert_eq "--rerun b --downstream: b's two earlier outcomes kept" 2 \
    "$(jq_py "$REC" 'len(r["tasks"]["b"]["history"])')"
assert_eq "--rerun b --downstream: the run's history" '[["b", false], ["b", true]]' \
    "$(jq_py "$REC" '[[h["task"], h["downstream"]] for h in r["history"]]')"
ex "$T/ops_rerun" --show last
assert_contains "--show: the history" "$OUT" "rerun of the success run from task b with its downstream tasks"
assert_contains "--show: earlier outcomes" "$OUT" "b: success after 2 tries, cleared by rerun"

# A failed task rerun after its service is fixed: the run succeeds.
S="$T/s-fail"
reset_fake
behave ops-d status=500
ex "$T/ops_rerun" --conf '{"n": 1}' -q
assert_eq "failing d: the run fails" 1 "$RC"
behave ops-d
reset_fake
ex "$T/ops_rerun" --rerun d -q
assert_eq "--rerun d: exit 0" 0 "$RC"
assert_eq "--rerun d: only d called" "0 0 0 1 0" "$(per_task)"
REC=$(ls "$S"/ops_rerun/runs/*.json)
assert_eq "--rerun d: the run now succeeded" success "$(jq_py "$REC" 'r["state"]')"
assert_eq "--rerun d: the failure is in d's history" failed "$(jq_py "$REC" 'r["tasks"]["d"]["history"][0]["state"]')"

# Usage errors.
ex "$T/ops_rerun" --rerun nope
assert_eq "--rerun of an unknown task: exit 2" 2 "$RC"
assert_contains "--rerun of an unknown task: says so" "$ERR" "no task 'nope' in DAG 'ops_rerun'"
ex "$T/ops_rerun" --rerun b --run nope
assert_eq "--rerun of an unknown run: exit 2" 2 "$RC"
ex "$T/ops_rerun" --downstream
assert_eq "--downstream without --rerun: exit 2" 2 "$RC"
ex "$T/ops_rerun" --rerun b --conf '{}'
assert_eq "--rerun with --conf: exit 2" 2 "$RC"
ex "$T/ops_rerun" --force
assert_eq "--force alone: exit 2" 2 "$RC"

# ---------------------------------------------------------------- another build
S="$T/s-rerun"
REC=$(ls "$S"/ops_rerun/runs/*.json)
reset_fake
ex "$T/ops_rerun2" --rerun b
assert_eq "another build: --rerun refused (exit 2)" 2 "$RC"
assert_contains "another build: says why" "$ERR" "was recorded by another build of DAG 'ops_rerun' (source sha256:${SHA1:0:12}, bizc $VER; this executable: sha256:${SHA2:0:12}, bizc $VER)"
assert_contains "another build: names --force" "$ERR" "--rerun --force does it anyway"
ex "$T/ops_rerun2" --resume last
assert_eq "another build: --resume refused (exit 2)" 2 "$RC"
assert_eq "another build: nothing called" "0 0 0 0 0" "$(per_task)"
assert_eq "another build: the record is untouched" "$SHA1" "$(jq_py "$REC" 'r["source_sha256"]')"
ex "$T/ops_rerun2" --rerun b --force -q
assert_eq "another build, --force: exit 0" 0 "$RC"
assert_eq "another build, --force: only b called" "0 1 0 0 0" "$(per_task)"
assert_contains "another build, --force: warns" "$ERR" "continued by this build (--force)"
assert_eq "another build, --force: the record names the new build" "$SHA2" "$(jq_py "$REC" 'r["source_sha256"]')"
assert_eq "another build, --force: the history keeps the old one" "$SHA1" "$(jq_py "$REC" 'r["history"][-1]["source_sha256"]')"
ex "$T/ops_rerun" --rerun b
assert_eq "then the first build is the other one: refused" 2 "$RC"

finish
