"""bizc, the C compiler and the static libcurl: finding them, building with them.

The baselines are built as bench/size.sh builds its own: with the C
compiler and the static libraries of bizc's build directory (the
BIZC_STATIC_LIBS / BIZC_STATIC_CFLAGS / CC lines of its Makefile), so the
DAG executables and the baselines link the same libcurl.a, with
`-std=c11 -O2 -s ... -static`, the flags bizc itself passes. Without a
Makefile beside bizc (an installed bizc), the project's _deps/prefix is
used.
"""

import hashlib
import os
import shlex
import shutil
import struct
import subprocess

from .util import BenchError


def _makefile_vars(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                for name in ('CC', 'BIZC_STATIC_LIBS', 'BIZC_STATIC_CFLAGS'):
                    if line.startswith(name + ' = '):
                        out[name] = line[len(name) + 3:].strip()
    except OSError:
        pass
    return out


def is_static(path):
    """True when the ELF file has no program interpreter (no dynamic loader)."""
    try:
        with open(path, 'rb') as f:
            ident = f.read(64)
            if ident[:4] != b'\x7fELF' or ident[4] != 2:
                return None
            e_phoff, = struct.unpack_from('<Q', ident, 32)
            e_phentsize, e_phnum = struct.unpack_from('<HH', ident, 54)
            for i in range(e_phnum):
                f.seek(e_phoff + i * e_phentsize)
                p_type, = struct.unpack('<I', f.read(4))
                if p_type == 3:   # PT_INTERP
                    return False
            return True
    except (OSError, struct.error):
        return None


class Tools:
    def __init__(self, top, bizc, work):
        self.top = top
        self.work = work
        self.bin = os.path.join(work, 'bin')
        self.dags = os.path.join(work, 'dags')
        self.logs = os.path.join(work, 'logs')
        for d in (self.bin, self.dags, self.logs):
            os.makedirs(d, exist_ok=True)
        self.bizc = os.path.abspath(bizc)
        if not (os.path.isfile(self.bizc) and os.access(self.bizc, os.X_OK)):
            raise BenchError(
                f'bizc not found at {self.bizc}: build it with scripts/quickstart.sh '
                f'(or scripts/build.sh _build), or give another with --bizc PATH')
        try:
            p = subprocess.run([self.bizc, '--version'], capture_output=True, text=True, timeout=60)
        except OSError as e:
            raise BenchError(f'{self.bizc} does not run: {e}')
        if p.returncode != 0:
            raise BenchError(f'{self.bizc} --version failed:\n{p.stderr.strip()}')
        self.version = p.stdout.strip()
        builddir = os.path.dirname(os.path.realpath(self.bizc))
        mk = _makefile_vars(os.path.join(builddir, 'Makefile'))
        prefix = os.path.join(top, '_deps', 'prefix')
        if mk.get('BIZC_STATIC_LIBS'):
            self.libs = shlex.split(mk['BIZC_STATIC_LIBS'])
            self.cflags = shlex.split(mk.get('BIZC_STATIC_CFLAGS', ''))
            self.libs_from = os.path.join(builddir, 'Makefile')
        else:
            self.libs = [os.path.join(prefix, 'lib', 'libcurl.a'), '-lssl', '-lcrypto', '-lz',
                         '-lpthread']
            self.cflags = ['-I' + os.path.join(prefix, 'include')]
            self.libs_from = prefix
        cc = mk.get('CC')
        if not cc:
            for line in self.version.splitlines():
                if line.startswith('C compiler '):
                    cc = line[len('C compiler '):].strip()
        self.cc = shlex.split(os.environ.get('CC') or cc or 'cc')
        curl_a = [x for x in self.libs if x.endswith('libcurl.a')]
        if not curl_a or not os.path.isfile(curl_a[0]):
            where = curl_a[0] if curl_a else os.path.join(prefix, 'lib', 'libcurl.a')
            raise BenchError(
                f'the static libcurl is missing ({where}): build it with '
                f'scripts/build-static-deps.sh (scripts/quickstart.sh does it)')
        self.libcurl_a = curl_a[0]
        if not shutil.which(self.cc[0]):
            raise BenchError(f'the C compiler {self.cc[0]!r} is not installed '
                             f'(scripts/install-deps.sh installs build-essential)')
        p = subprocess.run(self.cc + ['--version'], capture_output=True, text=True)
        self.cc_version = (p.stdout.splitlines() or ['?'])[0]
        self._built = {}

    def build_c(self, name, curl=True):
        """bench/c/NAME.c built statically (against the same libcurl.a); its path."""
        if name in self._built:
            return self._built[name]
        src_dir = os.path.join(self.top, 'bench', 'c')
        out = os.path.join(self.bin, 'base_' + name)
        log = os.path.join(self.logs, f'cc_{name}.log')
        cmd = (self.cc + ['-std=c11', '-O2', '-s', '-Wall', '-Wextra'] + self.cflags
               + ['-I' + src_dir, os.path.join(src_dir, name + '.c'), '-o', out, '-static']
               + (self.libs if curl else []))
        with open(log, 'w') as f:
            f.write(' '.join(shlex.quote(c) for c in cmd) + '\n')
            f.flush()
            p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            with open(log) as f:
                text = f.read().strip()
            raise BenchError(f'the baseline bench/c/{name}.c does not build:\n{text[-3000:]}')
        self._built[name] = out
        return out

    def write_dag(self, dag_id, text):
        path = os.path.join(self.dags, dag_id + '.biz')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def compile_dag(self, dag_id, text):
        """The .biz text compiled with bizc; the executable's path (built once per text)."""
        key = hashlib.sha256(text.encode()).hexdigest()[:12]
        if key in self._built:
            return self._built[key]
        src = self.write_dag(dag_id, text)
        out = os.path.join(self.bin, dag_id)
        log = os.path.join(self.logs, f'bizc_{dag_id}.log')
        with open(log, 'w') as f:
            p = subprocess.run([self.bizc, src, '-o', out], stdout=f, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            with open(log) as f:
                text = f.read().strip().splitlines()
            raise BenchError(f'bizc could not compile {src} (exit {p.returncode}):\n'
                             + '\n'.join(text[-15:]))
        self._built[key] = out
        return out
