# SPDX-License-Identifier: GPL-2.0
"""Static checks: W=1/sparse/kernel-doc lint against the base, exported
functions' kernel-doc, checkpatch, coccinelle, MAINTAINERS.
"""

import os
import re
import shutil
import subprocess

from .arches import ARCHES, make_env
from .build import kmake
from .gitops import export_series, submitter_identity
from .kconfig import configure
from .parser import diag_key, diag_origin, format_diags, norm_path, \
    parse_diags, unique_diags
from .tree import base_tree, owned_files, patched_files, read_series, \
    series_files
from .util import HARNESS, TOP, Failure, echo_cmd, log, phase, read, run, \
    write
from .verdicts import CheckpatchInputs, VerdictCache, cached_detail, \
    checkpatch_context, checkpatch_key


def collect_diags(out, src):
    """Every diagnostic kept by diagwrap.

    Returns [Diag]: Diag.obj is the .o whose compile (or sparse check)
    printed it, which for a header is how to get the same diagnostic
    again.
    """
    diags = []
    ddir = os.path.join(out, 'sva-diag')
    for dirpath, _dirs, names in os.walk(ddir):
        for nm in names:
            if not nm.endswith('.diag'):
                continue
            path = os.path.join(dirpath, nm)
            tool, obj = diag_origin(os.path.relpath(path, ddir))
            diags += parse_diags(read(path), tool, obj,
                                 lambda p: norm_path(p, src, out))
    return diags


def kerneldoc_diags(tree, files, strict):
    """Run scripts/kernel-doc -none on FILES (relative to TREE)."""
    files = [f for f in files if f.endswith(('.c', '.h')) and
             os.path.exists(os.path.join(tree, f))]
    if not files:
        return []
    # 6.1's kernel-doc has no -Wall: -v is what adds the warnings about
    # missing return value descriptions.
    cmd = ['perl', 'scripts/kernel-doc', '-none'] + \
        (['-v'] if strict else []) + files
    res = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    diags = parse_diags(res.stdout + res.stderr, 'kernel-doc')
    # It exits non-zero on its own errors, which parse as no diagnostic
    # (an unknown option once made this check pass without running).
    if res.returncode and not diags:
        raise Failure(f'kernel-doc failed in {tree}: ' +
                      (res.stdout + res.stderr).strip()[:500])
    return diags


def added_exports():
    """(file, symbol) of every EXPORT_SYMBOL* the series adds."""
    added, changed = series_files()
    exp = re.compile(r'^\+?\s*EXPORT_SYMBOL(?:_GPL|_NS|_NS_GPL)?'
                     r'(?:_IF_KUNIT)?\((\w+)')
    found = []
    for f in added:
        if f.endswith('.c'):
            for line in read(os.path.join(TOP, f)).splitlines():
                m = exp.match(line)
                if m:
                    found.append((f, m.group(1)))
    for name, _a in read_series():
        current = None
        for line in read(os.path.join(TOP, 'patches', name)).splitlines():
            m = re.match(r'^\+\+\+ (?:b/)?(\S+)', line)
            if m:
                current = m.group(1)
            # A file a later patch deletes (its code moved on) no longer
            # exports anything.
            elif line.startswith('+') and current in changed and \
                    current.endswith('.c'):
                m = exp.match(line)
                if m:
                    found.append((current, m.group(1)))
    return list(dict.fromkeys(found))


def exports_without_kerneldoc(src):
    """Exported functions the series adds that have no kernel-doc."""
    missing = []
    for f, sym in added_exports():
        text = read(os.path.join(src, f))
        if not re.search(r'/\*\*\s*\n\s*\*\s*' + re.escape(sym) +
                         r'\s*(\(\))?\s+-', text):
            missing.append(f'{f}: {sym}() is exported without kernel-doc')
    return missing


