"""Running one measured process.

Wall time is time.monotonic() from just before the start request to just
after the reap; CPU (ru_utime + ru_stime) and peak RSS (ru_maxrss, KiB)
come from os.wait4, so they cover the process and the children it waited
for (the curl and jq processes of a shell baseline).

Linux carries a process's peak RSS across execve, and a process forked
from Python starts with Python's pages: every ru_maxrss would read at
least this interpreter's ~25 MiB. So the processes are started by
bench/c/spawn.c, a small static server, and handed to us (we are a child
subreaper: PR_SET_CHILD_SUBREAPER), which makes them our children: os.wait4
here reaps them. Each runs in its own session: a timeout, a kill at a
chosen instant or a Ctrl-C kills its whole process group, and a terminal's
Ctrl-C reaches bench/run only, which kills what it runs before cleaning
up. Its exit is awaited on a pidfd, so a kill never hits a reused pid.
"""

import ctypes
import os
import select
import shutil
import signal
import struct
import subprocess
import time
from dataclasses import dataclass, asdict, field

from .util import BenchError

PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Sample:
    wall: float
    user: float
    sys: float
    maxrss_kib: int
    rc: int                  # exit status, or -signal
    timed_out: bool = False
    killed_at: float = None  # the instant of a deliberate SIGKILL (seconds after start)
    requests: int = None     # requests nginx received while it ran
    log: str = None
    extra: dict = field(default_factory=dict)

    @property
    def cpu(self):
        return self.user + self.sys

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out

    def asdict(self):
        d = asdict(self)
        d['cpu'] = self.cpu
        return d


class Spawner:
    """The small process that starts the measured ones (bench/c/spawn.c)."""

    def __init__(self, exe):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise BenchError('prctl(PR_SET_CHILD_SUBREAPER) failed: '
                             + os.strerror(ctypes.get_errno()))
        self.proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     start_new_session=True)
        self.known = {self.proc.pid}

    def start(self, argv, env, cwd, log):
        prog = argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=env.get('PATH'))
        if not prog:
            raise BenchError(f'{argv[0]}: not found')
        strings = [cwd or '', log, str(len(env))] + [f'{k}={v}' for k, v in env.items()]
        strings += [os.path.abspath(prog)] + [str(a) for a in argv[1:]]
        payload = b''.join(s.encode() + b'\0' for s in strings)
        try:
            self.proc.stdin.write(struct.pack('=I', len(payload)) + payload)
            self.proc.stdin.flush()
            line = self.proc.stdout.readline().decode().strip()
        except OSError:
            line = ''
        if not line:
            raise BenchError('the process starter (bench/c/spawn.c) stopped')
        if line.startswith('E '):
            raise BenchError(f'cannot start {prog}: {os.strerror(int(line[2:]))}')
        return int(line)

    def reap_orphans(self):
        """Reaps the zombies handed to us (children of a killed group)."""
        me = os.getpid()
        for name in os.listdir('/proc'):
            if not name.isdigit() or int(name) in self.known:
                continue
            try:
                with open(f'/proc/{name}/stat') as f:
                    stat = f.read()
                fields = stat[stat.rindex(')') + 2:].split()
                if int(fields[1]) == me and fields[0] == 'Z':
                    os.waitpid(int(name), os.WNOHANG)
            except (OSError, ValueError, ChildProcessError):
                pass

    def stop(self):
        p, self.proc = self.proc, None
        if p:
            try:
                p.stdin.close()
            except OSError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def run(spawner, argv, *, env, log, cwd=None, timeout=None, kill_after=None, nginx=None):
    """Runs argv to its end (or to timeout / kill_after seconds) and measures it.

    log receives its stdout and stderr. nginx, when given, is asked for its
    request count before and after, which gives Sample.requests.
    """
    before = nginx.requests() if nginx else None
    t0 = time.monotonic()
    pid = spawner.start(argv, env, cwd, log)
    timed_out = False
    killed_at = None
    pidfd = os.pidfd_open(pid)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while True:
            now = time.monotonic() - t0
            limits = [timeout] if timeout else []
            if kill_after is not None and killed_at is None:
                limits.append(kill_after)
            wait_ms = None if not limits else max(0, int((min(limits) - now) * 1000) + 1)
            if poller.poll(wait_ms):
                break
            now = time.monotonic() - t0
            if kill_after is not None and killed_at is None and now >= kill_after:
                killed_at = now
                _killpg(pid)
            elif timeout and now >= timeout:
                timed_out = True
                _killpg(pid)
        _, status, ru = os.wait4(pid, 0)
        t1 = time.monotonic()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) while it ran: the group goes first.
        _killpg(pid)
        try:
            os.wait4(pid, 0)
        except ChildProcessError:
            pass
        spawner.reap_orphans()
        raise
    finally:
        os.close(pidfd)
    rc = os.waitstatus_to_exitcode(status)
    if timed_out or killed_at is not None:
        _killpg(pid)   # what the group left (its pgid is not reused while a member lives)
        spawner.reap_orphans()
    s = Sample(wall=t1 - t0, user=ru.ru_utime, sys=ru.ru_stime, maxrss_kib=ru.ru_maxrss,
               rc=rc, timed_out=timed_out, killed_at=killed_at, log=log)
    if nginx:
        s.requests = nginx.requests() - before - 1
    return s


def tail(path, lines=12):
    """The last lines of a log, to say why a run failed."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 8192))
            text = f.read().decode(errors='replace')
    except OSError:
        return ''
    return '\n'.join(text.strip().splitlines()[-lines:])
