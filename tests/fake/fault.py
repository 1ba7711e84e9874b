#!/usr/bin/env python3
"""fault.py: a local HTTP server that misbehaves on purpose (fault.sh).

Standard library only, loopback only. HTTP/1.1 is spoken by hand on the
socket (not http.server), so that an answer can be cut, slowed, reset or
malformed at any byte. Connections are kept alive.

Routes (the query string never chooses the route; see the parameters):

  GET  /directory/<name>   the CoWorks directory: {"url":
                           "http://127.0.0.1:<port>/gw/<name>/dev", "token":
                           "tok-<name>"}; <name> "fileurl" gives the URL
                           file:///etc (a directory pointing elsewhere).
  ANY  /gw/<api>/<stage>/<fault>[/<arg>...]
                           a service whose answer is <fault> (below); args and
                           ?n= ?size= ?delay= tune it.
  GET  /coworks-airflow/s3/<dag_id>/...
                           an S3 object (path-style, signature not checked): a
                           CoWorks result document chosen by <dag_id>, see
                           s3_payload (huge JSON, invalid UTF-8)
  GET  /_counts            the requests received so far, per path (no query)
                           and method: {"/gw/svc/dev/ok": {"POST": 1}}; and
                           "_connections": the connections accepted.
  POST /_reset             clears the counts and the per-path state.

Faults:
  ok                 200, JSON {"ok": true, "method": M, "n": <nth call>}
  text               200 text/plain "hello"
  reset-mid-body     headers with Content-Length 100000, 1000 bytes, then RST
  never              reads the request, never answers
  trickle            headers, then one byte every ?delay= seconds (default 3)
  slow-headers       the status line, then a header byte every second
  truncated          Content-Length 1000, 10 bytes sent, then close
  big                200 text/plain of ?size= bytes (default 100 MB), streamed;
                     ?fill=ctl|bad|quote: of \x01, \xff or '"' (worst cases
                     for escaping and U+FFFD replacement) instead of "a"
  big-chunked        the same in chunked encoding, no Content-Length
  big-json           200 application/json "[0,0,...]" of ?size= bytes
  json-strings       200 application/json: ?n= strings (default 249,000, just
                     under the value limit and 4 MiB), each with an escape
  gzip-bomb          Content-Encoding: gzip, ~1 MiB expanding to 1 GiB of zeros
  bad-utf8           200 text/plain with invalid UTF-8 bytes
  bad-utf8-json      200 application/json whose string holds invalid UTF-8
  json-trailing      200 application/json '{"a": 1} and more' (not JSON as a whole)
  utf8-torture       200 text/plain: invalid UTF-8 of every kind (TORTURE)
  info-flood         102 Processing answers, forever
  nul-text           200 text/plain "abc\\0def" (NUL at offset 3)
  ansi-error         500 whose body holds ESC sequences and a CR/LF forged line
  redirect-loop      302 to itself, forever
  redirect-file      302 to file:///etc/passwd
  redirect-ok        302 to .../ok (followed, the method kept by 307 with ?code=307)
  drop-after-read    answers the first request of a connection; a later
                     request on the same connection is read entirely and the
                     connection closed without an answer (the double-POST case);
                     with ?once=1 only the first call to the path is dropped
  empty-reply        closes the connection without an answer (every time)
  bad-status         "HTTP/1.1 abc Broken" status line
  garbage-status     a line that is not HTTP at all
  chunk-error        chunked encoding with an invalid chunk size
  huge-header        a 200 KB header line
  flaky/<n>          the first n calls to this path reset the connection
                     without an answer, then ok
  5xx/<n>            the first n calls answer 503, then ok

Prints `LISTENING <port>` on stdout when ready (and writes the port to
--port-file when given).
"""
import argparse
import base64
import gzip
import io
import json
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
COUNTS = {}          # path -> method -> n
STATE = {"connections": 0}
BOMB = {}            # the gzip bomb, made once, on first use


def count(path, method):
    with LOCK:
        per = COUNTS.setdefault(path, {})
        per[method] = per.get(method, 0) + 1
        return sum(per.values())


def bomb():
    """~1 MiB of gzip that inflates to 1 GiB of zeros (made once)."""
    with LOCK:
        if "data" not in BOMB:
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as g:
                chunk = bytes(1 << 20)
                for _ in range(1024):
                    g.write(chunk)
            BOMB["data"] = buf.getvalue()
        return BOMB["data"]


