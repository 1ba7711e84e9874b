"""The workloads (a) to (f): what each one runs and the rows it adds.

Every request, on both sides, is `GET|POST http://127.0.0.1:PORT/v1/...`
with the headers of a TechMicroServiceOperator call by api_id
(Content-Type and Accept application/json, Authorization: tok,
x-amzn-trace-id, User-Agent bizrt, Accept-Encoding); nginx answers
`{"ok": true}` to all of them.
"""

import collections
import os
import shutil
import time

from . import core, gen, measure
from .core import Series, Side
from .util import BenchError, fmt_seconds, thousands

SIZES = {
    # a: chain; b: independent calls, in flight; c: fan-out width, in flight;
    # e: DAG sizes for the compiler and the executables; f: the crashed chain.
    False: {'a': 1000, 'b': 10000, 'b_k': 256, 'c': 1000, 'c_k': 256,
            'e': (100, 1000, 10000), 'f': 1000},
    True: {'a': 100, 'b': 1000, 'b_k': 256, 'c': 100, 'c_k': 256,
           'e': (10, 100, 1000), 'f': 100},
}

TITLES = {
    'a': 'a chain of sequential calls',
    'b': 'independent calls, max_active_tasks=256',
    'c': 'fan-out/fan-in with templated bodies',
    'd': 'start-up: one call, and one EmptyOperator',
    'e': 'scaling: the compiler and the executables',
    'f': 'crash-resume under load',
}


def trace_header():
    """The x-amzn-trace-id a fresh state folder's first run sends (see bench/c/req.h)."""
    return f'x-amzn-trace-id: Root=1-{int(time.time()):08x}-637773303030303030303031'


def curl_args():
    """curl's options for the request the DAG makes (headers, User-Agent, encodings)."""
    return ['-sS', '--fail', '-A', 'bizrt', '--compressed',
            '-H', 'Content-Type: application/json', '-H', 'Accept: application/json',
            '-H', f'Authorization: {gen.TOKEN}', '-H', trace_header(), '-H', 'Expect:']


class Context:
    def __init__(self, args, tools, nginx, runner, env, top):
        self.args = args
        self.tools = tools
        self.nginx = nginx
        self.runner = runner
        self.env = env
        self.top = top
        self.sizes = SIZES[bool(args.quick)]
        self.runs = args.runs
        self.rows = []
        self.notes = []
        self.data = {}

    def base(self, prefix=''):
        """The base URL the baselines call: what BIZ_API_GATEWAY_URL gives for stage v1."""
        return self.nginx.base(prefix) + '/' + gen.STAGE

    def cand_env(self, prefix=''):
        env = dict(self.env)
        env['BIZ_API_GATEWAY_URL'] = self.nginx.base(prefix) + '/{stage}'
        return env

    def dag(self, made):
        return self.tools.compile_dag(*made)

    def bizc_side(self, exe, expect, prefix=''):
        return Side('bizc', [exe], self.cand_env(prefix), expect=expect, bizc=True)

    def record(self, wid, *series, **extra):
        d = self.data.setdefault(wid, {'title': TITLES[wid], 'series': []})
        d['series'] += [s.asdict() for s in series]
        d.update(extra)

    def note(self, wid, text):
        self.notes.append(f'({wid}) {text}')


def have(prog):
    return shutil.which(prog) is not None


# ----------------------------------------------------------------- (a)

def chain(ctx):
    n = ctx.sizes['a']
    cand = ctx.bizc_side(ctx.dag(gen.chain(n)), n)
    easy = Side('easy loop', [ctx.tools.build_c('easy'), ctx.base(), str(n), gen.TOKEN],
                ctx.env, expect=n)
    b, c = ctx.runner.pair('(a) easy', easy, cand, ctx.runs)
    ctx.record('a', b, c)
    ctx.rows += core.rows(f'(a) chain of {thousands(n)} calls',
                          'libcurl easy, 1 handle', b, c, ['wall', 'cpu', 'rss'])
    missing = [p for p in ('bash', 'curl', 'jq') if not have(p)]
    if missing:
        ctx.note('a', f'bash + curl + jq baseline skipped: {", ".join(missing)} not installed '
                      f'(apt-get install {" ".join(missing)})')
        return
    script = os.path.join(ctx.top, 'bench', 'seq.sh')
    sh = Side('bash+curl+jq', ['bash', script, ctx.base(), str(n), gen.TOKEN], ctx.env, expect=n)
    b, c = ctx.runner.pair('(a) bash+curl+jq', sh, cand, ctx.runs)
    ctx.record('a', b, c)
    ctx.rows += core.rows('', 'bash: curl | jq, in sequence', b, c, ['wall', 'cpu', 'rss'])


