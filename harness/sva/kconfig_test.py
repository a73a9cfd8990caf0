#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the merged config fragments: the bench kernel's
(harness/configs/bench.config) turns off what the test kernel's debug
options turn on, and nothing else."""

import os
import types
import unittest

from sva.kconfig import fragment_for, parse_config
from sva.util import HARNESS, TOP

BENCH = os.path.join(HARNESS, 'configs', 'bench.config')
PATHS = types.SimpleNamespace(build=os.path.join(TOP, 'build'))


class BenchFragmentTest(unittest.TestCase):
    def merged(self, arch, extra=()):
        return parse_config(fragment_for(PATHS, arch, TOP, extra))

    def test_debug_options_off(self):
        for arch in ('arm64', 'x86_64'):
            test, bench = self.merged(arch), self.merged(arch, (BENCH,))
            for opt in ('CONFIG_KASAN', 'CONFIG_PROVE_LOCKING',
                        'CONFIG_DEBUG_KMEMLEAK', 'CONFIG_GCOV_KERNEL',
                        'CONFIG_FAILSLAB'):
                self.assertEqual('y', test[opt], (arch, opt))
                self.assertEqual('n', bench[opt], (arch, opt))
            # What the benchmark runs on stays
            for opt in ('CONFIG_IOMMU_SVA_SELFTEST', 'CONFIG_IOMMU_DEBUGFS',
                        'CONFIG_DEBUG_KERNEL'):
                self.assertEqual('y', bench[opt], (arch, opt))

    def test_only_turns_off_what_the_test_config_asks(self):
        # A misspelt option would be silently "not set": each one the
        # bench fragment names is one the test fragments ask for.
        bench = parse_config(open(BENCH).read())
        self.assertTrue(bench)
        for arch in ('arm64', 'x86_64'):
            test = self.merged(arch)
            for opt, val in bench.items():
                self.assertEqual('n', val, opt)
                self.assertIn(opt, test, (arch, opt))
                self.assertNotEqual('n', test[opt], (arch, opt))


if __name__ == '__main__':
    unittest.main()
