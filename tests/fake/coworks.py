#!/usr/bin/env python3
"""coworks.py: the project's fake CoWorks world for integration tests.

One HTTP server on loopback (standard library only) that plays:

  * the CoWorks directory service:
        GET /directory/<name>[?stage=S]
            -> {"url": "http://127.0.0.1:<port>/svc/<name>[/<S>]",
                "token": "token-<name>"}
        a name starting with an --unknown prefix (default "missing") -> 404,
        "dirfail..." -> 500, "dirgarbage..." -> 200 with a non-JSON body,
        "dirnotoken..." -> an answer without "token".
  * TechMicroServices under /svc/<name>[/<stage>]/<entry...> and, for calls
    made with api_id/stage/token, /apigw/<api_id>/<stage>/<entry...>.
    The entry's segments choose the behaviour, and they compose
    (e.g. /slow/200/status/500):
        (anything else)        200, JSON echo of the request
        /status/<code>         that status; a JSON error for >= 400,
                               no body for 204 and 304
        /slow/<ms>             answers after ms milliseconds
        /flaky/<key>/<n>       the first n calls for key answer 503 (or, with
                               ?mode=reset, close the connection without an
                               answer; ?mode=partial, half an answer), then it
                               goes on with the rest. libcurl silently resends
                               an idempotent request (GET, HEAD, OPTIONS) once
                               when a *reused* connection closes without an
                               answer, so a reset of one there is neither
                               counted nor recorded (only in /_stats
                               "reused_resets"): the resent request is, on its
                               fresh connection, and the client sees one
                               transport error per counted call. A POST is
                               never resent by bizc: its reset is a call.
        /garbage               200, Content-Type application/json, non-JSON body
        /garbage/http          a malformed HTTP response, raw on the socket
        /text                  200 text/plain "hello <name>"
        /empty                 200 with an empty body
        /items/<n>             200, a JSON list of n items
                               {"invoice": "INV-0000", "n": 0}, ... (what a
                               mapped task maps over)
        /async/...             options of an asynchronous call (below)
    Query `_status=<code>` / `_slow_ms=<ms>` or headers `X-Fake-Status` /
    `X-Fake-Slow-Ms` do the same as /status and /slow.
  * Asynchronous calls (header `InvocationType: Event`): answers 202 `{}` at
    once, then after ?delay_ms= (default --async-delay-ms, 300) PUTs the
    CoWorks payload {"statusCode", "headers", "body", "isBase64Encoded"} into
    the S3 server given by --s3 (else $AWS_ENDPOINT_URL_S3), at bucket
    X-CWS-S3Bucket / key X-CWS-S3Key, signed with AWS SigV4. /async/base64
    stores a base64 body, /async/string the body as JSON text, /async/never
    stores nothing, /async/garbage stores a non-JSON object; /status/<code>
    stores that statusCode.
  * Control endpoints (never counted as service calls):
        GET  /_calls[?prefix=/svc]  every request received (JSON list)
        GET  /_stats                {"max_in_flight", "in_flight", "total",
                                     "per_key", "s3_puts", "reused_resets"}
        GET  /_s3                   the S3 stores made (bucket, key, status)
        POST /_reset                clears calls, counters, overrides, pending stores
        POST /_behave/<name>?status=404&slow_ms=..&garbage=1&text=1&empty=1
                                    &async=base64|string|never|garbage&items=N
                                    every later call to service <name> (or
                                    api_id <name>) behaves so, whatever its
                                    entry: how tests drive fixed example DAGs

With --tls-cert/--tls-key it speaks HTTPS instead (control endpoints too).

Prints `LISTENING <port>` on stdout when ready (and writes the port to
--port-file). SIGTERM and SIGINT shut it down cleanly.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024 * 1024
GATEWAY_HOST = re.compile(r"^([^.]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com$")
BUCKET_DEFAULT = "coworks-airflow"


class State:
    """Everything the handlers share, behind one lock."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.port = 0
        self.reset()

    def reset(self):
        """Forget calls and counters; pending asynchronous stores are dropped."""
        with self.lock:
            self.calls = []
            self.total = 0
            self.in_flight = 0
            self.max_in_flight = 0
            self.per_key = {}
            self.s3 = []
            self.overrides = {}
            self.reused_resets = 0
            self.generation = getattr(self, "generation", 0) + 1
            timers = getattr(self, "timers", [])
            self.timers = []
        for t in timers:
            t.cancel()

    def record(self, entry):
        with self.lock:
            self.calls.append(entry)

    def enter(self):
        with self.lock:
            self.total += 1
            self.in_flight += 1
            if self.in_flight > self.max_in_flight:
                self.max_in_flight = self.in_flight

    def leave(self):
        with self.lock:
            self.in_flight -= 1

    def flaky_hit(self, key):
        """Counts one call for a flaky key; returns the new count."""
        with self.lock:
            n = self.per_key.get(key, 0) + 1
            self.per_key[key] = n
            return n


