#!/bin/bash
# static.sh: a static DAG executable runs alone on a machine with nothing.
#
# examples/invoice.biz is compiled (static, the default), copied ALONE into
# an empty directory and run there under chroot (no libc, no /etc, no CA
# bundle, no HOME) against the fake CoWorks service on 127.0.0.1:
#   (a) `file` calls it statically linked;
#   (b) plain HTTP;
#   (c) HTTPS with a self-signed CA given through SSL_CERT_FILE (copied in);
#   (d) HTTPS without any CA bundle fails, and says the bundle is missing;
#   (e) verify=false on the directory connection: a warning naming it, no
#       verification for that connection only (the service call still
#       verifies, so it fails here for want of a bundle);
#   (f) a DAG scheduled at 02:30 Europe/Paris runs its intervals over the
#       spring change with Airflow's logical dates, with no zoneinfo in the
#       chroot (the zone's rules are compiled in), and --crontab says so.
# Skipped (exit 77) when bizc builds no static executables (e.g. the
# sanitizer build) or when not run as root (chroot).
. "$(dirname "$0")/lib.sh"

require_bizc
BIZC="$BIZC_TOP_BUILDDIR/bizc"
EX="$BIZC_TOP_SRCDIR/examples"
CONF='{"data": {"customer": "C042", "lines": [{"sku": "A1", "qty": 2}]}}'

if ! "$BIZC" --version | grep -q '^DAG executables: static'; then
    skip_suite "bizc builds no static executables here ($("$BIZC" --version | sed -n 's/^DAG executables: //p'))"
fi

# (a) static
exe="$T/invoice"
compile_dag "$EX/invoice.biz" "$exe" || { fail "invoice.biz compiles"; finish; }
assert_contains "(a) file says statically linked" "$(file -b "$exe")" "statically linked"
if command -v ldd >/dev/null 2>&1; then
    assert_contains "(a) ldd: not a dynamic executable" "$(ldd "$exe" 2>&1)" "not a dynamic executable"
fi

# the rest is the suite: without it, (a) alone is no pass
if [ "$(id -u)" != 0 ] || ! command -v chroot >/dev/null 2>&1; then
    skip_suite "chroot runs need root (and chroot(8))"
fi

CHROOT=$(command -v chroot)

# new_root NAME: an empty directory holding only the executable.
new_root() {
    local r="$T/root.$1"
    mkdir -p "$r"
    cp "$exe" "$r/invoice"
    echo "$r"
}

# run_chroot ROOT [VAR=VALUE...] -- [ARGS...]: runs /invoice in ROOT with
# exactly the variables given; sets RUN_RC, RUN_OUT, RUN_ERR.
run_chroot() {
    local root=$1
    shift
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
    [ "${1:-}" = -- ] && shift
    RUN_N=$((RUN_N + 1))
    timeout 60 env -i "${vars[@]}" "$CHROOT" "$root" /invoice "$@" \
        >"$T/run.$RUN_N.out" 2>"$T/run.$RUN_N.err"
    RUN_RC=$?
    RUN_OUT=$(cat "$T/run.$RUN_N.out")
    RUN_ERR=$(cat "$T/run.$RUN_N.err")
    if [ "${BIZC_VERBOSE:-0}" = 1 ]; then
        echo "# chroot $root /invoice $* -> $RUN_RC"
        show_run | sed 's/^/#/'
    fi
}

# (b) plain HTTP
start_fake || { fail "the fake service starts"; finish; }
root=$(new_root http)
assert_eq "(b) the chroot holds only the executable" "invoice" "$(ls -A "$root")"
run_chroot "$root" "AIRFLOW_CONN_COWORKS_DIRECTORY=$AIRFLOW_CONN_COWORKS_DIRECTORY" \
    -- --state-dir /state --conf "$CONF"
