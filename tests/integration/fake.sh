#!/bin/bash
# fake.sh: checks the fake CoWorks service itself (tests/fake/coworks.py), so
# that a failing end-to-end suite points at the compiled DAG, not its stand-in.
# Needs python3 and curl; the asynchronous checks also need s3rver (node/npm)
# and are skipped without it.

. "$(dirname "$0")/lib.sh"

require_tools python3 curl

# The SigV4 signer against AWS's published example (GET /test.txt with Range).
sig=$(cd "$BIZC_TOP_SRCDIR/tests/fake" && python3 -B -c '
import coworks
h = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
print(coworks.sigv4_authorization("GET", "examplebucket.s3.amazonaws.com", "/test.txt",
      {"range": "bytes=0-9", "x-amz-content-sha256": h, "x-amz-date": "20130524T000000Z"}, h,
      "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3",
      "20130524T000000Z"))')
assert_contains "SigV4 signer reproduces AWS's example" "$sig" \
    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"

have_s3=1
start_s3rver || { have_s3=0; skip "s3rver unavailable: asynchronous checks"; }
start_fake || { fail "the fake service starts"; finish; }
pass "the fake service starts on port $FAKE_PORT"

# code URL [CURL-ARGS...]: the HTTP status (000 on a transport error).
code() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$FAKE_URL$u"; }

# ---------------------------------------------------------------- directory
assert_eq "directory: url and token" \
    "{\"url\": \"$FAKE_URL/svc/billing\", \"token\": \"token-billing\"}" "$(fake_get /directory/billing)"
assert_eq "directory: stage" "$FAKE_URL/svc/billing/dev" \
    "$(fake_get '/directory/billing?stage=dev' | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')"
assert_eq "directory: unknown name is a 404" 404 "$(code /directory/missing-thing)"
assert_eq "directory: dirfail is a 500" 500 "$(code /directory/dirfail-x)"

# ---------------------------------------------------------------- services
reset_fake
out=$(curl -s -X POST -H 'Content-Type: application/json' -H 'Authorization: token-a' \
    -d '{"a": [1, "x"]}' "$FAKE_URL/svc/a/dev/invoice?x=1&x=2&y=")
assert_eq "echo: method" POST "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["method"])')"
assert_eq "echo: json" '{"a": [1, "x"]}' "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["json"]))')"
assert_eq "record: one call" 1 "$(calls 'len(svc)')"
assert_eq "record: query" '{"x": ["1", "2"], "y": ""}' "$(calls 'svc[0]["query"]')"
assert_eq "record: lower-cased headers" token-a "$(calls 'h(svc[0], "Authorization")')"
assert_eq "record: body text" '{"a": [1, "x"]}' "$(calls 'svc[0]["body"]')"
assert_eq "record: control endpoints are not recorded" 1 "$(calls 'len(c)')"

assert_eq "status/404" 404 "$(code /svc/a/status/404)"
assert_eq "status/404: JSON error" 404 "$(fake_get /svc/a/status/404 | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
assert_eq "status/500" 500 "$(code /svc/a/status/500)"
assert_eq "status/204 has no body" "204:" "$(curl -s -w '%{http_code}:' "$FAKE_URL/svc/a/status/204")"
assert_eq "_status query" 418 "$(code '/svc/a/x?_status=418')"
assert_eq "X-Fake-Status header" 502 "$(code /svc/a/x -H 'X-Fake-Status: 502')"
assert_eq "garbage: 200 with a non-JSON body" "this is {not json" "$(fake_get /svc/a/garbage)"
curl -s --max-time 5 "$FAKE_URL/svc/a/garbage/http" >/dev/null
assert_ne "garbage/http: a transport error" 0 "$?"
assert_eq "text" "hello a" "$(fake_get /svc/a/text)"
assert_eq "empty" "200:" "$(curl -s -w '%{http_code}:' "$FAKE_URL/svc/a/empty")"
assert_eq "apigw route" '"/apigw/api1/v1/x/y"' \
    "$(curl -s "$FAKE_URL/apigw/api1/v1/x/y" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["path"]))')"

reset_fake
statuses=""
for i in 1 2 3; do statuses="$statuses $(code /svc/a/flaky/f/2)"; done
assert_eq "flaky: 503 twice, then 200" " 503 503 200" "$statuses"
curl -s --max-time 5 "$FAKE_URL/svc/a/flaky/r/1?mode=reset" >/dev/null
assert_eq "flaky reset: no answer (curl: empty reply)" 52 "$?"
assert_eq "flaky reset: then 200" 200 "$(code '/svc/a/flaky/r/1?mode=reset')"
# Reused connection: curl resends once by itself; the fake counts the resend only.
curl -s -o /dev/null --max-time 5 "$FAKE_URL/directory/a" "$FAKE_URL/svc/a/flaky/r2/1?mode=reset"
assert_eq "flaky reset on a reused connection: one transport error" 52 "$?"
assert_eq "flaky reset on a reused connection: counted once" 1 "$(stats 's["per_key"]["r2"]')"
curl -s --max-time 5 "$FAKE_URL/svc/a/flaky/p/1?mode=partial" >/dev/null
assert_eq "flaky partial: half an answer (curl: partial file)" 18 "$?"
assert_eq "flaky: per-key counters" '{"f": 3, "p": 1, "r": 2, "r2": 1}' "$(stats 's["per_key"]')"

behave svc-b status=404
assert_eq "behave: overrides any entry" 404 "$(code /svc/svc-b/invoice)"
behave svc-b
assert_eq "behave: cleared" 200 "$(code /svc/svc-b/invoice)"

# ---------------------------------------------------------------- concurrency
reset_fake
t0=$(date +%s%N)
pids=()
for i in 1 2 3 4 5 6; do code /svc/a/slow/500 >/dev/null & pids+=($!); done
wait "${pids[@]}"
t1=$(date +%s%N)
assert_eq "slow: 6 parallel calls all in flight at once" 6 "$(stats 's["max_in_flight"]')"
assert_eq "slow: all counted" 6 "$(stats 's["total"]')"
assert_eq "slow: none left in flight" 0 "$(stats 's["in_flight"]')"
ms=$(((t1 - t0) / 1000000))
if [ "$ms" -ge 500 ]; then pass "slow/500 waits 500 ms (${ms} ms)"; else fail "slow/500 waits 500 ms" "took ${ms} ms"; fi

# ---------------------------------------------------------------- asynchronous
# s3get KEY: the object as stored by s3rver (GET signed by curl).
s3get() {
    curl -s --max-time 5 --aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER \
        -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
        "$AWS_ENDPOINT_URL_S3/coworks-airflow/$1"
}
# async_call ENTRY KEY: an asynchronous call; prints status and body.
async_call() {
    curl -s -w ' %{http_code}' -X POST -H 'InvocationType: Event' -H 'Content-Type: application/json' \
        -H 'X-CWS-S3Bucket: coworks-airflow' -H "X-CWS-S3Key: $2" -d '{"n": 7}' "$FAKE_URL$1"
}
# wait_puts N: waits (5 s at most) until N S3 stores were made.
wait_puts() {
    local i
    for i in $(seq 50); do
        [ "$(stats 's["s3_puts"]')" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# payload KEY EXPR: a Python expression over the stored payload `d`.
payload() { s3get "$1" | python3 -c 'import json,sys,base64; d=json.load(sys.stdin); v=eval(sys.argv[1]); print(v if isinstance(v,str) else json.dumps(v, sort_keys=True))' "$2" 2>&1; }

if [ "$have_s3" = 1 ]; then
    reset_fake
    assert_eq "async: 202 {} at once" "{} 202" "$(async_call '/svc/a/invoice?delay_ms=50' s3/d/t/1)"
    async_call '/svc/a/async/status/500?delay_ms=50' s3/d/t/500 >/dev/null
    async_call '/svc/a/async/base64?delay_ms=50' s3/d/t/b64 >/dev/null
    async_call '/svc/a/async/string?delay_ms=50' s3/d/t/str >/dev/null
    async_call '/svc/a/async/garbage?delay_ms=50' s3/d/t/garbage >/dev/null
    async_call '/svc/a/async/never?delay_ms=50' s3/d/t/never >/dev/null
    async_call '/svc/a/x' s3/d/t/default >/dev/null   # default delay (300 ms)
    wait_puts 6
    assert_eq "async: six objects stored, all 200" '[200, 200, 200, 200, 200, 200]' "$(s3puts '[x["status"] for x in p]')"
    assert_eq "async: no store error" '[]' "$(s3puts '[x["error"] for x in p if x["error"]]')"
    assert_eq "async: payload statusCode" 200 "$(payload s3/d/t/1 'd["statusCode"]')"
    assert_eq "async: payload body is the echo" '{"n": 7}' "$(payload s3/d/t/1 'd["body"]["json"]')"
    assert_eq "async: payload isBase64Encoded false" false "$(payload s3/d/t/1 'd["isBase64Encoded"]')"
    assert_eq "async: payload headers" application/json "$(payload s3/d/t/1 'd["headers"]["content-type"]')"
    assert_eq "async/status/500" 500 "$(payload s3/d/t/500 'd["statusCode"]')"
    assert_eq "async/base64: flag" true "$(payload s3/d/t/b64 'd["isBase64Encoded"]')"
    assert_eq "async/base64: body decodes to the echo" '{"n": 7}' \
        "$(payload s3/d/t/b64 'json.loads(base64.b64decode(d["body"]))["json"]')"
    assert_eq "async/string: body is JSON text" '{"n": 7}' "$(payload s3/d/t/str 'json.loads(d["body"])["json"]')"
    assert_eq "async/garbage: not JSON" "this is not a CoWorks payload {" "$(s3get s3/d/t/garbage)"
    assert_contains "async/never: nothing stored" "$(s3get s3/d/t/never)" NoSuchKey
    assert_eq "async: without bucket/key headers is a 400" 400 "$(code /svc/a/x -H 'InvocationType: Event')"
fi

# ---------------------------------------------------------------- robustness
out=$(python3 - "$FAKE_PORT" <<'EOF'
import socket, sys
port = int(sys.argv[1])
bad = [b"GARBAGE\r\n\r\n", b"\x00\xff\xfe\r\n\r\n",
       b"GET /svc/x HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
       b"POST /svc/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       b"GET /%ff%00?%zz=%%% HTTP/1.1\r\n\r\n", b"GET /svc/x HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort"]
for raw in bad:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(raw)
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
print("sent")
EOF
)
assert_eq "odd requests sent" sent "$out"
assert_eq "still serving after odd requests" 200 "$(code /directory/x)"

kill -TERM "$FAKE_PID"
for i in $(seq 30); do kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$FAKE_PID" 2>/dev/null; then fail "SIGTERM stops the fake service"; else pass "SIGTERM stops the fake service"; fi
wait "$FAKE_PID"
assert_eq "SIGTERM: exit status 0" 0 "$?"

finish
