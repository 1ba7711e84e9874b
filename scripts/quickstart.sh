#!/bin/sh
# quickstart.sh: from a fresh Debian machine to a running example DAG.
#   installs the packages, builds the static dependencies and bizc (in
#   _build/), compiles examples/invoice.biz and runs it against the
#   project's fake CoWorks service on loopback.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/install-deps.sh
scripts/build-static-deps.sh
scripts/build.sh _build

mkdir -p _work
echo "== compiling examples/invoice.biz"
_build/bizc examples/invoice.biz -o _work/invoice
file _work/invoice

echo "== starting the fake CoWorks service"
rm -f _work/fake.port   # a second quick start must not read the first one's port
python3 tests/fake/coworks.py --port-file _work/fake.port >_work/fake.log 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s _work/fake.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat _work/fake.port)

echo "== running _work/invoice"
AIRFLOW_CONN_COWORKS_DIRECTORY="{\"conn_type\": \"http\", \"host\": \"http://127.0.0.1:$port/directory\"}" \
    _work/invoice --state-dir _work/state \
    --conf '{"data": {"customer": "ACME", "amount": 120.5}}'
