"""What the measurements ran on: printed first, and kept in --json."""

import datetime
import os
import platform
import shutil
import subprocess


def _first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (p.stdout or p.stderr).strip()
    return text.splitlines()[0] if text else None


def _short(argv):
    """A tool's name and version ('curl 7.88.1'), or that it is missing."""
    if not shutil.which(argv[0]):
        return f'{argv[0]} not installed'
    line = _first_line(argv) or '?'
    return ' '.join(line.split()[:2])


def _cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total():
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _os_name():
    try:
        with open('/etc/os-release') as f:
            for line in f:
                if line.startswith('PRETTY_NAME='):
                    return line.split('=', 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def info(top, tools, nginx_version):
    """An ordered list of (key, value)."""
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    mem = _mem_total()
    load = os.getloadavg()
    curl_line = next((l for l in tools.version.splitlines() if l.startswith('libcurl')), '?')
    commit = _first_line(['git', '-C', top, 'describe', '--always', '--dirty', '--abbrev=10'])
    bizc_line = tools.version.splitlines()[0] if tools.version else '?'
    return [
        ('cpu', f'{_cpu_model()}'),
        ('cores', f'{cores} ({usable} usable by this process)'),
        ('memory', f'{mem / 2**30:.1f} GiB' if mem else '?'),
        ('kernel', f'{platform.system()} {platform.release()} {platform.machine()}'),
        ('os', _os_name()),
        ('date', datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')),
        ('load average', ' '.join(f'{x:.2f}' for x in load) + ' (1, 5, 15 min, at start)'),
        ('bizc', f'{tools.bizc} ({bizc_line}; tree {commit or "?"})'),
        ('libcurl', f'{curl_line.replace("libcurl ", "")} static, {tools.libcurl_a} '
                    f'(both sides)'),
        ('cc', f'{" ".join(tools.cc)}: {tools.cc_version}'),
        ('nginx', f'{nginx_version}, 1 worker, loopback'),
        ('curl, jq', f'{_short(["curl", "--version"])}; {_short(["jq", "--version"])}'),
        ('python', platform.python_version()),
    ]
