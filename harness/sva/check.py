# SPDX-License-Identifier: GPL-2.0
"""The check verb: every check of README.md, in order, for the given
architectures, ending with "N passed, N failed".

First the harness's own unit tests (harness/sva/*_test.py, one result
per test case, named "harness/unit: <test id>"), then deps, apply,
exports' kernel-doc, checkpatch, maintainers, coccinelle, then per arch
build, lint, boot (and the x86_64 VT-d modes), then bisect while its time
allows.
"""

import os
import time
import unittest

from . import coverage
from .arches import X86_MODES
from .build import bisect, build
from .deps import deps
from .guest import BootOptions, boot, boot_checks
from .lint import added_exports, checkpatch, coccicheck, \
    exports_without_kerneldoc, lint, maintainers_check
from .results import Results
from .tree import base_tree, base_version, read_series, series_files, \
    src_tree
from .util import HARNESS, Failure, log, phase
from .verdicts import VerdictCache

SVA_DIR = os.path.dirname(os.path.abspath(__file__))


def _tests(suite):
    """The test cases of SUITE, in the order they run."""
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _tests(t)
        else:
            yield t


def _exception_line(tb):
    """The "Error: message" line of a formatted traceback."""
    lines = tb.rstrip('\n').splitlines()
    for ln in lines[1:]:
        if ln and not ln.startswith(' '):
            return ln
    return lines[-1]


def unit_tests(results):
    """harness/sva/*_test.py, one result per test case.

    A case fails on a failure or an error (of the case or of any of its
    subtests); the traceback is printed above its FAIL line. Skips and
    expected failures (a known bug, written down as a test) are skipped
    checks with their reason.
    """
    suite = unittest.TestLoader().discover(SVA_DIR, pattern='*_test.py',
                                           top_level_dir=HARNESS)
    cases = list(_tests(suite))   # running a suite empties it
    res = unittest.TestResult()
    suite.run(res)

    def case_id(test):
        return getattr(test, 'test_case', test).id()   # a subtest's case
    bad = {}
    for test, tb in res.failures + res.errors:
        bad.setdefault(case_id(test), []).append(tb)
    skipped = {case_id(t): why for t, why in res.skipped}
    skipped.update({case_id(t): 'expected failure: ' + _exception_line(tb)
                    for t, tb in res.expectedFailures})
    unexpected = {case_id(t) for t in res.unexpectedSuccesses}
    for test in cases:
        tid = test.id()
        name = f'harness/unit: {tid}'
        if tid in bad:
            log('\n'.join(bad[tid]).rstrip('\n'))
            results.add(False, name, _exception_line(bad[tid][0]))
        elif tid in unexpected:
            results.add(False, name, 'passed, but is marked as an expected '
                        'failure: drop the mark')
        elif tid in skipped:
            results.skip(name, skipped[tid])
        else:
            results.add(True, name)


def check(paths, arches, options=BootOptions(), bisect_on=True,
          bisect_after=2700.0, bisect_budget=1500.0, check_budget=3300.0,
          verdicts=None):
    """Every check for ARCHES; True when none failed.

    OPTIONS is how QEMU runs the guests; BISECT_ON=False (BISECT=0) leaves
    bisect out, as does a check that already took BISECT_AFTER seconds;
    bisect stops at BISECT_BUDGET seconds, or earlier when the whole check
    reaches CHECK_BUDGET seconds (a cold run on a new machine must end well
    within CI's 90 minutes; its skipped steps are listed). VERDICTS is the
    verdict cache's directory (None: off): bisect steps and checkpatch runs
    that passed with the same inputs are not run again.
    """
    cache = VerdictCache(verdicts)
    t0 = time.monotonic()
    results = Results()
    done = phase('harness unit tests')
    unit_tests(results)
    done()
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
    coverage.reset(paths)
    done = phase('checkpatch, maintainers, coccinelle')
    missing = exports_without_kerneldoc(src)
    if missing:
        log('\n'.join(missing))
    results.add(not missing, 'kernel-doc: every function the series '
                f'exports ({len(added_exports())}) is documented',
                f'{len(missing)} undocumented')
    for name, static_check in (
            ('checkpatch', lambda: checkpatch(paths, results, src,
                                              cache)),
            ('maintainers', lambda: maintainers_check(results, src)),
            ('coccinelle', lambda: coccicheck(paths, results, src))):
        sub = phase(name)
        try:
            static_check()
        except Failure as e:   # the check could not run: that fails it
            results.add(False, name, str(e))
        sub()
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
            coverage.collect(paths, results, arch, arch, text)
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
                coverage.collect(paths, results, arch,
                                 f'{arch}-{mode.name}', text)
            except Failure as e:
                results.add(False, f'{arch}-{mode.name}/boot', str(e))
            done()
    done = phase('coverage')
    try:
        coverage.report(paths, src, base, *series_files())
    except (OSError, RuntimeError) as e:
        results.add(False, 'coverage: report', str(e))
    done()
    spent = time.monotonic() - t0
    budget = min(bisect_budget, check_budget - spent)
    if not bisect_on:
        results.skip('bisect', 'BISECT=0 was given')
    elif spent > bisect_after:
        results.skip('bisect', f'check already ran {spent:.0f}s; run '
                     '"make bisect" on its own')
    else:
        done = phase('bisect')
        log('bisect: the last step is the tree built above')
        bisect(paths, results, budget=budget, upto=len(read_series()) - 1,
               cache=cache)
        done()
    log(f'check: {time.monotonic() - t0:.0f}s')
    return results.summary()


def coverage_verb(paths, arches, options=BootOptions()):
    """make coverage: build and boot each arch once, report the coverage.

    True when every guest booted and gave its counters.
    """
    results = Results()
    deps(paths)
    base = base_tree(paths)
    coverage.reset(paths)
    src = None
    for arch in arches:
        try:
            src, out = build(paths, arch)
            text, timed_out, ks_warn = boot(paths, arch, src, out,
                                            options=options)
        except Failure as e:
            results.add(False, f'{arch}/boot', str(e))
            continue
        results.add(not timed_out and 'SVA-GUEST: done' in text,
                    f'{arch}/boot: guest ran to the end and powered off')
        coverage.collect(paths, results, arch, arch, text)
    if src:
        coverage.report(paths, src, base, *series_files())
    return results.summary()
