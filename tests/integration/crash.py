#!/usr/bin/env python3
"""crash.py: the crash test of state.sh (issue 5, done-when 1).

Runs a compiled DAG (tests/integration/dags/state_slow.biz) against the fake
CoWorks service and kills it with SIGKILL at random instants, resuming it
each time (`--resume last`), until it succeeds; then starts a new run, until
KILLS kills have been made. After every kill it reads the run's record
(which must be valid JSON) and notes, for each task the record says
succeeded, how many calls the service had received for it (the record as
its readers see it: the base and, while it runs, its journal). At the end of
each run it checks that no such task was called again and that the XComs
equal those of an uninterrupted run (BASELINE, a record).

    crash.py EXE STATE_DIR FAKE_URL BASELINE_RECORD KILLS SPAN_SECONDS SEED

Prints one JSON object: kills, runs, attempts, resumes, invalid (records
that were not valid JSON), recalled (tasks called again after their
success was recorded), xcom_mismatch, failures (runs that did not end in
success), kills_by_done (how many succeeded tasks the record showed at
each kill).
"""

import json
import os
import random
import subprocess
import sys
import urllib.request


def fake(url, path, method="GET"):
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


def counts(url):
    """Calls per task: the last segment of the entry (/svc/svc-slow/slow/150/a,
    /apigw/bench/v1/t17)."""
    out = {}
    for c in fake(url, "/_calls"):
        if not c["path"].startswith(("/svc/", "/apigw/")):
            continue
        t = c["path"].rstrip("/").split("/")[-1]
        out[t] = out.get(t, 0) + 1
    return out


def load_record(path):
    """A run record as the executable's readers see it: the base record,
    then, for a running or killed run, its journal (state.h): the first
    line names the generation, each other line a task's whole entry or the
    run's state; a last line cut by the kill is left out."""
    with open(path) as f:
        rec = json.load(f)
    gen = rec.get("journal_gen")
    journal = path[:-len(".json")] + ".journal"
    if gen is None or not os.path.exists(journal):
        return rec
    with open(journal) as f:
        lines = f.read().split("\n")[:-1]
    for k, line in enumerate(lines):
        try:
            j = json.loads(line)
        except ValueError:
            break
        if k == 0:
            if j.get("gen") != gen:
                break
        elif "t" in j:
            rec["tasks"][j["t"]] = j["v"]
        elif "run" in j:
            rec.update(j["run"])
    return rec


def main():
    exe, state, url, baseline_path, kills, span, seed = sys.argv[1:8]
    kills, span = int(kills), float(span)
    rnd = random.Random(int(seed))
    with open(baseline_path) as f:
        baseline = {t: v.get("xcom") for t, v in json.load(f)["tasks"].items()}
    runs_dir = None
    res = {"kills": 0, "runs": 0, "attempts": 0, "resumes": 0, "invalid": 0,
           "recalled": [], "xcom_mismatch": [], "failures": [], "kills_by_done": []}
    dag_dirs = [d for d in os.listdir(state)] if os.path.isdir(state) else []
    while res["kills"] < kills:
        fake(url, "/_reset", "POST")
        res["runs"] += 1
        before = set()
        for d in dag_dirs:
            rd = os.path.join(state, d, "runs")
            if os.path.isdir(rd):
                runs_dir = rd
                before = set(os.listdir(rd))
        record = None        # this run's record file
        seen = {}            # task -> calls when its success was first recorded
        while True:
            args = [exe, "--state-dir", state, "-q"]
            if record:
                args += ["--resume", "last"]
                res["resumes"] += 1
            res["attempts"] += 1
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            killed = False
            if res["kills"] < kills:
                try:
                    p.wait(timeout=rnd.uniform(0.0, span))
                except subprocess.TimeoutExpired:
                    p.kill()
                    killed = True
                    res["kills"] += 1
            err = p.communicate(timeout=120)[1]
            if runs_dir is None:
                # A kill before the executable made its state directory
                # leaves none yet.
                for d in (os.listdir(state) if os.path.isdir(state) else []):
                    rd = os.path.join(state, d, "runs")
                    if os.path.isdir(rd):
                        runs_dir = rd
                        dag_dirs = [d]
            if record is None and runs_dir:
                new = [n for n in os.listdir(runs_dir)
                       if n.endswith(".json") and not n.startswith(".") and n not in before]
                if new:
                    record = os.path.join(runs_dir, sorted(new)[-1])
            rec = None
            if record:
                try:
                    rec = load_record(record)
                    if not isinstance(rec.get("tasks"), dict):
                        raise ValueError("no tasks")
                except ValueError:
                    res["invalid"] += 1
                    rec = None
            c = counts(url)
            done = 0
            if rec:
                for t, v in rec["tasks"].items():
                    if v.get("state") == "success":
                        done += 1
                        seen.setdefault(t, c.get(t, 0))
            if killed:
                res["kills_by_done"].append(done)
                continue
            if p.returncode != 0 or not rec or rec.get("state") != "success":
                res["failures"].append({"rc": p.returncode, "state": rec and rec.get("state"),
                                        "stderr": err.decode("utf-8", "replace")[-500:]})
                break
            for t, n in seen.items():
                if c.get(t, 0) != n:
                    res["recalled"].append({"task": t, "calls_at_success": n, "calls": c.get(t, 0)})
            for t, x in baseline.items():
                got = rec["tasks"].get(t, {}).get("xcom")
                if got != x:
                    res["xcom_mismatch"].append({"task": t, "want": x, "got": got})
            break
    print(json.dumps(res))


if __name__ == "__main__":
    main()