assert_eq "(b) HTTP run in the chroot succeeds" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || show_run
assert_eq "(b) the directory was asked" 2 "$(calls 'len(dirc)')"
assert_eq "(b) create_invoice called" 1 "$(calls 'len(to("neorezo-billing_invoice-eshop"))')"
assert_eq "(b) send_to_customer called" "C042" \
    "$(calls '[x["json"]["to"] for x in to("neorezo-mailer")][0]')"
assert_eq "(b) the run was recorded in /state" 1 "$(ls "$root"/state/*/runs/*.json 2>/dev/null | wc -l)"

# Without --state-dir and without HOME: the default state directory cannot
# be found; the run must still say why (or run), never crash.
reset_fake
root=$(new_root nohome)
run_chroot "$root" "AIRFLOW_CONN_COWORKS_DIRECTORY=$AIRFLOW_CONN_COWORKS_DIRECTORY" -- --conf "$CONF"
if [ "$RUN_RC" = 0 ]; then
    pass "(b) no HOME, no --state-dir: the run succeeds"
else
    assert_contains "(b) no HOME, no --state-dir: a message about the state directory" "$RUN_ERR" "state"
fi
assert_ne "(b) no HOME: no crash" "139" "$RUN_RC"

# (f) a zoned schedule, no zoneinfo in the chroot
zoned_biz="$T/paris.biz"
cat >"$zoned_biz" <<'BIZ'
import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("paris", start_date=pendulum.datetime(2024, 3, 29, tz="Europe/Paris"),
         schedule="30 2 * * *", catchup=True) as dag:
    EmptyOperator(task_id="tick")
BIZ
zexe="$T/paris"
if compile_dag "$zoned_biz" "$zexe"; then
    zroot="$T/root.zoned"
    mkdir -p "$zroot"
    cp "$zexe" "$zroot/invoice"
    run_chroot "$zroot" BIZ_NOW=2024-04-02T12:00:00Z -- --state-dir /state -q
    assert_eq "(f) the zoned DAG runs in the chroot" 0 "$RUN_RC"
    [ "$RUN_RC" = 0 ] || show_run
    assert_eq "(f) the chroot has no zoneinfo" "" "$(ls -d "$zroot"/usr "$zroot"/etc 2>/dev/null)"
    assert_eq "(f) the logical dates are Airflow's (03:30 CEST on March 31)" \
        "scheduled__2024-03-29T01:30:00+00:00 scheduled__2024-03-30T01:30:00+00:00 scheduled__2024-03-31T01:30:00+00:00 scheduled__2024-04-01T00:30:00+00:00" \
        "$(cd "$zroot"/state/paris/runs 2>/dev/null && ls *.json | sed 's/\.json$//' | sort | tr '\n' ' ' | sed 's/ $//')"
    run_chroot "$zroot" -- --crontab --state-dir /state
    assert_contains "(f) --crontab names the zone" "$RUN_OUT" "CRON_TZ=Europe/Paris"
    assert_contains "(f) --crontab: 02:30 and the hour after" "$RUN_OUT" "30 2,3 * * * "
else
    fail "(f) the zoned DAG compiles"
fi

# (c) HTTPS with a self-signed CA
P="$T/pki"
mkdir -p "$P"
if ! command -v openssl >/dev/null 2>&1; then
    skip "(c)-(e) need openssl"
    finish
fi
if ! {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$P/ca.key" -out "$P/ca.pem" -days 2 -subj "/CN=bizc test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$P/srv.key" -out "$P/srv.csr" -subj "/CN=127.0.0.1" &&
    printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
        "keyUsage=digitalSignature" "extendedKeyUsage=serverAuth" >"$P/srv.ext" &&
    openssl x509 -req -in "$P/srv.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -set_serial 2 \
        -days 2 -extfile "$P/srv.ext" -out "$P/srv.pem"
} >"$T/openssl.log" 2>&1; then
    fail "openssl makes a CA and a server certificate" "$(cat "$T/openssl.log")"
    finish
fi
pass "(c) openssl made a CA and a certificate for IP 127.0.0.1"

python3 "$BIZC_TOP_SRCDIR/tests/fake/coworks.py" --tls-cert "$P/srv.pem" --tls-key "$P/srv.key" \
    >"$T/tls.out" 2>"$T/tls.err" &
