#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit tests of the requirement table, the apt-get lines and the apt
sources parser (on the fake /etc/apt in test_data/apt/)."""

import dataclasses
import os
import tempfile
import unittest

from sva import deps
from sva.deps import BACKPORTS, Requirement

APT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test_data',
                   'apt')
KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'


class RequirementTest(unittest.TestCase):
    def test_frozen_keyword_fields(self):
        r = Requirement(package='gcc', probe='gcc')
        self.assertIsNone(r.suite)
        self.assertIsNone(r.min_version)
        with self.assertRaises(dataclasses.FrozenInstanceError):
            r.package = 'clang'
        with self.assertRaises(TypeError):
            Requirement('gcc', 'gcc')

    def test_table(self):
        reqs = deps.requirements('/srv/linux-source-6.1.tar.xz')
        self.assertEqual(reqs[0], Requirement(
            package='linux-source-6.1', probe='/srv/linux-source-6.1.tar.xz'))
        packages = [r.package for r in reqs]
        # a package may have several probes, but each probe one package
        probes = [r.probe for r in reqs]
        self.assertEqual(len(probes), len(set(probes)))
        self.assertIn(Requirement(package='gcc', probe='gcov'), reqs)
        for p in ('qemu-system-x86', 'qemu-system-arm', 'coccinelle',
                  'sparse', 'ccache', 'debootstrap'):
            self.assertIn(p, packages)
        backports = [r for r in reqs if r.suite]
        self.assertEqual({r.package for r in backports},
                         {'qemu-system-x86', 'qemu-system-arm'})
        self.assertEqual({(r.suite, r.min_version) for r in backports},
                         {(BACKPORTS, '1:10')})

    def test_satisfied_probes(self):
        self.assertTrue(deps.satisfied(Requirement(package='x',
                                                   probe='python3')))
        self.assertFalse(deps.satisfied(Requirement(
            package='x', probe='no-such-command-sva-harness')))
        self.assertTrue(deps.satisfied(Requirement(package='x', probe=APT)))
        self.assertFalse(deps.satisfied(Requirement(
            package='x', probe=os.path.join(APT, 'no-such-file'))))


class InstallLinesTest(unittest.TestCase):
    GCC = Requirement(package='gcc', probe='gcc')
    MAKE = Requirement(package='make', probe='make')
    QEMU_X86 = Requirement(package='qemu-system-x86',
                           probe='qemu-system-x86_64', suite=BACKPORTS,
                           min_version='1:10')
    QEMU_ARM = Requirement(package='qemu-system-arm',
                           probe='qemu-system-aarch64', suite=BACKPORTS,
                           min_version='1:10')
    LIBC = Requirement(package='libc6-dev', probe='/usr/include/stdio.h')
    LIBC_TOO = Requirement(package='libc6-dev', probe='/usr/include/errno.h')

    def test_missing_one_per_package(self):
        reqs = [self.GCC, self.LIBC, self.LIBC_TOO, self.MAKE]
        self.assertEqual(
            deps.missing_requirements(reqs, lambda r: r is self.MAKE),
            [self.GCC, self.LIBC])

    def test_missing_second_probe_of_a_package(self):
        reqs = [self.LIBC, self.LIBC_TOO]
        self.assertEqual(
            deps.missing_requirements(reqs, lambda r: r is self.LIBC),
            [self.LIBC_TOO])

    def test_nothing_missing(self):
        self.assertEqual(deps.missing_requirements([self.GCC],
                                                   lambda r: True), [])
        self.assertEqual(deps.install_lines([]), [])

    def test_default_suite_first(self):
        self.assertEqual(
            deps.install_lines([self.QEMU_X86, self.GCC, self.QEMU_ARM,
                                self.MAKE]),
            [['apt-get', 'install', '-y', '--no-install-recommends',
              'gcc', 'make'],
             ['apt-get', 'install', '-y', '--no-install-recommends',
              '-t', BACKPORTS, 'qemu-system-x86', 'qemu-system-arm']])

    def test_backports_only(self):
        self.assertEqual(
            deps.install_lines([self.QEMU_ARM]),
            [['apt-get', 'install', '-y', '--no-install-recommends',
              '-t', BACKPORTS, 'qemu-system-arm']])


class DebianSourcesTest(unittest.TestCase):
    def test_recorded(self):
        entries = deps.debian_sources(
            os.path.join(APT, 'sources.list'),
            os.path.join(APT, 'sources.list.d'))
        self.assertEqual(entries, [
            # sources.list: deb lines of bookworm suites (not deb-src,
            # not bullseye, not a comment)
            {'Types': 'deb', 'URIs': 'http://deb.debian.org/debian',
             'Suites': 'bookworm', 'Components': 'main contrib'},
            {'Types': 'deb',
             'URIs': 'http://security.debian.org/debian-security',
             'Suites': 'bookworm-security', 'Components': 'main',
             'Signed-By': KEYRING},
            # debian.sources: the bookworm stanza, not the trixie one;
            # old.list.save is not read; thirdparty.list is not Debian's
            {'Types': 'deb', 'URIs': 'http://deb.debian.org/debian',
             'Suites': 'bookworm bookworm-updates', 'Components': 'main',
             'Signed-By': KEYRING},
        ])

    def test_no_sources(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(
                deps.debian_sources(os.path.join(d, 'sources.list'),
                                    os.path.join(d, 'sources.list.d')), [])

    def test_stanza_without_uris_or_suites(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'x.sources')
            with open(path, 'w') as f:
                f.write('Types: deb\nSuites: bookworm\n\n'
                        'Types: deb\nURIs: http://deb.debian.org/debian\n\n'
                        'Types: deb\nURIs: http://deb.debian.org/debian\n'
                        'Suites: bookworm-backports\nComponents: main\n')
            self.assertEqual(
                deps.debian_sources(os.path.join(d, 'sources.list'), d),
                [{'Types': 'deb', 'URIs': 'http://deb.debian.org/debian',
                  'Suites': 'bookworm-backports', 'Components': 'main'}])

    def test_signed_by_at_the_end_of_the_options(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'sources.list')
            with open(path, 'w') as f:
                f.write('deb [signed-by=/k.gpg] http://m/debian bookworm '
                        'main\n'
                        'deb [arch=amd64] http://m/debian bookworm-updates '
                        'main\n')
            self.assertEqual(
                deps.debian_sources(path, os.path.join(d, 'none')),
                [{'Types': 'deb', 'URIs': 'http://m/debian',
                  'Suites': 'bookworm', 'Components': 'main',
                  'Signed-By': '/k.gpg'},
                 {'Types': 'deb', 'URIs': 'http://m/debian',
                  'Suites': 'bookworm-updates', 'Components': 'main'}])


if __name__ == '__main__':
    unittest.main()
