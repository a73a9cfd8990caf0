# SPDX-License-Identifier: GPL-2.0
"""The verdict cache: a bisect step or a checkpatch run whose inputs are
byte for byte those of a run that passed is not run again.

Like ccache it lives outside the clone (SVA_VERDICT_CACHE, by default
~/.cache/sva-series/verdicts/), so a fresh clone of the same series is
served by it. One small file per verdict, named by the sha256 of the
verdict's inputs (its key) and written atomically; only passes are kept,
so a failure always runs again. bisect_key() and checkpatch_key() are
the pure key derivations (tested by verdicts_test.py); bisect_keys() and
checkpatch_context() read their inputs from the machine.
"""

import glob
import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

from .arches import ARCHES, cc_for
from .util import HARNESS, TOP, Failure, log

# The harness files that decide how a bisect step is built: applying the
# series (tree, parser), the configs (kconfig), the make command and the
# verdict (build, arches, diagwrap).
BISECT_HARNESS = ('harness/diagwrap', 'harness/sva/arches.py',
                  'harness/sva/build.py', 'harness/sva/kconfig.py',
                  'harness/sva/parser.py', 'harness/sva/tree.py')

# The environment the kernel's make reads that changes what it compiles.
BISECT_ENV = ('KCFLAGS', 'KCPPFLAGS', 'KAFLAGS', 'LLVM')

# What checkpatch.pl reads from the tree it runs in besides itself (the
# include/ files the series touches are added: checkpatch seeds its
# CamelCase list from every header of include/), and its configuration
# files (./.checkpatch.conf, ~/.checkpatch.conf, .scripts/).
CHECKPATCH_TREE = ('MAINTAINERS', 'scripts/const_structs.checkpatch',
                   'scripts/get_maintainer.pl', 'scripts/spelling.txt',
                   '.checkpatch.conf', '.scripts/.checkpatch.conf')


def _encode(value, h):
    """Feed VALUE to the hash H unambiguously: a type byte, a length, the
    data; tuples and lists element by element."""
    if value is None:
        h.update(b'N')
    elif isinstance(value, str):
        _encode_bytes(b'S', value.encode('utf-8'), h)
    elif isinstance(value, bytes):
        _encode_bytes(b'B', value, h)
    elif isinstance(value, (tuple, list)):
        h.update(b'L' + len(value).to_bytes(8, 'big'))
        for v in value:
            _encode(v, h)
    else:
        raise TypeError(f'cannot key a {type(value).__name__}')


def _encode_bytes(kind, data, h):
    h.update(kind + len(data).to_bytes(8, 'big'))
    h.update(data)


def digest(fields):
    """The sha256 (hex) of FIELDS, a nest of tuples of str, bytes, None."""
    h = hashlib.sha256()
    _encode(tuple(fields), h)
    return h.hexdigest()


@dataclass(frozen=True, kw_only=True)
class StepInputs:
    """Everything a bisect step's build reads, for one architecture.

    arch:         the harness's architecture name
    steps:        patches 1..k in series order: (patch name, patch content,
                  ((overlay file, content), ...) of the files it adds)
    configs:      ((path, content or None when absent), ...) of every
                  config fragment the bisect build merges: Kconfig.fragment,
                  harness/configs/*.config, the final tree's
                  tools/testing/selftests/iommu/config
    base:         the base tarball: "path size mtime"
    tools:        ((command, first line of its --version), ...): the
                  compiler and linker for the arch, the host compiler,
                  sparse, make
    harness:      ((path, content), ...) of BISECT_HARNESS
    sparse_dirs:  the directories sparse checks (SVA_LINT_DIRS)
    env:          ((name, value or None), ...) of BISECT_ENV
    """
    arch: str
    steps: tuple
    configs: tuple
    base: str
    tools: tuple
    harness: tuple
    sparse_dirs: tuple
    env: tuple


def bisect_key(inputs):
    """The verdict key of a bisect step: sha256 of its StepInputs."""
    return digest((
        'bisect-v1',
        ('arch', inputs.arch),
        ('steps', inputs.steps),
        ('configs', inputs.configs),
        ('base', inputs.base),
        ('tools', inputs.tools),
        ('harness', inputs.harness),
        ('sparse_dirs', inputs.sparse_dirs),
        ('env', inputs.env)))


@dataclass(frozen=True, kw_only=True)
class CheckpatchInputs:
    """Everything one checkpatch run reads.

    target:      the name of the checked file (patches/NAME for an
                 exported patch, the in-tree path of an overlay file):
                 exceptions are by name
    flags:       checkpatch's flags besides the fixed ones
    content:     the checked file
    checkpatch:  scripts/checkpatch.pl of the tree it runs in
    exceptions:  harness/checkpatch.exceptions (None when absent)
    lint:        harness/sva/lint.py, which reads the report
    tree:        ((path, content or None), ...): CHECKPATCH_TREE and the
                 include/ files the series touches, from the same tree
    base:        the base tarball: "path size mtime" (the rest of the tree)
    """
    target: str
    flags: tuple
    content: bytes
    checkpatch: bytes
    exceptions: bytes | None
    lint: bytes
    tree: tuple
    base: str


def checkpatch_key(inputs):
    """The verdict key of one checkpatch run: sha256 of its inputs."""
    return digest((
        'checkpatch-v1',
        ('target', inputs.target),
        ('flags', inputs.flags),
        ('content', inputs.content),
        ('checkpatch', inputs.checkpatch),
        ('exceptions', inputs.exceptions),
        ('lint', inputs.lint),
        ('tree', inputs.tree),
        ('base', inputs.base)))


