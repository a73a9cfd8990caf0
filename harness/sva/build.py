# SPDX-License-Identifier: GPL-2.0
"""Out-of-tree kernel builds, and bisect over the steps of the series.

Builds go through ccache with W=1 and sparse (C=1); harness/diagwrap keeps
each object's diagnostics in OBJ/sva-diag/ so that lint sees them across
incremental builds; the last build's log is OBJ/sva-build.log.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import time

from .arches import ARCHES, cc_for
from .coverage import profile_args
from .kconfig import configure, objdir
from .tree import base_tree, series_files, src_tree, sync_tree, \
    validate_series
from .util import HARNESS, Failure, echo_cmd, phase, read, write
from .verdicts import VerdictCache, bisect_keys, cached_detail


def lint_dirs(arch):
    """Directories sparse checks: those of series .c files and clients."""
    added, changed = series_files()
    dirs = set(ARCHES[arch].client_dirs)
    for f in added + changed:
        if f.endswith('.c') and not f.startswith('tools/'):
            dirs.add(os.path.dirname(f) + '/')
    return sorted(dirs)


class OutOfTime(Failure):
    """A build stopped because its time ran out (see kmake())."""


def kmake(paths, arch, src, out, targets, extra=None, diag=True,
          timeout=None):
    """Run the kernel's make for ARCH out of tree, diagnostics kept.

    With TIMEOUT (seconds) the whole make, compilers included, is killed
    when it runs longer, and OutOfTime is raised: the objects it finished
    stay, so the next build goes on from there.
    """
    jobs = str(os.cpu_count() or 2)
    cmd = ['make', '-C', src, 'O=' + out, '-j' + jobs,
           'ARCH=' + ARCHES[arch].karch]
    if ARCHES[arch].cross:
        cmd.append('CROSS_COMPILE=' + ARCHES[arch].cross)
    env = {'CCACHE_BASEDIR': paths.build, 'KBUILD_BUILD_TIMESTAMP': '@0',
           'KBUILD_BUILD_USER': 'sva', 'KBUILD_BUILD_HOST': 'series'}
    if diag:
        wrap = os.path.join(HARNESS, 'diagwrap')
        cmd += [f'CC={wrap} cc ccache {cc_for(arch)}',
                f'CHECK={wrap} sparse sparse', 'C=1', 'W=1']
        env.update({'SVA_DIAG_DIR': os.path.join(out, 'sva-diag'),
                    'SVA_SRCTREE': src,
                    'SVA_LINT_DIRS': ' '.join(lint_dirs(arch))})
    else:
        cmd.append(f'CC=ccache {cc_for(arch)}')
    cmd += (extra or []) + targets
    logf = os.path.join(out, 'sva-build.log')
    echo_cmd(cmd)
    full_env = dict(os.environ)
    full_env.update(env)
    with open(logf, 'a') as lf:
        lf.write('+ ' + ' '.join(shlex.quote(c) for c in cmd) + '\n')
        lf.flush()
        proc = subprocess.Popen(cmd, env=full_env, stdout=lf,
                                stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise OutOfTime(f'build {arch} stopped after {timeout:.0f}s')
    if proc.returncode != 0:
        lines = read(logf).splitlines()
        errs = [ln for ln in lines
                if re.search(r'\berror:|\*\*\*|ERROR:|undefined', ln)]
        sys.stdout.write('\n'.join((errs or lines)[-40:]) + '\n')
        raise Failure(f'build {arch} failed (log: {logf})')


def build(paths, arch):
    src = src_tree(paths)
    done = phase(f'build {arch}')
    configure(paths, arch, src)
    out = objdir(paths, arch)
    # A directory that joined the lint set since the last build has up to
    # date objects that sparse never saw: check it once with C=2.
    dirs = lint_dirs(arch)
    seen_path = os.path.join(out, 'sva-lint-dirs')
    seen = read(seen_path).split() if os.path.exists(seen_path) else None
    image = os.path.basename(ARCHES[arch].image)
    if os.path.exists(os.path.join(out, 'sva-build.log')):
        os.unlink(os.path.join(out, 'sva-build.log'))
    # gcov profiles the series' objects (see coverage.py); every make of
    # this tree passes the same flags, or Kbuild would rebuild without.
    added, changed = series_files()
    gcov = profile_args(added + changed)
    kmake(paths, arch, src, out, [image, 'modules'], extra=gcov)
    if seen is not None:
        new = [d for d in dirs if d not in seen]
        if new:
            kmake(paths, arch, src, out, new, extra=gcov + ['C=2'])
    write(seen_path, '\n'.join(dirs) + '\n')
    kmake(paths, arch, src, out, ['headers'], diag=False)
    done()
    return src, out


def bench_objdir(paths, arch):
    return objdir(paths, arch) + '-bench'


def build_bench(paths, arch):
    """The kernel make bench measures: the test kernel without its debug
    instrumentation (harness/configs/bench.config), in an object tree of
    its own. No sparse, W=1 or gcov: build() checks the same code."""
    src = src_tree(paths)
    done = phase(f'build {arch} (bench kernel)')
    out = bench_objdir(paths, arch)
    configure(paths, arch, src, tree_out=out,
              extra=(os.path.join(HARNESS, 'configs', 'bench.config'),))
    if os.path.exists(os.path.join(out, 'sva-build.log')):
        os.unlink(os.path.join(out, 'sva-build.log'))
    kmake(paths, arch, src, out, [os.path.basename(ARCHES[arch].image)],
          diag=False)
    kmake(paths, arch, src, out, ['headers'], diag=False)
    done()
    return src, out


def bisect(paths, results, budget=None, upto=None, cache=None):
    """Every step of the series builds for both architectures.

    Steps are built one after the other in build/bisect, incrementally, with
    the flags of the main build so that ccache serves what did not change.
    UPTO stops early: make check leaves out the last step, which is the
    tree its own build already proved. CACHE (a VerdictCache) serves the
    steps whose inputs are those of a build that passed (see verdicts.py):
    their result says "cached verdict KEY"; a step that passes is
    recorded there, a failure never is. Once the time budget is spent,
    cached steps are still served and the others are skipped.
    """
    cache = cache or VerdictCache(None)
    base = base_tree(paths)
    series, _owned = validate_series(base)
    bdir = os.path.join(paths.build, 'bisect')
    src = os.path.join(bdir, 'src')
    final = src_tree(paths)
    os.makedirs(bdir, exist_ok=True)
    deadline = None if budget is None else time.monotonic() + budget
    last = len(series) if upto is None else upto
    keys = bisect_keys(paths, series[:last], final,
                       {arch: lint_dirs(arch) for arch in ARCHES}) \
        if cache.enabled else {}
    spent = False

    def left():
        return None if deadline is None else deadline - time.monotonic()

    def out_of_time():
        return spent or (left() is not None and left() <= 0)
    for k in range(1, last + 1):
        name = series[k - 1][0]
        applied = False
        for arch in ARCHES:
            what = f'bisect: step {k} ({name}) builds for {arch}'
            key = keys.get((k, arch))
            if cache.passed(key):
                results.cached(what, cached_detail(key))
                continue
            if out_of_time():
                spent = True
                results.skip(what, 'the bisect time budget is spent')
                continue
            if not applied:
                try:
                    sync_tree(paths, src, steps=k)
                except Failure as e:
                    results.add(False, f'bisect: step {k} ({name}) applies',
                                str(e))
                    break
                applied = True
            out = os.path.join(bdir, 'obj-' + arch)
            try:
                configure(paths, arch, src, tree_out=out, verify=False,
                          frag_src=final)
                # A cold step (patch 0005 changes a header nearly every
                # object includes) can take longer than what is left.
                kmake(paths, arch, src, out,
                      [os.path.basename(ARCHES[arch].image), 'modules'],
                      timeout=left())
                ok, why = True, ''
            except OutOfTime:
                spent = True
                results.skip(what, 'the bisect time budget is spent')
                continue
            except Failure as e:
                ok, why = False, str(e)
            results.add(ok, what, why)
            if ok:
                cache.record(key, what)