# ----------------------------------------------------------------- (b)

def independent(ctx):
    n, k = ctx.sizes['b'], ctx.sizes['b_k']
    cand = ctx.bizc_side(ctx.dag(gen.independent(n, k)), n)
    multi = Side(f'multi {k}', [ctx.tools.build_c('multi'), ctx.base(), str(n), str(k), gen.TOKEN],
                 ctx.env, expect=n)
    b, c = ctx.runner.pair(f'(b) multi {k}', multi, cand, ctx.runs)
    ctx.record('b', b, c)
    label = f'(b) {thousands(n)} independent calls'
    ctx.rows += core.rows(label, f'libcurl multi, {k} in flight', b, c,
                          ['rate', 'wall', 'cpu', 'rss'], calls=n)
    missing = [p for p in ('xargs', 'curl') if not have(p)]
    if missing:
        ctx.note('b', f'xargs + curl baseline skipped: {", ".join(missing)} not installed')
        return
    urls = os.path.join(ctx.runner.work, f'urls_{n}.txt')
    with open(urls, 'w') as f:
        f.writelines(f'{ctx.base()}/item/{i}\n' for i in range(n))
    xargs = Side(f'xargs -P {k}', ['xargs', '-P', str(k), '-n', '1', '-a', urls, 'curl', '-o',
                                   '/dev/null'] + curl_args(), ctx.env, expect=n)
    b, c = ctx.runner.pair(f'(b) xargs -P {k}', xargs, cand, ctx.runs)
    ctx.record('b', b, c)
    ctx.rows += core.rows('', f'xargs -P {k} -n 1 curl', b, c, ['rate', 'cpu', 'rss'], calls=n)


# ----------------------------------------------------------------- (c)

def fan(ctx):
    n, k = ctx.sizes['c'], ctx.sizes['c_k']
    exe = ctx.dag(gen.fan(n, k))
    # One run, not measured, under nginx's logged prefix: the DAG must make
    # n + 1 calls and POST bodies as long as the baseline's.
    off = ctx.nginx.log_offset()
    check = ctx.runner.measure(ctx.bizc_side(exe, None, '/log/fan'), tag='fan_check')
    if not check.ok:
        raise BenchError(f'the fan-out DAG failed (exit {check.rc}); its output ({check.log}):\n'
                         + measure.tail(check.log))
    logged = ctx.nginx.log_since(off)
    posts = [r for r in logged if r[0] == 'POST']
    sizes = sorted({r[2] for r in posts})
    if len(logged) != n + 1 or sizes != [len(gen.FAN_BODY)]:
        ctx.runner.warn(f'(c) the DAG made {len(logged)} calls ({n + 1} expected), bodies of '
                        f'{sizes} bytes; the baseline sends {len(gen.FAN_BODY)} bytes')
    ctx.note('c', f'checked once in nginx\'s log: the DAG makes {thousands(len(logged))} calls, '
                  f'{thousands(len(posts))} POSTs with bodies of {sizes} bytes (the baseline '
                  f'sends {gen.FAN_BODY}, {len(gen.FAN_BODY)} bytes); {thousands(n + 2)} tasks, '
                  f'{thousands(n + 1)} calls: the join is an EmptyOperator')
    cand = ctx.bizc_side(exe, n + 1)
    multi = Side(f'multi {k}', [ctx.tools.build_c('multi'), ctx.base(), str(n), str(k), gen.TOKEN,
                                '/first', gen.FAN_BODY], ctx.env, expect=n + 1)
    b, c = ctx.runner.pair(f'(c) multi {k}', multi, cand, ctx.runs)
    ctx.record('c', b, c, body=gen.FAN_BODY, logged_body_sizes=sizes)
    ctx.rows += core.rows(f'(c) fan-out of {thousands(n)}, templated', f'libcurl multi, {k} in '
                          f'flight, same calls', b, c, ['wall', 'cpu', 'rss'])


# ----------------------------------------------------------------- (d)

