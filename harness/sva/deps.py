# SPDX-License-Identifier: GPL-2.0
"""The Debian packages the harness needs, and busybox for the guests.

Everything the harness runs or reads from the machine, and the Debian
package that provides it. A probe is a command looked up on PATH, or an
absolute path that must exist; a requirement with a suite comes from that
suite of the Debian archive the machine already uses (see
debian_sources()) and must be at least MIN_VERSION. "make deps" installs
the packages; every verb that needs them checks the probes first and
prints the apt-get lines that install what is missing.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from .util import Failure, log, read, run, write


@dataclass(frozen=True, kw_only=True)
class Requirement:
    package: str
    probe: str
    suite: str | None = None
    min_version: str | None = None


BACKPORTS = 'bookworm-backports'


def requirements(tarball):
    """The requirement table; TARBALL is the base (LINUX_SOURCE)."""
    return [
        Requirement(package='linux-source-6.1', probe=tarball),
        Requirement(package='make', probe='make'),
        Requirement(package='gcc', probe='gcc'),
        Requirement(package='gcc', probe='gcov'),   # make coverage
        Requirement(package='libc6-dev',
                    probe='/usr/include/stdio.h'),  # host tools, tests
        Requirement(package='git', probe='git'),
        Requirement(package='perl', probe='perl'),  # checkpatch, kernel-doc
        Requirement(package='python3', probe='python3'),  # kunit.py parse
        Requirement(package='bc', probe='bc'),
        Requirement(package='bison', probe='bison'),
        Requirement(package='flex', probe='flex'),
        Requirement(package='libelf-dev',
                    probe='/usr/include/gelf.h'),           # objtool
        Requirement(package='libssl-dev',
                    probe='/usr/include/openssl/ssl.h'),    # sign-file
        Requirement(package='cpio', probe='cpio'),          # initramfs
        Requirement(package='xz-utils', probe='xz'),        # the base tarball
        Requirement(package='kmod', probe='depmod'),
        Requirement(package='patch', probe='patch'),
        Requirement(package='ccache', probe='ccache'),
        Requirement(package='sparse', probe='sparse'),
        Requirement(package='coccinelle', probe='spatch'),
        # spatch loads libpython at run time for the semantic patches that
        # have Python rules ("Py.find_library: unable to find the Python
        # library" without it); the package only recommends it.
        Requirement(package='libpython3.11',
                    probe='/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0'),
        Requirement(package='ocaml',
                    probe='ocaml'),     # semantic patches in OCaml
        Requirement(package='rsync',
                    probe='rsync'),     # the kselftests' make install
        # QEMU 10: VT-d first-stage translation (x-flts) and ATS (ats=on).
        Requirement(package='qemu-system-x86', probe='qemu-system-x86_64',
                    suite=BACKPORTS, min_version='1:10'),
        Requirement(package='qemu-system-arm', probe='qemu-system-aarch64',
                    suite=BACKPORTS, min_version='1:10'),
        Requirement(package='gcc-aarch64-linux-gnu',
                    probe='aarch64-linux-gnu-gcc'),
        Requirement(package='gcc-aarch64-linux-gnu',
                    probe='aarch64-linux-gnu-gcov'),
        Requirement(package='libc6-dev-arm64-cross',
                    probe='/usr/aarch64-linux-gnu/include/stdio.h'),
        Requirement(package='debootstrap',
                    probe='debootstrap'),  # make fresh-check
    ]


def installed_version(pkg):
    res = subprocess.run(['dpkg-query', '-W', '-f=${Status} ${Version}',
                          pkg], capture_output=True, text=True)
    if not res.stdout.startswith('install ok installed '):
        return None
    return res.stdout.split()[-1]


def satisfied(req):
    if req.probe.startswith('/'):
        present = os.path.exists(req.probe)
    else:
        present = shutil.which(req.probe) is not None
    if not present or not req.min_version:
        return present
    version = installed_version(req.package)
    return version is not None and subprocess.run(
        ['dpkg', '--compare-versions', version, 'ge',
         req.min_version]).returncode == 0


def missing_requirements(reqs, is_satisfied=satisfied):
    """Requirements of REQS not satisfied, one per package."""
    missing, seen = [], set()
    for req in reqs:
        if req.package not in seen and not is_satisfied(req):
            missing.append(req)
            seen.add(req.package)
    return missing


def install_lines(missing):
    """One apt-get install per suite: the default one, then the others."""
    lines = []
    for suite in sorted({r.suite or '' for r in missing}):
        cmd = ['apt-get', 'install', '-y', '--no-install-recommends']
        if suite:
            cmd += ['-t', suite]
        lines.append(cmd + [r.package for r in missing
                            if (r.suite or '') == suite])
    return lines


def debian_sources(sources_list='/etc/apt/sources.list',
                   sources_dir='/etc/apt/sources.list.d'):
    """The machine's apt entries for Debian's bookworm suites.

    Returns a list of dicts with the deb822 fields (Types, URIs, Suites,
    Components, Signed-By), read from sources.list and sources.list.d
    (SOURCES_LIST and SOURCES_DIR); only entries with a suite named
    bookworm or bookworm-* count, so third-party repositories are never
    copied.
    """
    entries = []
    paths = [sources_list]
    d = sources_dir
    if os.path.isdir(d):
        paths += [os.path.join(d, f) for f in sorted(os.listdir(d))]
    for path in paths:
        if not os.path.isfile(path):
            continue
        text = read(path)
        if path.endswith('.sources'):
            for stanza in re.split(r'\n\s*\n', text):
                fields = {}
                for ln in stanza.splitlines():
                    m = re.match(r'^([A-Za-z-]+):\s*(.*)$', ln)
                    if m:
                        fields[m.group(1)] = m.group(2).strip()
                if fields.get('URIs') and fields.get('Suites'):
                    entries.append(fields)
        elif path.endswith('.list'):
            for ln in text.splitlines():
                m = re.match(r'^deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+'
                             r'(.*)$', ln.strip())
                if not m:
                    continue
                e = {'Types': 'deb', 'URIs': m.group(2),
                     'Suites': m.group(3), 'Components': m.group(4)}
                sb = re.search(r'signed-by=(\S+?)[\] ]', m.group(1) or '')
                if sb:
                    e['Signed-By'] = sb.group(1)
                entries.append(e)
    return [e for e in entries
            if any(s == 'bookworm' or s.startswith('bookworm-')
                   for s in e['Suites'].split())]


BACKPORTS_LIST = '/etc/apt/sources.list.d/sva-series-backports.sources'


def ensure_backports():
    """Add bookworm-backports from the archive that serves bookworm.

    Returns True when the sources changed (apt-get update is due).
    """
    entries = debian_sources()
    if any(BACKPORTS in e['Suites'].split() for e in entries):
        return False
    main = [e for e in entries if 'bookworm' in e['Suites'].split()]
    if not main:
        raise Failure('no apt source for Debian bookworm to take '
                      f'{BACKPORTS} from')
    e = main[0]
    text = (f"Types: deb\nURIs: {e['URIs']}\nSuites: {BACKPORTS}\n"
            f"Components: {e.get('Components', 'main')}\n")
    if e.get('Signed-By'):
        text += f"Signed-By: {e['Signed-By']}\n"
    log(f'+ cat > {BACKPORTS_LIST} (from the bookworm entry of the machine)')
    write(BACKPORTS_LIST, text)
    return True


def deps(paths):
    """Install the Debian packages of requirements(), then prove them."""
    missing = missing_requirements(requirements(paths.tarball))
    if missing:
        if os.geteuid() != 0:
            log('missing Debian packages; as root run:')
            if any(r.suite for r in missing):
                log(f'  (with {BACKPORTS} in the apt sources)')
            for cmd in install_lines(missing):
                log('  apt-get update && ' + ' '.join(cmd))
            raise Failure('missing packages: ' +
                          ' '.join(r.package for r in missing))
        if any(r.suite for r in missing):
            ensure_backports()
        run(['apt-get', 'update', '-q'])
        for cmd in install_lines(missing):
            run(cmd, env={'DEBIAN_FRONTEND': 'noninteractive'})
    preflight(paths.tarball)
    busybox_dir(paths, 'x86_64')
    busybox_dir(paths, 'arm64')


def preflight(tarball):
    """Every tool of requirements() is there and spatch can run Python.

    Raises Failure naming the packages and the apt-get line to install
    them, so that a machine set up by hand cannot hide a missing install
    step from the one that is not.
    """
    missing = missing_requirements(requirements(tarball))
    if missing:
        raise Failure('missing: ' + ' '.join(r.package for r in missing) +
                      '; as root run "make deps", which adds ' + BACKPORTS +
                      ' where needed and runs: apt-get update && ' +
                      ' && '.join(' '.join(c) for c in install_lines(missing)))
    with tempfile.TemporaryDirectory() as d:
        cocci = os.path.join(d, 'probe.cocci')
        write(cocci, '@r@\nidentifier f;\n@@\nf(...) { ... }\n\n'
              '@script:python@\nf << r.f;\n@@\nprint("probe:" + f)\n')
        write(os.path.join(d, 'probe.c'), 'int probe(void) { return 0; }\n')
        res = subprocess.run(['spatch', '--very-quiet', '--sp-file', cocci,
                              os.path.join(d, 'probe.c')], cwd=d,
                             capture_output=True, text=True)
        if 'probe:probe' not in res.stdout:
            raise Failure('spatch cannot run Python rules: ' +
                          (res.stderr.strip().splitlines() or ['?'])[-1])


def busybox_dir(paths, arch):
    """busybox-static for ARCH, unpacked from its Debian package.

    busybox-static:amd64 and :arm64 conflict as installed packages, so both
    are downloaded and unpacked into the build directory instead.
    """
    darch = {'x86_64': 'amd64', 'arm64': 'arm64'}[arch]
    dest = os.path.join(paths.build, 'pkgs', 'busybox-' + arch)
    if os.path.exists(os.path.join(dest, 'bin', 'busybox')):
        return dest
    pkgdir = os.path.join(paths.build, 'pkgs')
    os.makedirs(pkgdir, exist_ok=True)
    os.chmod(pkgdir, 0o777)   # apt-get download runs as _apt
    if darch not in subprocess.run(['dpkg', '--print-architecture'],
                                   capture_output=True,
                                   text=True).stdout.split() + \
            subprocess.run(['dpkg', '--print-foreign-architectures'],
                           capture_output=True, text=True).stdout.split():
        if os.geteuid() != 0:
            raise Failure(f'as root run: dpkg --add-architecture {darch} '
                          '&& apt-get update')
        run(['dpkg', '--add-architecture', darch])
        run(['apt-get', 'update', '-q'])
    for f in os.listdir(pkgdir):
        if f.startswith('busybox-static_') and f.endswith(f'_{darch}.deb'):
            os.unlink(os.path.join(pkgdir, f))
    res = run(['apt-get', 'download', f'busybox-static:{darch}'],
              cwd=pkgdir, check=False)
    if res.returncode != 0:
        if os.geteuid() != 0:
            raise Failure('apt-get download failed')
        run(['apt-get', 'update', '-q'])
        run(['apt-get', 'download', f'busybox-static:{darch}'], cwd=pkgdir)
    deb = [f for f in os.listdir(pkgdir)
           if f.startswith('busybox-static_') and f.endswith(f'_{darch}.deb')]
    if not deb:
        raise Failure(f'no busybox-static package for {darch}')
    tmp = dest + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    run(['dpkg-deb', '-x', os.path.join(pkgdir, deb[0]), tmp])
    os.rename(tmp, dest)
    return dest
