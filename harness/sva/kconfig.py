# SPDX-License-Identifier: GPL-2.0
"""The test configs: Kconfig.fragment and the test fragments, merged into
allnoconfig and verified.

Kconfig.fragment holds the series' options; '# arch: NAME' starts a
section for one architecture. harness/configs/common.config and
harness/configs/ARCH.config, and the selftests' own config, are added to
it.
"""

import hashlib
import os
import re

from .arches import make_env
from .util import HARNESS, TOP, Failure, read, run, write


def objdir(paths, arch):
    return os.path.join(paths.build, 'obj-' + arch)


def fragment_for(paths, arch, src, extra=()):
    """Kconfig.fragment (this arch's sections) + the test fragments, then
    the EXTRA fragment files, which override them."""
    parts = []
    section = 'all'
    lines = []
    for line in read(os.path.join(TOP, 'Kconfig.fragment')).splitlines():
        m = re.match(r'#\s*arch:\s*(\S+)', line)
        if m:
            section = m.group(1)
            continue
        if section in ('all', arch):
            lines.append(line)
    parts.append('# Kconfig.fragment\n' + '\n'.join(lines))
    for f in [os.path.join(HARNESS, 'configs', 'common.config'),
              os.path.join(HARNESS, 'configs', arch + '.config'),
              os.path.join(src, 'tools/testing/selftests/iommu/config')] + \
            list(extra):
        if os.path.exists(f):
            parts.append(f'# {os.path.relpath(f, paths.build)}\n' + read(f))
    return '\n'.join(parts) + '\n'


def kconfig_digest(tree):
    """A digest of every Kconfig file of TREE."""
    h = hashlib.sha256()
    for dirpath, dirs, names in os.walk(tree):
        dirs.sort()
        if dirpath == tree:
            dirs[:] = [d for d in dirs if d not in ('tools', 'Documentation')]
        for nm in sorted(names):
            if nm.startswith('Kconfig'):
                with open(os.path.join(dirpath, nm), 'rb') as f:
                    h.update(nm.encode() + f.read())
    return h.hexdigest()


def parse_config(text):
    vals = {}
    for line in text.splitlines():
        m = re.match(r'^(CONFIG_\w+)=(.*)$', line)
        if m:
            vals[m.group(1)] = m.group(2)
        m = re.match(r'^# (CONFIG_\w+) is not set', line)
        if m:
            vals[m.group(1)] = 'n'
    return vals


def configure(paths, arch, src, tree_out=None, verify=True, frag_src=None,
              extra=()):
    """Write OBJ/.config: allnoconfig + merged fragments (EXTRA last, see
    fragment_for()), all verified.

    VERIFY=False is for trees that lack options the series adds: the
    unpatched base, and the bisect steps, which take the fragments of the
    whole series (FRAG_SRC) so that each step builds all the code it has.
    """
    out = tree_out or objdir(paths, arch)
    os.makedirs(out, exist_ok=True)
    frag = fragment_for(paths, arch, frag_src or src, extra)
    frag_path = os.path.join(out, 'sva-fragment.config')
    # Merge again when the fragments or the tree's Kconfig files change
    # (a step of the series may add the option a fragment asks for).
    stamp = frag + '# Kconfig: ' + kconfig_digest(src) + '\n'
    if os.path.exists(frag_path) and read(frag_path) == stamp and \
            os.path.exists(os.path.join(out, '.config')):
        return
    write(frag_path, frag)
    run(['scripts/kconfig/merge_config.sh', '-n', '-O', out, frag_path],
        cwd=src, env=make_env(arch), capture=True)
    want = parse_config(frag)
    have = parse_config(read(os.path.join(out, '.config')))
    bad = [f'{k}: asked {v}, got {have.get(k, "n")}'
           for k, v in want.items() if have.get(k, 'n') != v]
    if bad and verify:
        os.unlink(frag_path)
        raise Failure(f'config {arch}: options not in the final .config:\n  '
                      + '\n  '.join(bad))
    write(frag_path, stamp)