# Invalid UTF-8 of every kind (lone continuation, overlong forms,
# surrogates, above U+10FFFF, cut sequences) between valid characters.
TORTURE = (b"a\x80b\xbf\xc0\x80c\xc1\xbfd\xe0\x80\x80e\xe0\x9f\xbff\xed\xa0\x80g"
           b"\xed\xbf\xbfh\xf0\x8f\xbf\xbfi\xf4\x90\x80\x80j\xf5\x80k\xf8\x88\x80\x80\x80l"
           b"\xfe\xffm\xc3n\xe2\x82o\xf0\x9f\x98p\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
           b"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\xf0\x9f\x98")


def s3_payload(dag_id):
    """The CoWorks result document an S3 GET of s3/<dag_id>/... returns."""
    def doc(body, b64=False):
        if b64:
            body = base64.b64encode(body).decode()
        return json.dumps({"statusCode": 200, "headers": {}, "body": body,
                           "isBase64Encoded": b64}).encode()
    if dag_id == "s3_bigjson":      # 1.4 M values once decoded
        return doc(b"[" + b"0," * 1400000 + b"0]", b64=True)
    if dag_id == "s3_bigouter":     # 1.9 M values in the document itself
        return b'{"statusCode": 200, "body": [' + b"0," * 1900000 + b'0]}'
    if dag_id == "s3_badutf8":      # raw invalid UTF-8 in the document
        return b'{"statusCode": 200, "body": "caf\xe9 \xff"}'
    if dag_id == "s3_b64bad":       # invalid UTF-8 once decoded
        return doc(b"caf\xe9 \xff", b64=True)
    return doc({"ok": True})


