#!/usr/bin/env python3
"""webhook_recv.py: a local webhook receiver for ops.sh.

    python3 webhook_recv.py OUT [--fail-first N] [--status CODE]

Listens on a free loopback port and prints `LISTENING <port>` when ready.
Each POST is appended to OUT as one JSON line {"path", "headers" (lower-case
names), "body" (text), "status" (what it answered)}. The first N requests
(--fail-first) are answered 500; with --status every request gets CODE.
SIGTERM stops it.
"""

import argparse
import http.server
import json
import signal
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--status", type=int, default=200)
    args = ap.parse_args()
    lock = threading.Lock()
    seen = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace")
            with lock:
                seen[0] += 1
                status = 500 if seen[0] <= args.fail_first else args.status
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps({
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                        "status": status,
                    }) + "\n")
            answer = b"ok" if status < 300 else b"no"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, fmt, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    print("LISTENING %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
