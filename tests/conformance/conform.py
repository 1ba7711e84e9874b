#!/usr/bin/env python3
"""conform.py: the differential suite, bizc against Apache Airflow + CoWorks.

The parts, each counted in the closing "N passed, N failed" line:

  run     every DAG of the corpus (tests/conformance/dags/*.biz, the
          Airflow users' DAGs of tests/corpus/*.biz and the examples listed
          in examples.txt) runs once under Airflow
          (dag.test with CoWorks' own operators) and once as a bizc
          executable, each against fresh servers of its own (world.py); what
          the servers received, each task's state, tries and XComs, the run's
          state and the mails are compared (compare.py). A case passes when
          the differences are exactly the deliberate ones it declares.
  load    every .biz file under examples/ and tests/ that bizc accepts
          imports into Airflow's DagBag without error, with the same DAG ids,
          task ids and edges as the executable's --list.
  refuse  every file of tests/conformance/refuse/ is refused by both: an
          import error in Airflow, and bizc's expected error at compile time.
  stricter every file of tests/conformance/stricter/ imports into Airflow
          but is refused by bizc at compile time, on purpose: it runs wrongly
          on Airflow (a CoWorks bug) or uses what a compiled DAG cannot do;
          each declares its deliberate difference and bizc's error.
  diffs   every deliberate difference of doc/airflow-differences.md is
          declared by at least one case, and every declared one is listed.
  schedule every DAG of tests/conformance/schedule/ gives the same
          scheduled runs (logical dates, data intervals) by its `now:` on
          both engines (Airflow's next_dagrun_info, the clock frozen; the
          executable with BIZ_NOW), and the same data interval for a run
          triggered by hand at each `manual:` time.

A case's directives are comment lines at the top of its file (or lines
under "== FILE" in examples.txt):
  # conf: {"data": 1}            the run's dag_run.conf (default {})
  # needs: s3 mail               servers besides the fake CoWorks service
  # dag: ID                      the DAG to run when the file has several
  # env: NAME=VALUE              for both engines (e.g. AIRFLOW_VAR_X=1);
                                 $FAKE_URL, $SMTP_PORT and $S3_URL in VALUE
                                 are the addresses of that engine's servers
  # behave: SERVICE QUERY        a fixed behaviour of the fake service
  # difference: Dn LINE          a deliberate difference and its exact line
  # now: 2024-04-01T00:00:00Z    (schedule/) the time the runs are made at
  # manual: 2024-03-31T01:10:00Z (schedule/) a run triggered by hand then
A refuse file has "# error: TEXT": bizc's message must contain TEXT.

  conform.py [--only run,load,refuse,stricter,diffs,schedule] [--case SUBSTRING] [-j N]
  conform.py --one FILE.biz [--conf JSON] [--dag ID] [--needs s3,mail]
             (one DAG, both engines, the differences printed)

Environment: BIZC_TOP_SRCDIR, BIZC_TOP_BUILDDIR (bizc is there),
BIZC_AIRFLOW_DIR (the reference environment, default _deps/airflow),
BIZC_KEEP_TMP=1 keeps the scratch folder. Exits 77 when the reference
environment is missing (scripts/install-airflow.sh makes it).
"""

import argparse
import base64
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import compare
import world

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = world.TOP_SRC
TOP_BUILD = os.environ.get("BIZC_TOP_BUILDDIR") or TOP_SRC
AIRFLOW_DIR = os.environ.get("BIZC_AIRFLOW_DIR") or os.path.join(TOP_SRC, "_deps", "airflow")
AIRFLOW_PY = os.path.join(AIRFLOW_DIR, "bin", "python")
BIZC = os.environ.get("BIZC") or os.path.join(TOP_BUILD, "bizc")
DIFF_DOC = os.path.join(TOP_SRC, "doc", "airflow-differences.md")
RUN_TIMEOUT = 300
DIRECTIVE = re.compile(r"^#\s*(conf|needs|dag|env|behave|difference|error|now|manual):\s*(.*?)\s*$")
# Variables of the user's environment that would reach either engine.
SCRUB = re.compile(r"^(AIRFLOW_|AIRFLOW__|AWS_|BIZ_|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$)")