tls_pid=$!
_PIDS+=("$tls_pid")
if ! _wait_line "$T/tls.out" '^LISTENING [0-9]+' 10 "$tls_pid"; then
    fail "the HTTPS fake service starts" "$(cat "$T/tls.err")"
    finish
fi
TLS_PORT=$(sed -n 's/^LISTENING \([0-9]*\).*/\1/p' "$T/tls.out" | head -n 1)
# Calls of the HTTPS fake: the helpers of lib.sh, on its URL and CA.
FAKE_URL="https://127.0.0.1:$TLS_PORT"
fake_get() { curl -sS --max-time 10 --cacert "$P/ca.pem" "$FAKE_URL$1"; }
fake_post() { curl -sS --max-time 10 --cacert "$P/ca.pem" -X POST "$FAKE_URL$1"; }
assert_eq "(c) the HTTPS fake answers with the CA" "[]" "$(fake_get /_calls)"

root=$(new_root https)
cp "$P/ca.pem" "$root/ca.pem"
run_chroot "$root" "AIRFLOW_CONN_COWORKS_DIRECTORY={\"host\": \"$FAKE_URL/directory\"}" SSL_CERT_FILE=/ca.pem \
    -- --state-dir /state --conf "$CONF"
assert_eq "(c) HTTPS run with SSL_CERT_FILE succeeds" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || show_run
assert_eq "(c) the directory was asked over HTTPS" 2 "$(calls 'len(dirc)')"
assert_eq "(c) both services called over HTTPS" 2 "$(calls 'len(svc)')"
assert_not_contains "(c) no CA warning" "$RUN_ERR" "CA certificate"

# (d) no CA bundle at all
reset_fake
root=$(new_root noca)
run_chroot "$root" "AIRFLOW_CONN_COWORKS_DIRECTORY={\"host\": \"$FAKE_URL/directory\"}" \
    -- --state-dir /state --conf "$CONF"
assert_ne "(d) HTTPS without a CA bundle fails" 0 "$RUN_RC"
assert_contains "(d) the message names the missing CA bundle" "$RUN_ERR" "no CA certificate bundle found"
assert_contains "(d) ... and what was looked for" "$RUN_ERR" "SSL_CERT_FILE"
assert_eq "(d) the CA message is said once" 1 "$(grep -c 'no CA certificate bundle' "$T/run.$RUN_N.err")"
assert_eq "(d) no service was called" 0 "$(calls 'len(svc)')"

# SSL_CERT_FILE naming a missing file: said, and the call fails.
root=$(new_root badca)
run_chroot "$root" "AIRFLOW_CONN_COWORKS_DIRECTORY={\"host\": \"$FAKE_URL/directory\"}" SSL_CERT_FILE=/nope.pem \
    -- --state-dir /state --conf "$CONF"
assert_ne "(d) SSL_CERT_FILE=/nope.pem fails" 0 "$RUN_RC"
assert_contains "(d) the message names SSL_CERT_FILE=/nope.pem" "$RUN_ERR" "SSL_CERT_FILE=/nope.pem"

# (e) verify=false on the directory connection, still no bundle
reset_fake
root=$(new_root noverify)
run_chroot "$root" "AIRFLOW_CONN_COWORKS_DIRECTORY={\"host\": \"$FAKE_URL/directory\", \"extra\": {\"verify\": \"false\"}}" \
    -- --state-dir /state --conf "$CONF"
assert_contains "(e) verify=false is a warning naming the connection" "$RUN_ERR" \
    "connection 'coworks_directory' has verify=false"
assert_eq "(e) the directory was reached without verification" 1 "$(calls 'len(dirc)')"
assert_eq "(e) verify=false is not sent as a header" "null" "$(calls 'h(dirc[0], "verify")')"
assert_eq "(e) the service call still verifies (and fails, no bundle)" 0 "$(calls 'len(svc)')"
assert_ne "(e) so the run fails" 0 "$RUN_RC"

finish
