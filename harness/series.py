#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Apply, build, boot and test the IOMMU PASID/SVA series on Linux 6.1.

Verbs, each of which runs the ones it needs before it:

  deps            install the Debian packages the pipeline uses
  base            extract linux-source-6.1 into the build directory
  apply           overlay + patches/series onto a copy of the base
  config ARCH     small test config from Kconfig.fragment + test fragments
  build ARCH      out-of-tree W=1 build through ccache (diagnostics kept)
  boot ARCH       build the initramfs and boot the guest under QEMU TCG
  run ARCH        build + boot, print the guest's verdicts
  bench ARCH      boot the benchmark program; table, JSON and goal checks
  check           every check of README.md for both architectures
  fresh-check     check from a fresh clone in a minimal Debian 12 root
  coverage        build and boot each arch, report the series' line coverage
  bisect          every step of the series builds for both architectures
  export          the series as git format-patch output (build/series/)
  tree            a git tree of the base with one commit per patch
  patches         regenerate patches/ and the overlay from that tree

Glossary:
  base      the pristine tree from /usr/src/linux-source-6.1.tar.xz
  overlay   files the series adds, kept at their in-tree paths in this
            repository (drivers/iommu/, include/linux/, Documentation/iommu/,
            tools/testing/selftests/iommu/)
  series    patches/series: one line per patch, "NAME [added files...]"
  step      the tree after the first k patches and the files they add

