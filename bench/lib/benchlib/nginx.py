"""The server every workload calls: Debian's nginx with its own config.

One worker, `daemon off` (its master is our child), loopback on a free
port, keep-alive with a huge keepalive_requests, every location answering
`return 200 '{"ok": true}'` as application/json. access_log is off except
under /log/, the prefix a workload uses when it has to count requests
(the crash-resume workload, the fan-out's body check). A second server on
another loopback port answers nginx's stub_status: its request counter,
read before and after each measured process, says how many calls the
process made (one status request each time is subtracted).
"""

import ctypes
import os
import re
import resource
import signal
import socket
import subprocess
import time
import urllib.request

from .util import BenchError

NGINX = '/usr/sbin/nginx'
OK_BODY = '{"ok": true}'

CONF = """\
# nginx.conf for bench/run (generated; the folder is removed at exit)
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile {nofile};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;

events {{
    worker_connections {conns};
}}

http {{
    access_log off;
    default_type application/json;
    keepalive_timeout 600s;
    keepalive_requests 1000000000;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format bench '$request_method $request_uri $content_length';

    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            return 200 '{body}';
        }}
        location /log/ {{
            access_log {dir}/requests.log bench;
            return 200 '{body}';
        }}
    }}

    server {{
        listen 127.0.0.1:{status_port};
        location / {{
            stub_status;
        }}
    }}
}}
"""


def _die_with_parent():
    """In the child before exec: SIGTERM when bench/run dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def version():
    """nginx's version line, or None when it is not installed."""
    if not os.access(NGINX, os.X_OK):
        return None
    try:
        p = subprocess.run([NGINX, '-v'], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return (p.stderr or p.stdout).strip().replace('nginx version: ', '')


class Nginx:
    """A running nginx; stop() (or the context's exit) ends it."""

    def __init__(self, folder):
        self.dir = folder
        self.proc = None
        self.port = self.status_port = None
        self.log = os.path.join(folder, 'requests.log')

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        nofile = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
        last = ''
        for _ in range(8):   # a free port can be taken between probe and bind
            self.port, self.status_port = _free_port(), _free_port()
            if self.port == self.status_port:
                continue
            conf = os.path.join(self.dir, 'nginx.conf')
            with open(conf, 'w') as f:
                f.write(CONF.format(dir=self.dir, port=self.port, status_port=self.status_port,
                                    body=OK_BODY, nofile=nofile,
                                    conns=max(1024, min(16384, nofile // 2))))
            open(self.log, 'w').close()
            err = open(os.path.join(self.dir, 'stderr.log'), 'w')
            # Its own session: a Ctrl-C on the terminal reaches bench/run,
            # which stops nginx itself, after the process it is measuring.
            self.proc = subprocess.Popen(
                [NGINX, '-p', self.dir, '-c', conf, '-e', os.path.join(self.dir, 'error.log')],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True,
                preexec_fn=_die_with_parent)
            err.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    self.requests()
                    return self
                except OSError:
                    time.sleep(0.05)
            last = self._errors()
            self.stop()
            if 'Address already in use' not in last:
                break
        raise BenchError(f'nginx did not start:\n{last}')

    def _errors(self):
        out = []
        for name in ('stderr.log', 'error.log'):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    out += f.read().strip().splitlines()[-8:]
            except OSError:
                pass
        return '\n'.join(out) or '(no message)'

    def base(self, prefix=''):
        """The URL under which the workload's calls go."""
        return f'http://127.0.0.1:{self.port}{prefix}'

    def requests(self):
        """nginx's count of requests so far (stub_status), this one included."""
        with urllib.request.urlopen(f'http://127.0.0.1:{self.status_port}/', timeout=10) as r:
            text = r.read().decode()
        m = re.search(r'\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n', text)
        if not m:
            raise BenchError(f'unexpected stub_status answer: {text!r}')
        return int(m.group(3))

    def log_offset(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def log_since(self, offset):
        """The logged requests after offset: (method, uri, content length)."""
        with open(self.log) as f:
            f.seek(offset)
            rows = []
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    rows.append((parts[0], parts[1], None if parts[2] == '-' else int(parts[2])))
            return rows

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)   # fast shutdown, workers included
        except OSError:
            pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
