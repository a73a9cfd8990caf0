#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of harness/series.py: argv and the environment read into one
Request, and every verb of the command line in the verb table."""

import dataclasses
import os
import unittest

import series
from sva.util import TOP, Failure


def request(argv, **env):
    return series.make_request(series.arg_parser().parse_args(argv), env)


class RequestTest(unittest.TestCase):
    def test_defaults(self):
        req = request(['boot'])
        self.assertEqual(req.verb, 'boot')
        self.assertEqual(req.arch, 'x86_64')
        self.assertEqual(req.paths.build, os.path.join(TOP, 'build'))
        self.assertEqual(req.paths.tarball,
                         '/usr/src/linux-source-6.1.tar.xz')
        self.assertEqual((req.tests, req.kunit, req.mode), ('', '', ''))
        self.assertFalse(req.boot.kvm)
        self.assertIsNone(req.boot.timeout)
        self.assertTrue(req.bisect)
        self.assertEqual((req.bisect_after, req.bisect_budget),
                         (2700.0, 1500.0))
        self.assertFalse(req.force)
        self.assertIsNone(req.host_ccache)
        self.assertEqual(req.verdicts, os.path.expanduser(
            '~/.cache/sva-series/verdicts'))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            req.arch = 'arm64'

    def test_environment(self):
        req = request(['run', '--arch', 'arm64'], BUILD='out',
                      LINUX_SOURCE='/srv/l.tar.xz', TESTS='iommu:sva',
                      KUNIT='arm-smmu-v3*', SVA_MODE='legacy', SVA_KVM='1',
                      SVA_BOOT_TIMEOUT='90', BISECT='0', BISECT_AFTER='10',
                      BISECT_BUDGET='20.5', FORCE='1', SVA_FRESH_CCACHE='1',
                      CCACHE_DIR='/srv/ccache', SVA_VERDICT_CACHE='/srv/v/')
        self.assertEqual(req.arch, 'arm64')
        self.assertEqual(req.paths.build, os.path.abspath('out'))
        self.assertEqual(req.paths.tarball, '/srv/l.tar.xz')
        self.assertEqual((req.tests, req.kunit, req.mode),
                         ('iommu:sva', 'arm-smmu-v3*', 'legacy'))
        self.assertTrue(req.boot.kvm)
        self.assertEqual(req.boot.timeout, 90.0)
        self.assertFalse(req.bisect)
        self.assertEqual((req.bisect_after, req.bisect_budget), (10.0, 20.5))
        self.assertTrue(req.force)
        self.assertEqual(req.host_ccache, '/srv/ccache')
        self.assertEqual(req.verdicts, '/srv/v')

    def test_verdict_cache(self):
        self.assertEqual(request(['check'], HOME='/home/u').verdicts,
                         '/home/u/.cache/sva-series/verdicts')
        self.assertIsNone(request(['bisect'],
                                  SVA_VERDICT_CACHE='off').verdicts)
        # "off" turns it off; anything else must be a directory outside
        # the clone
        with self.assertRaisesRegex(Failure, 'SVA_VERDICT_CACHE=0'):
            request(['bisect'], SVA_VERDICT_CACHE='0')

    def test_flags_need_their_exact_value(self):
        req = request(['check'], SVA_KVM='yes', BISECT='no',
                      SVA_FRESH_CCACHE='true', FORCE='')
        self.assertFalse(req.boot.kvm)
        self.assertTrue(req.bisect)
        self.assertIsNone(req.host_ccache)
        self.assertFalse(req.force)

    def test_fresh_ccache_default_dir(self):
        req = request(['fresh-check'], SVA_FRESH_CCACHE='1')
        self.assertEqual(req.host_ccache,
                         os.path.expanduser('~/.cache/ccache'))

    def test_check_arches(self):
        self.assertEqual(request(['check']).arches, ('x86_64', 'arm64'))
        self.assertEqual(request(['check', '--arch', 'arm64']).arches,
                         ('arm64',))

    def test_bad_number(self):
        with self.assertRaisesRegex(Failure, 'BISECT_BUDGET=soon'):
            request(['check'], BISECT_BUDGET='soon')
        with self.assertRaisesRegex(Failure, 'SVA_BOOT_TIMEOUT='):
            request(['boot'], SVA_BOOT_TIMEOUT='')


class VerbsTest(unittest.TestCase):
    def test_every_verb_has_a_function(self):
        verbs = series.arg_parser()._subparsers._group_actions[0].choices
        self.assertEqual(set(verbs), set(series.VERBS))
        self.assertIs(series.VERBS['run'], series.VERBS['boot'])


if __name__ == '__main__':
    unittest.main()