def base_diags(paths, arch, files, objs):
    """Diagnostics of the unpatched base for FILES (built on demand)."""
    base = base_tree(paths)
    out = os.path.join(paths.build, 'base-obj-' + arch)
    configure(paths, arch, base, tree_out=out, verify=False)
    shutil.rmtree(os.path.join(out, 'sva-diag'), ignore_errors=True)
    objs = [o for o in objs if os.path.exists(
        os.path.join(base, o[:-2] + '.c')) or os.path.exists(
        os.path.join(base, o[:-2] + '.S'))]
    for o in objs:
        try:
            os.unlink(os.path.join(out, o))
        except FileNotFoundError:
            pass
    if objs:
        kmake(paths, arch, base, out, ['prepare'], diag=False)
        kmake(paths, arch, base, out, objs)
    diags = collect_diags(out, base)
    diags += kerneldoc_diags(base, files, strict=False)
    return [d for d in diags if d.file in files]


def lint(paths, results, arch, src, out):
    """Warnings in series files and clients, compared with the base."""
    added, changed = series_files()
    clients = ARCHES[arch].client_dirs
    diags = collect_diags(out, src)

    def interesting(path):
        return path in added or path in changed or \
            any(path.startswith(c) for c in clients)
    mine = [d for d in diags if interesting(d.file)]
    mine += kerneldoc_diags(src, added, strict=True)
    mine += kerneldoc_diags(src, changed, strict=False)
    mine = unique_diags(mine)
    new = mine
    if any(d.file not in added for d in mine):
        # The base may warn already for changed files and clients: build
        # the objects that printed them from the unpatched base.
        objs = sorted({d.obj for d in mine if d.file not in added and d.obj})
        files = sorted({d.file for d in mine if d.file not in added})
        done = phase(f'lint {arch}: the unpatched base for {len(files)} '
                     f'files ({len(objs)} objects)')
        old = {}
        for d in unique_diags(base_diags(paths, arch, files, objs)):
            old[diag_key(d)] = old.get(diag_key(d), 0) + 1
        done()
        new = []
        for d in mine:
            k = diag_key(d)
            if d.file not in added and old.get(k, 0) > 0:
                old[k] -= 1
            else:
                new.append(d)
    series_new = [d for d in new if not any(d.file.startswith(c)
                                            for c in clients)]
    client_new = [d for d in new if d not in series_new]
    if series_new:
        log(format_diags(series_new))
    results.add(not series_new, f'{arch}/lint: W=1 C=1 and kernel-doc clean '
                'for the files the series adds or changes',
                f'{len(series_new)} new warnings')
    mods = [m for m in ARCHES[arch].client_modules
            if not os.path.exists(os.path.join(out, m))]
    if client_new:
        log(format_diags(client_new))
    results.add(not client_new and not mods,
                f'{arch}/clients: {", ".join(clients)} build as modules '
                'without new warnings',
                (f'missing modules {mods}; ' if mods else '') +
                f'{len(client_new)} new warnings')


def load_exceptions():
    """harness/checkpatch.exceptions: 'FILE TYPE reason...' lines."""
    path = os.path.join(HARNESS, 'checkpatch.exceptions')
    exc = {}
    if os.path.exists(path):
        for line in read(path).splitlines():
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise Failure(f'{path}: an exception needs FILE TYPE reason: '
                              f'{line}')
            exc.setdefault(parts[0], set()).add(parts[1])
    return exc