class Closed(Exception):
    pass


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.buf = b""
        with LOCK:
            STATE["connections"] += 1

    # ------------------------------------------------------------ reading
    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise Closed()
            data = self.request.recv(65536)
            if not data:
                raise Closed()
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0") or 0)
        while len(self.buf) < n:
            data = self.request.recv(65536)
            if not data:
                raise Closed()
            self.buf += data
        body, self.buf = self.buf[:n], self.buf[n:]
        url = urllib.parse.urlsplit(target)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        return method, url.path, query, headers, body

    # ------------------------------------------------------------ writing
    def send(self, data):
        self.request.sendall(data)

    def answer(self, status, body=b"", ctype="application/json", extra=()):
        if isinstance(body, str):
            body = body.encode()
        head = "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
            status, ctype, len(body))
        for h in extra:
            head += h + "\r\n"
        self.send(head.encode() + b"\r\n" + body)

    def reset(self):
        """Closes with an RST (SO_LINGER 0) instead of a FIN."""
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.request.close()
        raise Closed()

    def wait_closed(self, seconds):
        """Holds the connection until the client closes it (or seconds)."""
        self.request.settimeout(1.0)
        end = time.time() + seconds
        while time.time() < end:
            try:
                if not self.request.recv(65536):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        raise Closed()

    def stream(self, size, chunked=False, fill=b"a"):
        block = fill * (1 << 16)
        left = size
        while left > 0:
            piece = block[:min(left, len(block))]
            if chunked:
                self.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                self.send(piece)
            left -= len(piece)
        if chunked:
            self.send(b"0\r\n\r\n")

    # ------------------------------------------------------------ routes
    def handle(self):
        nth_on_conn = 0
        try:
            while True:
                method, path, query, headers, body = self.read_request()
                nth_on_conn += 1
                if path == "/_counts":
                    with LOCK:
                        doc = dict(COUNTS)
                        doc["_connections"] = STATE["connections"]
                    self.answer(200, json.dumps(doc, sort_keys=True))
                    continue
                if path == "/_reset":
                    with LOCK:
                        COUNTS.clear()
                        STATE["connections"] = 0
                    self.answer(200, "{}")
                    continue
                n = count(path, method)
                self.route(method, path, query, headers, body, n, nth_on_conn)
        except (Closed, ConnectionError, BrokenPipeError, OSError):
            pass

    def route(self, method, path, query, headers, body, n, nth_on_conn):
        port = self.server.server_address[1]
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "directory":
            name = parts[2]
            url = "file:///etc" if name == "fileurl" else \
                "http://127.0.0.1:%d/gw/%s/dev" % (port, name)
            self.answer(200, json.dumps({"url": url, "token": "tok-" + name}))
            return
        if len(parts) >= 4 and parts[1] == "coworks-airflow" and method == "GET":
            self.answer(200, s3_payload(parts[3]), "application/octet-stream")
            return
        if len(parts) < 5 or parts[1] != "gw":
            self.answer(404, '{"error": "no such route"}')
            return
        fault, args = parts[4], parts[5:]
        size = int(query.get("size", 100 * 1000 * 1000))
        if fault == "ok":
            self.answer(200, json.dumps({"ok": True, "method": method, "n": n}))
        elif fault == "text":
            self.answer(200, "hello", "text/plain")
        elif fault == "reset-mid-body":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 100000\r\n\r\n" + b"x" * 1000)
            time.sleep(0.2)
            self.reset()
        elif fault == "never":
            self.wait_closed(600)
        elif fault == "trickle":
            delay = float(query.get("delay", 3))
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 1000\r\n\r\n")
            for _ in range(1000):
                time.sleep(delay)
                self.send(b"x")
        elif fault == "slow-headers":
            self.send(b"HTTP/1.1 200 OK\r\n")
            for _ in range(600):
                time.sleep(1)
                self.send(b"X-Slow: " + b"y" * 1 + b"\r\n")
        elif fault == "truncated":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: 1000\r\n\r\n0123456789")
            raise Closed()
        elif fault == "big":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Length: %d\r\n\r\n" % size)
            fills = {"ctl": b"\x01", "bad": b"\xff", "quote": b'"'}
            self.stream(size, fill=fills.get(query.get("fill"), b"a"))
        elif fault == "big-chunked":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            self.stream(size, chunked=True)
        elif fault == "big-json":
            body = b"[" + b"0," * ((size - 2) // 2) + b"0]"
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
        elif fault == "json-strings":
            # ?n= strings of 8 characters (one an escape): many values that each hold text.
            n = int(query.get("n", 249000))
            body = b"[" + b",".join([b'"\\u0001bcdefgh"'] * n) + b"]"
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body)
        elif fault == "gzip-bomb":
            data = bomb()
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(data))
            self.send(data)
        elif fault == "bad-utf8":
            self.answer(200, b"caf\xe9 \xff\xfe ok \xe2\x82 end", "text/plain")
        elif fault == "bad-utf8-json":
            self.answer(200, b'{"name": "caf\xe9", "ok": true}')
        elif fault == "utf8-torture":
            self.answer(200, TORTURE, "text/plain")
        elif fault == "info-flood":
            # 1xx answers, forever: each one is an answer, none the last.
            while True:
                self.send(b"HTTP/1.1 102 Processing\r\n\r\n" * 64)
                time.sleep(0.01)
        elif fault == "json-trailing":
            self.answer(200, '{"a": 1} and more')
        elif fault == "nul-text":
            self.answer(200, b"abc\x00def", "text/plain")
        elif fault == "ansi-error":
            self.answer(500, b"\x1b[2J\x1b[31mboom\r\n[2026-01-01 00:00:00] INFO task ok: "
                        b"success\x07", "text/plain")
        elif fault == "redirect-loop":
            self.answer(302, "", extra=["Location: " + path])
        elif fault == "redirect-file":
            self.answer(302, "", extra=["Location: file:///etc/passwd"])
        elif fault == "redirect-ok":
            code = int(query.get("code", 302))
            target = "/".join(parts[:4]) + "/ok"
            self.answer(code, "", extra=["Location: " + target])
        elif fault == "drop-after-read":
            if nth_on_conn == 1 or (query.get("once") and n > 1):
                self.answer(200, json.dumps({"ok": True, "method": method, "n": n}))
            else:
                # The request is read; the connection goes without a word.
                raise Closed()
        elif fault == "empty-reply":
            raise Closed()
        elif fault == "bad-status":
            self.send(b"HTTP/1.1 abc Broken\r\nContent-Length: 0\r\n\r\n")
        elif fault == "garbage-status":
            self.send(b"SURPRISE\r\n\r\n")
            raise Closed()
        elif fault == "chunk-error":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nxx\r\n")
            raise Closed()
        elif fault == "huge-header":
            self.send(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"h" * 200000 +
                      b"\r\nContent-Length: 2\r\n\r\n{}")
        elif fault == "flaky":
            if n <= int(args[0] if args else 1):
                raise Closed()
            self.answer(200, json.dumps({"ok": True, "method": method, "n": n}))
        elif fault == "5xx":
            if n <= int(args[0] if args else 1):
                self.answer(503, '{"error": "unavailable"}')
            else:
                self.answer(200, json.dumps({"ok": True, "method": method, "n": n}))
        else:
            self.answer(404, json.dumps({"error": "unknown fault " + fault}))


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    opts = ap.parse_args()
    srv = Server(("127.0.0.1", opts.port), Handler)
    port = srv.server_address[1]
    if opts.port_file:
        with open(opts.port_file, "w") as f:
            f.write("%d\n" % port)
    print("LISTENING %d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
