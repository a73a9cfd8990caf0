# SPDX-License-Identifier: GPL-2.0
"""The base, patches/series, the overlay, and applying the series.

The base is the pristine tree from the base tarball (build/base); the
overlay is the files the series adds, kept at their in-tree paths in this
repository (OWNED_ROOTS); patches/series says which patch adds which of
them; build/src is the base with the whole series applied, kept up to
date in place so that builds out of it stay incremental.
"""

import filecmp
import hashlib
import os
import re
import shutil
import subprocess
import sys

from .parser import deleted_files, diff_files, parse_series, \
    series_problems
from .util import TOP, Failure, echo_cmd, log, phase, read, run, write

OWNED_ROOTS = ('drivers/iommu/', 'include/linux/',
               'tools/testing/selftests/iommu/', 'Documentation/iommu/')


def base_version(tree):
    mk = read(os.path.join(tree, 'Makefile'))
    v = {}
    for key in ('VERSION', 'PATCHLEVEL', 'SUBLEVEL', 'EXTRAVERSION'):
        m = re.search(rf'^{key}[ \t]*=[ \t]*(\S*)', mk, re.M)
        v[key] = m.group(1) if m else ''
    return f"{v['VERSION']}.{v['PATCHLEVEL']}.{v['SUBLEVEL']}" + \
        v['EXTRAVERSION']


def base_tree(paths):
    """Extract the base once; return the path of the pristine tree."""
    tarball = paths.tarball
    dest = os.path.join(paths.build, 'base')
    stamp = os.path.join(paths.build, 'base.stamp')
    if not os.path.exists(tarball):
        raise Failure(f'{tarball} not found: run "make deps" (as root) or '
                      'set LINUX_SOURCE')
    st = os.stat(tarball)
    want = f'{tarball} {st.st_size} {int(st.st_mtime)}\n'
    if os.path.exists(stamp) and read(stamp) == want:
        return dest
    done = phase('base: extract ' + tarball)
    tmp = dest + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    run(['tar', '-xf', tarball, '-C', tmp])
    entries = os.listdir(tmp)
    if len(entries) != 1:
        raise Failure(f'unexpected tarball layout: {entries}')
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(os.path.join(tmp, entries[0]), dest)
    os.rmdir(tmp)
    write(stamp, want)
    done()
    return dest


def fresh_tree(paths, dest):
    """DEST: a new copy of the base (tar is faster than cp here)."""
    base_tree(paths)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    run(['tar', '-xf', paths.tarball, '-C', dest, '--strip-components=1'])


def read_series():
    """Return [(patch file name, [added files])] in series order."""
    return parse_series(read(os.path.join(TOP, 'patches', 'series')))


def owned_files():
    """Files of the overlay: tracked or untracked, not ignored."""
    res = subprocess.run(['git', 'ls-files', '--cached', '--others',
                          '--exclude-standard', '--'] + list(OWNED_ROOTS),
                         cwd=TOP, capture_output=True, text=True)
    if res.returncode == 0:
        files = res.stdout.split()
    else:   # not a git checkout: every file below the roots
        files = []
        for root in OWNED_ROOTS:
            for dirpath, _dirs, names in os.walk(os.path.join(TOP, root)):
                for nm in names:
                    files.append(os.path.relpath(os.path.join(dirpath, nm),
                                                 TOP))
    return sorted(f for f in files if os.path.isfile(os.path.join(TOP, f)))


def patched_files(patch_path):
    """Files a patch changes, from its diff headers."""
    return diff_files(read(patch_path))


def validate_series(base):
    """The series file and the overlay must describe each other exactly."""
    series = read_series()
    owned = owned_files()
    pdir = os.path.join(TOP, 'patches')
    errors = series_problems(
        series, owned, sorted(os.listdir(pdir)),
        lambda name: os.path.exists(os.path.join(pdir, name)),
        lambda f: os.path.lexists(os.path.join(base, f)))
    if errors:
        raise Failure('series: ' + '\n  '.join([''] + errors))
    return series, owned


def series_digest(paths):
    h = hashlib.sha256()
    h.update(base_version(os.path.join(paths.build, 'base')).encode())
    for f in ['patches/series'] + owned_files() + \
            sorted('patches/' + p for p in os.listdir(
                os.path.join(TOP, 'patches')) if p.endswith('.patch')):
        h.update(f.encode() + b'\0')
        with open(os.path.join(TOP, f), 'rb') as fh:
            h.update(fh.read())
        h.update(b'\0')
    return h.hexdigest()


