#!/bin/bash
# seq.sh BASE COUNT TOKEN: the shell baseline of bench/run's workload (a).
# COUNT calls GET BASE/item/0 .. BASE/item/COUNT-1 in sequence, each with
# curl (the headers a TechMicroServiceOperator call sends) and its answer
# parsed with jq, as a cron script would chain them. Exit 0: every call
# answered 200 with {"ok": true}.
set -euo pipefail
base=$1 count=$2 token=$3
printf -v trace 'Root=1-%08x-637773303030303030303031' "$(printf '%(%s)T' -1)"
for ((i = 0; i < count; i++)); do
    curl -sS --fail -A bizrt --compressed \
        -H 'Content-Type: application/json' -H 'Accept: application/json' \
        -H "Authorization: $token" -H "x-amzn-trace-id: $trace" -H 'Expect:' \
        "$base/item/$i" | jq -e '.ok' >/dev/null
done
