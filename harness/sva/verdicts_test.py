#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the verdict cache: every input of a bisect step and of a
checkpatch run changes its key, the cache keeps passes only, and bisect
and checkpatch run again whatever changed or failed (the kernel's make
and checkpatch.pl replaced by fakes)."""

import contextlib
import dataclasses
import io
import os
import tempfile
import unittest
from unittest import mock

from sva import build, lint, verdicts
from sva.arches import ARCHES
from sva.results import Results, Status
from sva.util import Failure, Paths
from sva.verdicts import CheckpatchInputs, StepInputs, VerdictCache, \
    bisect_key, checkpatch_key

KEY = 'a' * 64
OTHER = 'b' * 64


def quiet(fn, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        ret = fn(*args, **kwargs)
    return ret, out.getvalue()


def step_inputs(**changes):
    """A two-patch step for x86_64, CHANGES replacing fields."""
    fields = dict(
        arch='x86_64',
        steps=(('0001-a.patch', b'diff a\n', ()),
               ('0002-b.patch', b'diff b\n',
                (('drivers/iommu/x.c', b'int x;\n'),
                 ('drivers/iommu/x.h', b'#define X\n')))),
        configs=(('Kconfig.fragment', b'CONFIG_IOMMU_SVA=y\n'),
                 ('harness/configs/arm64.config', b'CONFIG_ARM64=y\n'),
                 ('harness/configs/common.config', b'CONFIG_KASAN=y\n'),
                 ('harness/configs/x86_64.config', b'CONFIG_X86=y\n'),
                 ('final:tools/testing/selftests/iommu/config',
                  b'CONFIG_IOMMU_SVA_SELFTEST=y\n')),
        base='/usr/src/linux-source-6.1.tar.xz 140000000 1700000000',
        tools=(('gcc', 'gcc (Debian 12.2.0-14) 12.2.0'),
               ('ld', 'GNU ld (GNU Binutils for Debian) 2.40'),
               ('sparse', '0.6.4 (Debian: 0.6.4-3)'),
               ('make', 'GNU Make 4.3')),
        harness=tuple((f, f'# {f}\n'.encode())
                      for f in verdicts.BISECT_HARNESS),
        sparse_dirs=('drivers/iommu/', 'drivers/dma/idxd/'),
        env=(('KCFLAGS', None), ('LLVM', None)))
    fields.update(changes)
    return StepInputs(**fields)


def changed_items(items, index, value):
    """ITEMS (a tuple of (name, content)) with the content at INDEX
    replaced by VALUE."""
    items = list(items)
    items[index] = (items[index][0], value)
    return tuple(items)


def renamed_items(items, index, name):
    items = list(items)
    items[index] = (name,) + tuple(items[index][1:])
    return tuple(items)


def step_variants():
    """(what changed, {field: new value}) for every input of a step."""
    s = step_inputs()
    out = [('arch', {'arch': 'arm64'}),
           ('base: another tarball', {'base': s.base.replace('1700',
                                                             '1800')}),
           ('a step more', {'steps': s.steps + (('0003-c.patch', b'c',
                                                  ()),)}),
           ('a step less', {'steps': s.steps[:1]}),
           ('patches swapped', {'steps': s.steps[::-1]}),
           ('sparse dirs', {'sparse_dirs': s.sparse_dirs[:1]}),
           ('KCFLAGS set', {'env': (('KCFLAGS', '-O3'), ('LLVM', None))}),
           ('KCFLAGS empty', {'env': (('KCFLAGS', ''), ('LLVM', None))})]
    for i, (name, text, added) in enumerate(s.steps):
        steps = list(s.steps)
        steps[i] = (name, text + b' ', added)
        out.append((f'content of {name}', {'steps': tuple(steps)}))
        steps[i] = (name.replace('.patch', 'x.patch'), text, added)
        out.append((f'name of {name}', {'steps': tuple(steps)}))
        for j, (f, data) in enumerate(added):
            steps[i] = (name, text, changed_items(added, j, data + b'\n'))
            out.append((f'overlay file {f}', {'steps': tuple(steps)}))
            steps[i] = (name, text, renamed_items(added, j, f + '.new'))
            out.append((f'overlay path {f}', {'steps': tuple(steps)}))
        steps[i] = (name, text, added[:-1])
        if added:
            out.append((f'one overlay file fewer in {name}',
                        {'steps': tuple(steps)}))
    for i, (f, data) in enumerate(s.configs):
        out.append((f'config {f}', {'configs': changed_items(
            s.configs, i, data + b'CONFIG_X=y\n')}))
        out.append((f'config {f} absent', {'configs': changed_items(
            s.configs, i, None)}))
    for i, (tool, version) in enumerate(s.tools):
        out.append((f'tool {tool}', {'tools': changed_items(
            s.tools, i, version + '-1')}))
    for i, (f, data) in enumerate(s.harness):
        out.append((f'harness file {f}', {'harness': changed_items(
            s.harness, i, data + b'#\n')}))
    return out


def checkpatch_inputs(**changes):
    fields = dict(
        target='patches/0001-a.patch', flags=('--no-signoff',),
        content=b'From 1 Mon Sep 17 00:00:00 2001\n',
        checkpatch=b'#!/usr/bin/env perl\n', exceptions=b'* FOO reason\n',
        lint=b'# lint.py\n',
        tree=(('MAINTAINERS', b'IOMMU\n'),
              ('scripts/spelling.txt', b'teh||the\n'),
              ('.checkpatch.conf', None),
              ('include/linux/iommu.h', b'struct iommu_domain;\n')),
        base='/usr/src/linux-source-6.1.tar.xz 140000000 1700000000')
    fields.update(changes)
    return CheckpatchInputs(**fields)


def checkpatch_variants():
    c = checkpatch_inputs()
    out = [('target', {'target': 'patches/0002-a.patch'}),
           ('flags', {'flags': ()}),
           ('flags -f', {'flags': ('-f',)}),
           ('content', {'content': c.content + b'\n'}),
           ('checkpatch.pl', {'checkpatch': c.checkpatch + b'#\n'}),
           ('exceptions', {'exceptions': c.exceptions + b'* BAR why\n'}),
           ('exceptions absent', {'exceptions': None}),
           ('lint.py', {'lint': c.lint + b'#\n'}),
           ('base', {'base': c.base + '1'})]
    for i, (f, data) in enumerate(c.tree):
        out.append((f'tree file {f}', {'tree': changed_items(
            c.tree, i, (data or b'') + b'x')}))
        if data is not None:
            out.append((f'tree file {f} absent', {'tree': changed_items(
                c.tree, i, None)}))
    out.append(('a tree file more', {'tree': c.tree + (
        ('include/linux/sched/mm.h', b''),)}))
    return out


class DigestTest(unittest.TestCase):
    def test_fields_do_not_run_into_each_other(self):
        keys = [verdicts.digest(f) for f in (
            ('ab', 'c'), ('a', 'bc'), ('abc',), (b'abc',), ('a', ('b', 'c')),
            (('a', 'b'), 'c'), (None,), ('',), (b'',), ((),), ())]
        self.assertEqual(len(keys), len(set(keys)))

    def test_stable_and_hex(self):
        self.assertEqual(bisect_key(step_inputs()), bisect_key(step_inputs()))
        self.assertRegex(bisect_key(step_inputs()), r'^[0-9a-f]{64}$')

    def test_only_known_types(self):
        with self.assertRaises(TypeError):
            verdicts.digest((1,))


class BisectKeyTest(unittest.TestCase):
    def test_every_input_changes_the_key(self):
        base = bisect_key(step_inputs())
        seen = {base: 'unchanged'}
        fields = set()
        for what, change in step_variants():
            with self.subTest(what):
                key = bisect_key(step_inputs(**change))
                self.assertNotEqual(key, base)
                self.assertNotIn(key, seen, f'same key as {seen.get(key)}')
                seen[key] = what
                fields.update(change)
        # a field added to StepInputs needs its variant here
        self.assertEqual(fields, {f.name for f in
                                  dataclasses.fields(StepInputs)})

    def test_required_inputs_are_there(self):
        """The inputs the key must cover are in what it reads."""
        self.assertEqual(set(verdicts.BISECT_HARNESS), {
            'harness/diagwrap', 'harness/sva/arches.py',
            'harness/sva/build.py', 'harness/sva/kconfig.py',
            'harness/sva/parser.py', 'harness/sva/tree.py'})
        with tempfile.TemporaryDirectory() as d:
            tarball = os.path.join(d, 'linux.tar.xz')
            with open(tarball, 'wb') as f:
                f.write(b'tar')
            final = os.path.join(d, 'final')
            paths = Paths(build=d, tarball=tarball)
            captured = []

            def key(inputs):
                captured.append(inputs)
                return bisect_key(inputs)
            with mock.patch.object(verdicts, 'bisect_key', key):
                keys = verdicts.bisect_keys(
                    paths, [('0001-MAINTAINERS-add-an-entry-for-IOMMU-PASID-'
                             'and-SVA.patch', [])], final,
                    {a: ['drivers/iommu/'] for a in ARCHES}, environ={})
            identity = f'{tarball} 3 {int(os.stat(tarball).st_mtime)}'
        self.assertEqual(set(keys), {(1, a) for a in ARCHES})
        x86 = [i for i in captured if i.arch == 'x86_64'][0]
        arm = [i for i in captured if i.arch == 'arm64'][0]
        self.assertNotEqual(keys[1, 'x86_64'], keys[1, 'arm64'])
        names = [f for f, _c in x86.configs]
        for f in ('Kconfig.fragment', 'harness/configs/common.config',
                  'harness/configs/x86_64.config',
                  'harness/configs/arm64.config',
                  'final:tools/testing/selftests/iommu/config'):
            self.assertIn(f, names)
        self.assertEqual(x86.base, identity)
        self.assertEqual([t for t, _v in x86.tools],
                         ['gcc', 'ld', 'gcc', 'sparse', 'make'])
        self.assertEqual([t for t, _v in arm.tools][:2],
                         ['aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-ld'])
        self.assertTrue(all(c is not None for _f, c in x86.harness))
        self.assertIsNotNone(x86.steps[0][1])

    def test_tool_version_of_a_missing_tool(self):
        self.assertIn('no-such-tool-sva',
                      verdicts.tool_version('no-such-tool-sva'))


class CheckpatchKeyTest(unittest.TestCase):
    def test_every_input_changes_the_key(self):
        base = checkpatch_key(checkpatch_inputs())
        seen = {base: 'unchanged'}
        fields = set()
        for what, change in checkpatch_variants():
            with self.subTest(what):
                key = checkpatch_key(checkpatch_inputs(**change))
                self.assertNotEqual(key, base)
                self.assertNotIn(key, seen, f'same key as {seen.get(key)}')
                seen[key] = what
                fields.update(change)
        self.assertEqual(fields, {f.name for f in
                                  dataclasses.fields(CheckpatchInputs)})

    def test_not_a_bisect_key(self):
        self.assertNotEqual(verdicts.digest(('checkpatch-v1',)),
                            verdicts.digest(('bisect-v1',)))


class VerdictCacheTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.tmp.name, 'verdicts')

    def tearDown(self):
        self.tmp.cleanup()

    def test_round_trip(self):
        cache = VerdictCache(self.root)
        self.assertFalse(cache.passed(KEY))
        cache.record(KEY, 'bisect: step 1')
        self.assertTrue(cache.passed(KEY))
        self.assertFalse(cache.passed(OTHER))
        # one small file named by the key, no temporary file left
        self.assertEqual(os.listdir(self.root), [KEY])
        with open(os.path.join(self.root, KEY)) as f:
            self.assertEqual(f.read(), f'PASS {KEY}\nbisect: step 1\n')

    def test_off(self):
        cache = VerdictCache(None)
        self.assertFalse(cache.enabled)
        cache.record(KEY, 'x')
        self.assertFalse(cache.passed(KEY))
        self.assertFalse(os.path.exists(self.root))

    def test_a_file_that_is_not_this_pass(self):
        os.makedirs(self.root)
        for text in ('', 'PASS\n', f'PASS {OTHER}\n', f'FAIL {KEY}\n'):
            with open(os.path.join(self.root, KEY), 'w') as f:
                f.write(text)
            self.assertFalse(VerdictCache(self.root).passed(KEY), text)

    def test_bad_key(self):
        with self.assertRaises(ValueError):
            VerdictCache(self.root).record('../x', 'y')
        self.assertFalse(VerdictCache(self.root).passed(None))

    def test_unwritable_cache_is_reported_not_fatal(self):
        with open(self.root, 'w') as f:   # a file where the dir should be
            f.write('')
        _, out = quiet(VerdictCache(self.root).record, KEY, 'x')
        self.assertIn('verdict cache: cannot write', out)

    def test_cache_root(self):
        self.assertEqual(verdicts.cache_root({'HOME': '/home/u'}),
                         '/home/u/.cache/sva-series/verdicts')
        self.assertEqual(verdicts.cache_root({'HOME': '/home/u',
                                              'SVA_VERDICT_CACHE': ''}),
                         '/home/u/.cache/sva-series/verdicts')
        self.assertEqual(verdicts.cache_root({'SVA_VERDICT_CACHE': '/v'}),
                         '/v')
        self.assertIsNone(verdicts.cache_root({'SVA_VERDICT_CACHE': 'off'}))
        for bad in ('0', 'no', 'rel/dir'):
            with self.assertRaises(Failure):
                verdicts.cache_root({'SVA_VERDICT_CACHE': bad})


class FakeSeries:
    """The series and the build of bisect, faked: steps build in no time,
    FAIL says which (step, arch) fail, calls records what ran."""

    def __init__(self, n=3):
        self.patches = {f'000{k}-p{k}.patch': f'diff {k}\n'.encode()
                        for k in range(1, n + 1)}
        self.tools = 'gcc 12.2.0'
        self.fail = set()
        self.calls = []
        self.step = None

    def series(self):
        return [(name, []) for name in self.patches]

    def keys(self, paths, series, final, sparse_dirs):
        keys = {}
        steps = [(n, self.patches[n], ()) for n, _a in series]
        for arch in ARCHES:
            for k in range(1, len(series) + 1):
                keys[k, arch] = bisect_key(step_inputs(
                    arch=arch, steps=tuple(steps[:k]),
                    tools=(('gcc', self.tools),),
                    sparse_dirs=tuple(sparse_dirs[arch])))
        return keys

    def sync(self, paths, src, steps=None):
        self.step = steps

    def kmake(self, paths, arch, src, out, targets, extra=None, diag=True,
              timeout=None):
        self.calls.append((self.step, arch))
        if (self.step, arch) in self.fail:
            raise Failure(f'build {arch} failed')

    @contextlib.contextmanager
    def installed(self):
        with contextlib.ExitStack() as st:
            for name, fn in (
                    ('base_tree', lambda paths: '/nonexistent/base'),
                    ('validate_series', lambda base: (self.series(), [])),
                    ('src_tree', lambda paths: '/nonexistent/src'),
                    ('sync_tree', self.sync),
                    ('configure', lambda *a, **k: None),
                    ('kmake', self.kmake),
                    ('lint_dirs', lambda arch: ['drivers/iommu/']),
                    ('bisect_keys', self.keys)):
                st.enter_context(mock.patch.object(build, name, fn))
            yield


class BisectCacheTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.paths = Paths(build=os.path.join(self.tmp.name, 'build'),
                           tarball='/nonexistent.tar.xz')
        self.cache = VerdictCache(os.path.join(self.tmp.name, 'verdicts'))
        self.fake = FakeSeries()

    def tearDown(self):
        self.tmp.cleanup()

    def bisect(self, cache=None, **kwargs):
        self.fake.calls = []
        results = Results()
        with self.fake.installed():
            _, out = quiet(build.bisect, self.paths, results,
                           cache=cache or self.cache, **kwargs)
        return results, out

    def every(self, steps):
        return [(k, a) for k in steps for a in ARCHES]

    def test_second_run_is_served_and_says_so(self):
        results, _ = self.bisect()
        self.assertEqual(self.fake.calls, self.every([1, 2, 3]))
        self.assertTrue(all(r.status == Status.PASS for r in results.items))
        results, out = self.bisect()
        self.assertEqual(self.fake.calls, [])
        self.assertEqual(len(results.items), 6)
        for r in results.items:
            self.assertEqual(r.status, Status.PASS)
            self.assertRegex(r.detail, r'^cached verdict [0-9a-f]{12}$')
        self.assertIn('PASS: bisect: step 2 (0002-p2.patch) builds for '
                      'arm64 - cached verdict ', out)

    def test_a_changed_patch_is_built_again_from_its_step(self):
        self.bisect()
        self.fake.patches['0002-p2.patch'] += b'+one more line\n'
        results, _ = self.bisect()
        self.assertEqual(self.fake.calls, self.every([2, 3]))
        self.assertEqual([r.detail.startswith('cached') for r in
                          results.items], [True, True] + [False] * 4)

    def test_a_changed_compiler_builds_everything_again(self):
        self.bisect()
        self.fake.tools = 'gcc 12.3.0'
        self.bisect()
        self.assertEqual(self.fake.calls, self.every([1, 2, 3]))

    def test_a_failure_is_not_cached(self):
        self.fake.fail = {(2, 'x86_64')}
        results, _ = self.bisect()
        self.assertEqual([r.status for r in results.items],
                         [Status.PASS] * 2 + [Status.FAIL] +
                         [Status.PASS] * 3)
        results, _ = self.bisect()
        self.assertEqual(self.fake.calls, [(2, 'x86_64')])
        self.assertEqual(results.items[2].status, Status.FAIL)
        self.assertEqual(results.items[2].detail, 'build x86_64 failed')
        self.fake.fail = set()    # e.g. the machine's fault, fixed
        results, _ = self.bisect()
        self.assertEqual(self.fake.calls, [(2, 'x86_64')])
        self.assertEqual(results.items[2].status, Status.PASS)
        self.bisect()
        self.assertEqual(self.fake.calls, [])

    def test_off_builds_everything_and_keeps_nothing(self):
        self.bisect()
        self.bisect(cache=VerdictCache(None))
        self.assertEqual(self.fake.calls, self.every([1, 2, 3]))
        self.fake.patches['0001-p1.patch'] += b'x'
        self.bisect(cache=VerdictCache(None))
        self.bisect()
        self.assertEqual(self.fake.calls, self.every([1, 2, 3]))

    def test_spent_budget_still_serves_the_cache(self):
        self.bisect(upto=2)
        results, _ = self.bisect(budget=0)
        self.assertEqual(self.fake.calls, [])
        self.assertEqual([r.status for r in results.items],
                         [Status.PASS] * 4 + [Status.SKIP] * 2)
        self.assertEqual(results.items[5].detail,
                         'the bisect time budget is spent')

    def test_a_step_that_does_not_apply(self):
        def sync(paths, src, steps=None):
            if steps == 2:
                raise Failure('patch 0002-p2.patch does not apply cleanly')
            self.fake.step = steps
        with mock.patch.object(self.fake, 'sync', sync):
            results, _ = self.bisect()
        self.assertEqual(self.fake.calls, self.every([1, 3]))
        self.assertEqual(results.items[2].status, Status.FAIL)
        self.assertEqual(results.items[2].name,
                         'bisect: step 2 (0002-p2.patch) applies')
        self.bisect()
        self.assertEqual(self.fake.calls, self.every([2]))


# checkpatch.pl as the tests run it: it logs every file it checks; BAD in
# a file is an error report, EXC a report the exceptions allow, DIE a
# crash.
FAKE_CHECKPATCH = r'''#!/usr/bin/perl
my $f = $ARGV[-1];
open(my $log, '>>', 'checked.log'); print $log "$f\n"; close($log);
open(my $in, '<', $f) or die "cannot read $f";
my $text = do { local $/; <$in> };
die "checkpatch crashed\n" if $text =~ /DIE/;
if ($text =~ /BAD/) { print "$f:1: ERROR:BAD_THING: bad\n"; exit 1; }
if ($text =~ /EXC/) { print "$f:1: CHECK:ALLOWED: allowed\n"; exit 1; }
exit 0;
'''


class CheckpatchCacheTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = self.tmp.name
        self.src = os.path.join(d, 'src')
        self.exported = os.path.join(d, 'series')
        self.tarball = os.path.join(d, 'linux.tar.xz')
        self.paths = Paths(build=d, tarball=self.tarball)
        self.cache = VerdictCache(os.path.join(d, 'verdicts'))
        self.write(self.tarball, 'tar')
        self.write(os.path.join(self.src, 'scripts/checkpatch.pl'),
                   FAKE_CHECKPATCH)
        self.write(os.path.join(self.src, 'include/linux/iommu.h'), 'h\n')
        self.write(os.path.join(self.src, 'drivers/iommu/a.c'), 'int a;\n')
        self.patches = {'0001-a.patch': 'a\n', '0002-b.patch': 'EXC\n',
                        '0003-c.patch': 'BAD\n', '0004-d.patch': 'DIE\n'}
        self.export()

    def tearDown(self):
        self.tmp.cleanup()

    @staticmethod
    def write(path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    def export(self):
        for name, text in self.patches.items():
            self.write(os.path.join(self.exported, name), text)

    def checked(self):
        log = os.path.join(self.src, 'checked.log')
        if not os.path.exists(log):
            return []
        with open(log) as f:
            names = [os.path.basename(ln) for ln in f.read().split()]
        os.unlink(log)
        return names

    def run_checkpatch(self):
        results = Results()
        with contextlib.ExitStack() as st:
            for name, fn in (
                    ('export_series', lambda paths, quiet: self.exported),
                    ('submitter_identity', lambda: None),
                    ('owned_files', lambda: ['drivers/iommu/a.c']),
                    ('load_exceptions', lambda: {
                        'patches/0002-b.patch': {'ALLOWED'}}),
                    ('read_series', lambda: [
                        (n, ['drivers/iommu/a.c'] if n == '0001-a.patch'
                         else []) for n in self.patches]),
                    ('patched_files',
                     lambda p: ['include/linux/iommu.h'])):
                st.enter_context(mock.patch.object(lint, name, fn))
            quiet(lint.checkpatch, self.paths, results, self.src,
                  self.cache)
        return {r.name: r for r in results.items}

    def test_clean_runs_are_served_reports_and_crashes_run_again(self):
        every = sorted(self.patches) + ['a.c']
        first = self.run_checkpatch()
        self.assertEqual(sorted(self.checked()), every)
        self.assertEqual(first['checkpatch: patches/0003-c.patch'].status,
                         Status.FAIL)
        second = self.run_checkpatch()
        # the failure and the crash (not a verdict) run again
        self.assertEqual(sorted(self.checked()),
                         ['0003-c.patch', '0004-d.patch'])
        for name in ('patches/0001-a.patch', 'patches/0002-b.patch',
                     'drivers/iommu/a.c'):
            r = second['checkpatch: ' + name]
            self.assertEqual(r.status, Status.PASS)
            self.assertRegex(r.detail, r'^cached verdict [0-9a-f]{12}$')
        self.assertEqual(second['checkpatch: patches/0003-c.patch'].status,
                         Status.FAIL)

    def test_a_changed_input_runs_again(self):
        self.run_checkpatch()
        self.checked()
        self.patches['0001-a.patch'] = 'a changed\n'
        self.export()
        self.run_checkpatch()
        self.assertEqual(sorted(self.checked()),
                         ['0001-a.patch', '0003-c.patch', '0004-d.patch'])
        self.write(os.path.join(self.src, 'drivers/iommu/a.c'), 'int b;\n')
        self.run_checkpatch()
        self.assertEqual(sorted(self.checked()),
                         ['0003-c.patch', '0004-d.patch', 'a.c'])
        # checkpatch reads the tree's headers (CamelCase): all again
        self.write(os.path.join(self.src, 'include/linux/iommu.h'), 'H\n')
        self.run_checkpatch()
        self.assertEqual(sorted(self.checked()),
                         sorted(self.patches) + ['a.c'])
        with open(os.path.join(self.src, 'scripts/checkpatch.pl'), 'a') as f:
            f.write('# a new checkpatch\n')
        self.run_checkpatch()
        self.assertEqual(sorted(self.checked()),
                         sorted(self.patches) + ['a.c'])

    def test_off_runs_everything(self):
        self.run_checkpatch()
        self.checked()
        self.cache = VerdictCache(None)
        self.run_checkpatch()
        self.assertEqual(sorted(self.checked()),
                         sorted(self.patches) + ['a.c'])


if __name__ == '__main__':
    unittest.main()
