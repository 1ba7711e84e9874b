#!/bin/sh
# run.sh: the conformance suite (conform.py) under `make check`: every DAG of
# the corpus run by Apache Airflow + CoWorks and by bizc, compared; the load
# and refuse checks. Exits 77 (SKIP) when the reference environment is
# missing: scripts/install-airflow.sh makes it (scripts/test.sh does).
here=$(cd "$(dirname "$0")" && pwd)
: "${BIZC_TOP_SRCDIR:=$(cd "$here/../.." && pwd)}"
export BIZC_TOP_SRCDIR
PYTHONDONTWRITEBYTECODE=1 exec python3 "$here/conform.py" "$@"
