#!/bin/sh
# install-airflow.sh: the reference environment the conformance suite runs
# DAG files in: a Python virtual environment with Apache Airflow 2 (the http
# and amazon providers) and CoWorks 0.9.4 from PyPI, at the versions pinned
# in scripts/airflow-requirements.txt. CoWorks' own coworks/biz/*.py runs
# there unmodified: it is the oracle that tests/conformance compares every
# compiled DAG with.
#
# Usage: scripts/install-airflow.sh [DIR]     (default: _deps/airflow)
# Reused when DIR already holds the pinned set. Needs Python 3.11 or 3.12
# (CoWorks 0.9.4 needs >= 3.11; Airflow 2.11 supports up to 3.12) with venv,
# and PyPI. Afterwards: DIR/bin/python -c 'import airflow, coworks.biz'.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dir=${1:-$top/_deps/airflow}
req=$here/airflow-requirements.txt
stamp=$dir/bizc-airflow.stamp
want=$(sha256sum "$req" | cut -d' ' -f1)

check() {
    # Importing airflow writes its config and log folders: keep them away
    # from the user's ~/airflow.
    AIRFLOW_HOME=$(mktemp -d) && export AIRFLOW_HOME
    "$dir/bin/python" -W ignore -c 'import airflow, coworks.biz
from coworks.biz import TechMicroServiceOperator, TechMicroServiceAsyncGroup
print("install-airflow: Apache Airflow %s, CoWorks %s in %s" % (
    airflow.__version__, __import__("importlib.metadata").metadata.version("coworks"),
    __import__("sys").prefix))' 2>/dev/null
    rc=$?
    rm -rf "$AIRFLOW_HOME"
    return $rc
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && check; then
    exit 0
fi

# A Python that CoWorks 0.9.4 and Airflow 2.11 both support.
py=
for c in ${BIZC_AIRFLOW_PYTHON:-} python3.11 python3.12 python3; do
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys, venv; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
        py=$c
        break
    fi
done
if [ -z "$py" ]; then
    echo "install-airflow: no Python 3.11 or 3.12 with venv (apt-get install python3-venv)" >&2
    exit 1
fi

echo "install-airflow: creating $dir with $($py --version 2>&1)"
rm -rf "$dir"
"$py" -m venv "$dir"
"$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
echo "$want" >"$stamp"
check || { echo "install-airflow: airflow or coworks.biz does not import in $dir" >&2; exit 1; }
