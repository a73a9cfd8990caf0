# SPDX-License-Identifier: GPL-2.0
"""The check verb: every check of README.md, in order, for the given
architectures, ending with "N passed, N failed".

Deps, apply, exports' kernel-doc, checkpatch, maintainers, coccinelle,
then per arch build, lint, boot (and the x86_64 VT-d modes), then bisect
while its time allows.
"""

import time

from .arches import X86_MODES
from .build import bisect, build
from .deps import deps
from .guest import BootOptions, boot, boot_checks
from .lint import added_exports, checkpatch, coccicheck, \
    exports_without_kerneldoc, lint, maintainers_check
from .results import Results
from .tree import base_tree, base_version, read_series, src_tree
from .util import Failure, log, phase

def check(paths, arches, options=BootOptions(), bisect_on=True,
          bisect_after=2700.0, bisect_budget=1500.0):
    """Every check for ARCHES; True when none failed.

    OPTIONS is how QEMU runs the guests; BISECT_ON=False (BISECT=0) leaves
    bisect out, as does a check that already took BISECT_AFTER seconds;
    bisect stops at BISECT_BUDGET seconds.
    """
    t0 = time.monotonic()
    results = Results()
    deps(paths)
    done = phase('apply')
    base = base_tree(paths)
    log(f'base: Linux {base_version(base)} from {paths.tarball}')
    try:
        src = src_tree(paths)
        results.add(True, f'apply: series applies to {base_version(base)} '
                    'without fuzz or offset')
    except Failure as e:
        results.add(False, f'apply: series applies to {base_version(base)}',
                    str(e))
        results.summary()
        return False
    done()
    done = phase('checkpatch, maintainers, coccinelle')
    missing = exports_without_kerneldoc(src)
    if missing:
        log('\n'.join(missing))
    results.add(not missing, 'kernel-doc: every function the series '
                f'exports ({len(added_exports())}) is documented',
                f'{len(missing)} undocumented')
    for name, static_check in (
            ('checkpatch', lambda: checkpatch(paths, results, src)),
            ('maintainers', lambda: maintainers_check(results, src)),
            ('coccinelle', lambda: coccicheck(paths, results, src))):
        try:
            static_check()
        except Failure as e:   # the check could not run: that fails it
            results.add(False, name, str(e))
    done()
    for arch in arches:
        try:
            src, out = build(paths, arch)
            results.add(True, f'{arch}/build: W=1 C=1 build of the test '
                        'kernel and modules')
        except Failure as e:
            results.add(False, f'{arch}/build', str(e))
            continue
        done = phase(f'lint {arch}')
        lint(paths, results, arch, src, out)
        done()
        done = phase(f'boot {arch}')
        try:
            text, timed_out, ks_warn = boot(paths, arch, src, out,
                                            options=options)
            boot_checks(paths, results, arch, text, timed_out, ks_warn)
        except Failure as e:
            results.add(False, f'{arch}/boot', str(e))
        done()
        if arch != 'x86_64':
            continue
        for mode in X86_MODES.values():
            done = phase(f'boot {arch}, VT-d mode {mode.name}')
            try:
                text, timed_out, ks_warn = boot(paths, arch, src, out,
                                                mode=mode, options=options)
                boot_checks(paths, results, arch, text, timed_out, ks_warn,
                            mode)
            except Failure as e:
                results.add(False, f'{arch}-{mode.name}/boot', str(e))
            done()
    budget = bisect_budget
    spent = time.monotonic() - t0
    if not bisect_on:
        results.skip('bisect', 'BISECT=0 was given')
    elif spent > bisect_after:
        results.skip('bisect', f'check already ran {spent:.0f}s; run '
                     '"make bisect" on its own')
    else:
        done = phase('bisect')
        log('bisect: the last step is the tree built above')
        bisect(paths, results, budget=budget, upto=len(read_series()) - 1)
        done()
    log(f'check: {time.monotonic() - t0:.0f}s')
    return results.summary()
