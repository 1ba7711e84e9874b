"""airflow_side.py: what Apache Airflow + CoWorks make of a DAG file.

Runs inside the reference environment (scripts/install-airflow.sh), with
CoWorks' own operators, never a stand-in:

  python airflow_side.py load FILE...
      imports each file into a DagBag (as Airflow's DAG processor does) and
      prints one JSON object per file: {"file", "import_error",
      "dags": {dag_id: {"tasks": [...], "edges": [[up, down], ...]}}}.
  python airflow_side.py run FILE [--dag ID] [--conf JSON] --out OUT.json
      runs one DAG run with dag.test(run_conf=...) and writes what happened:
      {"dag_id", "state", "tasks": {task_id: {"state", "tries", "xcom"}}}.

  python airflow_side.py schedule FILE [--dag ID] --now ISO [--manual ISO]...
      the scheduled runs due by --now, as Airflow's scheduler makes them
      (next_dagrun_info from the first, each after the last, while it is due;
      the clock frozen at --now), and the data interval of a run triggered
      by hand at each --manual time: {"scheduled": [[logical_date, start,
      end], ...], "manual": [[start, end], ...]}, UTC ISO times.

AIRFLOW_HOME must be set by the caller (a scratch folder; `run` needs a
migrated metadata database in it). Connections, variables and SMTP settings
come from the environment (AIRFLOW_CONN_*, AIRFLOW_VAR_*, AIRFLOW__SMTP__*),
as they do for a compiled DAG.
"""

import argparse
import base64
import json
import logging
import os
import sys
import warnings


def _quiet():
    """Airflow's deprecation chatter is not what a test log is for."""
    warnings.simplefilter("ignore")
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")


def _dagbag(path):
    from airflow.models import DagBag
    # safe_mode=False: Airflow's discovery heuristic skips files that do not
    # contain the words "airflow" and "dag"; we ask it to import this file
    # whatever it contains (the README says how a deployment picks it up).
    return DagBag(dag_folder=path, include_examples=False, safe_mode=False)


def _shape(dag):
    edges = sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids)
    return {"tasks": sorted(t.task_id for t in dag.tasks), "edges": edges}


def cmd_load(files):
    for path in files:
        out = {"file": path, "import_error": None, "dags": {}}
        try:
            bag = _dagbag(path)
            if bag.import_errors:
                out["import_error"] = "\n".join(str(v) for v in bag.import_errors.values())
            for dag_id, dag in bag.dags.items():
                out["dags"][dag_id] = _shape(dag)
        except Exception as e:  # the DagBag itself should catch everything
            out["import_error"] = "%s: %s" % (type(e).__name__, e)
        print(json.dumps(out), flush=True)
    return 0


def _plain(value):
    """An XCom value as JSON can hold it (bytes as {"bytes": base64})."""
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {"__repr__": repr(value)}


def cmd_run(path, dag_id, conf, out_path):
    from airflow.models import XCom
    bag = _dagbag(path)
    if bag.import_errors:
        raise SystemExit("airflow_side: %s does not import:\n%s"
                         % (path, "\n".join(bag.import_errors.values())))
    if dag_id is None:
        if len(bag.dags) != 1:
            raise SystemExit("airflow_side: %s defines %d DAGs; give --dag" % (path, len(bag.dags)))
        dag_id = next(iter(bag.dags))
    dag = bag.dags[dag_id]
    # dag.test() runs the tasks in this process, as `airflow dags test` does,
    # against the metadata database of AIRFLOW_HOME.
    dr = dag.test(run_conf=conf)
    result = {"dag_id": dag_id, "state": str(dr.state), "tasks": {}}
    for ti in dr.get_task_instances():
        xcoms = XCom.get_many(run_id=dr.run_id, dag_ids=dag_id, task_ids=ti.task_id,
                              map_indexes=ti.map_index).all()
        # A mapped instance as bizc's record names it: "task_id[map_index]".
        key = ti.task_id if ti.map_index < 0 else "%s[%d]" % (ti.task_id, ti.map_index)
        result["tasks"][key] = {
            "state": str(ti.state) if ti.state else "none",
            "tries": ti.try_number,
            "xcom": {x.key: _plain(x.value) for x in xcoms},
        }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    return 0


def _one_dag(path, dag_id):
    bag = _dagbag(path)
    if bag.import_errors:
        raise SystemExit("airflow_side: %s does not import:\n%s"
                         % (path, "\n".join(bag.import_errors.values())))
    if dag_id is None:
        if len(bag.dags) != 1:
            raise SystemExit("airflow_side: %s defines %d DAGs; give --dag" % (path, len(bag.dags)))
        dag_id = next(iter(bag.dags))
    return bag.dags[dag_id]


def cmd_schedule(path, dag_id, now, manual):
    import pendulum
    from airflow.timetables import _delta, interval
    now = pendulum.parse(now)
    # catchup=False asks the clock (_skip_to_latest): freeze it at now.
    for mod in (interval, _delta):
        if hasattr(mod, "utcnow"):
            mod.utcnow = lambda: now
    dag = _one_dag(path, dag_id)
    iso = lambda t: pendulum.instance(t).in_timezone("UTC").isoformat()
    out = {"scheduled": [], "manual": []}
    info = dag.next_dagrun_info(None, restricted=True)
    while info is not None and info.run_after <= now and len(out["scheduled"]) < 500:
        iv = info.data_interval
        out["scheduled"].append([iso(info.logical_date), iso(iv.start), iso(iv.end)])
        info = dag.next_dagrun_info(iv, restricted=True)
    for t in manual:
        iv = dag.timetable.infer_manual_data_interval(run_after=pendulum.parse(t))
        out["manual"].append([iso(iv.start), iso(iv.end)])
    print(json.dumps(out))
    return 0


def main(argv):
    _quiet()
    ap = argparse.ArgumentParser(prog="airflow_side.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("files", nargs="+")
    ru = sub.add_parser("run")
    ru.add_argument("file")
    ru.add_argument("--dag")
    ru.add_argument("--conf", default="{}")
    ru.add_argument("--out", required=True)
    sc = sub.add_parser("schedule")
    sc.add_argument("file")
    sc.add_argument("--dag")
    sc.add_argument("--now", required=True)
    sc.add_argument("--manual", action="append", default=[])
    a = ap.parse_args(argv)
    logging.getLogger("airflow").setLevel(logging.WARNING)
    if a.cmd == "load":
        return cmd_load(a.files)
    if a.cmd == "schedule":
        return cmd_schedule(a.file, a.dag, a.now, a.manual)
    return cmd_run(a.file, a.dag, json.loads(a.conf), a.out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