def checkpatch(paths, results, src, cache=None):
    """checkpatch --strict on every exported patch and every owned file.

    CACHE (a VerdictCache) serves the runs whose inputs are those of a
    run that reported nothing (see verdicts.py): their result says
    "cached verdict KEY"; a clean run is recorded there, a report never
    is.
    """
    cache = cache or VerdictCache(None)
    exported = export_series(paths, quiet=True)
    exc = load_exceptions()
    # Without a git identity the export has no Signed-off-by (see
    # submitter_identity()); the sign-off is the submitter's to add, so
    # checkpatch does not count its absence here.
    pflags = [] if submitter_identity() else ['--no-signoff']
    if pflags:
        log('checkpatch: no git identity here, so the export is not signed '
            'off; checking the patches with --no-signoff')
    targets = [(os.path.join(exported, p), 'patches/' + p, pflags)
               for p in sorted(os.listdir(exported)) if p.endswith('.patch')]
    for f in owned_files():
        targets.append((os.path.join(src, f), f, ['-f']))
    context = None
    if cache.enabled:
        touched = []
        for name, added in read_series():
            touched += added + patched_files(os.path.join(TOP, 'patches',
                                                          name))
        context = checkpatch_context(paths, src, touched)
    for path, name, flags in targets:
        key = None
        if context is not None:
            with open(path, 'rb') as f:
                content = f.read()
            key = checkpatch_key(CheckpatchInputs(
                target=name, flags=tuple(flags), content=content,
                **context))
            if cache.passed(key):
                results.cached(f'checkpatch: {name}', cached_detail(key))
                continue
        cmd = ['perl', 'scripts/checkpatch.pl', '--strict', '--no-summary',
               '--show-types', '--terse'] + flags + [path]
        res = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
        issues = []
        reports = 0
        for line in res.stdout.splitlines():
            m = re.search(r'(ERROR|WARNING|CHECK):(\w+):', line)
            reports += bool(m)
            if m and m.group(2) not in exc.get(name, set()) and \
                    m.group(2) not in exc.get('*', set()):
                issues.append(line)
        if issues:
            echo_cmd(cmd, src)
            log('\n'.join(issues))
        results.add(not issues, f'checkpatch: {name}',
                    f'{len(issues)} reports')
        # Only a run that went to its end is kept: checkpatch exits 1 for
        # reports (here all excepted), anything else is not a verdict.
        if not issues and not res.stderr.strip() and \
                (res.returncode == 0 or (res.returncode == 1 and reports)):
            cache.record(key, f'checkpatch: {name}')


def coccicheck(paths, results, src):
    """make coccicheck MODE=report on the series' C files vs the base.

    One coccicheck run per tree covers all the files: harness/spatch-files
    hands spatch the list of files (one file group each) where coccicheck
    would give it a directory, so every semantic patch still runs with
    coccicheck's own options, on each file on its own. Coccinelle reads
    sources, not objects, so one run (x86_64 headers) serves both
    architectures. Some semantic patches are OCaml scripts, hence the
    ocaml package.
    """
    added, changed = series_files()
    files = [f for f in added + changed if f.endswith(('.c', '.h'))]
    if not files:
        results.skip('coccinelle', 'the series adds or changes no C file '
                     'yet')
        return

    def report(tree, fs):
        groups = os.path.join(paths.build, 'cocci-groups-' +
                              os.path.basename(tree))
        write(groups, '\n\n'.join(fs) + '\n')
        env = make_env('x86_64')
        env['SVA_COCCI_GROUPS'] = groups
        cmd = ['make', '-C', tree, 'coccicheck', 'MODE=report',
               'M=drivers/iommu', 'J=' + str(os.cpu_count() or 2),
               'SPATCH=' + os.path.join(HARNESS, 'spatch-files')]
        res = run(cmd, capture=True, check=False, env=env)
        if res.returncode != 0 or 'coccicheck failed' in res.stdout:
            raise Failure(f'coccicheck failed in {tree}: ' +
                          res.stdout.strip().splitlines()[-1])
        return [re.sub(r':\d+:\d+-\d+:', ':', ln)
                for ln in res.stdout.splitlines()
                if re.match(r'^\S+:\d+:', ln)]
    base = base_tree(paths)
    new = report(src, files)
    # Only the changed files that have reports need the base's run.
    old_files = [f for f in changed
                 if any(ln.startswith(f + ':') for ln in new)]
    if old_files:
        old = report(base, old_files)
        new = [ln for ln in new if ln not in old]
    if new:
        log('\n'.join(new))
    results.add(not new, 'coccinelle: nothing new reported for the series '
                f'files ({len(files)})', f'{len(new)} reports')


def maintainers_check(results, src):
    """The repo's MAINTAINERS entry is in the tree and covers the overlay."""
    entry = read(os.path.join(TOP, 'MAINTAINERS')).strip('\n')
    tree = read(os.path.join(src, 'MAINTAINERS'))
    results.add(entry + '\n' in tree, 'maintainers: the entry in MAINTAINERS '
                'is the one the series adds to the tree')
    pats = [ln.split(None, 1)[1] for ln in entry.splitlines()
            if ln.startswith('F:\t')]
    uncovered = []
    for f in owned_files():
        if not any(f == p or (p.endswith('/') and f.startswith(p))
                   for p in pats):
            uncovered.append(f)
    results.add(not uncovered, 'maintainers: every file the series adds is '
                'covered by an F: line', ' '.join(uncovered))