# ------------------------------------------------------------------ S3


def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_authorization(method, host, path, headers, payload_hash, access_key,
                        secret_key, region, service, amz_date):
    """The Authorization value of an AWS Signature Version 4 request without a
    query string, signing host and every header in headers (lower-case names)."""
    signed = dict((k.lower(), " ".join(str(v).split())) for k, v in headers.items())
    signed["host"] = host
    names = sorted(signed)
    canonical_headers = "".join("%s:%s\n" % (k, signed[k]) for k in names)
    signed_headers = ";".join(names)
    canonical_uri = urllib.parse.quote(path, safe="/-_.~")
    canonical_request = "\n".join([method, canonical_uri, "", canonical_headers,
                                   signed_headers, payload_hash])
    date = amz_date[:8]
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         _sha256_hex(canonical_request.encode("utf-8"))])
    k = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    k = _hmac(k, "aws4_request")
    signature = hmac.new(k, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
            % (access_key, scope, signed_headers, signature))


def sigv4_headers(method, host, path, payload, access_key, secret_key,
                  region="us-east-1", service="s3", now=None):
    """The headers of a SigV4-signed request (no query string): Host,
    x-amz-date, x-amz-content-sha256 and Authorization."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    payload_hash = _sha256_hex(payload)
    amz = {"x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    auth = sigv4_authorization(method, host, path, amz, payload_hash, access_key,
                               secret_key, region, service, amz_date)
    return {"Host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash,
            "Authorization": auth}


def s3_put(endpoint, path, payload, access_key, secret_key, region):
    """PUT one path on an S3 endpoint (path-style); returns (status, body)."""
    u = urllib.parse.urlsplit(endpoint)
    host = u.netloc
    base = u.path.rstrip("/")
    full = base + path
    headers = sigv4_headers("PUT", host, full, payload, access_key, secret_key, region)
    headers["Content-Length"] = str(len(payload))
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port or 443, timeout=10)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
    try:
        conn.request("PUT", urllib.parse.quote(full, safe="/-_.~"), body=payload,
                     headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def s3_store(state, generation, bucket, key, payload):
    """Stores an asynchronous result: creates the bucket, then the object."""
    args = state.args
    endpoint = args.s3 or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    rec = {"bucket": bucket, "key": key, "time": time.time(), "status": None, "error": None}
    with state.lock:
        if generation != state.generation:
            return  # reset since: the test that asked for it is over
    if not endpoint:
        rec["error"] = "no S3 endpoint (--s3 or AWS_ENDPOINT_URL_S3)"
    else:
        ak = os.environ.get("AWS_ACCESS_KEY_ID", "S3RVER")
        sk = os.environ.get("AWS_SECRET_ACCESS_KEY", "S3RVER")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        try:
            # 200 when created, 409 when it exists already: both are fine.
            st, body = s3_put(endpoint, "/" + bucket, b"", ak, sk, region)
            if st not in (200, 409):
                rec["error"] = "bucket creation: %d %s" % (st, body[:200].decode("utf-8", "replace"))
            st, body = s3_put(endpoint, "/" + bucket + "/" + key, payload, ak, sk, region)
            rec["status"] = st
            if st != 200:
                rec["error"] = "object: %d %s" % (st, body[:200].decode("utf-8", "replace"))
        except Exception as e:  # a test reads the error from /_s3
            rec["error"] = "%s: %s" % (type(e).__name__, e)
    if args.verbose:
        sys.stderr.write("coworks: S3 store %s/%s: %s %s\n" % (bucket, key, rec["status"], rec["error"]))
    with state.lock:
        if generation == state.generation:
            state.s3.append(rec)


# ------------------------------------------------------------------ HTTP


class Behaviour:
    """What a service call should do, parsed from its entry segments."""

    def __init__(self):
        self.status = 200
        self.slow_ms = 0
        self.flaky = None          # (key, n)
        self.garbage = False
        self.garbage_http = False
        self.text = False
        self.empty = False
        self.async_mode = None     # None, "base64", "string", "never", "garbage"
        self.items = None          # /items/<n>: answer a list of n items


def _int(s, default=0):
    try:
        return int(s)
    except (TypeError, ValueError):
        return default


def parse_behaviour(segments, query, headers, override=None):
    """Reads the behaviour keywords in the entry's segments (they compose),
    then the query/header ones, then the service's override (/_behave)."""
    b = Behaviour()
    i = 0
    n = len(segments)
    while i < n:
        s = segments[i]
        if s == "status" and i + 1 < n:
            b.status = _int(segments[i + 1], 400)
            i += 2
        elif s == "slow" and i + 1 < n:
            b.slow_ms = _int(segments[i + 1])
            i += 2
        elif s == "flaky" and i + 2 < n:
            b.flaky = (segments[i + 1], _int(segments[i + 2]))
            i += 3
        elif s == "garbage":
            if i + 1 < n and segments[i + 1] == "http":
                b.garbage_http = True
                i += 2
            else:
                b.garbage = True
                i += 1
        elif s == "text":
            b.text = True
            i += 1
        elif s == "empty":
            b.empty = True
            i += 1
        elif s == "items" and i + 1 < n:
            b.items = max(0, _int(segments[i + 1]))
            i += 2
        elif s == "async":
            if i + 1 < n and segments[i + 1] in ("base64", "string", "never", "garbage"):
                b.async_mode = segments[i + 1]
                i += 2
            else:
                i += 1
        else:
            i += 1
    q_status = query.get("_status") or headers.get("x-fake-status")
    if q_status:
        b.status = _int(q_status if isinstance(q_status, str) else q_status[-1], 400)
    q_slow = query.get("_slow_ms") or headers.get("x-fake-slow-ms")
    if q_slow:
        b.slow_ms = _int(q_slow if isinstance(q_slow, str) else q_slow[-1])
    for k, v in (override or {}).items():
        if isinstance(v, list):
            v = v[-1]
        if k == "status":
            b.status = _int(v, 400)
        elif k == "slow_ms":
            b.slow_ms = _int(v)
        elif k in ("garbage", "text", "empty"):
            setattr(b, k, v not in ("", "0", "false"))
        elif k == "garbage_http":
            b.garbage_http = v not in ("", "0", "false")
        elif k == "async" and v in ("base64", "string", "never", "garbage"):
            b.async_mode = v
        elif k == "items":
            b.items = max(0, _int(v))
    if b.status < 200 or b.status > 599:
        b.status = 400
    return b


