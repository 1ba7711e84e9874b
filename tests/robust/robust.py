#!/usr/bin/env python3
"""robust.py: bizc never crashes, whatever it is fed.

For each file given, makes every line truncation (the first k lines,
k = 0..n) and every single-byte deletion (byte i removed, for every i),
drops duplicates (deleting either of two equal neighbouring bytes gives the
same text), and runs `bizc --check` on each variant, N at a time. A variant
passes when bizc exits 0, or exits 1 with at least one ": error: " line on
stderr, and prints no sanitizer report; a signal, exit 2, any other status,
a hang or a sanitizer report fails it. Failing variants are kept in
FAILDIR for reproduction.

Prints one PASS/FAIL line per file with its variant count, and ends with
"N passed, N failed" (files).

usage: robust.py BIZC FAILDIR JOBS FILE...
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 30  # seconds per variant; a hang is a failure
ERROR_LINE = re.compile(rb'^\S+:\d+:\d+: error: |: error: ', re.M)
SANITIZER = re.compile(rb'Sanitizer|runtime error:')


def variants(data):
    """Yields (description, bytes, kind) for every truncation and deletion."""
    lines = data.splitlines(keepends=True)
    for k in range(len(lines) + 1):
        yield 'first %d lines' % k, b''.join(lines[:k]), 'trunc'
    for i in range(len(data)):
        yield 'byte %d (%r) deleted' % (i, data[i:i + 1]), data[:i] + data[i + 1:], 'del'


DRIVER_OK = ('ok', 'errors')


def judge(bizc, path):
    """Runs bizc --check on path; returns None when fine, else a reason."""
    try:
        p = subprocess.run([bizc, '--check', path], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return 'no answer after %d s' % TIMEOUT
    err = p.stderr
    if p.returncode < 0:
        return 'killed by signal %d' % -p.returncode
    if SANITIZER.search(err):
        return 'sanitizer report'
    if p.returncode == 1 and not ERROR_LINE.search(err):
        return 'exit status 1 without an error line'
    if p.returncode not in (0, 1):
        return 'exit status %d' % p.returncode
    return None


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    bizc, faildir, jobs, files = argv[1], argv[2], int(argv[3]), argv[4:]
    passed = failed = total = 0
    tmp = tempfile.mkdtemp(prefix='bizc-robust.')
    start = time.time()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for f in files:
                data = open(f, 'rb').read()
                seen = {}
                for desc, text, kind in variants(data):
                    seen.setdefault(text, (desc, kind))
                paths = []
                for n, (text, (desc, kind)) in enumerate(seen.items()):
                    path = os.path.join(tmp, 'v%d.biz' % n)
                    with open(path, 'wb') as out:
                        out.write(text)
                    paths.append((path, desc, kind))
                reasons = list(pool.map(lambda pdk: judge(bizc, pdk[0]), paths))
                bad = [(pd, r) for pd, r in zip(paths, reasons) if r]
                total += len(paths)
                name = os.path.relpath(f)
                if not bad:
                    passed += 1
                    print('PASS %s (%d variants)' % (name, len(paths)), flush=True)
                else:
                    failed += 1
                    print('FAIL %s (%d of %d variants)' % (name, len(bad), len(paths)), flush=True)
                    os.makedirs(faildir, exist_ok=True)
                    stem = os.path.basename(f)[:-len('.biz')]
                    for k, ((path, desc, _), reason) in enumerate(bad):
                        kept = os.path.join(faildir, '%s.%d.biz' % (stem, k))
                        shutil.copyfile(path, kept)
                        if k < 5:
                            print('    %s: %s (kept as %s)' % (desc, reason, kept))
                    if len(bad) > 5:
                        print('    ... and %d more in %s' % (len(bad) - 5, faildir))
                for path, _, _ in paths:
                    os.unlink(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d variants in %.0f s' % (total, time.time() - start))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
