# SPDX-License-Identifier: GPL-2.0
"""The series as git: the git tree of the base with one commit per patch
(build/tree), its export as git format-patch output (build/series/), and
the way back from that tree to patches/ and the overlay.
"""

import os
import re
import shutil
import subprocess

from .parser import patch_message
from .tree import OWNED_ROOTS, apply_patch, base_tree, base_version, \
    copy_overlay, fresh_tree, owned_files, series_digest, validate_series
from .util import TOP, Failure, log, phase, read, run, write

# The identity of the commits the harness makes for itself (the base commit
# of every git tree, and the series' commits where the user has none). It
# names the tool, not a person, and makes no commit depend on the user's
# git configuration, which a fresh machine does not have.
HARNESS_IDENTITY = {'GIT_AUTHOR_NAME': 'sva-series harness',
                    'GIT_AUTHOR_EMAIL': 'harness@localhost',
                    'GIT_COMMITTER_NAME': 'sva-series harness',
                    'GIT_COMMITTER_EMAIL': 'harness@localhost'}


def submitter_identity():
    """The submitter's git identity as commit environment, or None.

    The export signs every commit off with it; without one the series'
    commits are the harness's and carry no Signed-off-by.
    """
    def cfg(key):
        return subprocess.run(['git', 'config', key], cwd=TOP,
                              capture_output=True, text=True).stdout.strip()
    name, email = cfg('user.name'), cfg('user.email')
    if not (name and email):
        return None
    return {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email,
            'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email}


def make_git_tree(paths, dest, base, reuse=False):
    """DEST: a git tree of BASE with one commit per series step.

    With REUSE an existing tree is reset to its base commit instead of
    being made again, which only rewrites the files the series touched.
    """
    series, _owned = validate_series(base)
    ident = submitter_identity()
    env = dict(ident or HARNESS_IDENTITY)
    base_env = dict(HARNESS_IDENTITY)
    # Commit dates are those of this repository's HEAD, so the export is
    # reproducible for a given state of the series.
    when = subprocess.run(['git', 'log', '-1', '--format=%ct'], cwd=TOP,
                          capture_output=True, text=True).stdout.strip()
    when = f'@{when or 0} +0000'
    env.update({'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when})
    base_env.update({'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when})
    if reuse and os.path.exists(os.path.join(dest, '.git')):
        run(['git', 'checkout', '-q', '-f', '-B', 'series', 'base'],
            cwd=dest, quiet=True)
        run(['git', 'clean', '-q', '-f', '-d', '-x'], cwd=dest, quiet=True)
    else:
        fresh_tree(paths, dest)
        run(['git', 'init', '-q', '-b', 'series'], cwd=dest)
        run(['git', 'add', '-A', '-f'], cwd=dest, quiet=True)
        run(['git', 'commit', '-q', '-m',
             f'Linux {base_version(base)} (linux-source-6.1)'], cwd=dest,
            env=base_env)
        run(['git', 'tag', 'base'], cwd=dest)
        # Debian's .gitignore ends with "/*", which hides every new file
        # of the tree from git. Drop that block in the work tree only and
        # keep git from seeing the edit, so "git status" shows new files.
        gi = os.path.join(dest, '.gitignore')
        text = read(gi)
        cut = text.find('# Debian packaging')
        if cut >= 0:
            write(gi, text[:text.rfind('\n#\n', 0, cut) + 1])
            run(['git', 'update-index', '--assume-unchanged', '.gitignore'],
                cwd=dest, quiet=True)
    for name, added in series:
        copy_overlay(dest, added)
        apply_patch(dest, os.path.join(TOP, 'patches', name), name)
        msgf = os.path.join(paths.build, 'commit-msg')
        ppath = os.path.join(TOP, 'patches', name)
        write(msgf, patch_message(read(ppath), ppath))
        run(['git', 'add', '-A', '-f'], cwd=dest, quiet=True)
        run(['git', 'commit', '-q', '--allow-empty', '-F', msgf] +
            (['-s'] if ident else []), cwd=dest, env=env)
    return series


def export_series(paths, quiet=False):
    """build/series/: the series as git format-patch output."""
    base = base_tree(paths)
    ident = submitter_identity()
    # The identity is part of what the export is made from.
    digest = series_digest(paths) + ' ident=' + \
        (ident['GIT_AUTHOR_EMAIL'] if ident else '-')
    gtree = os.path.join(paths.build, 'export-tree')
    out = os.path.join(paths.build, 'series')
    stamp = os.path.join(paths.build, 'series.stamp')
    if os.path.exists(stamp) and read(stamp) == digest:
        return out
    done = phase('export: git format-patch of the series')
    make_git_tree(paths, gtree, base, reuse=True)
    shutil.rmtree(out, ignore_errors=True)
    run(['git', 'format-patch', '-q', '--no-signature', '-o', out,
         'base..series'], cwd=gtree)
    write(stamp, digest)
    if not quiet:
        for p in sorted(os.listdir(out)):
            log('  ' + os.path.join(out, p))
    done()
    return out


def export(paths):
    """make series: export_series() for a submitter with a git identity."""
    if not submitter_identity():
        raise Failure('the export signs every patch off with your git '
                      'identity: set git config user.name and user.email')
    out = export_series(paths)
    log(f'series exported to {out}')


def tree(paths, force=False):
    """build/tree: a git tree to edit; 'patches' writes it back.

    FORCE (FORCE=1) makes it again over an existing one.
    """
    base = base_tree(paths)
    dest = os.path.join(paths.build, 'tree')
    if os.path.exists(os.path.join(dest, '.git')) and not force:
        raise Failure(f'{dest} exists: run "make patches" to keep its '
                      'commits, or FORCE=1 to start it again')
    make_git_tree(paths, dest, base)
    log(f'git tree of the series: {dest} (branch series, base tag base)')


def git(tree, *args):
    """Output of a git command in TREE (stderr kept apart)."""
    res = subprocess.run(['git'] + list(args), cwd=tree, capture_output=True,
                         text=True)
    if res.returncode != 0:
        raise Failure(f'git {" ".join(args)}: {res.stderr.strip()}')
    return res.stdout


# Object names on a patch's index lines: git abbreviates them to a length
# that grows with the repository's object count (core.abbrev=auto), so a
# tree made again, or one with more commits, would rewrite every patch and
# with it every bisect verdict key. A fixed minimum keeps them stable.
PATCH_ABBREV = 9


def patch_diff(tree, rev, exclude=()):
    """The stat and diff of commit REV of TREE, as patches/ stores them.

    Paths in EXCLUDE (overlay files the commit adds) are left out.
    """
    excl = [f':(exclude){p}' for p in exclude]
    return git(tree, 'diff', f'--abbrev={PATCH_ABBREV}', '--stat=72', '-p',
               f'{rev}^', rev, '--', '.', *excl)


def patches(paths):
    """Regenerate patches/, patches/series and the overlay from build/tree.

    Files a commit adds below the overlay roots go to the overlay and are
    named in the series line; everything else is the patch's diff.  An
    overlay file may only be added, not changed by a later commit: the
    overlay holds one version of it.
    """
    tree = os.path.join(paths.build, 'tree')
    if not os.path.exists(os.path.join(tree, '.git')):
        raise Failure(f'no git tree at {tree}: run "make tree" first')
    if git(tree, 'status', '--porcelain') or \
            any(os.path.exists(os.path.join(tree, '.git', d))
                for d in ('rebase-merge', 'rebase-apply')):
        raise Failure(f'{tree}: commit your changes and finish any rebase '
                      'first; patches/ is written from the commits only')
    revs = git(tree, 'rev-list', '--reverse', 'base..HEAD').split()
    lines = []
    seen = {}
    pdir = os.path.join(TOP, 'patches')
    new_patches = {}
    new_owned = {}
    for i, rev in enumerate(revs, 1):
        st = git(tree, 'diff-tree', '--no-commit-id', '-r', '--name-status',
                 rev)
        owned_here = []
        for line in st.splitlines():
            status, path = line.split('\t', 1)[0], line.split('\t')[-1]
            if path.startswith(OWNED_ROOTS) and path in seen:
                raise Failure(f'commit {rev[:12]} changes {path}, which '
                              f'{seen[path]} adds: squash the change into '
                              'that commit')
            if status == 'A' and path.startswith(OWNED_ROOTS):
                owned_here.append(path)
        subject = git(tree, 'log', '-1', '--format=%s', rev).strip()
        slug = re.sub(r'[^A-Za-z0-9]+', '-', subject).strip('-')[:52]
        name = f'{i:04d}-{slug}.patch'
        for p in owned_here:
            seen[p] = name
            new_owned[p] = git(tree, 'show', f'{rev}:{p}')
        body = git(tree, 'log', '-1', '--format=%b', rev)
        body = '\n'.join(ln for ln in body.strip('\n').splitlines()
                         if not ln.startswith('Signed-off-by:'))
        diff = patch_diff(tree, rev, owned_here)
        text = f'Subject: [PATCH] {subject}\n\n{body.strip()}\n---\n{diff}'
        new_patches[name] = text
        lines.append(' '.join([name] + owned_here))
    for f in os.listdir(pdir):
        if f.endswith('.patch'):
            os.unlink(os.path.join(pdir, f))
    for name, text in new_patches.items():
        write(os.path.join(pdir, name), text)
    for f in owned_files():
        if f not in new_owned:
            os.unlink(os.path.join(TOP, f))
    for f, text in new_owned.items():
        write(os.path.join(TOP, f), text)
    write(os.path.join(pdir, 'series'),
          '# patch [files of the overlay the patch adds]\n' +
          '\n'.join(lines) + '\n')
    log(f'patches: {len(lines)} patches written to {pdir}')
