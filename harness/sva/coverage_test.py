# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the pure parts of coverage.py."""

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
import unittest

from sva import coverage


def dump(files):
    """The console lines the guest init prints for FILES {path: bytes}."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    b64 = base64.b64encode(data).decode()
    lines = [coverage.LINE + b64[i:i + 76] for i in range(0, len(b64), 76)]
    return data, '\n'.join(['SVA-GCOV-BEGIN'] + lines + [
        f'SVA-GCOV-END {hashlib.sha256(data).hexdigest()}'])


class ExtractTest(unittest.TestCase):
    def test_round_trip(self):
        data, text = dump({'./sys/kernel/debug/gcov/b/obj/drivers/iommu/'
                           'iommu.gcda': b'x' * 300})
        got, why = coverage.extract('[ 1.0] boot\n' + text + '\nSVA-GUEST: '
                                    'done\n')
        self.assertEqual((got, why), (data, ''))
        with tempfile.TemporaryDirectory() as d:
            found = coverage.unpack(got, d)
            self.assertEqual(
                coverage.find_gcda(found, 'drivers/iommu/iommu.c'),
                os.path.join(d, 'sys/kernel/debug/gcov/b/obj/drivers/iommu/'
                             'iommu.gcda'))
            self.assertIsNone(coverage.find_gcda(found,
                                                 'drivers/iommu/intel/'
                                                 'iommu.c'))

    def test_kernel_line_inside_the_dump_is_skipped(self):
        data, text = dump({'a.gcda': b'y' * 500})
        lines = text.splitlines()
        lines.insert(2, '[   60.1] virtio_blk virtio0: something')
        self.assertEqual(coverage.extract('\n'.join(lines))[0], data)

    def test_split_line_fails_the_digest(self):
        _data, text = dump({'a.gcda': b'z' * 500})
        lines = text.splitlines()
        lines[2] = lines[2][:30]       # a kernel line cut it short
        got, why = coverage.extract('\n'.join(lines))
        self.assertIsNone(got)
        self.assertIn('digest', why)

    def test_no_dump(self):
        self.assertEqual(coverage.extract('SVA-GUEST: done\n'),
                         (None, 'the guest printed no gcov counters'))

    def test_cut_short(self):
        _data, text = dump({'a.gcda': b'w'})
        got, why = coverage.extract(text.rsplit('\n', 1)[0])
        self.assertIsNone(got)
        self.assertIn('cut short', why)


class LinesTest(unittest.TestCase):
    def test_added_lines(self):
        self.assertEqual(coverage.added_lines('a\nb\nc\n', 'a\nX\nb\nc\nY\n'),
                         {2, 5})
        self.assertEqual(coverage.added_lines('a\nb\n', 'a\nB\n'), {2})
        self.assertEqual(coverage.added_lines(None, 'a\nb\n'), {1, 2})

    def test_parse_gcov_json_keeps_only_the_file(self):
        doc = {'files': [
            {'file': '../src/drivers/iommu/iommu.c', 'lines': [
                {'line_number': 10, 'count': 3, 'function_name': 'f'},
                {'line_number': 11, 'count': 0, 'function_name': 'f'}]},
            {'file': '../src/include/linux/iommu.h', 'lines': [
                {'line_number': 10, 'count': 9, 'function_name': 'g'}]}]}
        self.assertEqual(
            coverage.parse_gcov_json(json.dumps(doc), 'drivers/iommu/iommu.c'),
            {10: (3, 'f'), 11: (0, 'f')})

    def test_measure_unions_the_guests(self):
        fc = coverage.measure('drivers/iommu/iommu.c', {1, 2, 3, 4}, {
            'x86_64': {1: (0, 'f'), 2: (5, 'f'), 9: (1, 'h')},
            'arm64': {1: (2, 'f'), 3: (0, 'g')}})
        # line 4 has no counter anywhere (not executable), 9 was not added
        self.assertEqual((fc.executable, fc.covered, fc.missed),
                         (3, 2, {'g': 1}))

    def test_measured_files_and_flags(self):
        files = ['drivers/iommu/iommu.c', 'drivers/iommu/intel/iommu-test.c',
                 'drivers/iommu/iommu-sva-kunit.h', 'include/linux/iommu.h',
                 'tools/testing/selftests/iommu/sva.c',
                 'drivers/iommu/intel/iommu.c']
        self.assertEqual(coverage.measured_files(files),
                         ['drivers/iommu/intel/iommu.c',
                          'drivers/iommu/iommu.c'])
        self.assertEqual(coverage.profile_args(files),
                         ['GCOV_PROFILE_iommu.o=y'])

    def test_areas(self):
        self.assertEqual(
            [coverage.area_of(p) for p in (
                'drivers/iommu/iommu-sva-selftest.c', 'drivers/iommu/iommu.c',
                'drivers/iommu/iommu-sva.c', 'drivers/iommu/io-pgfault.c',
                'drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c',
                'drivers/iommu/intel/pasid.c')],
            ['mock', 'core', 'core', 'core', 'smmuv3', 'vt-d'])


if __name__ == '__main__':
    unittest.main()
