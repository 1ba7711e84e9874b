"""Small shared pieces: the error users see, number formatting, medians."""

import statistics


class BenchError(Exception):
    """A problem said to the user in one message, without a traceback."""


class Interrupted(Exception):
    """SIGINT / SIGTERM / SIGHUP: stop measuring, clean up, exit."""


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_seconds(s):
    if s is None:
        return '-'
    if s < 0.001:
        return f'{s * 1e6:.0f} us'
    if s < 1:
        return f'{s * 1e3:.3g} ms'
    return f'{s:.3g} s' if s < 100 else f'{s:.0f} s'


def fmt_kib(k):
    if k is None:
        return '-'
    return f'{k / 1024:.1f} MiB'


def fmt_rate(r):
    return '-' if r is None else f'{r:,.0f}/s'


def fmt_ratio(r):
    if r is None:
        return '-'
    if r >= 100:
        return f'{r:,.0f}'
    if r >= 10:
        return f'{r:.3g}'
    return f'{r:.2f}' if r >= 0.1 else f'{r:.2g}'


def thousands(n):
    return f'{n:,}'