Every external command is echoed before it runs, so it can be re-run by
hand; the console log of each boot stays in the build directory.
"""

import argparse
import os
import sys
from dataclasses import dataclass

from sva import bench, build, check, deps, fresh, gitops, guest, kconfig, \
    tree
from sva.arches import ARCHES
from sva.guest import BootOptions
from sva.results import Results
from sva.util import TOP, Failure, Paths, log
from sva.verdicts import VerdictCache, cache_root


@dataclass(frozen=True, kw_only=True)
class Request:
    """One run of the harness: the verb and every setting it reads.

    make_request() reads them once from argv and the environment; no verb
    reads either again.

    verb:           the verb (see VERBS)
    arch:           --arch of config, build, boot and run
    arches:         --arch of check (repeatable; default every arch)
    paths:          BUILD (the build directory), LINUX_SOURCE (the base)
    tests:          TESTS: one kselftest, COLLECTION:TEST (boot, run)
    figures:        FIGURES: the figures of bench, comma-separated (all
                    when empty)
    kunit:          KUNIT: the KUnit suites to run, a glob (boot, run)
    mode:           SVA_MODE (make's MODE): an x86_64 VT-d mode (boot, run)
    boot:           SVA_KVM=1 (KVM, not TCG), SVA_BOOT_TIMEOUT (seconds)
    bisect:         BISECT=0 leaves bisect out of check
    bisect_after:   BISECT_AFTER: check leaves bisect out after this long
    bisect_budget:  BISECT_BUDGET: seconds bisect may take in check
    check_budget:   CHECK_BUDGET: seconds the whole check may take before
                    bisect's remaining steps are skipped (cold CI under 60
                    minutes)
    force:          FORCE: tree makes build/tree again over an old one
    host_ccache:    this machine's ccache (CCACHE_DIR) when
                    SVA_FRESH_CCACHE=1 lends it to fresh-check, else None
    verdicts:       the verdict cache of check and bisect
                    (SVA_VERDICT_CACHE, ~/.cache/sva-series/verdicts by
                    default), None when SVA_VERDICT_CACHE=off
    """
    verb: str
    arch: str
    arches: tuple
    paths: Paths
    tests: str
    figures: str
    kunit: str
    mode: str
    boot: BootOptions
    bisect: bool
    bisect_after: float
    bisect_budget: float
    check_budget: float
    force: bool
    host_ccache: str | None
    verdicts: str | None


def _seconds(env, name, default):
    value = env.get(name, default)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise Failure(f'{name}={value}: not a number of seconds') from None


def make_request(args, env):
    """The Request of ARGS (the parsed command line) and ENV."""
    return Request(
        verb=args.verb,
        arch=getattr(args, 'arch', 'x86_64'),
        arches=tuple(getattr(args, 'arches', None) or ARCHES),
        paths=Paths(
            build=os.path.abspath(env.get('BUILD',
                                          os.path.join(TOP, 'build'))),
            tarball=env.get('LINUX_SOURCE',
                            '/usr/src/linux-source-6.1.tar.xz')),
        tests=env.get('TESTS', ''),
        figures=env.get('FIGURES', ''),
        kunit=env.get('KUNIT', ''),
        mode=env.get('SVA_MODE', ''),
        boot=BootOptions(kvm=env.get('SVA_KVM') == '1',
                         timeout=_seconds(env, 'SVA_BOOT_TIMEOUT', None)),
        bisect=env.get('BISECT', '1') != '0',
        bisect_after=_seconds(env, 'BISECT_AFTER', '2700'),
        bisect_budget=_seconds(env, 'BISECT_BUDGET', '1500'),
        check_budget=_seconds(env, 'CHECK_BUDGET', '3300'),
        force=bool(env.get('FORCE')),
        host_ccache=(env.get('CCACHE_DIR',
                             os.path.expanduser('~/.cache/ccache'))
                     if env.get('SVA_FRESH_CCACHE') == '1' else None),
        verdicts=cache_root(env))


# The verbs. Each takes the Request; it raises Failure when it cannot go
# on ("error: ..." and exit status 1) and returns False when it ran but a
# check failed (exit status 1 after the "N passed, N failed" line).

def verb_deps(req):
    deps.deps(req.paths)


def verb_base(req):
    base = tree.base_tree(req.paths)
    log(f'base: Linux {tree.base_version(base)} from {req.paths.tarball}')


def verb_apply(req):
    tree.src_tree(req.paths)


def verb_config(req):
    kconfig.configure(req.paths, req.arch, tree.src_tree(req.paths))


def verb_build(req):
    build.build(req.paths, req.arch)


def verb_boot(req):
    guest.boot_verb(req.paths, req.arch, tests=req.tests, kunit=req.kunit,
                    mode_name=req.mode, options=req.boot)


def verb_bench(req):
    return bench.bench_verb(req.paths, req.arch, figures=req.figures,
                            options=req.boot)


def verb_check(req):
    return check.check(req.paths, req.arches, options=req.boot,
                       bisect_on=req.bisect, bisect_after=req.bisect_after,
                       bisect_budget=req.bisect_budget,
                       check_budget=req.check_budget,
                       verdicts=req.verdicts)


def verb_coverage(req):
    return check.coverage_verb(req.paths, req.arches, options=req.boot)


def verb_fresh_check(req):
    return fresh.fresh_check(req.paths, req.host_ccache)


def verb_bisect(req):
    results = Results()
    build.bisect(req.paths, results, cache=VerdictCache(req.verdicts))
    return results.summary()


def verb_export(req):
    gitops.export(req.paths)


def verb_tree(req):
    gitops.tree(req.paths, force=req.force)


def verb_patches(req):
    gitops.patches(req.paths)


VERBS = {
    'deps': verb_deps,
    'base': verb_base,
    'apply': verb_apply,
    'config': verb_config,
    'build': verb_build,
    'boot': verb_boot,
    'run': verb_boot,
    'bench': verb_bench,
    'check': verb_check,
    'fresh-check': verb_fresh_check,
    'coverage': verb_coverage,
    'bisect': verb_bisect,
    'export': verb_export,
    'tree': verb_tree,
    'patches': verb_patches,
}


def arg_parser():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest='verb', required=True)
    for verb in ('deps', 'base', 'apply', 'export', 'tree', 'patches',
                 'bisect', 'fresh-check'):
        sub.add_parser(verb)
    for verb in ('config', 'build', 'boot', 'run', 'bench'):
        sp = sub.add_parser(verb)
        sp.add_argument('--arch', default='x86_64', choices=ARCHES)
    for verb in ('check', 'coverage'):
        sp = sub.add_parser(verb)
        sp.add_argument('--arch', dest='arches', action='append',
                        choices=ARCHES)
    return p


def main():
    args = arg_parser().parse_args()
    try:
        req = make_request(args, os.environ)
        ok = VERBS[req.verb](req)
    except Failure as e:
        log(f'error: {e}')
        sys.exit(1)
    if ok is False:
        sys.exit(1)


if __name__ == '__main__':
    main()
