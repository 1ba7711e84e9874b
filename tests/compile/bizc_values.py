"""bizc_values.py: what python_values.sh and pyformat_cases.sh share: the
values bizc's constant evaluator gives for Python expressions, read back
from the C it generates.

str_values(bizc, tmp, head, exprs) writes tmp/values.biz: the lines of
head (imports, constants), then a DAG whose description is
json.dumps([str(EXPR), ...]); compiles it with --emit-c and returns the
list of strings, or None (with bizc's stderr printed) when bizc refused.
"""
import json
import re
import subprocess

IMPORTS = ["import json", "import os", "from datetime import datetime", "from airflow import DAG",
           "from airflow.operators.empty import EmptyOperator"]

# The DAG every file ends with (its description the values, when any).
DAG = ["with DAG('values', start_date=datetime(2024, 1, 1), schedule=None,",
       "         description=json.dumps(RESULTS)) as dag:", "    EmptyOperator(task_id='t')", ""]


def str_values(bizc, tmp, head, exprs):
    src = head + ["RESULTS = ["] + ["    str(%s)," % e for e in exprs] + ["]"] + DAG
    with open(tmp + "/values.biz", "w", encoding="utf-8") as f:
        f.write("\n".join(src))
    r = subprocess.run([bizc, "--emit-c", tmp + "/values.c", tmp + "/values.biz"], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
        return None
    with open(tmp + "/values.c", encoding="utf-8") as f:
        c = f.read()
    # The DAG's settings are one JSON text in C string literals.
    start = c.index('.settings_json =')
    end = c.index(".tasks = ", start)
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', c[start:end]))
    text = text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1").decode("utf-8")
    return json.loads(json.loads(text)["description"])
