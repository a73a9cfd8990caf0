#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the harness's pure parsers, on recorded logs.

The logs are in test_data/ (see test_data/README). Run with "make unit",
or: python3 -m unittest discover -s harness/sva -t harness -p '*_test.py'
"""

import json
import os
import re
import unittest

from sva import parser
from sva.lint import collect_diags
from sva.results import Diag, Result, Status
from sva.util import Failure, read

TEST_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'test_data')
# The source tree the recorded diagnostics were printed for.
SRC = '/work/main/build/src'


def test_data(name):
    """The recorded file NAME, read as the harness reads a console log
    (util.read(): CRLF becomes LF)."""
    return read(os.path.join(TEST_DATA, name))


PASS, FAIL, SKIP = Status.PASS, Status.FAIL, Status.SKIP


class ConsoleProblemsTest(unittest.TestCase):
    # Each alternative of CONSOLE_BAD with a line the kernel (or QEMU)
    # prints that it must catch. Their union is CONSOLE_BAD itself, so a
    # new pattern needs a line here.
    CAUGHT = [
        (r'WARNING:', '[    3.120871] WARNING: CPU: 1 PID: 98 at '
         'drivers/iommu/iommu.c:3402 iommu_detach_device_pasid+0x9c/0xb0'),
        (r'BUG:', '[    7.301220] BUG: kernel NULL pointer dereference, '
         'address: 0000000000000008'),
        (r'\bOops\b', '[    7.301904] Oops: 0000 [#1] PREEMPT SMP KASAN'),
        (r'KASAN:', '[    2.004600] KASAN: null-ptr-deref in range '
         '[0x0000000000000008-0x000000000000000f]'),
        (r'possible circular locking', '[   12.004512] WARNING: possible '
         'circular locking dependency detected'),
        (r'inconsistent lock state', '[   12.004512] WARNING: inconsistent '
         'lock state'),
        (r'possible recursive locking', '[   12.004512] WARNING: possible '
         'recursive locking detected'),
        (r'unreferenced object', 'unreferenced object 0xffff888004a3c000 '
         '(size 64):'),
        (r'suspected memory leak', '[   60.104411] kmemleak: 2 new '
         'suspected memory leaks (see /sys/kernel/debug/kmemleak)'),
        (r'Kernel panic', '[    2.210002] Kernel panic - not syncing: '
         'Fatal exception'),
        (r'iommu fault', '[    9.400118] iommu-sva-mock iommu-sva-mock.0: '
         'iommu fault at 0x7f2c1e400000 pasid 3'),
        (r'DMAR: \[DMA', '[    6.810033] DMAR: [DMA Read NO_PASID] Request '
         'device [00:03.0] fault addr 0x1000 [fault reason 0x06] PTE Read '
         'access is not set'),
        (r'DMAR: DRHD: handling fault', '[    6.809981] DMAR: DRHD: '
         'handling fault status reg 2'),
        (r'arm-smmu-v3.*event 0x', '[    4.310020] arm-smmu-v3 '
         '9050000.smmuv3: event 0x10 received:'),
        (r'INFO: task .* blocked', '[  252.611094] INFO: task sva:131 '
         'blocked for more than 120 seconds.'),
        (r'rcu: INFO:', '[  312.004512] rcu: INFO: rcu_preempt detected '
         'stalls on CPUs/tasks:'),
        (r'Call [Tt]race:', '[    3.123311] Call trace:'),
        (r'Invalidation (Queue|Time-out|Completion) Error',
         '[    8.120330] DMAR: VT-d detected Invalidation Time-out Error: '
         'SID 0'),
        (r'qemu-system-\S+: .*\b(vtd|smmu)', 'qemu-system-x86_64: '
         'vtd_iova_to_slpte: detected slpte permission error (iova=0x1000, '
         'level=0x1, slpte=0x0, write=0, pasid=0x0)'),
    ]
    # Lines of a good boot that must not count.
    CLEAN = [
        '[    0.000000] Kernel command line: console=ttyS0 panic=-1 '
        'kmemleak=on loglevel=7',
        '[    0.000000] kasan: KernelAddressSanitizer initialized',
        '[    1.123907] DMAR: IOMMU enabled',
        '[    1.204456] DMAR: DRHD base: 0x000000fed90000 flags: 0x1',
        '[    3.871024] DMAR: dmar0: Using Queued invalidation',
        '[    2.551840] Lock dependency validator: Copyright (c) 2006 Red '
        'Hat, Inc., Ingo Molnar',
        '[    4.210377] kmemleak: Kernel memory leak detector initialized '
        '(mem pool available: 15679)',
        '[    0.514622] arm-smmu-v3 9050000.smmuv3: allocated 32768 entries '
        'for evtq',
        '[    0.000000] rcu: Preemptible hierarchical RCU implementation.',
        'qemu-system-x86_64: terminating on signal 15 from pid 2201',
        'SVA-CHECK: ok kmemleak-no-leaks',
        '# ok 3 sva.iopf',
    ]

    def test_every_pattern_has_a_line(self):
        self.assertEqual('|'.join(p for p, _ in self.CAUGHT),
                         parser.CONSOLE_BAD.pattern)

    def test_each_pattern_catches_its_line(self):
        for pattern, line in self.CAUGHT:
            with self.subTest(pattern=pattern):
                self.assertTrue(re.search(pattern, line))
                self.assertEqual(parser.console_problems(line + '\r\n'),
                                 [line])

    def test_clean_lines(self):
        for line in self.CLEAN:
            with self.subTest(line=line):
                self.assertEqual(parser.console_problems(line), [])

    def test_clean_boot(self):
        self.assertEqual(
            parser.console_problems(test_data('console-x86_64.log')), [])
        self.assertEqual(
            parser.console_problems(test_data('console-x86_64-legacy.log')),
            [])

    def test_warning_splat(self):
        bad = parser.console_problems(test_data('console-arm64.log'))
        self.assertEqual([ln.split('] ', 1)[1] for ln in bad], [
            'WARNING: CPU: 1 PID: 98 at drivers/iommu/iommu.c:3402 '
            'iommu_detach_device_pasid+0x9c/0xb0',
            'Call trace:'])

    def test_hung_guest(self):
        bad = parser.console_problems(test_data('console-x86_64-hung.log'))
        self.assertEqual(len(bad), 3)
        self.assertIn('INFO: task sva:131 blocked', bad[0])
        self.assertIn('Call Trace:', bad[1])
        self.assertIn('rcu: INFO: rcu_preempt detected stalls', bad[2])

    def test_panic_before_init(self):
        bad = parser.console_problems(test_data('console-no-init.log'))
        self.assertEqual(len(bad), 3)
        self.assertIn('BUG: KASAN: slab-out-of-bounds', bad[0])
        self.assertIn('Kernel panic - not syncing', bad[1])
        self.assertIn('end Kernel panic', bad[2])


class GuestResultsTest(unittest.TestCase):
    def test_ok(self):
        self.assertEqual(parser.guest_results('SVA-CHECK: ok iommu-probed'),
                         [Result(PASS, 'iommu-probed')])

    def test_not_ok_with_why(self):
        self.assertEqual(
            parser.guest_results('SVA-CHECK: not ok disk-translated - '
                                 "the virtio disk's group has no DMA "
                                 'domain\r\n'),
            [Result(FAIL, 'disk-translated',
                    "the virtio disk's group has no DMA domain")])

    def test_skip_with_why(self):
        self.assertEqual(
            parser.guest_results('SVA-CHECK: skip iq-device-tlb - no ATS '
                                 'in this QEMU'),
            [Result(SKIP, 'iq-device-tlb', 'no ATS in this QEMU')])

    def test_not_ok_without_why(self):
        self.assertEqual(parser.guest_results('SVA-CHECK: not ok x\r'),
                         [Result(FAIL, 'x', '')])

    def test_not_a_verdict(self):
        for line in ('SVA-GUEST: init (x86_64, 6.1.158)',
                     'SVA-CHECK: maybe iommu-probed',
                     'SVA-CHECK: ok',
                     'RTADDR_REG=0x0000000103ad2400'):
            with self.subTest(line=line):
                self.assertEqual(parser.guest_results(line), [])

    def test_recorded_x86_64(self):
        self.assertEqual(
            parser.guest_results(test_data('console-x86_64.log')),
            [Result(PASS, n) for n in (
                'iommu-probed', 'iommu-scalable-mode',
                'disk-second-level-entry', 'disk-translated',
                'disk-dma-checksum', 'kmemleak-no-leaks')])

    def test_recorded_arm64(self):
        self.assertEqual(
            parser.guest_results(test_data('console-arm64.log')),
            [Result(PASS, 'iommu-probed'), Result(PASS, 'disk-translated'),
             Result(FAIL, 'disk-dma-checksum',
                    'data read by DMA through the IOMMU is wrong')])

    def test_no_init(self):
        self.assertEqual(
            parser.guest_results(test_data('console-no-init.log')), [])


class KselftestTest(unittest.TestCase):
    def test_pass_and_fail(self):
        res = parser.kselftest_results(test_data('console-x86_64.log'))
        self.assertEqual(res, [
            Result(PASS, 'iommu/iommu_groups: global.groups_exist'),
            Result(PASS, 'iommu/iommu_groups: global.group_types_known'),
            Result(PASS, 'iommu/iommu_groups: global.virtio_disk_translated'),
            Result(PASS, 'iommu/sva_mock: mock.create_destroy'),
            Result(PASS, 'iommu/sva_mock: mock.bad_requests'),
            Result(PASS, 'iommu/sva: sva.bind_unbind'),
            # the outer "not ok 3 selftests: iommu: sva # exit=1" adds
            # nothing: the failed case already counts
            Result(FAIL, 'iommu/sva: sva.munmap'),
            Result(PASS, 'iommu/sva: sva.iopf'),
        ])

    def test_kernel_lines_in_between(self):
        res = parser.kselftest_results(test_data('console-arm64.log'))
        self.assertEqual(res, [Result(PASS, 'iommu/sva: sva.bind_unbind'),
                               Result(PASS, 'iommu/sva: sva.iopf')])

    def test_binary_failed_without_a_failed_case(self):
        res = parser.kselftest_results(test_data('kselftest/timeout.log'))
        self.assertEqual(res, [
            Result(PASS, 'iommu/sva_mock: mock.create_destroy'),
            Result(PASS, 'iommu/sva: sva.bind_unbind'),
            Result(FAIL, 'iommu/sva', 'binary failed: # TIMEOUT 45 seconds'),
        ])

    def test_skip(self):
        res = parser.kselftest_results(test_data('kselftest/skip.log'))
        self.assertEqual(res, [
            Result(PASS, 'iommu/iommu_groups: global.groups_exist'),
            Result(SKIP, 'iommu/iommu_groups: global.virtio_disk_translated',
                   'no virtio disk vda in this machine'),
            Result(SKIP, 'iommu/iommu_groups: global.group_types_known',
                   'skipped'),
            # a binary skipped as a whole ("1..0 # SKIP") has no case
        ])

    def test_skip_as_linux_6_1_prints_it(self):
        # Linux 6.1's kselftest_harness.h prints a skipped case as
        # "ok N # SKIP why", without its name: the name is the one of the
        # last "RUN" line.
        res = parser.kselftest_results(test_data('kselftest/skip-6.1.log'))
        self.assertEqual(res, [
            Result(PASS, 'iommu/sva: sva.bind_unbind'),
            Result(SKIP, 'iommu/sva: sva.pasid_lifetime',
                   'other processes hold PASIDs 1 to 3')])

    def test_runner_never_started(self):
        self.assertIsNone(
            parser.kselftest_results(test_data('console-no-init.log')))

    def test_runner_printed_nothing(self):
        self.assertEqual(
            parser.kselftest_results(test_data('console-x86_64-legacy.log')),
            [])

    def test_guest_hung_in_a_test(self):
        # No SVA-KSELFTEST-END: the cases up to the hang count, the one
        # that hung has no line.
        self.assertEqual(
            parser.kselftest_results(test_data('console-x86_64-hung.log')),
            [Result(PASS, 'iommu/sva: sva.bind_unbind')])

    def test_tap_outside_the_markers_is_ignored(self):
        text = ('# selftests: iommu: sva\n# ok 1 sva.early\n'
                'SVA-KSELFTEST-BEGIN\nSVA-KSELFTEST-END\n'
                '# not ok 2 sva.late\n')
        self.assertEqual(parser.kselftest_results(text), [])


class KtapTest(unittest.TestCase):
    def test_part_before_init(self):
        text = test_data('console-x86_64.log')
        kpart = parser.ktap_part(text)
        self.assertTrue(text.startswith(kpart))
        self.assertTrue(kpart.endswith('Run /init as init process\n'))
        self.assertIn('    KTAP version 1\n', kpart)
        self.assertIn('not ok 1 intel-iommu\n', kpart)
        self.assertNotIn('SVA-CHECK', kpart)
        self.assertNotIn('TAP version 13', kpart)   # the kselftest runner's

    def test_no_kunit(self):
        self.assertIsNone(parser.ktap_part(test_data('console-no-init.log')))

    def test_kselftest_tap_after_init_is_not_kunit(self):
        text = test_data('console-x86_64.log')
        text = re.sub(r'.*KTAP version 1.*\n', '', text)
        self.assertIsNone(parser.ktap_part(text))

    def test_no_init_line(self):
        text = 'KTAP version 1\n1..1\n    KTAP version 1\n'
        self.assertEqual(parser.ktap_part(text), text)

    def test_tap_header(self):
        # KUnit before KTAP printed "TAP version 14"
        self.assertEqual(parser.ktap_part('TAP version 14\n1..0\n'),
                         'TAP version 14\n1..0\n')

    def test_kunit_json_x86_64(self):
        data = json.loads(test_data('kunit-x86_64.json'))
        self.assertEqual(parser.kunit_cases(data), [
            Result(PASS, 'intel-iommu.intel_iommu_test_sva_entry'),
            Result(PASS, 'intel-iommu.intel_iommu_test_sva_invalidate'),
            Result(FAIL, 'intel-iommu.intel_iommu_test_two_pasids', 'FAIL'),
            Result(SKIP,
                   'intel-iommu-machine.intel_iommu_test_machine_no_sva',
                   'skipped by the test'),
            Result(PASS, 'iommu-sva-test.iommu_sva_test_global_pasid'),
            Result(PASS, 'iommu-sva-test.iommu_sva_test_attach_pasid'),
        ])

    def test_kunit_json_arm64(self):
        data = json.loads(test_data('kunit-arm64.json'))
        res = parser.kunit_cases(data)
        self.assertEqual([r.name for r in res], [
            'arm-smmu-v3.arm_smmu_test_sva_cd',
            'arm-smmu-v3.arm_smmu_test_sva_cd_2lvl',
            'arm-smmu-v3.arm_smmu_test_paging_cd',
            'arm-smmu-v3-machine.arm_smmu_test_machine_no_ssid'])
        self.assertEqual({r.status for r in res}, {PASS})

    def test_kunit_skip_log_and_other_statuses(self):
        data = {'name': 'KUnit Test Group', 'test_cases': [], 'sub_groups': [
            {'name': 'suite', 'test_cases': [
                {'name': 'skipped', 'status': 'SKIP',
                 'log': 'x' * 300 + ' # SKIP no PCI device behind VT-d'},
                {'name': 'crashed', 'status': 'TEST_CRASHED'},
                {'name': 'no_status'},
            ], 'sub_groups': [
                {'name': 'params', 'test_cases': [
                    {'name': 'param-0', 'status': 'PASS'}]}]}]}
        res = parser.kunit_cases(data)
        self.assertEqual(res[0].status, SKIP)
        self.assertEqual(len(res[0].detail), 200)
        self.assertTrue(res[0].detail.endswith('no PCI device behind VT-d'))
        self.assertEqual(res[1:], [
            Result(FAIL, 'suite.crashed', 'TEST_CRASHED'),
            Result(FAIL, 'suite.no_status', 'FAIL'),
            Result(PASS, 'suite.params.param-0')])

    def test_kunit_empty(self):
        self.assertEqual(parser.kunit_cases({'name': 'KUnit Test Group',
                                             'sub_groups': [],
                                             'test_cases': []}), [])


class DiagnosticsTest(unittest.TestCase):
    OUT = '/work/main/build/obj-x86_64'

    def norm(self, path):
        return parser.norm_path(path, SRC, self.OUT)

    def test_gcc(self):
        text = test_data('sva-diag/cc/drivers/iommu/iommu.o.diag')
        self.assertEqual(
            parser.parse_diags(text, 'cc', 'drivers/iommu/iommu.o',
                               self.norm),
            [Diag('include/linux/iommu.h', 1190,
                  "no previous prototype for 'iommu_sva_domain_alloc' "
                  '[-Wmissing-prototypes]', 'cc', 'drivers/iommu/iommu.o'),
             Diag('drivers/iommu/iommu.c', 3371,
                  "unused variable 'ret' [-Wunused-variable]", 'cc',
                  'drivers/iommu/iommu.o')])

    def test_sparse(self):
        text = test_data('sva-diag/sparse/drivers/iommu/iommu-sva-lib.c.diag')
        diags = parser.parse_diags(text, 'sparse',
                                   'drivers/iommu/iommu-sva-lib.o',
                                   self.norm)
        self.assertEqual([(d.file, d.line) for d in diags],
                         [('drivers/iommu/iommu-sva-lib.c', 142),
                          ('include/linux/mm_types.h', 711)])
        self.assertTrue(diags[1].message.startswith('incompatible types'))

    def test_kernel_doc(self):
        diags = parser.parse_diags(test_data('kernel-doc.txt'), 'kernel-doc')
        self.assertEqual(len(diags), 3)
        self.assertEqual(diags[0], Diag(
            'drivers/iommu/iommu.c', 3345, "Function parameter or member "
            "'pasid' not described in 'iommu_attach_device_pasid'",
            'kernel-doc', None))
        self.assertEqual(diags[2].file, 'include/linux/iommu.h')

    def test_not_diagnostics(self):
        for line in (
                'In file included from /work/main/build/src/drivers/iommu/'
                'iommu.c:21:',
                "drivers/iommu/iommu.c: In function 'iommu_attach_device'",
                ' 3371 |         int ret;',
                'drivers/iommu/iommu.c:12:3: note: declared here',
                './include/linux/mm_types.h:711:25:    struct mm_struct '
                '[noderef] __rcu *',
                'make[4]: *** [scripts/Makefile.build:250: x.o] Error 1'):
            with self.subTest(line=line):
                self.assertEqual(parser.parse_diags(line, 'cc'), [])

    def test_norm_path(self):
        self.assertEqual(self.norm(SRC + '/drivers/iommu/iommu.c'),
                         'drivers/iommu/iommu.c')
        self.assertEqual(self.norm(self.OUT + '/include/generated/autoconf.h'),
                         'include/generated/autoconf.h')
        self.assertEqual(self.norm('./include/linux/iommu.h'),
                         'include/linux/iommu.h')
        self.assertEqual(self.norm('/usr/include/stdio.h'),
                         '/usr/include/stdio.h')
        self.assertEqual(self.norm(SRC + '-old/x.c'), SRC + '-old/x.c')

    def test_diag_origin(self):
        self.assertEqual(
            parser.diag_origin(os.path.join('cc', 'drivers', 'iommu',
                                            'iommu.o.diag')),
            ('cc', 'drivers/iommu/iommu.o'))
        self.assertEqual(
            parser.diag_origin(os.path.join('sparse', 'drivers', 'iommu',
                                            'iommu-sva-lib.c.diag')),
            ('sparse', 'drivers/iommu/iommu-sva-lib.o'))

    def test_key_ignores_line_numbers(self):
        a = Diag('drivers/iommu/iommu.c', 3371,
                 "unused variable 'ret' at 3371", 'cc', 'x.o')
        b = Diag('drivers/iommu/iommu.c', 3380,
                 "unused variable 'ret' at 3380", 'cc', 'y.o')
        self.assertEqual(parser.diag_key(a), parser.diag_key(b))
        self.assertEqual(parser.diag_key(a),
                         ('drivers/iommu/iommu.c',
                          "unused variable 'ret' at N", 'cc'))
        self.assertNotEqual(parser.diag_key(a),
                            parser.diag_key(Diag(a.file, a.line, a.message,
                                                 'sparse', a.obj)))

    def test_unique(self):
        diags = collect_diags(TEST_DATA, SRC)
        self.assertEqual(len(diags), 5)
        unique = parser.unique_diags(diags)
        self.assertEqual(len(unique), 4)   # iommu.h's warning, once
        header = [d for d in unique if d.file == 'include/linux/iommu.h']
        self.assertEqual(len(header), 1)
        self.assertIn(header[0].obj, ('drivers/iommu/iommu.o',
                                      'drivers/iommu/intel/pasid.o'))

    def test_collect(self):
        diags = sorted(collect_diags(TEST_DATA, SRC),
                       key=lambda d: (d.obj, d.file, d.line))
        self.assertEqual([(d.obj, d.tool, d.file, d.line) for d in diags], [
            ('drivers/iommu/intel/pasid.o', 'cc', 'include/linux/iommu.h',
             1190),
            ('drivers/iommu/iommu-sva-lib.o', 'sparse',
             'drivers/iommu/iommu-sva-lib.c', 142),
            ('drivers/iommu/iommu-sva-lib.o', 'sparse',
             'include/linux/mm_types.h', 711),
            ('drivers/iommu/iommu.o', 'cc', 'drivers/iommu/iommu.c', 3371),
            ('drivers/iommu/iommu.o', 'cc', 'include/linux/iommu.h', 1190),
        ])

    def test_format(self):
        self.assertEqual(
            parser.format_diags([Diag('a.c', 3, 'unused', 'cc', 'a.o'),
                                 Diag('a.h', 9, 'bad doc', 'kernel-doc')]),
            'a.c:3: cc: unused\na.h:9: kernel-doc: bad doc')


class PatchMessageTest(unittest.TestCase):
    def test_make_patches_format(self):
        name = '0001-MAINTAINERS-add-an-entry-for-IOMMU-PASID-and-SVA.patch'
        msg = parser.patch_message(test_data(name), name)
        subject, body = msg.split('\n\n', 1)
        self.assertEqual(subject,
                         'MAINTAINERS: add an entry for IOMMU PASID and SVA')
        self.assertTrue(body.startswith('The PASID/SVA documentation'))
        self.assertTrue(body.endswith('IOMMU SUBSYSTEM entry.\n'))
        self.assertNotIn('---', msg)
        self.assertNotIn('diff --git', msg)

    def test_format_patch_format(self):
        name = '0005-iommu-allocate-PASIDs-in-the-core.patch'
        msg = parser.patch_message(test_data(name), name)
        self.assertEqual(msg, (
            'iommu: allocate PASIDs in the core\n\n'
            'Each driver kept its own PASID allocator, so a process bound '
            'to devices\nbehind two IOMMUs could get two PASIDs. Allocate '
            'from one global space\nin the core: an mm gets its PASID at '
            'its first bind and keeps it until\nthe mm is freed.\n\n'
            'Reviewed-by: A Reviewer <reviewer@example.org>\n'))

    def test_subject_without_prefix(self):
        self.assertEqual(parser.patch_message(
            'Subject: iommu: one thing\n\nWhy.\n---\n', 'p'),
            'iommu: one thing\n\nWhy.\n')

    def test_no_body(self):
        self.assertEqual(parser.patch_message(
            'Subject: [PATCH v2 3/7] iommu: one thing\n', 'p'),
            'iommu: one thing\n\n\n')

    def test_no_subject(self):
        with self.assertRaisesRegex(Failure,
                                    r'^patches/x\.patch: no Subject: line$'):
            parser.patch_message('From: a@b\n\nbody\n', 'patches/x.patch')

    def test_diff_files(self):
        self.assertEqual(parser.diff_files(test_data(
            '0005-iommu-allocate-PASIDs-in-the-core.patch')),
            ['drivers/iommu/iommu-sva-lib.c'])
        self.assertEqual(parser.diff_files(
            '--- a/old.c\n+++ /dev/null\n--- /dev/null\n+++ b/new.c\n'
            '+++ plain.c\n'), ['old.c', 'new.c', 'plain.c'])
        self.assertEqual(parser.deleted_files(
            '--- a/old.c\n+++ /dev/null\n--- /dev/null\n+++ b/new.c\n'
            '--- a/kept.c\n+++ b/kept.c\n'), ['old.c'])


class SeriesTest(unittest.TestCase):
    def test_recorded(self):
        series = parser.parse_series(test_data('series'))
        self.assertEqual(len(series), 6)
        self.assertEqual(series[0], (
            '0001-MAINTAINERS-add-an-entry-for-IOMMU-PASID-and-SVA.patch',
            []))
        self.assertEqual(series[3], (
            '0010-iommu-arm-smmu-v3-add-KUnit-tests-of-CDs-and-invalid.patch',
            ['drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c',
             'drivers/iommu/iommu-sva-kunit.h']))
        self.assertEqual(len(series[5][1]), 8)

    def test_comments_and_blank_lines(self):
        self.assertEqual(parser.parse_series(
            '# header\n\n0001-a.patch  # first\n   \n0002-b.patch x.c y.c\n'),
            [('0001-a.patch', []), ('0002-b.patch', ['x.c', 'y.c'])])

    def test_empty(self):
        self.assertEqual(parser.parse_series(''), [])

    def test_not_a_patch_name(self):
        with self.assertRaisesRegex(
                Failure, r'^patches/series:3: not a patch name: '
                r'drivers/iommu/x\.c$'):
            parser.parse_series('# header\n0001-a.patch\n'
                                'drivers/iommu/x.c 0002-b.patch\n')

    def problems(self, series, owned=('x.c',), patch_files=None, base=()):
        names = [n for n, _ in series]
        if patch_files is None:
            patch_files = sorted(names)
        return parser.series_problems(series, list(owned), patch_files,
                                      lambda n: n in patch_files,
                                      lambda f: f in base)

    def test_consistent(self):
        self.assertEqual(self.problems([('0001-a.patch', ['x.c'])]), [])

    def test_missing_patch(self):
        self.assertEqual(self.problems([('0001-a.patch', ['x.c'])],
                                       patch_files=['series']),
                         ['patches/series names missing patch 0001-a.patch'])

    def test_added_twice(self):
        self.assertEqual(
            self.problems([('0001-a.patch', ['x.c']),
                           ('0002-b.patch', ['x.c'])]),
            ['x.c is added by both 0001-a.patch and 0002-b.patch'])

    def test_added_but_not_in_overlay(self):
        self.assertEqual(
            self.problems([('0001-a.patch', ['x.c', 'y.c'])]),
            ['0001-a.patch adds y.c, which is not in the overlay'])

    def test_overlay_file_not_added(self):
        self.assertEqual(
            self.problems([('0001-a.patch', ['x.c'])], owned=('x.c', 'z.c')),
            ['overlay file z.c is not added by any patch in patches/series'])

    def test_overlay_file_in_base(self):
        self.assertEqual(
            self.problems([('0001-a.patch', ['x.c'])], base=('x.c',)),
            ['x.c exists in the base: change it with a patch, not a copy'])

    def test_patch_not_listed(self):
        self.assertEqual(
            self.problems([('0001-a.patch', ['x.c'])],
                          patch_files=['0001-a.patch', '0002-b.patch',
                                       'notes.txt', 'series']),
            ['patches/0002-b.patch is not listed in patches/series'])


if __name__ == '__main__':
    unittest.main()