class Case:
    def __init__(self, path, lines, label=None):
        self.path = path
        self.label = label or os.path.relpath(path, TOP_SRC)
        self.conf, self.needs, self.dag, self.env = {}, set(), None, {}
        self.behave, self.expected, self.error = [], [], None
        self.now, self.manual = None, []
        for line in lines:
            m = DIRECTIVE.match(line if line.startswith("#") else "# " + line)
            if not m:
                continue
            key, value = m.groups()
            if key == "conf":
                self.conf = json.loads(value)
            elif key == "needs":
                self.needs |= set(value.replace(",", " ").split())
            elif key == "dag":
                self.dag = value
            elif key == "env":
                k, _, v = value.partition("=")
                self.env[k] = v
            elif key == "behave":
                self.behave.append(value.split(None, 1) + [""])
            elif key == "difference":
                did, _, text = value.partition(" ")
                self.expected.append((did, text))
            elif key == "error":
                self.error = value
            elif key == "now":
                self.now = value
            elif key == "manual":
                self.manual.append(value)

    @classmethod
    def from_file(cls, path):
        head = []
        with open(path) as f:
            for line in f:
                if not line.startswith("#") and line.strip():
                    break
                head.append(line.rstrip("\n"))
        return cls(path, head)


def example_cases():
    """The examples, with the directives examples.txt gives them."""
    blocks, cur = {}, None
    with open(os.path.join(HERE, "examples.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("== "):
                cur = line[3:].strip()
                blocks[cur] = []
            elif cur and line.strip() and not line.startswith("//"):
                blocks[cur].append(line.strip())
    cases = []
    for path in sorted(glob.glob(os.path.join(TOP_SRC, "examples", "*.biz"))):
        rel = os.path.relpath(path, TOP_SRC)
        cases.append(Case(path, blocks.get(rel, []), label=rel))
    missing = sorted(set(blocks) - {c.label for c in cases})
    return cases, missing


def clean_env(extra):
    env = {k: v for k, v in os.environ.items() if not SCRUB.match(k)}
    env.update(extra)
    return env


# ------------------------------------------------------------------ engines


class Airflow:
    """Runs DAG files in the reference environment."""

    def __init__(self, tmp):
        self.template = os.path.join(tmp, "airflow-template")
        os.makedirs(self.template)
        r = subprocess.run([os.path.join(AIRFLOW_DIR, "bin", "airflow"), "db", "migrate"],
                           env=self._env(self.template, {}), capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("airflow db migrate failed:\n" + r.stderr[-3000:])

    @staticmethod
    def _env(home, extra):
        env = clean_env(extra)
        # The database is named here, not in airflow.cfg: `db migrate` writes
        # its absolute path into the template's airflow.cfg.
        env.update({"AIRFLOW_HOME": home, "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                    "AIRFLOW__CORE__DAGS_FOLDER": home, "PYTHONWARNINGS": "ignore",
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                        "sqlite:///" + os.path.join(home, "airflow.db")})
        return env

    def load(self, files, tmp):
        """{file: load result} for many files in one interpreter."""
        home = os.path.join(tmp, "airflow-load")
        os.makedirs(home, exist_ok=True)
        r = subprocess.run([AIRFLOW_PY, os.path.join(HERE, "airflow_side.py"), "load"] + files,
                           env=self._env(home, {}), capture_output=True, text=True, timeout=600)
        out = {}
        for line in r.stdout.splitlines():
            if line.startswith("{"):
                d = json.loads(line)
                out[d["file"]] = d
        return out

    def run(self, case, env, folder):
        home = os.path.join(folder, "home")
        os.makedirs(home)
        shutil.copy(os.path.join(self.template, "airflow.db"), home)
        out = os.path.join(folder, "result.json")
        argv = [AIRFLOW_PY, os.path.join(HERE, "airflow_side.py"), "run", case.path,
                "--conf", json.dumps(case.conf), "--out", out]
        if case.dag:
            argv += ["--dag", case.dag]
        with open(os.path.join(folder, "airflow.log"), "w") as log:
            subprocess.run(argv, env=self._env(home, env), stdout=log, stderr=subprocess.STDOUT,
                           timeout=RUN_TIMEOUT)
        if not os.path.exists(out):
            raise RuntimeError("Airflow did not run %s (see %s):\n%s" % (
                case.label, log.name, tail(log.name)))
        with open(out) as f:
            return json.load(f)


class Bizc:
    """Compiles a DAG file and runs the executable."""

    def build(self, path, dag, exe):
        argv = [BIZC, path, "-o", exe] + (["--dag", dag] if dag else [])
        return subprocess.run(argv, capture_output=True, text=True)

    def run(self, case, env, folder):
        exe = os.path.join(folder, "dag")
        b = self.build(case.path, case.dag, exe)
        if b.returncode != 0:
            raise RuntimeError("bizc does not compile %s:\n%s" % (case.label, b.stderr))
        state = os.path.join(folder, "state")
        with open(os.path.join(folder, "bizc.log"), "w") as log:
            subprocess.run([exe, "--state-dir", state, "--conf", json.dumps(case.conf)],
                           env=clean_env(env), stdout=log, stderr=subprocess.STDOUT,
                           timeout=RUN_TIMEOUT)
        records = glob.glob(os.path.join(state, "*", "runs", "*.json"))
        if len(records) != 1:
            raise RuntimeError("the executable left %d run records (see %s):\n%s" % (
                len(records), log.name, tail(log.name)))
        with open(records[0]) as f:
            rec = json.load(f)
        tasks = {tid: {"state": t.get("state"), "tries": t.get("tries", 0),
                       "xcom": record_value(t.get("xcom")) or {},
                       "start": t.get("start_date"), "end": t.get("end_date")}
                 for tid, t in rec.get("tasks", {}).items()
                 # A mapped task's own entry sums its instances up: Airflow
                 # has only the instances ("id[k]" on both sides).
                 if "mapped" not in t}
        return {"dag_id": rec.get("dag_id"), "state": rec.get("state"), "tasks": tasks,
                "edges": self.edges(exe)}

    @staticmethod
    def listing(exe):
        """(tasks, edges, trigger rules) from the executable's --list."""
        r = subprocess.run([exe, "--list"], capture_output=True, text=True, check=True)
        tasks, edges, rules = [], [], {}
        for line in r.stdout.splitlines()[1:]:
            cols = re.split(r"\s{2,}", line.strip())
            if len(cols) < 4:
                continue
            # A mapped task shows as "id [ ]", as in Airflow's UI.
            tid, ups, rule = re.sub(r" \[ \]$", "", cols[0]), cols[2], cols[3]
            tasks.append(tid)
            rules[tid] = rule
            if ups != "-":
                edges += [[u.strip(), tid] for u in ups.split(",")]
        return sorted(tasks), sorted(edges), rules

    # Rules that let a task start while some upstream task has not ended.
    EARLY_RULES = {"always", "dummy", "one_success", "one_failed", "one_done"}

    def edges(self, exe):
        """The edges whose downstream task must wait for the upstream's end."""
        _, edges, rules = self.listing(exe)
        return [e for e in edges if rules.get(e[1]) not in self.EARLY_RULES]


def record_value(v):
    """A value of a run record as it was stored: the record seals a value
    that holds a secret as {"__sealed__": base64 of its JSON}."""
    if isinstance(v, dict) and list(v) == ["__sealed__"]:
        return json.loads(base64.b64decode(v["__sealed__"]))
    return v


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def order_violations(side):
    """Tasks of the executable that started before an upstream ended."""
    out = []
    for up, down in side.get("edges", []):
        a, b = side["tasks"].get(up, {}), side["tasks"].get(down, {})
        if a.get("end") and b.get("start") and b["start"] < a["end"]:
            out.append("order: %s started before its upstream %s ended" % (down, up))
    return out


# ------------------------------------------------------------------ run part


def run_engine(engine, case, folder):
    """One engine's side of a case, on servers of its own."""
    os.makedirs(folder, exist_ok=True)
    with world.World(os.path.join(folder, "servers"), case.needs) as w:
        for name, query in ((b[0], b[1]) for b in case.behave):
            w.behave(name, query)
        env = dict(w.env())
        env.update({k: w.substitute(v) for k, v in case.env.items()})
        side = engine.run(case, env, folder)
        side["requests"] = w.requests()
        side["s3"] = w.s3_stores()
        side["s3_requests"] = w.s3_requests()
        side["mails"] = w.mails()
    return side


def run_case(case, airflow, bizc, tmp):
    """(passed, lines) for one case."""
    folder = os.path.join(tmp, re.sub(r"[^A-Za-z0-9_.-]", "_", case.label))
    lines = []
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        fa = pool.submit(run_engine, airflow, case, os.path.join(folder, "airflow"))
        fb = pool.submit(run_engine, bizc, case, os.path.join(folder, "bizc"))
        try:
            a, b = fa.result(), fb.result()
        except Exception as e:
            return False, ["%s: %s" % (case.label, e)]
    ran_a = sum(1 for t in a["tasks"].values() if t["tries"])
    ran_b = sum(1 for t in b["tasks"].values() if t["tries"])
    found = compare.differences(compare.normalise(a), compare.normalise(b))
    found += order_violations(b)
    expected = [text for _, text in case.expected]
    unexpected = [d for d in found if d not in expected]
    missing = [d for d in expected if d not in found]
    ok = ran_a > 0 and not unexpected and not missing
    lines.append("%s %s: airflow ran %d tasks, bizc ran %d; %d deliberate differences"
                 % ("PASS" if ok else "FAIL", case.label, ran_a, ran_b, len(expected)))
    if ran_a == 0:
        lines.append("    Airflow ran no task")
    lines += ["    " + d for d in unexpected]
    lines += ["    expected, not found: " + d for d in missing]
    return ok, lines


# ------------------------------------------------------------------ load and refuse parts


def accepted_files():
    files = sorted(glob.glob(os.path.join(TOP_SRC, "examples", "*.biz")) +
                   [f for f in glob.glob(os.path.join(TOP_SRC, "tests", "**", "*.biz"), recursive=True)
                    if "/refuse/" not in f and "/stricter/" not in f])
    out = []
    for f in files:
        r = subprocess.run([BIZC, "--check", f], capture_output=True, text=True)
        if r.returncode == 0:
            out.append(f)
    return out


def bizc_dags(path, tmp):
    """{dag_id: (tasks, edges)} of a file bizc accepts, from --list."""
    exe = os.path.join(tmp, "list-exe")
    r = Bizc().build(path, None, exe)
    names = [None]
    if r.returncode != 0:
        m = re.search(r"defines \d+ DAGs \(([^)]*)\)", r.stderr)
        if not m:
            raise RuntimeError("bizc does not build it:\n" + r.stderr)
        names = [n.strip() for n in m.group(1).split(",")]
    out = {}
    for name in names:
        if name:
            r = Bizc().build(path, name, exe)
            if r.returncode != 0:
                raise RuntimeError("bizc --dag %s does not build it:\n%s" % (name, r.stderr))
        v = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
        dag_id = name or v.split()[0]
        tasks, edges, _ = Bizc.listing(exe)
        out[dag_id] = {"tasks": tasks, "edges": edges}
    return out


def load_part(airflow, tmp):
    results = []
    files = accepted_files()
    loaded = airflow.load(files, tmp)
    for f in files:
        rel = os.path.relpath(f, TOP_SRC)
        a = loaded.get(f)
        problems = []
        if a is None:
            problems.append("Airflow gave no answer for it")
        elif a["import_error"]:
            problems.append("Airflow cannot import it: " + last_line(a["import_error"]))
        else:
            try:
                b = bizc_dags(f, tmp)
            except Exception as e:
                b = {}
                problems.append(str(e))
            for dag_id in sorted(set(a["dags"]) | set(b)):
                if dag_id not in b or dag_id not in a["dags"]:
                    problems.append("DAG %s only in %s" % (dag_id, "Airflow" if dag_id not in b else "bizc"))
                    continue
                for what in ("tasks", "edges"):
                    if a["dags"][dag_id][what] != b[dag_id][what]:
                        problems.append("DAG %s %s: airflow=%s bizc=%s" % (
                            dag_id, what, compare._j(a["dags"][dag_id][what]), compare._j(b[dag_id][what])))
        results.append((not problems, ["%s load %s" % ("PASS" if not problems else "FAIL", rel)]
                        + ["    " + p for p in problems]))
    return results


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else text


def bizc_refuses(path, expected_error):
    """Problems with bizc's refusal of path (an empty list when it refuses
    with expected_error)."""
    problems = []
    r = subprocess.run([BIZC, "--check", path], capture_output=True, text=True)
    if r.returncode != 1:
        problems.append("bizc --check exits %d, not 1" % r.returncode)
    if not expected_error:
        problems.append("no '# error:' line says what bizc must report")
    elif expected_error not in r.stderr:
        problems.append("bizc does not say %r:\n%s" % (expected_error, r.stderr.strip()))
    if any(s in r.stderr for s in ("Sanitizer", "runtime error:")):
        problems.append("sanitizer report:\n" + r.stderr)
    return problems


def refusal_part(airflow, tmp, folder, airflow_problems):
    """One check per file of tests/conformance/<folder>/: bizc refuses it
    with its '# error:' text, and airflow_problems(case, load result)
    lists what is wrong with Airflow's verdict."""
    results = []
    files = sorted(glob.glob(os.path.join(HERE, folder, "*.biz")))
    loaded = airflow.load(files, tmp)
    for f in files:
        case = Case.from_file(f)
        a = loaded.get(f)
        problems = airflow_problems(case, a) + bizc_refuses(f, case.error)
        verdict = ("no answer" if a is None else last_line(a["import_error"]) if a["import_error"]
                   else "imports")
        results.append((not problems, ["%s %s %s (airflow: %s)" % (
            "PASS" if not problems else "FAIL", folder, os.path.relpath(f, TOP_SRC), verdict[:160])]
            + ["    " + p for p in problems]))
    return results


def refuse_part(airflow, tmp):
    """Both engines refuse each file of refuse/."""
    def airflow_refuses(case, a):
        if a is not None and a["import_error"]:
            return []
        return ["Airflow imports it (%s)" % ("no answer" if a is None else
                                             "DAGs: " + (", ".join(a["dags"]) or "none"))]
    return refusal_part(airflow, tmp, "refuse", airflow_refuses)


def stricter_part(airflow, tmp):
    """Airflow imports each file of stricter/, bizc refuses it on purpose."""
    def airflow_imports(case, a):
        problems = []
        if a is None or a["import_error"] or not a["dags"]:
            problems.append("Airflow does not import it: " + (
                "no answer" if a is None else last_line(a["import_error"] or "no DAG")))
        if len(case.expected) != 1:
            problems.append("it must declare one '# difference: Dn' line")
        return problems
    return refusal_part(airflow, tmp, "stricter", airflow_imports)


def schedule_part(airflow, tmp):
    """For each DAG of schedule/: the scheduled runs due by its `now:` (their
    logical dates and data intervals) and the data interval of a run
    triggered by hand at each `manual:` time, on both engines."""
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "schedule", "*.biz"))):
        case = Case.from_file(path)
        folder = tempfile.mkdtemp(prefix="sched.", dir=tmp)
        problems = []
        try:
            if not case.now:
                raise RuntimeError("no `# now:` line")
            argv = [AIRFLOW_PY, os.path.join(HERE, "airflow_side.py"), "schedule", path,
                    "--now", case.now] + sum((["--manual", m] for m in case.manual), [])
            home = os.path.join(folder, "home")
            os.makedirs(home)
            r = subprocess.run(argv, env=Airflow._env(home, {}), capture_output=True, text=True,
                               timeout=RUN_TIMEOUT)
            if r.returncode != 0:
                raise RuntimeError("Airflow: " + r.stderr[-2000:])
            want = json.loads(r.stdout.strip().splitlines()[-1])
            exe = os.path.join(folder, "dag")
            b = Bizc().build(path, case.dag, exe)
            if b.returncode != 0:
                raise RuntimeError("bizc does not compile it:\n" + b.stderr)
            got = {"scheduled": [], "manual": []}
            state = os.path.join(folder, "state")
            env = clean_env({"BIZ_NOW": case.now})
            r = subprocess.run([exe, "--state-dir", state, "-q", "--max-catchup", "500"],
                               env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
            if r.returncode != 0:
                raise RuntimeError("the executable failed:\n" + r.stderr[-2000:])
            recs = []
            for f in glob.glob(os.path.join(state, "*", "runs", "*.json")):
                with open(f) as fh:
                    recs.append(json.load(fh))
            recs.sort(key=lambda d: d["logical_date"])
            got["scheduled"] = [[d["logical_date"], d["data_interval_start"],
                                 d["data_interval_end"]] for d in recs]
            for i, m in enumerate(case.manual):
                st = os.path.join(folder, "manual%d" % i)
                r = subprocess.run([exe, "--state-dir", st, "-q", "--logical-date", m],
                                   env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
                files = glob.glob(os.path.join(st, "*", "runs", "*.json"))
                if r.returncode != 0 or len(files) != 1:
                    raise RuntimeError("the manual run at %s failed:\n%s" % (m, r.stderr[-2000:]))
                with open(files[0]) as fh:
                    d = json.load(fh)
                got["manual"].append([d["data_interval_start"], d["data_interval_end"]])
            for kind in ("scheduled", "manual"):
                if got[kind] != want[kind]:
                    problems.append("%s runs differ:\n  Airflow: %s\n  bizc:    %s"
                                    % (kind, json.dumps(want[kind]), json.dumps(got[kind])))
            if not want["scheduled"] and not case.manual:
                problems.append("the case checks nothing: no run is due by `now:`")
        except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
            problems.append(str(e))
        label = "schedule " + os.path.relpath(path, TOP_SRC)
        out.append((not problems, ["%s %s" % ("PASS" if not problems else "FAIL", label)]
                    + ["     " + p for p in problems]))
    return out


def diffs_part(cases):
    """The list of deliberate differences and the cases agree."""
    try:
        with open(DIFF_DOC) as f:
            listed = set(re.findall(r"^## (D\d+)\b", f.read(), re.M))
    except OSError:
        listed = set()
    declared = {d for c in cases for d, _ in c.expected}
    problems = ["%s is listed in doc/airflow-differences.md but no case checks it" % d
                for d in sorted(listed - declared)]
    problems += ["%s is declared by a case but not listed in doc/airflow-differences.md" % d
                 for d in sorted(declared - listed)]
    return [(not problems, ["%s diffs: %d deliberate differences, each checked"
                            % ("PASS" if not problems else "FAIL", len(listed))]
             + ["    " + p for p in problems])]


# ------------------------------------------------------------------ main


def main(argv):
    ap = argparse.ArgumentParser(prog="conform.py")
    ap.add_argument("--only", default="run,load,refuse,stricter,diffs,schedule")
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("-j", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--one")
    ap.add_argument("--conf", default="{}")
    ap.add_argument("--dag")
    ap.add_argument("--needs", default="")
    a = ap.parse_args(argv)

    if not os.access(BIZC, os.X_OK):   # the build is broken: automake's ERROR
        print("conform: no compiler at %s" % BIZC)
        print("0 passed, 1 failed")
        return 99
    if not os.access(AIRFLOW_PY, os.X_OK):   # this machine cannot: SKIP
        print("conform: no reference environment at %s (make it: scripts/install-airflow.sh)"
              % AIRFLOW_DIR)
        print("0 passed, 0 failed")
        return 77

    tmp = tempfile.mkdtemp(prefix="bizc-conform.")
    try:
        airflow, bizc = Airflow(tmp), Bizc()
        if a.one:
            case = Case(os.path.abspath(a.one), ["conf: " + a.conf, "needs: " + a.needs]
                        + (["dag: " + a.dag] if a.dag else []), label=a.one)
            ok, lines = run_case(case, airflow, bizc, tmp)
            print("\n".join(lines))
            return 0 if ok else 1
        parts = a.only.split(",")
        results = []
        cases = [Case.from_file(p) for p in sorted(glob.glob(os.path.join(HERE, "dags", "*.biz")))]
        cases += [Case.from_file(p) for p in sorted(glob.glob(os.path.join(TOP_SRC, "tests", "corpus", "*.biz")))]
        examples, missing = example_cases()
        cases += examples
        stricter = [Case.from_file(p) for p in sorted(glob.glob(os.path.join(HERE, "stricter", "*.biz")))]
        if missing:
            results.append((False, ["FAIL examples.txt names files that do not exist: " + ", ".join(missing)]))
        if "run" in parts:
            chosen = [c for c in cases if not a.case or any(s in c.label for s in a.case)]
            with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as pool:
                for ok, lines in pool.map(lambda c: run_case(c, airflow, bizc, tmp), chosen):
                    print("\n".join(lines), flush=True)
                    results.append((ok, []))
        for name, fn in (("load", lambda: load_part(airflow, tmp)),
                         ("refuse", lambda: refuse_part(airflow, tmp)),
                         ("stricter", lambda: stricter_part(airflow, tmp)),
                         ("diffs", lambda: diffs_part(cases + stricter)),
                         ("schedule", lambda: schedule_part(airflow, tmp))):
            if name in parts:
                for ok, lines in fn():
                    print("\n".join(lines), flush=True)
                    results.append((ok, []))
        passed = sum(1 for ok, _ in results if ok)
        print("%d passed, %d failed" % (passed, len(results) - passed))
        return 0 if passed == len(results) else 1
    finally:
        if os.environ.get("BIZC_KEEP_TMP") == "1":
            print("# scratch kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
