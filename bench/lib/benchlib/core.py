"""Sides, paired series and the rows of the table.

A ratio is measured in one series where the baseline and the candidate
alternate (b, c, b, c, ...), so that a slow minute of the machine hits
both; its value is the ratio of the two medians. Every bizc executable
runs with `--state-dir <a fresh folder> -q`; the folder is removed after
the run (outside the measured time).
"""

import os
import shutil
import sys

from . import measure
from .util import fmt_kib, fmt_rate, fmt_ratio, fmt_seconds, median, thousands


class Side:
    """What one side runs: argv, and for a bizc executable a state folder per run."""

    def __init__(self, name, argv, env, expect=None, bizc=False):
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.expect = expect      # the requests nginx must see per run
        self.bizc = bizc


class Series:
    def __init__(self, side):
        self.side = side
        self.samples = []
        self.stopped = None       # why no more runs were made

    @property
    def ok(self):
        return [s for s in self.samples if s.ok]

    def med(self, what):
        ok = self.ok
        if not ok:
            return None
        if what == 'wall':
            return median([s.wall for s in ok])
        if what == 'cpu':
            return median([s.cpu for s in ok])
        if what == 'rss':
            return median([s.maxrss_kib for s in ok])
        raise ValueError(what)

    def asdict(self):
        return {'side': self.side.name, 'argv': self.side.argv, 'expect_requests': self.side.expect,
                'stopped': self.stopped, 'samples': [s.asdict() for s in self.samples]}


class Row:
    def __init__(self, workload, baseline, metric, runs, cand, base, ratio, better):
        self.cells = [workload, baseline, metric, runs, cand, base, ratio, better]


METRIC_NAMES = {'wall': 'wall', 'cpu': 'CPU u+s', 'rss': 'peak RSS', 'rate': 'calls/s'}


class Runner:
    """Runs sides; knows the scratch folder, nginx and the time limit."""

    def __init__(self, work, nginx, spawner, timeout, verbose=True):
        self.work = work
        self.spawner = spawner
        self.nginx = nginx
        self.timeout = timeout
        self.count = 0
        self.warnings = []
        self.verbose = verbose
        self.state_root = os.path.join(work, 'state')
        self.log_dir = os.path.join(work, 'logs')
        os.makedirs(self.state_root, exist_ok=True)
        os.makedirs(self.log_dir, exist_ok=True)

    def say(self, msg):
        if self.verbose:
            print(msg, file=sys.stderr, flush=True)

    def warn(self, msg):
        self.warnings.append(msg)
        print('bench/run: warning: ' + msg, file=sys.stderr, flush=True)

    def fresh_state(self):
        self.count += 1
        d = os.path.join(self.state_root, str(self.count))
        os.makedirs(d)
        return d

    def measure(self, side, *, state_dir=None, extra=(), kill_after=None, count_requests=True,
                tag=None):
        """One run of side; with state_dir, that folder is kept (the caller removes it)."""
        self.count += 1
        argv = side.argv + list(extra)
        own_state = None
        if side.bizc:
            if state_dir is None:
                state_dir = own_state = self.fresh_state()
            argv += ['--state-dir', state_dir, '-q']
        log = os.path.join(self.log_dir, f'{self.count:05d}_{tag or side.name}.log'.replace(' ', '_')
                           .replace('/', '_'))
        try:
            s = measure.run(self.spawner, argv, env=side.env, log=log, cwd=self.work, timeout=self.timeout,
                            kill_after=kill_after, nginx=self.nginx if count_requests else None)
        finally:
            if own_state:
                shutil.rmtree(own_state, ignore_errors=True)
        if (count_requests and side.expect is not None and kill_after is None and s.ok
                and s.requests != side.expect):
            self.warn(f'{side.name}: nginx saw {s.requests} requests, {side.expect} expected')
        return s

    def series(self, series, **kw):
        """Adds one run to series unless it was stopped; the sample or None."""
        if series.stopped:
            return None
        s = self.measure(series.side, **kw)
        series.samples.append(s)
        if s.timed_out:
            series.stopped = f'timed out after {self.timeout:g} s' + (
                f' ({thousands(s.requests)} calls made by then)' if s.requests is not None else '')
            self.warn(f'{series.side.name}: {series.stopped}; no more runs of it')
        elif s.rc != 0:
            series.stopped = f'failed (exit {s.rc})'
            self.warn(f'{series.side.name}: {series.stopped}; no more runs of it. '
                      f'Its output ({s.log}):\n{measure.tail(s.log)}')
        return s

    def pair(self, label, base, cand, runs):
        """The alternating series b, c, b, c, ...: (baseline Series, candidate Series)."""
        b, c = Series(base), Series(cand)
        for i in range(runs):
            sb = self.series(b)
            sc = self.series(c)
            self.say(f'  {label}: run {i + 1}/{runs}: {base.name} {_brief(sb)}, '
                     f'{cand.name} {_brief(sc)}')
        return b, c


