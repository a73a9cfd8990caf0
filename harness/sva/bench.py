# SPDX-License-Identifier: GPL-2.0
"""make bench: boot a guest that runs the benchmark program
(tools/testing/selftests/iommu/sva_bench.c) instead of the kselftests, on
the test kernel built without its debug instrumentation (build_bench()),
print its figures as one table, keep them as JSON (bench-ARCH.json in the
build directory) and check the figures that have a goal.

The program prints one line per figure,
  SVA-BENCH: {"name": ..., "unit": ..., "n": ..., "median": ...,
              "min": ..., "max": ...[, "goal_max" | "goal_min": ...]}
then "SVA-BENCH-END"; "SVA-BENCH-ERROR: ..." says why it stopped.
"""

import dataclasses
import json
import os

from .build import build_bench
from .guest import BootOptions, boot
from .parser import console_problems
from .results import Results
from .util import Failure, log, phase, write

FIGURES = ('bind_scaling', 'bind_concurrency', 'fault_path', 'munmap',
           'memory')
PREFIX = 'SVA-BENCH: '
# Seconds a bench guest may run unless SVA_BOOT_TIMEOUT says otherwise
BENCH_TIMEOUT = 1200


def parse(text):
    """The figures of a console TEXT, in order: (figures, errors)."""
    figures, errors = [], []
    for line in text.splitlines():
        at = line.find(PREFIX)
        if at >= 0:
            try:
                figures.append(json.loads(line[at + len(PREFIX):]))
            except json.JSONDecodeError:
                errors.append(f'unreadable: {line.strip()}')
        elif 'SVA-BENCH-ERROR: ' in line:
            errors.append(line[line.find('SVA-BENCH-ERROR: ') + 17:].strip())
    return figures, errors


def goal_verdict(fig):
    """(ok, text) for a figure with a goal, None for one without."""
    m = fig['median']
    if 'goal_max' in fig:
        return m <= fig['goal_max'], f'{m:.4g} <= {fig["goal_max"]:g}'
    if 'goal_min' in fig:
        return m >= fig['goal_min'], f'{m:.4g} >= {fig["goal_min"]:g}'
    return None


def table(figures):
    """The figures as text, one row each."""
    rows = [('figure', 'median', 'min', 'max', 'unit', 'n', 'goal')]
    for f in figures:
        goal = ''
        if 'goal_max' in f:
            goal = f'<= {f["goal_max"]:g}'
        elif 'goal_min' in f:
            goal = f'>= {f["goal_min"]:g}'
        rows.append((f['name'], f'{f["median"]:.4g}', f'{f["min"]:.4g}',
                     f'{f["max"]:.4g}', f['unit'], str(f['n']), goal))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return '\n'.join('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
                     .rstrip() for r in rows)


def bench_results(results, arch, text, timed_out, figures, errors):
    """The verdicts of one bench boot, added to RESULTS."""
    p = f'{arch}/bench: '
    results.add(not timed_out and 'SVA-GUEST: done' in text,
                p + 'guest ran to the end and powered off',
                'timed out' if timed_out else 'guest did not finish')
    bad = console_problems(text)
    results.add(not bad, p + 'console: no WARNING/BUG/Oops/KASAN/lockdep/'
                'kmemleak/fault line', '\n'.join(bad[:20]))
    results.add('SVA-BENCH-END' in text and not errors,
                p + 'the program ran every figure asked for',
                '\n'.join(errors) or 'no SVA-BENCH-END line')
    for f in figures:
        v = goal_verdict(f)
        if v is not None:
            results.add(v[0], p + f'goal {f["name"]}', v[1])


def bench_verb(paths, arch, figures='', options=BootOptions()):
    """make bench [FIGURES=a,b]: build, boot once, print and keep the
    figures; False if the guest failed or a goal was missed."""
    asked = [f for f in figures.replace(',', ' ').split() if f]
    unknown = [f for f in asked if f not in FIGURES]
    if unknown:
        raise Failure(f'FIGURES={figures}: unknown {" ".join(unknown)}; '
                      f'the figures are {" ".join(FIGURES)}')
    src, out = build_bench(paths, arch)
    done = phase(f'bench {arch}')
    extra = f' sva_bench={",".join(asked) or "all"} kunit.filter_glob=none'
    if options.timeout is None:
        options = dataclasses.replace(options, timeout=BENCH_TIMEOUT)
    text, timed_out, _ = boot(paths, arch, src, out, extra, None, options)
    done()
    figs, errors = parse(text)
    path = os.path.join(paths.build, f'bench-{arch}.json')
    write(path, json.dumps({'arch': arch, 'figures': figs}, indent=1) + '\n')
    log(f'bench {arch}: {len(figs)} figures, also in {path}\n' +
        table(figs))
    results = Results()
    bench_results(results, arch, text, timed_out, figs, errors)
    return results.summary()