def cached_detail(key):
    """What the result line of a verdict served from the cache says."""
    return f'cached verdict {key[:12]}'


class VerdictCache:
    """Pass verdicts by key in ROOT; ROOT None is the cache turned off
    (SVA_VERDICT_CACHE=off): nothing is read or written."""

    def __init__(self, root):
        self.root = root

    @property
    def enabled(self):
        return self.root is not None

    def _path(self, key):
        if not re.fullmatch(r'[0-9a-f]{64}', key or ''):
            raise ValueError(f'not a verdict key: {key!r}')
        return os.path.join(self.root, key)

    def passed(self, key):
        """True when a run with inputs KEY passed before."""
        if not self.enabled or key is None:
            return False
        path = self._path(key)
        try:
            with open(path, encoding='utf-8') as f:
                first = f.readline()
        except (OSError, UnicodeDecodeError):
            return False
        if first != f'PASS {key}\n':
            return False
        try:
            os.utime(path)   # its age is the time of its last use
        except OSError:
            pass
        return True

    def record(self, key, what):
        """Keep the pass of WHAT, a run with inputs KEY (tmp + rename).

        A cache that cannot be written costs the next run time, not this
        one its verdict: it is reported and ignored.
        """
        if not self.enabled or key is None:
            return
        path = self._path(key)
        tmp = None
        try:
            os.makedirs(self.root, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix='.tmp-')
            with os.fdopen(fd, 'w', encoding='utf-8') as f:
                f.write(f'PASS {key}\n{what}\n')
            os.replace(tmp, path)
        except OSError as e:
            log(f'verdict cache: cannot write {path}: {e}')
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass


def cache_root(env):
    """The cache directory ENV (the environment) asks for, None for off.

    SVA_VERDICT_CACHE is "off" or an absolute path (the cache lives
    outside the clone); unset or empty, ~/.cache/sva-series/verdicts.
    """
    value = env.get('SVA_VERDICT_CACHE', '')
    if value == 'off':
        return None
    if not value:
        return os.path.join(env.get('HOME') or os.path.expanduser('~'),
                            '.cache', 'sva-series', 'verdicts')
    if not os.path.isabs(value):
        raise Failure(f'SVA_VERDICT_CACHE={value}: "off" or an absolute '
                      'path')
    return os.path.normpath(value)


# Reading the inputs from the machine.

def _content(path):
    """The bytes of PATH, None when it does not exist."""
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None


def tarball_identity(tarball):
    """The base tarball as the harness tells it changed (base.stamp)."""
    st = os.stat(tarball)
    return f'{tarball} {st.st_size} {int(st.st_mtime)}'


def tool_version(cmd):
    """The first line of CMD --version (what is missing says so)."""
    try:
        res = subprocess.run([cmd, '--version'], capture_output=True,
                             text=True, errors='replace')
    except OSError as e:
        return f'{cmd}: {e.strerror}'
    out = (res.stdout or res.stderr).strip()
    return out.splitlines()[0] if out else f'{cmd}: exit {res.returncode}'


def bisect_keys(paths, series, final, sparse_dirs, environ=None):
    """{(k, arch): key} of every step of SERIES for every arch.

    SERIES is [(patch, [added files])] up to the last step wanted; FINAL
    the tree of the whole series (bisect takes its selftests config);
    SPARSE_DIRS {arch: [dir]} what sparse checks.
    """
    environ = os.environ if environ is None else environ
    steps = []
    for name, added in series:
        steps.append((name, _content(os.path.join(TOP, 'patches', name)),
                      tuple((f, _content(os.path.join(TOP, f)))
                            for f in added)))
    frags = ['Kconfig.fragment'] + sorted(
        os.path.relpath(f, TOP)
        for f in glob.glob(os.path.join(HARNESS, 'configs', '*.config')))
    configs = tuple((f, _content(os.path.join(TOP, f))) for f in frags) + \
        (('final:tools/testing/selftests/iommu/config', _content(
            os.path.join(final, 'tools/testing/selftests/iommu/config'))),)
    base = tarball_identity(paths.tarball)
    harness = tuple((f, _content(os.path.join(TOP, f)))
                    for f in BISECT_HARNESS)
    env = tuple((n, environ.get(n)) for n in BISECT_ENV)
    keys = {}
    for arch in ARCHES:
        tools = tuple((c, tool_version(c)) for c in (
            cc_for(arch), ARCHES[arch].cross + 'ld', 'gcc', 'sparse',
            'make'))
        for k in range(1, len(series) + 1):
            keys[k, arch] = bisect_key(StepInputs(
                arch=arch, steps=tuple(steps[:k]), configs=configs,
                base=base, tools=tools, harness=harness,
                sparse_dirs=tuple(sparse_dirs[arch]), env=env))
    return keys


def checkpatch_context(paths, src, touched):
    """The inputs every checkpatch run in SRC shares (CheckpatchInputs
    but target, flags and content); TOUCHED: the files the series adds
    or changes."""
    tree = [(f, _content(os.path.join(src, f))) for f in CHECKPATCH_TREE]
    tree.append(('~/.checkpatch.conf',
                 _content(os.path.expanduser('~/.checkpatch.conf'))))
    tree += [(f, _content(os.path.join(src, f)))
             for f in sorted(set(touched)) if f.startswith('include/')]
    return dict(
        checkpatch=_content(os.path.join(src, 'scripts/checkpatch.pl')),
        exceptions=_content(os.path.join(HARNESS, 'checkpatch.exceptions')),
        lint=_content(os.path.join(HARNESS, 'sva', 'lint.py')),
        tree=tuple(tree),
        base=tarball_identity(paths.tarball))