def startup(ctx):
    runs = ctx.runs * 4   # milliseconds each: more runs for a steadier median
    one = ctx.bizc_side(ctx.dag(gen.one_call()), 1)
    easy = Side('static one call', [ctx.tools.build_c('easy'), ctx.base(), '1', gen.TOKEN],
                ctx.env, expect=1)
    b, c = ctx.runner.pair('(d) one call', easy, one, runs)
    ctx.record('d', b, c)
    ctx.rows += core.rows('(d) one-call DAG', 'static libcurl, the same call', b, c,
                          ['wall', 'cpu', 'rss'])
    empty = ctx.bizc_side(ctx.dag(gen.empty_only()), 0)
    noop = Side('init+cleanup', [ctx.tools.build_c('noop')], ctx.env, expect=0)
    b, c = ctx.runner.pair('(d) empty', noop, empty, runs)
    ctx.record('d', b, c)
    ctx.rows += core.rows('(d) one EmptyOperator', 'static libcurl init + cleanup', b, c,
                          ['wall', 'cpu', 'rss'])
    ctx.note('d', f'{runs} runs each (4 x --runs): a run takes milliseconds')


# ----------------------------------------------------------------- (e)

def scaling(ctx):
    sizes = ctx.sizes['e']
    small, mid, big = sizes
    srcs = {n: ctx.tools.write_dag(*gen.chain(n)) for n in sizes}
    out = os.path.join(ctx.runner.work, 'e_out')
    os.makedirs(out, exist_ok=True)
    emit = {n: Series(Side(f'emit-c {n}', [ctx.tools.bizc, '--emit-c',
                                            os.path.join(out, f'chain_{n}.c'), srcs[n]], ctx.env))
            for n in sizes}
    build = {n: Series(Side(f'build {n}', [ctx.tools.bizc, srcs[n], '-o',
                                            os.path.join(out, f'chain_{n}')], ctx.env))
             for n in sizes}
    for i in range(ctx.runs):
        for n in sizes:
            ctx.runner.series(emit[n], count_requests=False)
            ctx.runner.series(build[n], count_requests=False)
        ctx.runner.say(f'  (e) compile: run {i + 1}/{ctx.runs}: ' + ', '.join(
            f'{n}: {core._brief(emit[n].samples[-1] if emit[n].samples else None)} / '
            f'{core._brief(build[n].samples[-1] if build[n].samples else None)}' for n in sizes))
    ctx.record('e', *emit.values(), *build.values())
    ratio_label = f'{thousands(big)} vs {thousands(mid)} tasks'
    for what, series in (('bizc --emit-c', emit), ('bizc FILE -o OUT', build)):
        s = series[small]
        ctx.rows.append(core.Row(f'(e) {what}, chain', f'{thousands(small)} tasks', 'wall',
                                 f'{len(s.ok)}', core._value(s, 'wall', None)[0], '', '', ''))
        ctx.rows += [_relabel(r, '', ratio_label) if k == 0 else r for k, r in enumerate(
            core.rows('', '', series[mid], series[big], ['wall', 'cpu', 'rss']))]
    for shape, made in (('chain', gen.chain), ('independent', lambda n: gen.independent(
            n, ctx.sizes['b_k']))):
        sides = {n: ctx.bizc_side(ctx.dag(made(n)), n) for n in (mid, big)}
        for n, side in sides.items():
            side.name = f'bizc {shape} {n}'
        b, c = ctx.runner.pair(f'(e) run {shape}', sides[mid], sides[big], ctx.runs)
        ctx.record('e', b, c)
        ctx.rows += core.rows(f'(e) executable, {shape}', ratio_label, b, c, ['wall', 'cpu', 'rss'])
    ctx.note('e', f'candidate = {thousands(big)} tasks, baseline = {thousands(mid)} tasks: a ratio '
                  f'of {big // mid} is linear; the compiled DAGs are chains (n calls, n-1 edges); '
                  f'"independent" runs with max_active_tasks={ctx.sizes["b_k"]}')


def _relabel(row, workload, baseline):
    row.cells[0], row.cells[1] = workload, baseline
    return row


# ----------------------------------------------------------------- (f)

