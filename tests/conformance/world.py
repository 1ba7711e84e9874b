"""world.py: the servers one DAG run talks to, started fresh on loopback.

A World is the project's fake CoWorks service (the directory, the
TechMicroServices, and the API Gateway behind an HTTPS proxy), plus s3rver
and maildev when a DAG needs them. Each engine gets a World of its own, so
what the servers received afterwards is what that engine sent.

    with World(tmp, needs={"s3", "mail"}) as w:
        env = w.env()            # AIRFLOW_CONN_*, AWS_*, AIRFLOW__SMTP__*, proxy
        ... run the DAG with env ...
        w.requests(), w.s3_stores(), w.mails()
"""

import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRC = os.environ.get("BIZC_TOP_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
FAKE = os.path.join(TOP_SRC, "tests", "fake", "coworks.py")
GATEWAY_NAME = "*.execute-api.eu-west-1.amazonaws.com"


def npm_dir():
    return os.environ.get("BIZC_NPM_DIR") or os.path.join(TOP_SRC, "_deps", "npm")


def npm_need(pkg, js):
    """The path of an npm package's script, installing it once when missing."""
    path = os.path.join(npm_dir(), "node_modules", js)
    # The project's one installer, under its lock: suites run in parallel
    # and two npm installs into one tree break it.
    installer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                             "install-npm.sh")
    subprocess.run([installer, npm_dir()], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(path):
        raise RuntimeError("%s is not in %s after install-npm.sh" % (pkg, npm_dir()))
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def gateway_cert(folder):
    """A self-signed certificate for API Gateway host names: (cert, key)."""
    cert, key = os.path.join(folder, "gateway.pem"), os.path.join(folder, "gateway.key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=" + GATEWAY_NAME, "-addext", "subjectAltName=DNS:" + GATEWAY_NAME,
                        "-keyout", key, "-out", cert],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def _get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


class S3Recorder:
    """A reverse proxy in front of s3rver that records what an engine asks
    of S3 (the sensor's HEADs, the pull's GETs). s3rver accepts any SigV4
    signature, so a request signed for the proxy's address is served."""

    def __init__(self, target_port):
        self.calls = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                u = urllib.parse.urlsplit(self.path)
                recorder.calls.append({
                    "method": self.command, "path": urllib.parse.unquote(u.path),
                    "query": urllib.parse.parse_qs(u.query, keep_blank_values=True),
                    "signed": (self.headers.get("Authorization") or "").startswith("AWS4-HMAC-SHA256 "),
                    "sha256": bool(self.headers.get("x-amz-content-sha256"))})
                conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    conn.request(self.command, self.path, body=body, headers=headers)
                    r = conn.getresponse()
                    data = r.read()
                    self.send_response(r.status, r.reason)
                    for k, v in r.getheaders():
                        if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class World:
    def __init__(self, folder, needs=(), fake_args=("--async-delay-ms", "0")):
        self.folder = folder
        self.needs = set(needs)
        self.fake_args = list(fake_args)
        self.procs = []
        self.vars = {}
        self.s3_recorder = None

    # ---------------------------------------------------------- start / stop

    def _spawn(self, name, argv, ready=None, timeout=20):
        """Starts argv; waits until its stdout has a line matching ready (a
        regex) and returns the match (None at once without ready)."""
        out = open(os.path.join(self.folder, name + ".out"), "w+")
        err = open(os.path.join(self.folder, name + ".err"), "w")
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        if ready is None:
            return None
        deadline = time.time() + timeout
        while time.time() < deadline:
            out.seek(0)
            m = re.search(ready, out.read())
            if m:
                return m
            if p.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("%s did not start: %s" % (name, open(err.name).read()[-2000:]))

    def __enter__(self):
        os.makedirs(self.folder, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        # maildev's ports are picked free and then bound by maildev: it
        # starts before anything else here binds an ephemeral port (the S3
        # recorder once took the web port in between, and the wait for
        # maildev was recorded as the engine's S3 request).
        if "mail" in self.needs:
            js = npm_need("maildev@3.0.0", "maildev/dist/bin/maildev.js")
            smtp, web = free_port(), free_port()
            self._spawn("maildev", ["node", js, "--smtp", str(smtp), "--web", str(web),
                                    "--ip", "127.0.0.1"])
            self.mail_url = "http://127.0.0.1:%d" % web
            self._wait_http(self.mail_url + "/api/email")
            self._wait_tcp(smtp)
            self.vars.update({
                "AIRFLOW__SMTP__SMTP_HOST": "127.0.0.1", "AIRFLOW__SMTP__SMTP_PORT": str(smtp),
                "AIRFLOW__SMTP__SMTP_STARTTLS": "False", "AIRFLOW__SMTP__SMTP_SSL": "False",
            })
        if "s3" in self.needs:
            js = npm_need("s3rver@3.7.1", "s3rver/bin/s3rver.js")
            s3dir = os.path.join(self.folder, "s3")
            os.makedirs(s3dir, exist_ok=True)
            m = self._spawn("s3rver", ["node", js, "--directory", s3dir, "--address", "127.0.0.1",
                                       "--port", "0", "--silent"], r"listening on .*:(\d+)")
            self.s3_url = "http://127.0.0.1:%s" % m.group(1)
            # The engine talks to S3 through the recorder; the fake service
            # stores its results in s3rver directly.
            self.s3_recorder = S3Recorder(int(m.group(1)))
            engine_s3 = "http://127.0.0.1:%d" % self.s3_recorder.port
            self.vars.update({
                "AWS_ENDPOINT_URL_S3": engine_s3, "AWS_ACCESS_KEY_ID": "S3RVER",
                "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
                # One connection both engines read the same way: S3Hook's
                # aws_s3 and bizc's, with the endpoint in its extras.
                "AIRFLOW_CONN_AWS_S3": json.dumps({
                    "conn_type": "aws", "login": "S3RVER", "password": "S3RVER",
                    "extra": {"endpoint_url": engine_s3, "region_name": "us-east-1"}}),
            })
        cert, key = gateway_cert(os.path.dirname(self.folder.rstrip("/")) or self.folder)
        argv = ["python3", FAKE, "--gateway-cert", cert, "--gateway-key", key] + self.fake_args
        if "s3" in self.needs:
            argv += ["--s3", self.s3_url]
        m = self._spawn("fake", argv, r"LISTENING (\d+)")
        self.fake_url = "http://127.0.0.1:%s" % m.group(1)
        self.vars.update({
            # HttpHook takes a host holding "://" as the base URL, so the
            # directory's path is written in the host (JSON form).
            "AIRFLOW_CONN_COWORKS_DIRECTORY": json.dumps({
                "conn_type": "http", "host": self.fake_url + "/directory"}),
            # Calls by api_id go to https://<api_id>.execute-api...: the fake
            # is the HTTPS proxy that reaches them (requests and libcurl both
            # honour HTTPS_PROXY).
            "HTTPS_PROXY": self.fake_url, "https_proxy": self.fake_url,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "REQUESTS_CA_BUNDLE": cert, "CURL_CA_BUNDLE": cert, "SSL_CERT_FILE": cert,
        })

    def _wait_http(self, url):
        for _ in range(400):
            try:
                _get(url)
                return
            except (OSError, ValueError):
                time.sleep(0.05)
        raise RuntimeError("%s does not answer" % url)

    def _wait_tcp(self, port):
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nothing listens on port %d" % port)

    def stop(self):
        if self.s3_recorder:
            self.s3_recorder.stop()
            self.s3_recorder = None
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    def __exit__(self, *exc):
        self.stop()

    # ---------------------------------------------------------- what arrived

    def env(self):
        return dict(self.vars)

    def substitute(self, value):
        """value with $FAKE_URL, $SMTP_PORT and $S3_URL replaced by the
        addresses of these servers (the S3 one as the engine sees it)."""
        for name, v in (("$FAKE_URL", getattr(self, "fake_url", None)),
                        ("$SMTP_PORT", self.vars.get("AIRFLOW__SMTP__SMTP_PORT")),
                        ("$S3_URL", self.vars.get("AWS_ENDPOINT_URL_S3"))):
            if v:
                value = value.replace(name, v)
        return value

    def behave(self, name, query):
        _get("%s/_behave/%s?%s" % (self.fake_url, name, query), method="POST")

    def requests(self):
        return _get(self.fake_url + "/_calls")

    def s3_stores(self):
        return _get(self.fake_url + "/_s3")

    def s3_requests(self):
        """What the engine asked of S3."""
        return list(self.s3_recorder.calls) if self.s3_recorder else []

    def mails(self):
        if "mail" not in self.needs:
            return []
        # maildev delivers asynchronously: wait until the count settles.
        last, same = None, 0
        for _ in range(40):
            mails = _get(self.mail_url + "/api/email")
            same = same + 1 if last is not None and len(mails) == len(last) else 0
            last = mails
            if same >= 3:
                break
            time.sleep(0.05)
        return last


def cleanup(folder):
    shutil.rmtree(folder, ignore_errors=True)