def apply_patch(tree, patch_path, name):
    """Apply one patch with GNU patch; no fuzz, no offset, no failure."""
    if not patched_files(patch_path):
        return   # a patch that only adds overlay files has no diff
    cmd = ['patch', '-p1', '-N', '-F0', '--no-backup-if-mismatch',
           '-d', tree, '-i', patch_path]
    res = run(cmd, capture=True, check=False, quiet=True)
    out = res.stdout
    bad = [ln for ln in out.splitlines()
           if re.search(r'FAILED|offset|fuzz|malformed|Reversed|'
                        r'can\'t find file|Only garbage', ln)]
    if res.returncode != 0 or bad:
        echo_cmd(cmd)
        sys.stdout.write(out)
        where = []
        current = None
        for ln in out.splitlines():
            m = re.match(r'patching file (\S+)', ln)
            if m:
                current = m.group(1)
            elif ln in bad:
                where.append(f'{current}: {ln}' if current else ln)
        raise Failure(f'patch {name} does not apply cleanly:\n  ' +
                      '\n  '.join(where or [out.strip()]))


def copy_overlay(dest, files):
    """Copy overlay FILES from this repository into the tree DEST."""
    for f in files:
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copy2(os.path.join(TOP, f), os.path.join(dest, f))


def apply_series(dest, base, steps=None):
    """Make DEST the base plus the overlay and the first STEPS patches."""
    series, _owned = validate_series(base)
    if steps is None:
        steps = len(series)
    # The overlay first, then the patches in series order; for a partial
    # tree only the files the applied patches add.
    for _name, added in series[:steps]:
        copy_overlay(dest, added)
    for name, _added in series[:steps]:
        apply_patch(dest, os.path.join(TOP, 'patches', name), name)
    return series


def files_equal(a, b):
    return os.path.exists(a) and os.path.exists(b) and \
        filecmp.cmp(a, b, shallow=False)


def src_tree(paths):
    """build/src: the base with the whole series applied."""
    return sync_tree(paths, os.path.join(paths.build, 'src'))


def sync_tree(paths, src, steps=None):
    """SRC: base + the first STEPS of the series, updated in place.

    Files keep their mtimes unless their content changes, so builds out of
    SRC stay incremental.

    The series is applied in a small stage holding only the files it adds
    or changes; build/src is a copy of the base into which the stage is
    synced file by file, and files the previous apply touched but this one
    does not are restored from the base.
    """
    base = base_tree(paths)
    stamp = src + '.stamp'
    digest = series_digest(paths) + f' steps={steps}'
    if os.path.exists(stamp) and read(stamp).split('\n', 1)[0] == digest \
            and os.path.isdir(src):
        return src
    done = phase(f'apply: series onto Linux {base_version(base)}')
    if not os.path.exists(stamp):
        fresh_tree(paths, src)
        previous = []
    else:
        previous = read(stamp).split('\n', 1)[1].split()
    stage = src + '.stage'
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    series = read_series()
    staged = set()
    for name, _added in series:
        for f in patched_files(os.path.join(TOP, 'patches', name)):
            if os.path.exists(os.path.join(base, f)) and \
                    not os.path.exists(os.path.join(stage, f)):
                os.makedirs(os.path.dirname(os.path.join(stage, f)),
                            exist_ok=True)
                shutil.copy2(os.path.join(base, f), os.path.join(stage, f))
                staged.add(f)
    apply_series(stage, base, steps)
    # From here SRC changes: a stop before the new stamp is written makes
    # the next apply start again from a fresh copy.
    if os.path.exists(stamp):
        os.unlink(stamp)
    touched = []
    for dirpath, _dirs, names in os.walk(stage):
        for nm in names:
            touched.append(os.path.relpath(os.path.join(dirpath, nm), stage))
    # Files of the base that the applied patches delete.
    deleted = sorted(staged - set(touched))
    for f in deleted:
        if os.path.exists(os.path.join(src, f)):
            os.unlink(os.path.join(src, f))
    for f in touched:
        dst = os.path.join(src, f)
        if not files_equal(os.path.join(stage, f), dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(stage, f), dst)
            shutil.copymode(os.path.join(stage, f), dst)
    for f in previous:
        if f in touched or f in deleted:
            continue
        dst = os.path.join(src, f)
        if os.path.exists(os.path.join(base, f)):
            if not files_equal(os.path.join(base, f), dst):
                shutil.copy2(os.path.join(base, f), dst)
        elif os.path.exists(dst):
            os.unlink(dst)
    shutil.rmtree(stage)
    # The next apply restores from the base what this one touched or
    # deleted and it does not.
    write(stamp, digest + '\n' + '\n'.join(sorted(touched + deleted)) +
          '\n')
    n = len(series) if steps is None else steps
    log(f'apply: {n} patches applied to Linux {base_version(base)} '
        'without fuzz or offset')
    done()
    return src


def series_files():
    """(added files, files changed by patches) of the whole series."""
    series = read_series()
    added = [f for _n, a in series for f in a]
    changed = []
    gone = set()
    for name, _a in series:
        text = read(os.path.join(TOP, 'patches', name))
        for f in diff_files(text):
            if f not in changed and f not in added:
                changed.append(f)
            gone.discard(f)
        gone.update(deleted_files(text))
    # A file the series deletes is not in the patched tree.
    return added, [f for f in changed if f not in gone]