def _query_dict(qs):
    """The query string as {name: value}, a list for a repeated name."""
    out = {}
    for k, v in urllib.parse.parse_qsl(qs, keep_blank_values=True):
        if k in out:
            if isinstance(out[k], list):
                out[k].append(v)
            else:
                out[k] = [out[k], v]
        else:
            out[k] = v
    return out


REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeCoWorks/1.0"
    state = None  # set by main
    # Headers and body go out in separate writes: without TCP_NODELAY,
    # Nagle's algorithm holds the body until the client's delayed ACK (40
    # ms a call on a kept-alive connection).
    disable_nagle_algorithm = True

    # ---------------------------------------------------------- plumbing

    def setup(self):
        super().setup()
        self.requests_on_conn = 0  # one handler instance per connection

    def log_message(self, fmt, *args):
        if self.state.args.verbose:
            sys.stderr.write("coworks: %s\n" % (fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            size = 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                size += n
                if size > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(3)
            return b"".join(chunks)
        length = _int(self.headers.get("Content-Length"), 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _send(self, status, body=b"", ctype="application/json", extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status, REASONS.get(status))
        if status not in (204, 304):
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(body)

    def _drop_connection(self):
        """Ends the connection without any answer (a transport error)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---------------------------------------------------------- dispatch

    def _handle(self):
        try:
            self._dispatch()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # never crash on odd requests
            self.close_connection = True
            try:
                self._send(500, {"ok": False, "error": "fake server: %s: %s" % (type(e).__name__, e)})
            except Exception:
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def do_CONNECT(self):
        """An HTTPS proxy's CONNECT to an API Gateway host: the tunnel ends
        here, in TLS with the --gateway-cert certificate, and the requests
        inside it are served as calls by api_id (see _dispatch). Both Airflow
        (requests) and libcurl honour HTTPS_PROXY, so the URL that CoWorks
        builds from api_id and stage is called exactly as built."""
        host = self.path.rsplit(":", 1)[0]
        ctx = self.state.gateway_tls
        if ctx is None or not GATEWAY_HOST.match(host):
            self._send(403, {"message": "CONNECT only to API Gateway hosts, with --gateway-cert"})
            self.close_connection = True
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            self.connection = ctx.wrap_socket(self.connection, server_side=True)
        except OSError:
            self.close_connection = True
            return
        self.rfile = self.connection.makefile("rb", self.rbufsize)
        self.wfile = self.connection.makefile("wb", 0)
        self.tunnel_host = host
        self.close_connection = False

    def _dispatch(self):
        self.requests_on_conn += 1
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        query = _query_dict(split.query)
        try:
            body = self._read_body()
        except ValueError as e:
            self.close_connection = True
            self._send(400, {"ok": False, "error": str(e)})
            return

        if path.startswith("/_"):
            self._control(path, query)
            return

        headers = {k.lower(): v for k, v in self.headers.items()}
        text = body.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        self.rec = {
            "method": self.command, "path": path, "query": query,
            "target": self.path,   # the request target as sent, escapes and all
            "headers": headers, "body": text, "json": parsed, "time": time.time(),
        }
        self.state.record(self.rec)

        segs = [s for s in path.split("/") if s]
        gateway = GATEWAY_HOST.match(getattr(self, "tunnel_host", ""))
        if gateway:
            # https://<api_id>.execute-api.<region>.amazonaws.com/<stage>/<entry>
            self.rec["host"] = self.tunnel_host
            self._service("apigw", gateway.group(1), segs[1:], path, query, headers, text, parsed,
                          stage=segs[0] if segs else "")
        elif segs and segs[0] == "directory":
            self._directory(segs[1:], query)
        elif segs and segs[0] == "svc" and len(segs) >= 2:
            self._service("svc", segs[1], segs[2:], path, query, headers, text, parsed)
        elif segs and segs[0] == "apigw" and len(segs) >= 3:
            self._service("apigw", segs[1], segs[3:], path, query, headers, text, parsed,
                          stage=segs[2])
        else:
            self._send(404, {"ok": False, "error": "no such route: %s" % path})

    def _control(self, path, query):
        st = self.state
        if path == "/_calls":
            prefix = query.get("prefix")
            with st.lock:
                calls = [c for c in st.calls if not prefix or c["path"].startswith(prefix)]
            self._send(200, calls)
        elif path == "/_stats":
            with st.lock:
                out = {"max_in_flight": st.max_in_flight, "in_flight": st.in_flight,
                       "total": st.total, "per_key": dict(st.per_key), "s3_puts": len(st.s3),
                       "reused_resets": st.reused_resets}
            self._send(200, out)
        elif path == "/_s3":
            with st.lock:
                out = list(st.s3)
            self._send(200, out)
        elif path.startswith("/_behave/") and len(path) > len("/_behave/"):
            name = path[len("/_behave/"):]
            with st.lock:
                if query:
                    st.overrides[name] = dict(query)
                else:
                    st.overrides.pop(name, None)
            self._send(200, {"ok": True, "service": name, "behaviour": query})
        elif path == "/_reset":
            st.reset()
            self._send(200, {"ok": True})
        else:
            self._send(404, {"ok": False, "error": "no such control endpoint: %s" % path})

    def _directory(self, segs, query):
        if not segs:
            self._send(400, {"message": "no service name"})
            return
        name = segs[0]
        stage = query.get("stage")
        if isinstance(stage, list):
            stage = stage[-1]
        for prefix in self.state.args.unknown or ["missing"]:
            if name.startswith(prefix):
                self._send(404, {"message": "unknown microservice %s" % name})
                return
        if name.startswith("dirfail"):
            self._send(500, {"message": "directory failure"})
            return
        if name.startswith("dirgarbage"):
            self._send(200, "<html>not json", ctype="application/json")
            return
        scheme = "https" if self.state.args.tls_cert else "http"
        url = "%s://127.0.0.1:%d/svc/%s" % (scheme, self.state.port, urllib.parse.quote(name, safe=""))
        if stage:
            url += "/" + urllib.parse.quote(stage, safe="")
        out = {"url": url}
        if not name.startswith("dirnotoken"):
            out["token"] = "token-" + name
        self._send(200, out)

    def _service(self, kind, name, entry_segs, path, query, headers, text, parsed, stage=None):
        st = self.state
        st.enter()
        try:
            with st.lock:
                override = st.overrides.get(name)
            b = parse_behaviour(entry_segs, query, headers, override)
            if b.flaky:
                key, n = b.flaky
                mode = query.get("mode")
                # Only an idempotent request is resent by libcurl; bizc
                # never resends a POST (http.c), so that reset is a call.
                if mode == "reset" and self.requests_on_conn > 1 and self.command in ("GET", "HEAD", "OPTIONS"):
                    with st.lock:
                        failing = st.per_key.get(key, 0) < n
                    if failing:
                        # libcurl will resend on a new connection: count that one.
                        with st.lock:
                            st.reused_resets += 1
                            if self.rec in st.calls:
                                st.calls.remove(self.rec)
                        self._drop_connection()
                        return
                if st.flaky_hit(key) <= n:
                    if mode == "reset":
                        self._drop_connection()
                    elif mode == "partial":
                        self.close_connection = True
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                         b"Content-Length: 1000\r\n\r\n{\"ok\": tr")
                        self.wfile.flush()
                    else:
                        self._send(503, {"message": "flaky %s: try again" % key})
                    return
            if b.slow_ms > 0:
                time.sleep(b.slow_ms / 1000.0)
            if b.garbage_http:
                self.close_connection = True
                self.wfile.write(b"HTTP/1.1 2x0 Bogus\r\nContent-Length: banana\r\n"
                                 b"\x00\x01\x02 nonsense\r\n\r\n{not json")
                self.wfile.flush()
                return

            echo = {"ok": True, "service": name, "method": self.command, "path": path,
                    "entry": "/" + "/".join(entry_segs), "query": query, "json": parsed}
            if stage is not None:
                echo["stage"] = stage
            if parsed is None and text:
                echo["data"] = text

            if (headers.get("invocationtype") or "").lower() == "event":
                self._async(b, echo, headers, query)
                return

            if b.garbage:
                self._send(b.status, "this is {not json", ctype="application/json")
            elif b.status >= 400:
                self._send(b.status, {"ok": False, "status": b.status,
                                      "message": "fake error %d from %s" % (b.status, name)})
            elif b.status in (204, 304) or b.empty:
                self._send(b.status, b"")
            elif b.text:
                self._send(b.status, "hello %s" % name, ctype="text/plain; charset=utf-8")
            elif b.items is not None:
                self._send(b.status, [{"invoice": "INV-%04d" % k, "n": k} for k in range(b.items)])
            else:
                self._send(b.status, echo)
        finally:
            st.leave()

    def _async(self, b, echo, headers, query):
        st = self.state
        bucket = headers.get("x-cws-s3bucket")
        key = headers.get("x-cws-s3key")
        if not bucket or not key:
            self._send(400, {"message": "asynchronous call without X-CWS-S3Bucket/X-CWS-S3Key"})
            return
        if b.async_mode == "never":
            self._send(202, {})
            return
        if b.async_mode == "garbage":
            payload = b"this is not a CoWorks payload {"
        else:
            if b.status >= 400:
                body = {"ok": False, "status": b.status, "message": "fake async error %d" % b.status}
            elif b.status in (204, 304) or b.empty:
                body = ""
            elif b.garbage or b.text:
                body = "this is {not json" if b.garbage else "hello %s" % echo["service"]
            elif b.items is not None:
                body = [{"invoice": "INV-%04d" % k, "n": k} for k in range(b.items)]
            else:
                body = echo
            doc = {"statusCode": b.status, "headers": {"content-type": "application/json"},
                   "body": body, "isBase64Encoded": False}
            if b.async_mode == "base64":
                raw = json.dumps(body).encode("utf-8")
                doc["body"] = base64.b64encode(raw).decode("ascii")
                doc["isBase64Encoded"] = True
            elif b.async_mode == "string":
                doc["body"] = json.dumps(body)
            payload = json.dumps(doc).encode("utf-8")
        delay = query.get("delay_ms")
        delay_ms = _int(delay if isinstance(delay, str) else None, st.args.async_delay_ms)
        with st.lock:
            gen = st.generation
        if delay_ms <= 0:
            # A service that is done before it answers: the result is in S3
            # when the caller gets its 202, whoever pokes first.
            s3_store(st, gen, bucket, key, payload)
            self._send(202, {})
            return
        self._send(202, {})
        t = threading.Timer(delay_ms / 1000.0, s3_store, args=(st, gen, bucket, key, payload))
        t.daemon = True
        with st.lock:
            st.timers.append(t)
        t.start()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # listen backlog: 200+ clients connect at once (concurrency.sh); a full
    # backlog drops SYNs, and those connections arrive a second later.
    request_queue_size = 1024
    verbose = False

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Fake CoWorks directory and TechMicroServices.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    ap.add_argument("--port-file", help="write the port to this file when ready")
    ap.add_argument("--s3", help="S3 endpoint for asynchronous results (default $AWS_ENDPOINT_URL_S3)")
    ap.add_argument("--unknown", action="append",
                    help="directory names with this prefix answer 404 (repeatable; default: missing)")
    ap.add_argument("--async-delay-ms", type=int, default=300,
                    help="when an asynchronous result lands in S3 (0: before the 202 answer)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (chain); the "
                    "directory then answers https:// service URLs")
    ap.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    ap.add_argument("--gateway-cert", help="answer CONNECT to *.execute-api.*.amazonaws.com "
                    "(as an HTTPS proxy would) with TLS under this PEM certificate, and serve "
                    "the calls inside as calls by api_id")
    ap.add_argument("--gateway-key", help="the PEM private key of --gateway-cert")
    args = ap.parse_args(argv)

    state = State(args)
    state.gateway_tls = None
    if args.gateway_cert:
        import ssl
        state.gateway_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        state.gateway_tls.load_cert_chain(args.gateway_cert, args.gateway_key)
    Handler.state = state
    server = Server((args.host, args.port), Handler)
    server.verbose = args.verbose
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake runs in accept(); a client that rejects the
        # certificate makes accept fail, which socketserver ignores.
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % state.port)
        os.replace(tmp, args.port_file)
    sys.stdout.write("LISTENING %d\n" % state.port)
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        state.reset()  # cancels pending stores
    return 0


if __name__ == "__main__":
    sys.exit(main())
