#!/bin/bash
# params.sh: a run's params are validated against their Param rules
# (runtime/template/params.c) before any task starts, as Airflow validates them when
# it creates a DagRun: for each rule a --conf that passes (the call is made,
# with the value) and one that does not (exit 2, Airflow's message naming
# the param and what is wrong, no call). And --help lists the params.

. "$(dirname "$0")/lib.sh"

DAGS="$BIZC_TOP_SRCDIR/tests/integration/dags"

require_bizc
require_tools python3 curl
require_fake

compile_check params_checked "$DAGS/params_checked.biz" || finish
X="$T/params_checked"

# good DESC CONF: the run succeeds and makes its call.
good() {
    reset_fake
    run_dag "$X" --conf "$2"
    assert_eq "$1: exit status 0" 0 "$RUN_RC"
    assert_eq "$1: the call is made" 1 "$(calls 'len(svc)')"
}

# bad DESC CONF MESSAGE: exit 2, exactly MESSAGE on stderr, no call.
bad() {
    reset_fake
    run_dag "$X" --conf "$2"
    assert_eq "$1: exit status 2" 2 "$RUN_RC"
    assert_eq "$1: the message" "params_checked: $3" "$RUN_ERR"
    assert_eq "$1: nothing called" 0 "$(calls 'len(c)')"
}

# who has no default; note's None default is no string: each run gives both
W='"who": "C001", "note": "n"'

# required: no default
bad "required, not given" '{"note": "n"}' "Invalid input for param who: No value passed and Param has no default value"
good "required, given" "{$W}"
assert_eq "required: its value in the call" '{"who": "C001", "count": "3", "code": "ab1"}' "$(calls 'json.dumps(json.loads(svc[0]["body"]))')"
bad "required, null" '{"who": null, "note": "n"}' "Invalid input for param who: None is not of type 'string'"
# a None default with a type that has no null: only valid when given
bad "None default, not given" '{"who": "C001"}' "Invalid input for param note: None is not of type 'string'"
bad "None default, bad type" '{"who": "C001", "note": 1}' "Invalid input for param note: 1 is not of type 'string'"
good "type list with null" "{$W, \"maybe\": null}"
bad "type list" "{$W, \"maybe\": 1}" "Invalid input for param maybe: 1 is not of type 'null', 'string'"
# type
good "type integer" "{$W, \"count\": 7}"
assert_eq "type integer: the conf's value in the call" '"7"' "$(calls 'json.dumps(json.loads(svc[0]["body"])["count"])')"
bad "type integer, a string" "{$W, \"count\": \"7\"}" "Invalid input for param count: '7' is not of type 'integer'"
bad "type integer, a bool" "{$W, \"count\": true}" "Invalid input for param count: True is not of type 'integer'"
bad "type integer, a float" "{$W, \"count\": 2.5}" "Invalid input for param count: 2.5 is not of type 'integer'"
# minimum / maximum
good "minimum, equal" "{$W, \"count\": 1}"
bad "minimum" "{$W, \"count\": 0}" "Invalid input for param count: 0 is less than the minimum of 1"
good "maximum, equal" "{$W, \"count\": 10}"
bad "maximum" "{$W, \"count\": 11}" "Invalid input for param count: 11 is greater than the maximum of 10"
# exclusiveMinimum / exclusiveMaximum
good "exclusive bounds" "{$W, \"ratio\": 0.25}"
bad "exclusiveMinimum" "{$W, \"ratio\": 0}" "Invalid input for param ratio: 0 is less than or equal to the minimum of 0"
bad "exclusiveMaximum" "{$W, \"ratio\": 1}" "Invalid input for param ratio: 1 is greater than or equal to the maximum of 1"
bad "type number" "{$W, \"ratio\": \"x\"}" "Invalid input for param ratio: 'x' is not of type 'number'"
# enum
good "enum" "{$W, \"mode\": \"slow\"}"
bad "enum" "{$W, \"mode\": \"medium\"}" "Invalid input for param mode: 'medium' is not one of ['fast', 'slow']"
# minLength / maxLength / pattern
good "lengths and pattern" "{$W, \"code\": \"abcd9\"}"
bad "minLength" "{$W, \"code\": \"a\"}" "Invalid input for param code: 'a' is too short"
bad "maxLength" "{$W, \"code\": \"abcde9\"}" "Invalid input for param code: 'abcde9' is too long"
bad "pattern" "{$W, \"code\": \"AB1\"}" "Invalid input for param code: 'AB1' does not match '^[a-z]+\\\\d\$'"
# formats
good "format date" "{$W, \"day\": \"2024-02-29\"}"
bad "format date" "{$W, \"day\": \"2023-02-29\"}" "Invalid input for param day: '2023-02-29' is not a 'date'"
good "format date-time, RFC 3339" "{$W, \"at\": \"2024-03-31T02:30:00Z\"}"
good "format date-time, ISO 8601 without offset (Airflow accepts it with a warning)" "{$W, \"at\": \"2024-03-31 02:30\"}"
bad "format date-time" "{$W, \"at\": \"2024-03-31\"}" "Invalid input for param at: '2024-03-31' is not a 'date-time'"
good "format time" "{$W, \"clock\": \"23:59:59\"}"
bad "format time" "{$W, \"clock\": \"24:00:00\"}" "Invalid input for param clock: '24:00:00' is not a 'time'"
good "format email" "{$W, \"mail\": \"x@y\"}"
bad "format email" "{$W, \"mail\": \"nobody\"}" "Invalid input for param mail: 'nobody' is not a 'email'"
good "format ipv4" "{$W, \"ip\": \"192.168.1.255\"}"
bad "format ipv4" "{$W, \"ip\": \"192.168.1.256\"}" "Invalid input for param ip: '192.168.1.256' is not a 'ipv4'"
good "format ipv6" "{$W, \"ip6\": \"fe80::1:2\"}"
bad "format ipv6" "{$W, \"ip6\": \"fe80::1::2\"}" "Invalid input for param ip6: 'fe80::1::2' is not a 'ipv6'"
good "format uuid" "{$W, \"id\": \"ABCDEF01-1234-1234-1234-123456789abc\"}"
bad "format uuid" "{$W, \"id\": \"abcdef0112341234-1234-1234-123456789abc\"}" \
    "Invalid input for param id: 'abcdef0112341234-1234-1234-123456789abc' is not a 'uuid'"
# the first param that fails, in the params' order
bad "two bad params: the first named" "{$W, \"code\": \"a\", \"count\": 0}" \
    "Invalid input for param count: 0 is less than the minimum of 1"
# a param without rules, and a conf key that is no param, take anything
good "no rules" "{$W, \"plain\": \"text\", \"other\": [1]}"

# --dry-run and --task check them too; --list does not run anything
run_dag "$X" --dry-run --conf '{"count": 0}'
assert_eq "--dry-run: exit status 2" 2 "$RUN_RC"
assert_contains "--dry-run: the message" "$RUN_ERR" "Invalid input for param who:"
run_dag "$X" --list
assert_eq "--list: no params needed" 0 "$RUN_RC"

run_dag "$X" --help
assert_eq "--help: exit status 0" 0 "$RUN_RC"
assert_contains "--help: a required param" "$RUN_OUT" "  who (string), required"
assert_contains "--help: its description" "$RUN_OUT" "      the customer, always given"
assert_contains "--help: type, default and rules" "$RUN_OUT" "  count (integer), default 3, minimum 1, maximum 10"
assert_contains "--help: a type list" "$RUN_OUT" "  maybe (null|string), default null"
assert_contains "--help: a plain param" "$RUN_OUT" "  plain, default 5"

finish