def _brief(s):
    if s is None:
        return '(stopped)'
    if s.timed_out:
        return 'timeout'
    if s.rc != 0:
        return f'exit {s.rc}'
    return fmt_seconds(s.wall)


def _value(series, metric, calls):
    """(text, number) of a series' median for a metric; number None when missing."""
    m = series.med('wall' if metric == 'rate' else metric)
    if m is None:
        if series.samples and series.samples[-1].timed_out and metric in ('wall', 'rate'):
            t = series.samples[-1].wall
            if metric == 'wall':
                return f'> {fmt_seconds(t)}', None
            done = series.samples[-1].requests
            return (f'~{fmt_rate(done / t)} (partial)' if done else 'timeout'), None
        last = series.samples[-1] if series.samples else None
        if last is None:
            return 'no run', None
        return ('timed out' if last.timed_out else f'failed (exit {last.rc})'), None
    if metric == 'wall' or metric == 'cpu':
        return fmt_seconds(m), m
    if metric == 'rss':
        return fmt_kib(m), m
    rate = calls / m
    return fmt_rate(rate), rate


def rows(workload, baseline, b, c, metrics, calls=None):
    """Table rows of one paired series: candidate / baseline for each metric."""
    out = []
    for k, metric in enumerate(metrics):
        ct, cv = _value(c, metric, calls)
        bt, bv = _value(b, metric, calls)
        ratio = fmt_ratio(cv / bv) if cv is not None and bv else '-'
        if cv is None and bv and metric == 'wall' and c.samples and c.samples[-1].timed_out:
            ratio = '> ' + fmt_ratio(c.samples[-1].wall / bv)   # a lower bound
        runs = f'{len(c.ok)}+{len(b.ok)}'
        better = 'higher' if metric == 'rate' else 'lower'
        out.append(Row(workload if k == 0 else '', baseline if k == 0 else '',
                       METRIC_NAMES[metric], runs, ct, bt, ratio, better))
    return out


def print_table(rows, legend, out=sys.stdout):
    head = ['workload', 'baseline', 'metric', 'runs', 'candidate', 'baseline',
            'ratio', 'better']
    table = [head] + [r.cells for r in rows]
    widths = [max(len(str(r[i])) for r in table) for i in range(len(head))]
    right = {3, 4, 5, 6}

    def line(r):
        cells = []
        for i, v in enumerate(r):
            v = str(v)
            cells.append(v.rjust(widths[i]) if i in right else v.ljust(widths[i]))
        return '  '.join(cells).rstrip()

    print(line(head), file=out)
    print('  '.join('-' * w for w in widths), file=out)
    for r in rows:
        if r.cells[0] and r is not rows[0]:
            print('', file=out)
        print(line(r.cells), file=out)
    print('', file=out)
    print(legend, file=out)
