#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the results collector: the lines it prints."""

import contextlib
import io
import unittest

from sva.results import Result, Results, Status


def printed(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ret = fn()
    return ret, out.getvalue()


class ResultsTest(unittest.TestCase):
    def test_lines(self):
        r = Results()
        _, out = printed(lambda: (
            r.add(True, 'apply', 'not printed'),
            r.add(False, 'x86_64/build', 'build x86_64 failed'),
            r.skip('bisect', 'BISECT=0 was given'),
            r.record(Status.PASS, 'x86_64/guest: iommu-probed'),
            r.record(Status.FAIL, 'x86_64/guest: disk-translated', 'no DMA'),
            r.record(Status.SKIP, 'x86_64/kunit: a.b', 'skipped by the test'),
            r.cached('bisect: step 1 (0001-a.patch) builds for arm64',
                     'cached verdict 0123456789ab'),
        ))
        self.assertEqual(out.splitlines(), [
            'PASS: apply',
            'FAIL: x86_64/build - build x86_64 failed',
            'SKIP: bisect - BISECT=0 was given',
            'PASS: x86_64/guest: iommu-probed',
            'FAIL: x86_64/guest: disk-translated - no DMA',
            'SKIP: x86_64/kunit: a.b - skipped by the test',
            'PASS: bisect: step 1 (0001-a.patch) builds for arm64 - cached '
            'verdict 0123456789ab',
        ])
        self.assertEqual(r.items[0], Result(Status.PASS, 'apply',
                                            'not printed'))
        self.assertEqual(r.items[-1].status, Status.PASS)

    def test_summary(self):
        r = Results()
        printed(lambda: (r.add(True, 'a'), r.add(False, 'b', 'why\nmore'),
                         r.add(False, 'c'), r.skip('d', 'later')))
        ok, out = printed(r.summary)
        self.assertFalse(ok)
        self.assertEqual(out.splitlines(), [
            'skipped:', '  d: later',
            'failed:', '  b: why', '  c',
            '1 passed, 2 failed, 1 skipped'])

    def test_summary_all_passed(self):
        r = Results()
        printed(lambda: r.add(True, 'a'))
        ok, out = printed(r.summary)
        self.assertTrue(ok)
        self.assertEqual(out, '1 passed, 0 failed\n')


if __name__ == '__main__':
    unittest.main()