def crash(ctx):
    n = ctx.sizes['f']
    exe = ctx.dag(gen.chain(n))
    prefix = '/log/crash'   # nginx logs the calls under /log/ only
    whole = ctx.bizc_side(exe, n, prefix)
    whole.name = 'uninterrupted'
    crashed = ctx.bizc_side(exe, None, prefix)
    crashed.name = 'killed+resumed'
    rng = ctx.args.rng
    b, c = Series(whole), Series(crashed)
    per_run = []
    for i in range(ctx.runs):
        off = ctx.nginx.log_offset()
        sb = ctx.runner.series(b)
        clean_repeats = _repeats(ctx.nginx.log_since(off)) if sb else None
        # The instant: uniform over the length of an uninterrupted run.
        ref = sb.wall if sb and sb.ok else (b.med('wall') or 1.0)
        at = rng.uniform(0, ref)
        state = ctx.runner.fresh_state()
        off = ctx.nginx.log_offset()
        parts = [ctx.runner.measure(crashed, state_dir=state, kill_after=at, tag='crash_killed')]
        killed_calls = ctx.nginx.log_since(off)
        how = []
        if parts[0].rc == 0:
            how.append('finished before the kill')
        while parts[-1].rc != 0 and len(parts) <= 5:
            s = ctx.runner.measure(crashed, state_dir=state, extra=['--resume', 'last'],
                                   tag='crash_resume')
            if s.rc == 2 and "no run 'last'" in measure.tail(s.log):
                # Killed before its run record existed: nothing to resume,
                # so the user runs it again.
                parts.append(s)
                s = ctx.runner.measure(crashed, state_dir=state, tag='crash_rerun')
                how.append('no record yet: run again')
            else:
                how.append('resume')
            parts.append(s)
        shutil.rmtree(state, ignore_errors=True)
        calls = ctx.nginx.log_since(off)
        total = measure.Sample(
            wall=sum(p.wall for p in parts), user=sum(p.user for p in parts),
            sys=sum(p.sys for p in parts), maxrss_kib=max(p.maxrss_kib for p in parts),
            rc=parts[-1].rc, killed_at=at, requests=len(calls), log=parts[-1].log)
        total.extra = {'parts': [p.asdict() for p in parts], 'steps': how}
        c.samples.append(total)
        paths = collections.Counter(r[1] for r in calls)
        repeated = sorted(p for p, k in paths.items() if k > 1)
        # In a chain at most one call is in flight at the kill: the last one
        # nginx logged for the killed process, or (when nginx logged it a
        # moment later) the first one after; only that one may repeat, once.
        allowed = {r[1] for r in killed_calls[-1:] + calls[len(killed_calls):][:1]}
        unexpected = [p for p in repeated if p not in allowed or paths[p] > 2]
        if len(repeated) > 1:
            unexpected = repeated
        missing = n - len(paths)
        per_run.append({'kill_at': at, 'steps': how, 'calls': len(calls), 'repeated': repeated,
                        'unexpected_repeats': unexpected, 'missing': missing,
                        'uninterrupted_repeats': clean_repeats})
        ctx.runner.say(f'  (f) run {i + 1}/{ctx.runs}: uninterrupted {core._brief(sb)}, killed at '
                       f'{fmt_seconds(at)} then {" + ".join(how) or "-"}: {fmt_seconds(total.wall)}'
                       f', {len(repeated)} repeated path(s)')
        if total.rc != 0:
            c.stopped = f'did not succeed after {len(parts) - 1} resumes (exit {total.rc})'
            ctx.runner.warn(f'(f) {c.stopped}; output ({total.log}):\n'
                            + measure.tail(total.log))
            break
    ctx.record('f', b, c, seed=ctx.args.seed, runs=per_run)
    ctx.rows += core.rows(f'(f) chain of {thousands(n)}, SIGKILL', 'the same run, uninterrupted',
                          b, c, ['wall', 'cpu', 'rss'])
    rep = [len(r['repeated']) for r in per_run]
    unexp = sum(len(r['unexpected_repeats']) for r in per_run)
    miss = sum(max(0, r['missing']) for r in per_run)
    clean = [r['uninterrupted_repeats'] for r in per_run if r['uninterrupted_repeats'] is not None]
    ctx.rows.append(core.Row('', '', 'repeated paths', f'{len(per_run)}+{len(clean)}',
                             f'{sum(rep)} ({",".join(map(str, rep))})', f'{sum(clean)}', '-',
                             'lower'))
    ctx.note('f', f'seed {ctx.args.seed}; killed at ' + ', '.join(
        fmt_seconds(r['kill_at']) for r in per_run) + '; then: ' + '; '.join(
        ' + '.join(r['steps']) or '-' for r in per_run))
    ctx.note('f', f'repeated paths = calls nginx logged more than once in one killed+resumed run; '
                  f'{unexp} of them were not the call in flight at the kill, {miss} call(s) '
                  f'never made')


def _repeats(calls):
    return sum(1 for k in collections.Counter(r[1] for r in calls).values() if k > 1)


WORKLOADS = {'a': chain, 'b': independent, 'c': fan, 'd': startup, 'e': scaling, 'f': crash}
