# SPDX-License-Identifier: GPL-2.0
"""Unit tests of gitops: what make patches writes for a commit."""

import os
import re
import subprocess
import tempfile
import unittest

from . import gitops


def _git(tree, *args):
    subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@t',
                    *args], cwd=tree, check=True, capture_output=True)


class PatchDiffTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.tree = self.tmp.name
        _git(self.tree, 'init', '-q')
        # What a small repository abbreviates to, made explicit
        _git(self.tree, 'config', 'core.abbrev', '7')
        with open(os.path.join(self.tree, 'a.c'), 'w') as f:
            f.write('int a;\n')
        _git(self.tree, 'add', 'a.c')
        _git(self.tree, 'commit', '-q', '-m', 'base')
        with open(os.path.join(self.tree, 'a.c'), 'a') as f:
            f.write('int b;\n')
        os.makedirs(os.path.join(self.tree, 'drivers'))
        with open(os.path.join(self.tree, 'drivers', 'new.c'), 'w') as f:
            f.write('int c;\n')
        _git(self.tree, 'add', '.')
        _git(self.tree, 'commit', '-q', '-m', 'change')

    def tearDown(self):
        self.tmp.cleanup()

    def test_index_lines_do_not_depend_on_the_repository(self):
        diff = gitops.patch_diff(self.tree, 'HEAD')
        index = [ln for ln in diff.splitlines() if ln.startswith('index ')]
        self.assertEqual(len(index), 2)
        for ln in index:
            m = re.match(r'index ([0-9a-f]+)\.\.([0-9a-f]+)', ln)
            self.assertIsNotNone(m, ln)
            self.assertEqual(len(m.group(1)), gitops.PATCH_ABBREV, ln)
            self.assertEqual(len(m.group(2)), gitops.PATCH_ABBREV, ln)

    def test_overlay_files_are_left_out(self):
        diff = gitops.patch_diff(self.tree, 'HEAD', ['drivers/new.c'])
        self.assertIn('a.c', diff)
        self.assertNotIn('new.c', diff)
        self.assertIn(' 1 file changed', diff)


if __name__ == '__main__':
    unittest.main()
