#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of make bench's reading of the console: figures found
whatever precedes them on the line, errors kept, goals judged by their
median and their direction, and a run that stopped early failing."""

import contextlib
import io
import unittest

from sva import bench
from sva.results import Results, Status

LINE = ('SVA-BENCH: {"name": "%s", "unit": "ratio", "n": 3, '
        '"median": %s, "min": 0.5, "max": 2%s}')


def console(*lines, end=True):
    text = ['SVA-GUEST: init (arm64, 6.1.0)'] + list(lines)
    if end:
        text.append('SVA-BENCH-END')
    return '\n'.join(text + ['SVA-GUEST: done']) + '\n'


def verdicts(text, timed_out=False):
    results = Results()
    figures, errors = bench.parse(text)
    with contextlib.redirect_stdout(io.StringIO()):
        bench.bench_results(results, 'arm64', text, timed_out, figures,
                            errors)
    return {r.name.split(': ', 1)[1]: r.status for r in results.items}


class ParseTest(unittest.TestCase):
    def test_figures_in_order_after_kernel_noise(self):
        text = console(LINE % ('a', '1', ''),
                       '[   12.5] x ' + LINE % ('b', '3', ''))
        figures, errors = bench.parse(text)
        self.assertEqual(['a', 'b'], [f['name'] for f in figures])
        self.assertEqual(3, figures[1]['median'])
        self.assertEqual([], errors)

    def test_broken_line_and_program_error_are_errors(self):
        text = console('SVA-BENCH: {"name": "a", "med',
                       'SVA-BENCH-ERROR: bind: No such device')
        figures, errors = bench.parse(text)
        self.assertEqual([], figures)
        self.assertEqual(2, len(errors))
        self.assertIn('bind: No such device', errors[1])


class GoalTest(unittest.TestCase):
    def test_goal_max_is_inclusive(self):
        self.assertEqual(True, bench.goal_verdict(
            {'median': 1.2, 'goal_max': 1.2})[0])
        self.assertEqual(False, bench.goal_verdict(
            {'median': 1.21, 'goal_max': 1.2})[0])

    def test_goal_min_is_inclusive(self):
        self.assertEqual(True, bench.goal_verdict(
            {'median': 1.6, 'goal_min': 1.6})[0])
        self.assertEqual(False, bench.goal_verdict(
            {'median': 1.59, 'goal_min': 1.6})[0])

    def test_no_goal_no_verdict(self):
        self.assertIsNone(bench.goal_verdict({'median': 9}))

    def test_each_goal_is_one_verdict(self):
        v = verdicts(console(LINE % ('fast', '1', ', "goal_max": 4'),
                             LINE % ('scales', '1', ', "goal_min": 1.6'),
                             LINE % ('info', '7', '')))
        self.assertEqual(Status.PASS, v['goal fast'])
        self.assertEqual(Status.FAIL, v['goal scales'])
        self.assertNotIn('goal info', v)
        self.assertEqual(Status.PASS,
                         v['the program ran every figure asked for'])

    def test_program_that_stopped_fails(self):
        v = verdicts(console(LINE % ('a', '1', ''), end=False))
        self.assertEqual(Status.FAIL,
                         v['the program ran every figure asked for'])
        v = verdicts(console('SVA-BENCH-ERROR: x'))
        self.assertEqual(Status.FAIL,
                         v['the program ran every figure asked for'])

    def test_guest_that_timed_out_fails(self):
        v = verdicts(console(LINE % ('a', '1', '')), timed_out=True)
        self.assertEqual(Status.FAIL,
                         v['guest ran to the end and powered off'])


class TableTest(unittest.TestCase):
    def test_one_row_per_figure_with_its_goal(self):
        figures, _ = bench.parse(console(
            LINE % ('fault', '32.6', ', "goal_max": 4')))
        rows = bench.table(figures).splitlines()
        self.assertEqual(2, len(rows))
        self.assertTrue(rows[1].startswith('fault '))
        self.assertTrue(rows[1].endswith('<= 4'))


if __name__ == '__main__':
    unittest.main()
