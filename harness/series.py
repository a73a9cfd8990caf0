#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Apply, build, boot and test the IOMMU PASID/SVA series on Linux 6.1.

Verbs, each of which runs the ones it needs before it:

  deps            install the Debian packages the pipeline uses
  base            extract linux-source-6.1 into the build directory
  apply           overlay + patches/series onto a copy of the base
  config ARCH     small test config from Kconfig.fragment + test fragments
  build ARCH      out-of-tree W=1 build through ccache (diagnostics kept)
  boot ARCH       build the initramfs and boot the guest under QEMU TCG
  run ARCH        build + boot, print the guest's verdicts
  check           every check of README.md for both architectures
  fresh-check     check from a fresh clone in a minimal Debian 12 root
  bisect          every step of the series builds for both architectures
  export          the series as git format-patch output (build/series/)
  tree            a git tree of the base with one commit per patch
  patches         regenerate patches/ and the overlay from that tree

Glossary:
  base      the pristine tree from /usr/src/linux-source-6.1.tar.xz
  overlay   files the series adds, kept at their in-tree paths in this
            repository (drivers/iommu/, include/linux/, Documentation/iommu/,
            tools/testing/selftests/iommu/)
  series    patches/series: one line per patch, "NAME [added files...]"
  step      the tree after the first k patches and the files they add

Every external command is echoed before it runs, so it can be re-run by
hand; the console log of each boot stays in the build directory.
"""

import argparse
import filecmp
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(TOP, 'harness')
BUILD = os.path.abspath(os.environ.get('BUILD', os.path.join(TOP, 'build')))
TARBALL = os.environ.get('LINUX_SOURCE',
                         '/usr/src/linux-source-6.1.tar.xz')
OWNED_ROOTS = ('drivers/iommu/', 'include/linux/',
               'tools/testing/selftests/iommu/', 'Documentation/iommu/')
# In-tree users of the SVA API (and what depends on them), per arch.
CLIENT_DIRS = {
    'x86_64': ['drivers/dma/idxd/', 'drivers/misc/uacce/'],
    'arm64': ['drivers/misc/uacce/', 'drivers/crypto/hisilicon/'],
}
CLIENT_MODULES = {
    'x86_64': ['drivers/dma/idxd/idxd.ko', 'drivers/dma/idxd/idxd_bus.ko',
               'drivers/misc/uacce/uacce.ko'],
    'arm64': ['drivers/misc/uacce/uacce.ko',
              'drivers/crypto/hisilicon/hisi_qm.ko',
              'drivers/crypto/hisilicon/zip/hisi_zip.ko'],
}
# Everything the harness runs or reads from the machine, and the Debian
# package that provides it. A probe is a command looked up on PATH, or an
# absolute path that must exist; a requirement with a suite comes from that
# suite of the Debian archive the machine already uses (see
# debian_sources()) and must be at least MIN_VERSION. "make deps" installs
# the packages; every verb that needs them checks the probes first and
# prints the apt-get lines that install what is missing.
class Requirement:
    def __init__(self, package, probe, suite=None, min_version=None):
        self.package = package
        self.probe = probe
        self.suite = suite
        self.min_version = min_version


BACKPORTS = 'bookworm-backports'
REQUIREMENTS = [
    Requirement('linux-source-6.1', TARBALL),
    Requirement('make', 'make'),
    Requirement('gcc', 'gcc'),
    Requirement('libc6-dev', '/usr/include/stdio.h'),  # host tools, tests
    Requirement('git', 'git'),
    Requirement('perl', 'perl'),            # checkpatch, kernel-doc
    Requirement('python3', 'python3'),      # kunit.py parse
    Requirement('bc', 'bc'),
    Requirement('bison', 'bison'),
    Requirement('flex', 'flex'),
    Requirement('libelf-dev', '/usr/include/gelf.h'),         # objtool
    Requirement('libssl-dev', '/usr/include/openssl/ssl.h'),  # sign-file
    Requirement('cpio', 'cpio'),            # initramfs
    Requirement('xz-utils', 'xz'),          # the base tarball
    Requirement('kmod', 'depmod'),
    Requirement('patch', 'patch'),
    Requirement('ccache', 'ccache'),
    Requirement('sparse', 'sparse'),
    Requirement('coccinelle', 'spatch'),
    # spatch loads libpython at run time for the semantic patches that
    # have Python rules ("Py.find_library: unable to find the Python
    # library" without it); the package only recommends it.
    Requirement('libpython3.11',
                '/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0'),
    Requirement('ocaml', 'ocaml'),          # semantic patches in OCaml
    Requirement('rsync', 'rsync'),          # the kselftests' make install
    # QEMU 10: VT-d first-stage translation (x-flts) and ATS (ats=on).
    Requirement('qemu-system-x86', 'qemu-system-x86_64', BACKPORTS, '1:10'),
    Requirement('qemu-system-arm', 'qemu-system-aarch64', BACKPORTS,
                '1:10'),
    Requirement('gcc-aarch64-linux-gnu', 'aarch64-linux-gnu-gcc'),
    Requirement('libc6-dev-arm64-cross',
                '/usr/aarch64-linux-gnu/include/stdio.h'),
    Requirement('debootstrap', 'debootstrap'),  # make fresh-check
]
PACKAGES = sorted({r.package for r in REQUIREMENTS})


class Arch:
    def __init__(self, name, karch, cross, image, qemu, console, timeout):
        self.name = name
        self.karch = karch
        self.cross = cross
        self.image = image
        self.qemu = qemu
        self.console = console
        self.timeout = timeout


ARCHES = {
    'x86_64': Arch('x86_64', 'x86_64', '', 'arch/x86/boot/bzImage',
                   ['qemu-system-x86_64', '-machine', 'q35', '-cpu', 'max',
                    '-device', 'intel-iommu,intremap=on,x-scalable-mode=on,'
                    'x-pasid-mode=on,caching-mode=on'],
                   'ttyS0', 600),
    'arm64': Arch('arm64', 'arm64', 'aarch64-linux-gnu-',
                  'arch/arm64/boot/Image',
                  ['qemu-system-aarch64', '-machine', 'virt,iommu=smmuv3',
                   '-cpu', 'cortex-a57'],
                  'ttyAMA0', 300),
}

# Console lines that fail a boot, whatever the tests said.
CONSOLE_BAD = re.compile(
    r'WARNING:|BUG:|\bOops\b|KASAN:|possible circular locking|'
    r'inconsistent lock state|possible recursive locking|'
    r'unreferenced object|suspected memory leak|Kernel panic|'
    r'iommu fault|DMAR: \[DMA|DMAR: DRHD: handling fault|'
    r'arm-smmu-v3.*event 0x|INFO: task .* blocked|rcu: INFO:|'
    r'Call [Tt]race:|'
    # VT-d invalidation queue errors, as the guest reports them, and any
    # complaint of QEMU's own IOMMU models (printed on the same console).
    r'Invalidation (Queue|Time-out|Completion) Error|'
    r'qemu-system-\S+: .*\b(vtd|smmu)')


def log(msg):
    print(msg, flush=True)


def echo_cmd(cmd, cwd=None):
    where = f'(cd {shlex.quote(cwd)} && ' if cwd else ''
    log('+ ' + where + ' '.join(shlex.quote(c) for c in cmd) +
        (')' if cwd else ''))


def run(cmd, cwd=None, env=None, check=True, capture=False, quiet=False,
        stdin=None):
    """Echo and run an external command."""
    if not quiet:
        echo_cmd(cmd, cwd)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    res = subprocess.run(cmd, cwd=cwd, env=full_env, text=True,
                         stdin=stdin,
                         stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.STDOUT if capture else None)
    if check and res.returncode != 0:
        if capture and res.stdout:
            sys.stdout.write(res.stdout[-6000:])
        raise Failure(f'command failed ({res.returncode}): ' +
                      ' '.join(shlex.quote(c) for c in cmd))
    return res


class Failure(Exception):
    pass


def read(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def phase(name):
    """Print a phase header and return a function printing its time."""
    start = time.monotonic()
    log(f'==> {name}')

    def done():
        log(f'<== {name}: {time.monotonic() - start:.0f}s')
    return done


# --------------------------------------------------------------------------
# deps

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


def missing_requirements():
    """Requirements not satisfied, one per package."""
    missing, seen = [], set()
    for req in REQUIREMENTS:
        if req.package not in seen and not satisfied(req):
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


def debian_sources():
    """The machine's apt entries for Debian's bookworm suites.

    Returns a list of dicts with the deb822 fields (Types, URIs, Suites,
    Components, Signed-By), read from sources.list and sources.list.d;
    only entries with a suite named bookworm or bookworm-* count, so
    third-party repositories are never copied.
    """
    entries = []
    paths = ['/etc/apt/sources.list']
    d = '/etc/apt/sources.list.d'
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


def cmd_deps(_args=None):
    """Install the Debian packages of REQUIREMENTS, then prove them."""
    missing = missing_requirements()
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
    preflight()
    busybox_dir('x86_64')
    busybox_dir('arm64')


def preflight():
    """Every tool of REQUIREMENTS is there and spatch can run Python.

    Raises Failure naming the packages and the apt-get line to install
    them, so that a machine set up by hand cannot hide a missing install
    step from the one that is not.
    """
    missing = missing_requirements()
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


def busybox_dir(arch):
    """busybox-static for ARCH, unpacked from its Debian package.

    busybox-static:amd64 and :arm64 conflict as installed packages, so both
    are downloaded and unpacked into the build directory instead.
    """
    darch = {'x86_64': 'amd64', 'arm64': 'arm64'}[arch]
    dest = os.path.join(BUILD, 'pkgs', 'busybox-' + arch)
    if os.path.exists(os.path.join(dest, 'bin', 'busybox')):
        return dest
    pkgdir = os.path.join(BUILD, 'pkgs')
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


# --------------------------------------------------------------------------
# base and apply

def base_version(tree):
    mk = read(os.path.join(tree, 'Makefile'))
    v = {}
    for key in ('VERSION', 'PATCHLEVEL', 'SUBLEVEL', 'EXTRAVERSION'):
        m = re.search(rf'^{key}[ \t]*=[ \t]*(\S*)', mk, re.M)
        v[key] = m.group(1) if m else ''
    return f"{v['VERSION']}.{v['PATCHLEVEL']}.{v['SUBLEVEL']}" + \
        v['EXTRAVERSION']


def base_tree():
    """Extract the base once; return the path of the pristine tree."""
    dest = os.path.join(BUILD, 'base')
    stamp = os.path.join(BUILD, 'base.stamp')
    if not os.path.exists(TARBALL):
        raise Failure(f'{TARBALL} not found: run "make deps" (as root) or '
                      'set LINUX_SOURCE')
    st = os.stat(TARBALL)
    want = f'{TARBALL} {st.st_size} {int(st.st_mtime)}\n'
    if os.path.exists(stamp) and read(stamp) == want:
        return dest
    done = phase('base: extract ' + TARBALL)
    tmp = dest + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    run(['tar', '-xf', TARBALL, '-C', tmp])
    entries = os.listdir(tmp)
    if len(entries) != 1:
        raise Failure(f'unexpected tarball layout: {entries}')
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(os.path.join(tmp, entries[0]), dest)
    os.rmdir(tmp)
    write(stamp, want)
    done()
    return dest


def fresh_tree(dest):
    """DEST: a new copy of the base (tar is faster than cp here)."""
    base_tree()
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    run(['tar', '-xf', TARBALL, '-C', dest, '--strip-components=1'])


def cmd_base(_args=None):
    tree = base_tree()
    log(f'base: Linux {base_version(tree)} from {TARBALL}')


def read_series():
    """Return [(patch file name, [added files])] in series order."""
    path = os.path.join(TOP, 'patches', 'series')
    series = []
    for n, line in enumerate(read(path).splitlines(), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if not words[0].endswith('.patch'):
            raise Failure(f'patches/series:{n}: not a patch name: {words[0]}')
        series.append((words[0], words[1:]))
    return series


def owned_files():
    """Files of the overlay: tracked or untracked, not ignored."""
    res = subprocess.run(['git', 'ls-files', '--cached', '--others',
                          '--exclude-standard', '--'] + list(OWNED_ROOTS),
                         cwd=TOP, capture_output=True, text=True)
    if res.returncode == 0:
        files = res.stdout.split()
    else:   # not a git checkout: every file below the roots
        files = []
        for root in OWNED_ROOTS:
            for dirpath, _dirs, names in os.walk(os.path.join(TOP, root)):
                for nm in names:
                    files.append(os.path.relpath(os.path.join(dirpath, nm),
                                                 TOP))
    return sorted(f for f in files if os.path.isfile(os.path.join(TOP, f)))


def patched_files(patch_path):
    """Files a patch changes, from its diff headers."""
    files = []
    for line in read(patch_path).splitlines():
        m = re.match(r'^\+\+\+ (?:b/)?(\S+)', line)
        if m and m.group(1) != '/dev/null':
            files.append(m.group(1))
    return files


def validate_series(base):
    """The series file and the overlay must describe each other exactly."""
    series = read_series()
    owned = owned_files()
    claimed = {}
    errors = []
    for name, added in series:
        if not os.path.exists(os.path.join(TOP, 'patches', name)):
            errors.append(f'patches/series names missing patch {name}')
        for f in added:
            if f in claimed:
                errors.append(f'{f} is added by both {claimed[f]} and {name}')
            claimed[f] = name
            if f not in owned:
                errors.append(f'{name} adds {f}, which is not in the overlay')
    for f in owned:
        if f not in claimed:
            errors.append(f'overlay file {f} is not added by any patch in '
                          'patches/series')
        if os.path.lexists(os.path.join(base, f)):
            errors.append(f'{f} exists in the base: change it with a patch, '
                          'not a copy')
    listed = {n for n, _ in series}
    for f in sorted(os.listdir(os.path.join(TOP, 'patches'))):
        if f.endswith('.patch') and f not in listed:
            errors.append(f'patches/{f} is not listed in patches/series')
    if errors:
        raise Failure('series: ' + '\n  '.join([''] + errors))
    return series, owned


def series_digest():
    h = hashlib.sha256()
    h.update(base_version(os.path.join(BUILD, 'base')).encode())
    for f in ['patches/series'] + owned_files() + \
            sorted('patches/' + p for p in os.listdir(
                os.path.join(TOP, 'patches')) if p.endswith('.patch')):
        h.update(f.encode() + b'\0')
        with open(os.path.join(TOP, f), 'rb') as fh:
            h.update(fh.read())
        h.update(b'\0')
    return h.hexdigest()


def apply_patch(tree, patch_path, name):
    """Apply one patch with GNU patch; no fuzz, no offset, no failure."""
    if not patched_files(patch_path):
        return   # a patch that only adds overlay files has no diff
    cmd = ['patch', '-p1', '-N', '-F0', '--no-backup-if-mismatch',
           '-d', tree, '-i', patch_path]
    res = run(cmd, capture=True, check=False, quiet=True)
    out = res.stdout
    bad = [ln for ln in out.splitlines()
           if re.search(r'FAILED|offset|fuzz|malformed|Reversed|'
                        r'can\'t find file|Only garbage', ln)]
    if res.returncode != 0 or bad:
        echo_cmd(cmd)
        sys.stdout.write(out)
        where = []
        current = None
        for ln in out.splitlines():
            m = re.match(r'patching file (\S+)', ln)
            if m:
                current = m.group(1)
            elif ln in bad:
                where.append(f'{current}: {ln}' if current else ln)
        raise Failure(f'patch {name} does not apply cleanly:\n  ' +
                      '\n  '.join(where or [out.strip()]))


def copy_overlay(dest, files):
    """Copy overlay FILES from this repository into the tree DEST."""
    for f in files:
        os.makedirs(os.path.dirname(os.path.join(dest, f)), exist_ok=True)
        shutil.copy2(os.path.join(TOP, f), os.path.join(dest, f))


def apply_series(dest, base, steps=None):
    """Make DEST the base plus the overlay and the first STEPS patches."""
    series, _owned = validate_series(base)
    if steps is None:
        steps = len(series)
    # The overlay first, then the patches in series order; for a partial
    # tree only the files the applied patches add.
    for _name, added in series[:steps]:
        copy_overlay(dest, added)
    for name, _added in series[:steps]:
        apply_patch(dest, os.path.join(TOP, 'patches', name), name)
    return series


def files_equal(a, b):
    return os.path.exists(a) and os.path.exists(b) and \
        filecmp.cmp(a, b, shallow=False)


def src_tree():
    """build/src: the base with the whole series applied."""
    return sync_tree(os.path.join(BUILD, 'src'))


def sync_tree(src, steps=None):
    """SRC: base + the first STEPS of the series, updated in place.

    Files keep their mtimes unless their content changes, so builds out of
    SRC stay incremental.

    The series is applied in a small stage holding only the files it adds
    or changes; build/src is a copy of the base into which the stage is
    synced file by file, and files the previous apply touched but this one
    does not are restored from the base.
    """
    base = base_tree()
    stamp = src + '.stamp'
    digest = series_digest() + f' steps={steps}'
    if os.path.exists(stamp) and read(stamp).split('\n', 1)[0] == digest \
            and os.path.isdir(src):
        return src
    done = phase(f'apply: series onto Linux {base_version(base)}')
    if not os.path.exists(stamp):
        fresh_tree(src)
        previous = []
    else:
        previous = read(stamp).split('\n', 1)[1].split()
    stage = src + '.stage'
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    series = read_series()
    for name, _added in series:
        for f in patched_files(os.path.join(TOP, 'patches', name)):
            if os.path.exists(os.path.join(base, f)) and \
                    not os.path.exists(os.path.join(stage, f)):
                os.makedirs(os.path.dirname(os.path.join(stage, f)),
                            exist_ok=True)
                shutil.copy2(os.path.join(base, f), os.path.join(stage, f))
    apply_series(stage, base, steps)
    # From here SRC changes: a stop before the new stamp is written makes
    # the next apply start again from a fresh copy.
    if os.path.exists(stamp):
        os.unlink(stamp)
    touched = []
    for dirpath, _dirs, names in os.walk(stage):
        for nm in names:
            touched.append(os.path.relpath(os.path.join(dirpath, nm), stage))
    for f in touched:
        dst = os.path.join(src, f)
        if not files_equal(os.path.join(stage, f), dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(stage, f), dst)
            shutil.copymode(os.path.join(stage, f), dst)
    for f in previous:
        if f in touched:
            continue
        dst = os.path.join(src, f)
        if os.path.exists(os.path.join(base, f)):
            if not files_equal(os.path.join(base, f), dst):
                shutil.copy2(os.path.join(base, f), dst)
        elif os.path.exists(dst):
            os.unlink(dst)
    shutil.rmtree(stage)
    write(stamp, digest + '\n' + '\n'.join(sorted(touched)) + '\n')
    n = len(series) if steps is None else steps
    log(f'apply: {n} patches applied to Linux {base_version(base)} '
        'without fuzz or offset')
    done()
    return src


def cmd_apply(_args=None):
    src_tree()


def series_files():
    """(added files, files changed by patches) of the whole series."""
    series = read_series()
    added = [f for _n, a in series for f in a]
    changed = []
    for name, _a in series:
        for f in patched_files(os.path.join(TOP, 'patches', name)):
            if f not in changed and f not in added:
                changed.append(f)
    return added, changed


# --------------------------------------------------------------------------
# config and build

def objdir(arch):
    return os.path.join(BUILD, 'obj-' + arch)


def fragment_for(arch, src):
    """Kconfig.fragment (this arch's sections) + the test fragments."""
    parts = []
    section = 'all'
    lines = []
    for line in read(os.path.join(TOP, 'Kconfig.fragment')).splitlines():
        m = re.match(r'#\s*arch:\s*(\S+)', line)
        if m:
            section = m.group(1)
            continue
        if section in ('all', arch):
            lines.append(line)
    parts.append('# Kconfig.fragment\n' + '\n'.join(lines))
    for f in [os.path.join(HARNESS, 'configs', 'common.config'),
              os.path.join(HARNESS, 'configs', arch + '.config'),
              os.path.join(src, 'tools/testing/selftests/iommu/config')]:
        if os.path.exists(f):
            parts.append(f'# {os.path.relpath(f, BUILD)}\n' + read(f))
    return '\n'.join(parts) + '\n'


def kconfig_digest(tree):
    """A digest of every Kconfig file of TREE."""
    h = hashlib.sha256()
    for dirpath, dirs, names in os.walk(tree):
        dirs.sort()
        if dirpath == tree:
            dirs[:] = [d for d in dirs if d not in ('tools', 'Documentation')]
        for nm in sorted(names):
            if nm.startswith('Kconfig'):
                with open(os.path.join(dirpath, nm), 'rb') as f:
                    h.update(nm.encode() + f.read())
    return h.hexdigest()


def parse_config(text):
    vals = {}
    for line in text.splitlines():
        m = re.match(r'^(CONFIG_\w+)=(.*)$', line)
        if m:
            vals[m.group(1)] = m.group(2)
        m = re.match(r'^# (CONFIG_\w+) is not set', line)
        if m:
            vals[m.group(1)] = 'n'
    return vals


def make_env(arch):
    a = ARCHES[arch]
    return {'ARCH': a.karch, 'CROSS_COMPILE': a.cross}


def configure(arch, src, tree_out=None, verify=True, frag_src=None):
    """Write OBJ/.config: allnoconfig + merged fragments, all verified.

    VERIFY=False is for trees that lack options the series adds: the
    unpatched base, and the bisect steps, which take the fragments of the
    whole series (FRAG_SRC) so that each step builds all the code it has.
    """
    out = tree_out or objdir(arch)
    os.makedirs(out, exist_ok=True)
    frag = fragment_for(arch, frag_src or src)
    frag_path = os.path.join(out, 'sva-fragment.config')
    # Merge again when the fragments or the tree's Kconfig files change
    # (a step of the series may add the option a fragment asks for).
    stamp = frag + '# Kconfig: ' + kconfig_digest(src) + '\n'
    if os.path.exists(frag_path) and read(frag_path) == stamp and \
            os.path.exists(os.path.join(out, '.config')):
        return
    write(frag_path, frag)
    run(['scripts/kconfig/merge_config.sh', '-n', '-O', out, frag_path],
        cwd=src, env=make_env(arch), capture=True)
    want = parse_config(frag)
    have = parse_config(read(os.path.join(out, '.config')))
    bad = [f'{k}: asked {v}, got {have.get(k, "n")}'
           for k, v in want.items() if have.get(k, 'n') != v]
    if bad and verify:
        os.unlink(frag_path)
        raise Failure(f'config {arch}: options not in the final .config:\n  '
                      + '\n  '.join(bad))
    write(frag_path, stamp)


def cc_for(arch):
    return ARCHES[arch].cross + 'gcc'


def lint_dirs(arch):
    """Directories sparse checks: those of series .c files and clients."""
    added, changed = series_files()
    dirs = set(CLIENT_DIRS[arch])
    for f in added + changed:
        if f.endswith('.c') and not f.startswith('tools/'):
            dirs.add(os.path.dirname(f) + '/')
    return sorted(dirs)


def kmake(arch, src, out, targets, extra=None, diag=True):
    """Run the kernel's make for ARCH out of tree, diagnostics kept."""
    jobs = str(os.cpu_count() or 2)
    cmd = ['make', '-C', src, 'O=' + out, '-j' + jobs,
           'ARCH=' + ARCHES[arch].karch]
    if ARCHES[arch].cross:
        cmd.append('CROSS_COMPILE=' + ARCHES[arch].cross)
    env = {'CCACHE_BASEDIR': BUILD, 'KBUILD_BUILD_TIMESTAMP': '@0',
           'KBUILD_BUILD_USER': 'sva', 'KBUILD_BUILD_HOST': 'series'}
    if diag:
        wrap = os.path.join(HARNESS, 'diagwrap')
        cmd += [f'CC={wrap} cc ccache {cc_for(arch)}',
                f'CHECK={wrap} sparse sparse', 'C=1', 'W=1']
        env.update({'SVA_DIAG_DIR': os.path.join(out, 'sva-diag'),
                    'SVA_SRCTREE': src,
                    'SVA_LINT_DIRS': ' '.join(lint_dirs(arch))})
    else:
        cmd.append(f'CC=ccache {cc_for(arch)}')
    cmd += (extra or []) + targets
    logf = os.path.join(out, 'sva-build.log')
    echo_cmd(cmd)
    full_env = dict(os.environ)
    full_env.update(env)
    with open(logf, 'a') as lf:
        lf.write('+ ' + ' '.join(shlex.quote(c) for c in cmd) + '\n')
        lf.flush()
        proc = subprocess.run(cmd, env=full_env, stdout=lf,
                              stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        lines = read(logf).splitlines()
        errs = [ln for ln in lines
                if re.search(r'\berror:|\*\*\*|ERROR:|undefined', ln)]
        sys.stdout.write('\n'.join((errs or lines)[-40:]) + '\n')
        raise Failure(f'build {arch} failed (log: {logf})')


def build(arch):
    src = src_tree()
    done = phase(f'build {arch}')
    configure(arch, src)
    out = objdir(arch)
    # A directory that joined the lint set since the last build has up to
    # date objects that sparse never saw: check it once with C=2.
    dirs = lint_dirs(arch)
    seen_path = os.path.join(out, 'sva-lint-dirs')
    seen = read(seen_path).split() if os.path.exists(seen_path) else None
    image = os.path.basename(ARCHES[arch].image)
    if os.path.exists(os.path.join(out, 'sva-build.log')):
        os.unlink(os.path.join(out, 'sva-build.log'))
    kmake(arch, src, out, [image, 'modules'])
    if seen is not None:
        new = [d for d in dirs if d not in seen]
        if new:
            kmake(arch, src, out, new, extra=['C=2'])
    write(seen_path, '\n'.join(dirs) + '\n')
    kmake(arch, src, out, ['headers'], diag=False)
    done()
    return src, out


def cmd_config(args):
    configure(args.arch, src_tree())


def cmd_build(args):
    build(args.arch)


# --------------------------------------------------------------------------
# initramfs and boot

def disk_image():
    """An 8 MiB disk of a known pattern and its SHA-256."""
    path = os.path.join(BUILD, 'disk.img')
    size = 8 << 20
    h = hashlib.sha256()
    blocks = []
    seed = b'iommu-pasid-sva-series'
    for i in range(size // 32):
        blocks.append(hashlib.sha256(seed + i.to_bytes(8, 'little'))
                      .digest())
    data = b''.join(blocks)
    h.update(data)
    if not os.path.exists(path) or os.path.getsize(path) != size:
        with open(path + '.tmp', 'wb') as f:
            f.write(data)
        os.rename(path + '.tmp', path)
    else:
        with open(path, 'rb') as f:
            if hashlib.sha256(f.read()).hexdigest() != h.hexdigest():
                with open(path, 'wb') as g:
                    g.write(data)
    return path, h.hexdigest()


def build_selftests(arch, src, out):
    """Build and install tools/testing/selftests/iommu for ARCH."""
    inst = os.path.join(BUILD, 'kselftest-' + arch)
    shutil.rmtree(inst, ignore_errors=True)
    # Always from scratch (it is small), so its warnings are seen each run.
    shutil.rmtree(os.path.join(out, 'kselftest'), ignore_errors=True)
    if not os.path.isdir(os.path.join(src, 'tools/testing/selftests/iommu')):
        return None
    cmd = ['make', '-C', os.path.join(src, 'tools/testing/selftests'),
           'TARGETS=iommu', 'O=' + out, 'ARCH=' + ARCHES[arch].karch,
           'CC=' + cc_for(arch) + ' -static',
           'KSFT_INSTALL_PATH=' + inst, 'install']
    if ARCHES[arch].cross:
        cmd.append('CROSS_COMPILE=' + ARCHES[arch].cross)
    res = run(cmd, capture=True, check=False)
    warn = [ln for ln in res.stdout.splitlines() if 'warning:' in ln]
    if res.returncode != 0:
        sys.stdout.write(res.stdout[-4000:])
        raise Failure(f'kselftest build {arch} failed')
    return inst, warn


def build_initramfs(arch, src, out, checksum):
    root = os.path.join(BUILD, 'initramfs-' + arch)
    shutil.rmtree(root, ignore_errors=True)
    for d in ('bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'etc', 'root',
              'usr/bin', 'usr/sbin'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    bb = os.path.join(busybox_dir(arch), 'bin', 'busybox')
    shutil.copy2(bb, os.path.join(root, 'bin', 'busybox'))
    shutil.copy2(os.path.join(HARNESS, 'guest', 'init'),
                 os.path.join(root, 'init'))
    os.chmod(os.path.join(root, 'init'), 0o755)
    ks = build_selftests(arch, src, out)
    ks_warn = []
    if ks:
        inst, ks_warn = ks
        shutil.copytree(inst, os.path.join(root, 'kselftest'))
    write(os.path.join(root, 'etc', 'sva-guest.conf'),
          f'ARCH={arch}\nDISK_SHA256={checksum}\n')
    img = os.path.join(BUILD, 'initramfs-' + arch + '.cpio')
    files = subprocess.run(['find', '.', '-mindepth', '1'], cwd=root,
                           capture_output=True, text=True,
                           check=True).stdout
    with open(img, 'wb') as f:
        subprocess.run(['cpio', '--quiet', '-o', '-H', 'newc',
                        '--owner=0:0'], cwd=root, input=files.encode(),
                       stdout=f, check=True)
    return img, ks_warn


class BootMode:
    """A second configuration of a guest's IOMMU, booted after the main one.

    NAME is the suffix of its checks (x86_64-NAME/) and its console log;
    IOMMU replaces the arch's QEMU IOMMU device; CMDLINE is added to the
    kernel command line (sva_mode=NAME tells the guest init which checks
    apply); DISK is added to the virtio disk's device options. A mode runs
    only the machine checks and the VT-d machine KUnit suite, no
    kselftests.
    """
    def __init__(self, name, iommu, cmdline, disk=''):
        self.name = name
        self.iommu = iommu
        self.cmdline = cmdline
        self.disk = disk


X86_MODES = {
    # VT-d in legacy mode: the driver must still probe and translate, and
    # refuse SVA.
    'legacy': BootMode(
        'legacy', 'intel-iommu,intremap=on,caching-mode=on',
        ' intel_iommu=on,sm_off iommu.strict=1 sva_mode=legacy'
        ' kunit.filter_glob=intel-iommu-machine'),
    # Scalable mode with first-stage translation (QEMU 10's x-flts): DMA
    # domains use first-level tables, so the disk's DMA goes through the
    # RID_PASID entry the series writes, and QEMU's model processes the
    # PASID-based IOTLB and device-TLB invalidations (ATS on the disk,
    # device-iotlb on the IOMMU). No caching mode: QEMU keeps what it
    # walked until the driver invalidates it.
    'flts': BootMode(
        'flts', 'intel-iommu,intremap=on,x-scalable-mode=on,x-flts=on,'
        'x-pasid-mode=on,device-iotlb=on',
        ' intel_iommu=on,sm_on iommu.strict=1 sva_mode=flts'
        ' kunit.filter_glob=intel-iommu-machine', ',ats=on'),
}


def boot(arch, src, out, extra_cmdline='', mode=None):
    """Boot the guest (in MODE, a BootMode, if given); return (console
    text, timed out?, kselftest build warnings)."""
    disk, checksum = disk_image()
    img, ks_warn = build_initramfs(arch, src, out, checksum)
    a = ARCHES[arch]
    cmdline = f'console={a.console} panic=-1 kmemleak=on loglevel=7 ' + \
        extra_cmdline
    qemu = list(a.qemu)
    if mode:
        qemu[qemu.index('-device') + 1] = mode.iommu
        cmdline += mode.cmdline
    elif arch == 'x86_64':
        cmdline += ' intel_iommu=on,sm_on iommu.strict=1'
    memory = '1024'   # KASAN's shadow and kmemleak's pool in both guests
    cmd = qemu + [
        '-smp', '2', '-m', memory, '-nographic', '-no-reboot', '-nic', 'none',
        '-kernel', os.path.join(out, a.image), '-initrd', img,
        '-append', cmdline.strip(),
        '-drive', f'file={disk},if=none,id=d0,format=raw,readonly=on',
        '-device', 'virtio-blk-pci,drive=d0,disable-legacy=on,'
        'iommu_platform=on' + (mode.disk if mode else '')]
    if os.environ.get('SVA_KVM') == '1':
        cmd += ['-accel', 'kvm']
    else:
        cmd += ['-accel', 'tcg']
    console = os.path.join(BUILD, f'console-{arch}'
                           f'{"-" + mode.name if mode else ""}.log')
    echo_cmd(cmd)
    start = time.monotonic()
    timed_out = False
    with open(console, 'w') as cf:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=cf,
                                stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=float(os.environ.get('SVA_BOOT_TIMEOUT',
                                                   a.timeout)))
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
    log(f'boot {arch}: {time.monotonic() - start:.0f}s, console: {console}')
    return read(console), timed_out, ks_warn


# --------------------------------------------------------------------------
# results

class Results:
    def __init__(self):
        self.items = []   # (status, name, detail)

    def add(self, ok, name, detail=''):
        status = 'pass' if ok else 'fail'
        self.items.append((status, name, detail))
        log(f'{"PASS" if ok else "FAIL"}: {name}' +
            (f' - {detail}' if detail and not ok else ''))

    def skip(self, name, why):
        self.items.append(('skip', name, why))
        log(f'SKIP: {name} - {why}')

    def summary(self):
        n = {s: sum(1 for i in self.items if i[0] == s)
             for s in ('pass', 'fail', 'skip')}
        skipped = [i for i in self.items if i[0] == 'skip']
        failed = [i for i in self.items if i[0] == 'fail']
        if skipped:
            log('skipped:')
            for _s, name, why in skipped:
                log(f'  {name}: {why}')
        if failed:
            log('failed:')
            for _s, name, why in failed:
                log(f'  {name}' + (f': {why.splitlines()[0]}' if why else ''))
        line = f'{n["pass"]} passed, {n["fail"]} failed'
        if n['skip']:
            line += f', {n["skip"]} skipped'
        log(line)
        return n['fail'] == 0


def console_problems(text):
    return [ln for ln in text.splitlines() if CONSOLE_BAD.search(ln)]


def guest_results(text):
    """SVA-CHECK lines printed by the guest init."""
    res = []
    for line in text.splitlines():
        m = re.search(r'SVA-CHECK: (ok|not ok|skip) (\S+)(?: - (.*))?$',
                      line.rstrip('\r'))
        if m:
            res.append((m.group(1), m.group(2), m.group(3) or ''))
    return res


def kselftest_results(text):
    """Test cases of the kselftest runner's nested TAP output.

    Returns [(status, name, detail)]; an outer "not ok" for a binary whose
    own cases did not fail counts as a failure of the binary itself.
    """
    res = []
    start = text.find('SVA-KSELFTEST-BEGIN')
    end = text.find('SVA-KSELFTEST-END')
    if start < 0:
        return None
    body = text[start:end if end > 0 else len(text)]
    binary_failed = False
    binary = '?'
    for raw in body.splitlines():
        line = raw.rstrip('\r')
        m = re.match(r'^# selftests: (\S+): (\S+)$', line)
        if m:
            binary = f'{m.group(1)}/{m.group(2)}'
            continue
        m = re.match(r'^# (not ok|ok) \d+ (.*?)(?: # (SKIP|skip)\s*(.*))?$',
                     line)
        if m:
            name = f'{binary}: {m.group(2)}'
            if m.group(3):
                res.append(('skip', name, m.group(4) or 'skipped'))
            else:
                ok = m.group(1) == 'ok'
                binary_failed |= not ok
                res.append(('pass' if ok else 'fail', name, ''))
            continue
        m = re.match(r'^(not ok|ok) \d+ selftests: (\S+): (\S+)(.*)$', line)
        if m:
            if m.group(1) == 'not ok' and not binary_failed:
                res.append(('fail', f'{m.group(2)}/{m.group(3)}',
                            'binary failed:' + m.group(4)))
            binary_failed = False
    return res


def kunit_results(text, arch):
    """Run kunit.py's parser on the console before init started."""
    cut = text.find('SVA-GUEST: init')
    kpart = text[:cut] if cut >= 0 else text
    if 'KTAP version' not in kpart and 'TAP version' not in kpart:
        return None
    src = os.path.join(BUILD, 'src')
    jpath = os.path.join(BUILD, f'kunit-{arch}.json')
    cmd = [sys.executable, os.path.join(src, 'tools/testing/kunit/kunit.py'),
           'parse', '--json=' + jpath]
    echo_cmd(cmd)
    res = subprocess.run(cmd, input=kpart, text=True, capture_output=True)
    if not os.path.exists(jpath):
        return [('fail', 'kunit-parse', res.stdout[-2000:])]
    data = json.loads(read(jpath))
    os.unlink(jpath)
    out = []

    def walk(group, prefix):
        for case in group.get('test_cases', []):
            st = case.get('status', 'FAIL')
            name = prefix + case.get('name', '?')
            if st == 'PASS':
                out.append(('pass', name, ''))
            elif st == 'SKIP':
                out.append(('skip', name, case.get('log', '')[-200:] or
                            'skipped by the test'))
            else:
                out.append(('fail', name, st))
        for sub in group.get('sub_groups', []):
            walk(sub, prefix + sub.get('name', '?') + '.')
    walk(data, '')
    return out


def tail(text, n=50):
    return '\n'.join(text.splitlines()[-n:])


def boot_checks(results, arch, text, timed_out, ks_warn, mode=None):
    """Every verdict one boot gives, added to RESULTS."""
    p = f'{arch}-{mode.name}/' if mode else f'{arch}/'
    if timed_out:
        log(f'--- last 50 console lines of {arch} ---\n{tail(text)}\n---')
    results.add(not timed_out and 'SVA-GUEST: done' in text,
                p + 'boot: guest ran to the end and powered off',
                'timed out' if timed_out else 'guest did not finish')
    bad = console_problems(text)
    if bad:
        log(f'--- bad console lines of {arch} ---\n' + '\n'.join(bad[:60]))
    results.add(not bad, p + 'console: no WARNING/BUG/Oops/KASAN/lockdep/'
                'kmemleak/fault line', f'{len(bad)} bad lines')
    for st, name, why in guest_results(text):
        if st == 'skip':
            results.skip(p + 'guest: ' + name, why)
        else:
            results.add(st == 'ok', p + 'guest: ' + name, why)
    if not mode:
        ks = kselftest_results(text)
        if ks is None:
            results.add(False, p + 'kselftest: runner output found')
        else:
            if not ks:
                results.add(False, p + 'kselftest: at least one test ran')
            for st, name, why in ks:
                if st == 'skip':
                    results.skip(p + 'kselftest: ' + name, why)
                else:
                    results.add(st == 'pass', p + 'kselftest: ' + name, why)
        results.add(not ks_warn, p + 'kselftest: builds without warnings',
                    '\n'.join(ks_warn))
    ku = kunit_results(text, arch)
    if not ku:
        results.add(False, p + 'kunit: suites ran at boot')
    else:
        for st, name, why in ku:
            if st == 'skip':
                results.skip(p + 'kunit: ' + name, why)
            else:
                results.add(st == 'pass', p + 'kunit: ' + name, why)


def cmd_boot(args):
    src, out = build(args.arch)
    done = phase(f'boot {args.arch}')
    extra = ''
    if os.environ.get('TESTS'):
        extra += ' sva_tests=' + os.environ['TESTS']
    if os.environ.get('KUNIT'):
        extra += ' kunit.filter_glob=' + os.environ['KUNIT']
    mode = None
    if os.environ.get('SVA_MODE'):
        mode = X86_MODES.get(os.environ['SVA_MODE'])
        if not mode or args.arch != 'x86_64':
            raise Failure(f'MODE={os.environ["SVA_MODE"]}: the modes are '
                          f'those of VT-d, x86_64 only: {" ".join(X86_MODES)}')
    text, timed_out, ks_warn = boot(args.arch, src, out, extra, mode)
    done()
    results = Results()
    boot_checks(results, args.arch, text, timed_out, ks_warn, mode)
    if not results.summary():
        raise Failure(f'boot {args.arch} failed')


cmd_run = cmd_boot


# --------------------------------------------------------------------------
# static checks

DIAG_RE = re.compile(r'^(?P<path>[^\s:]+):(?P<line>\d+):(?:(?P<col>\d+):)?'
                     r' (?P<kind>warning|error): (?P<msg>.*)$')


def norm_path(path, src, out):
    for root in (src, out):
        if path.startswith(root + '/'):
            return path[len(root) + 1:]
    if path.startswith('./'):
        return path[2:]
    return path


def collect_diags(out, src):
    """Every diagnostic kept by diagwrap.

    Returns [(file, line, message, tool, object)]: OBJECT is the .o whose
    compile (or sparse check) printed it, which for a header is how to get
    the same diagnostic again.
    """
    diags = []
    ddir = os.path.join(out, 'sva-diag')
    for dirpath, _dirs, names in os.walk(ddir):
        for nm in names:
            if not nm.endswith('.diag'):
                continue
            path = os.path.join(dirpath, nm)
            tool, rel = os.path.relpath(path, ddir).split(os.sep, 1)
            obj = rel[:-len('.diag')]
            if obj.endswith('.c'):
                obj = obj[:-2] + '.o'
            for line in read(path).splitlines():
                m = DIAG_RE.match(line)
                if m:
                    diags.append((norm_path(m.group('path'), src, out),
                                  int(m.group('line')),
                                  m.group('msg'), tool, obj))
    return diags


def kerneldoc_diags(tree, files, strict):
    """Run scripts/kernel-doc -none on FILES (relative to TREE)."""
    files = [f for f in files if f.endswith(('.c', '.h')) and
             os.path.exists(os.path.join(tree, f))]
    if not files:
        return []
    cmd = ['perl', 'scripts/kernel-doc', '-none'] + \
        (['-Wall'] if strict else []) + files
    res = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
    diags = []
    for line in (res.stdout + res.stderr).splitlines():
        m = DIAG_RE.match(line)
        if m:
            diags.append((m.group('path'), int(m.group('line')),
                          m.group('msg'), 'kernel-doc', None))
    return diags


def added_exports():
    """(file, symbol) of every EXPORT_SYMBOL* the series adds."""
    added, _changed = series_files()
    exp = re.compile(r'^\+?\s*EXPORT_SYMBOL(?:_GPL|_NS|_NS_GPL)?'
                     r'(?:_IF_KUNIT)?\((\w+)')
    found = []
    for f in added:
        if f.endswith('.c'):
            for line in read(os.path.join(TOP, f)).splitlines():
                m = exp.match(line)
                if m:
                    found.append((f, m.group(1)))
    for name, _a in read_series():
        current = None
        for line in read(os.path.join(TOP, 'patches', name)).splitlines():
            m = re.match(r'^\+\+\+ (?:b/)?(\S+)', line)
            if m:
                current = m.group(1)
            elif line.startswith('+') and current and \
                    current.endswith('.c'):
                m = exp.match(line)
                if m:
                    found.append((current, m.group(1)))
    return found


def exports_without_kerneldoc(src):
    """Exported functions the series adds that have no kernel-doc."""
    missing = []
    for f, sym in added_exports():
        text = read(os.path.join(src, f))
        if not re.search(r'/\*\*\s*\n\s*\*\s*' + re.escape(sym) +
                         r'\s*(\(\))?\s+-', text):
            missing.append(f'{f}: {sym}() is exported without kernel-doc')
    return missing


def base_diags(arch, files, objs):
    """Diagnostics of the unpatched base for FILES (built on demand)."""
    base = base_tree()
    out = os.path.join(BUILD, 'base-obj-' + arch)
    configure(arch, base, tree_out=out, verify=False)
    shutil.rmtree(os.path.join(out, 'sva-diag'), ignore_errors=True)
    objs = [o for o in objs if os.path.exists(
        os.path.join(base, o[:-2] + '.c')) or os.path.exists(
        os.path.join(base, o[:-2] + '.S'))]
    for o in objs:
        try:
            os.unlink(os.path.join(out, o))
        except FileNotFoundError:
            pass
    if objs:
        kmake(arch, base, out, ['prepare'], diag=False)
        kmake(arch, base, out, objs)
    diags = collect_diags(out, base)
    diags += kerneldoc_diags(base, files, strict=False)
    return [d for d in diags if d[0] in files]


def diag_key(d):
    """What a diagnostic says, without where: line numbers move."""
    return (d[0], re.sub(r'\d+', 'N', d[2]), d[3])


def unique_diags(diags):
    """One entry per (file, line, message, tool): a header's warning is
    printed once by every object that includes it."""
    seen = {}
    for d in diags:
        seen.setdefault(d[:4], d)
    return list(seen.values())


def lint(results, arch, src, out):
    """Warnings in series files and clients, compared with the base."""
    added, changed = series_files()
    clients = CLIENT_DIRS[arch]
    diags = collect_diags(out, src)

    def interesting(path):
        return path in added or path in changed or \
            any(path.startswith(c) for c in clients)
    mine = [d for d in diags if interesting(d[0])]
    mine += kerneldoc_diags(src, added, strict=True)
    mine += kerneldoc_diags(src, changed, strict=False)
    mine = unique_diags(mine)
    new = mine
    if any(d[0] not in added for d in mine):
        # The base may warn already for changed files and clients: build
        # the objects that printed them from the unpatched base.
        objs = sorted({d[4] for d in mine if d[0] not in added and d[4]})
        files = sorted({d[0] for d in mine if d[0] not in added})
        done = phase(f'lint {arch}: the unpatched base for {len(files)} '
                     f'files ({len(objs)} objects)')
        old = {}
        for d in unique_diags(base_diags(arch, files, objs)):
            old[diag_key(d)] = old.get(diag_key(d), 0) + 1
        done()
        new = []
        for d in mine:
            k = diag_key(d)
            if d[0] not in added and old.get(k, 0) > 0:
                old[k] -= 1
            else:
                new.append(d)
    series_new = [d for d in new if not any(d[0].startswith(c)
                                            for c in clients)]
    client_new = [d for d in new if d not in series_new]

    def fmt(ds):
        return '\n'.join(f'{d[0]}:{d[1]}: {d[3]}: {d[2]}' for d in ds)
    if series_new:
        log(fmt(series_new))
    results.add(not series_new, f'{arch}/lint: W=1 C=1 and kernel-doc clean '
                'for the files the series adds or changes',
                f'{len(series_new)} new warnings')
    mods = [m for m in CLIENT_MODULES[arch]
            if not os.path.exists(os.path.join(out, m))]
    if client_new:
        log(fmt(client_new))
    results.add(not client_new and not mods,
                f'{arch}/clients: {", ".join(clients)} build as modules '
                'without new warnings',
                (f'missing modules {mods}; ' if mods else '') +
                f'{len(client_new)} new warnings')


def load_exceptions():
    """harness/checkpatch.exceptions: 'FILE TYPE reason...' lines."""
    path = os.path.join(HARNESS, 'checkpatch.exceptions')
    exc = {}
    if os.path.exists(path):
        for line in read(path).splitlines():
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                raise Failure(f'{path}: an exception needs FILE TYPE reason: '
                              f'{line}')
            exc.setdefault(parts[0], set()).add(parts[1])
    return exc


def checkpatch(results, src):
    """checkpatch --strict on every exported patch and every owned file."""
    exported = export_series(quiet=True)
    exc = load_exceptions()
    # Without a git identity the export has no Signed-off-by (see
    # submitter_identity()); the sign-off is the submitter's to add, so
    # checkpatch does not count its absence here.
    pflags = [] if submitter_identity() else ['--no-signoff']
    if pflags:
        log('checkpatch: no git identity here, so the export is not signed '
            'off; checking the patches with --no-signoff')
    targets = [(os.path.join(exported, p), 'patches/' + p, pflags)
               for p in sorted(os.listdir(exported)) if p.endswith('.patch')]
    for f in owned_files():
        targets.append((os.path.join(src, f), f, ['-f']))
    for path, name, flags in targets:
        key = name
        cmd = ['perl', 'scripts/checkpatch.pl', '--strict', '--no-summary',
               '--show-types', '--terse'] + flags + [path]
        res = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
        issues = []
        for line in res.stdout.splitlines():
            m = re.search(r'(ERROR|WARNING|CHECK):(\w+):', line)
            if m and m.group(2) not in exc.get(key, set()) and \
                    m.group(2) not in exc.get('*', set()):
                issues.append(line)
        if issues:
            echo_cmd(cmd, src)
            log('\n'.join(issues))
        results.add(not issues, f'checkpatch: {name}',
                    f'{len(issues)} reports')


def coccicheck(results, src):
    """make coccicheck MODE=report on the series' C files vs the base.

    One coccicheck run per tree covers all the files: harness/spatch-files
    hands spatch the list of files (one file group each) where coccicheck
    would give it a directory, so every semantic patch still runs with
    coccicheck's own options, on each file on its own. Coccinelle reads
    sources, not objects, so one run (x86_64 headers) serves both
    architectures. Some semantic patches are OCaml scripts, hence the
    ocaml package.
    """
    added, changed = series_files()
    files = [f for f in added + changed if f.endswith(('.c', '.h'))]
    if not files:
        results.skip('coccinelle', 'the series adds or changes no C file '
                     'yet')
        return

    def report(tree, fs):
        groups = os.path.join(BUILD, 'cocci-groups-' +
                              os.path.basename(tree))
        write(groups, '\n\n'.join(fs) + '\n')
        env = make_env('x86_64')
        env['SVA_COCCI_GROUPS'] = groups
        cmd = ['make', '-C', tree, 'coccicheck', 'MODE=report',
               'M=drivers/iommu', 'J=' + str(os.cpu_count() or 2),
               'SPATCH=' + os.path.join(HARNESS, 'spatch-files')]
        res = run(cmd, capture=True, check=False, env=env)
        if res.returncode != 0 or 'coccicheck failed' in res.stdout:
            raise Failure(f'coccicheck failed in {tree}: ' +
                          res.stdout.strip().splitlines()[-1])
        return [re.sub(r':\d+:\d+-\d+:', ':', ln)
                for ln in res.stdout.splitlines()
                if re.match(r'^\S+:\d+:', ln)]
    base = base_tree()
    new = report(src, files)
    old_files = [f for f in files if f in changed]
    if new and old_files:
        old = report(base, old_files)
        new = [ln for ln in new if ln not in old]
    if new:
        log('\n'.join(new))
    results.add(not new, 'coccinelle: nothing new reported for the series '
                f'files ({len(files)})', f'{len(new)} reports')


def maintainers_check(results, src):
    """The repo's MAINTAINERS entry is in the tree and covers the overlay."""
    entry = read(os.path.join(TOP, 'MAINTAINERS')).strip('\n')
    tree = read(os.path.join(src, 'MAINTAINERS'))
    results.add(entry + '\n' in tree, 'maintainers: the entry in MAINTAINERS '
                'is the one the series adds to the tree')
    pats = [ln.split(None, 1)[1] for ln in entry.splitlines()
            if ln.startswith('F:\t')]
    uncovered = []
    for f in owned_files():
        if not any(f == p or (p.endswith('/') and f.startswith(p))
                   for p in pats):
            uncovered.append(f)
    results.add(not uncovered, 'maintainers: every file the series adds is '
                'covered by an F: line', ' '.join(uncovered))


# --------------------------------------------------------------------------
# export, tree, bisect

# The identity of the commits the harness makes for itself (the base commit
# of every git tree, and the series' commits where the user has none). It
# names the tool, not a person, and makes no commit depend on the user's
# git configuration, which a fresh machine does not have.
HARNESS_IDENTITY = {'GIT_AUTHOR_NAME': 'sva-series harness',
                    'GIT_AUTHOR_EMAIL': 'harness@localhost',
                    'GIT_COMMITTER_NAME': 'sva-series harness',
                    'GIT_COMMITTER_EMAIL': 'harness@localhost'}


def submitter_identity():
    """The submitter's git identity as commit environment, or None.

    The export signs every commit off with it; without one the series'
    commits are the harness's and carry no Signed-off-by.
    """
    def cfg(key):
        return subprocess.run(['git', 'config', key], cwd=TOP,
                              capture_output=True, text=True).stdout.strip()
    name, email = cfg('user.name'), cfg('user.email')
    if not (name and email):
        return None
    return {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email,
            'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email}


def patch_message(path):
    """Subject and changelog of a patch file."""
    text = read(path)
    m = re.search(r'^Subject: (?:\[PATCH[^\]]*\] )?(.*)$', text, re.M)
    if not m:
        raise Failure(f'{path}: no Subject: line')
    subject = m.group(1).strip()
    body = text[m.end():]
    end = re.search(r'^---\s*$', body, re.M)
    body = body[:end.start()] if end else body
    body = '\n'.join(ln for ln in body.strip('\n').splitlines()
                     if not ln.startswith('Signed-off-by:'))
    return subject + '\n\n' + body.strip('\n') + '\n'


def make_git_tree(dest, base, reuse=False):
    """DEST: a git tree of BASE with one commit per series step.

    With REUSE an existing tree is reset to its base commit instead of
    being made again, which only rewrites the files the series touched.
    """
    series, _owned = validate_series(base)
    ident = submitter_identity()
    env = dict(ident or HARNESS_IDENTITY)
    base_env = dict(HARNESS_IDENTITY)
    # Commit dates are those of this repository's HEAD, so the export is
    # reproducible for a given state of the series.
    when = subprocess.run(['git', 'log', '-1', '--format=%ct'], cwd=TOP,
                          capture_output=True, text=True).stdout.strip()
    when = f'@{when or 0} +0000'
    env.update({'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when})
    base_env.update({'GIT_AUTHOR_DATE': when, 'GIT_COMMITTER_DATE': when})
    if reuse and os.path.exists(os.path.join(dest, '.git')):
        run(['git', 'checkout', '-q', '-f', '-B', 'series', 'base'],
            cwd=dest, quiet=True)
        run(['git', 'clean', '-q', '-f', '-d', '-x'], cwd=dest, quiet=True)
    else:
        fresh_tree(dest)
        run(['git', 'init', '-q', '-b', 'series'], cwd=dest)
        run(['git', 'add', '-A', '-f'], cwd=dest, quiet=True)
        run(['git', 'commit', '-q', '-m',
             f'Linux {base_version(base)} (linux-source-6.1)'], cwd=dest,
            env=base_env)
        run(['git', 'tag', 'base'], cwd=dest)
        # Debian's .gitignore ends with "/*", which hides every new file
        # of the tree from git. Drop that block in the work tree only and
        # keep git from seeing the edit, so "git status" shows new files.
        gi = os.path.join(dest, '.gitignore')
        text = read(gi)
        cut = text.find('# Debian packaging')
        if cut >= 0:
            write(gi, text[:text.rfind('\n#\n', 0, cut) + 1])
            run(['git', 'update-index', '--assume-unchanged', '.gitignore'],
                cwd=dest, quiet=True)
    for name, added in series:
        copy_overlay(dest, added)
        apply_patch(dest, os.path.join(TOP, 'patches', name), name)
        msgf = os.path.join(BUILD, 'commit-msg')
        write(msgf, patch_message(os.path.join(TOP, 'patches', name)))
        run(['git', 'add', '-A', '-f'], cwd=dest, quiet=True)
        run(['git', 'commit', '-q', '--allow-empty', '-F', msgf] +
            (['-s'] if ident else []), cwd=dest, env=env)
    return series


def export_series(quiet=False):
    """build/series/: the series as git format-patch output."""
    base = base_tree()
    ident = submitter_identity()
    # The identity is part of what the export is made from.
    digest = series_digest() + ' ident=' + \
        (ident['GIT_AUTHOR_EMAIL'] if ident else '-')
    gtree = os.path.join(BUILD, 'export-tree')
    out = os.path.join(BUILD, 'series')
    stamp = os.path.join(BUILD, 'series.stamp')
    if os.path.exists(stamp) and read(stamp) == digest:
        return out
    done = phase('export: git format-patch of the series')
    make_git_tree(gtree, base, reuse=True)
    shutil.rmtree(out, ignore_errors=True)
    run(['git', 'format-patch', '-q', '--no-signature', '-o', out,
         'base..series'], cwd=gtree)
    write(stamp, digest)
    if not quiet:
        for p in sorted(os.listdir(out)):
            log('  ' + os.path.join(out, p))
    done()
    return out


def cmd_export(_args=None):
    if not submitter_identity():
        raise Failure('the export signs every patch off with your git '
                      'identity: set git config user.name and user.email')
    out = export_series()
    log(f'series exported to {out}')


def cmd_tree(_args=None):
    """build/tree: a git tree to edit; 'patches' writes it back."""
    base = base_tree()
    dest = os.path.join(BUILD, 'tree')
    if os.path.exists(os.path.join(dest, '.git')) and \
            not os.environ.get('FORCE'):
        raise Failure(f'{dest} exists: run "make patches" to keep its '
                      'commits, or FORCE=1 to start it again')
    make_git_tree(dest, base)
    log(f'git tree of the series: {dest} (branch series, base tag base)')


def git(tree, *args):
    """Output of a git command in TREE (stderr kept apart)."""
    res = subprocess.run(['git'] + list(args), cwd=tree, capture_output=True,
                         text=True)
    if res.returncode != 0:
        raise Failure(f'git {" ".join(args)}: {res.stderr.strip()}')
    return res.stdout


def cmd_patches(_args=None):
    """Regenerate patches/, patches/series and the overlay from build/tree.

    Files a commit adds below the overlay roots go to the overlay and are
    named in the series line; everything else is the patch's diff.  An
    overlay file may only be added, not changed by a later commit: the
    overlay holds one version of it.
    """
    tree = os.path.join(BUILD, 'tree')
    if not os.path.exists(os.path.join(tree, '.git')):
        raise Failure(f'no git tree at {tree}: run "make tree" first')
    if git(tree, 'status', '--porcelain') or \
            any(os.path.exists(os.path.join(tree, '.git', d))
                for d in ('rebase-merge', 'rebase-apply')):
        raise Failure(f'{tree}: commit your changes and finish any rebase '
                      'first; patches/ is written from the commits only')
    revs = git(tree, 'rev-list', '--reverse', 'base..HEAD').split()
    lines = []
    seen = {}
    pdir = os.path.join(TOP, 'patches')
    new_patches = {}
    new_owned = {}
    for i, rev in enumerate(revs, 1):
        st = git(tree, 'diff-tree', '--no-commit-id', '-r', '--name-status',
                 rev)
        owned_here = []
        for line in st.splitlines():
            status, path = line.split('\t', 1)[0], line.split('\t')[-1]
            if path.startswith(OWNED_ROOTS) and path in seen:
                raise Failure(f'commit {rev[:12]} changes {path}, which '
                              f'{seen[path]} adds: squash the change into '
                              'that commit')
            if status == 'A' and path.startswith(OWNED_ROOTS):
                owned_here.append(path)
        subject = git(tree, 'log', '-1', '--format=%s', rev).strip()
        slug = re.sub(r'[^A-Za-z0-9]+', '-', subject).strip('-')[:52]
        name = f'{i:04d}-{slug}.patch'
        for p in owned_here:
            seen[p] = name
            new_owned[p] = git(tree, 'show', f'{rev}:{p}')
        body = git(tree, 'log', '-1', '--format=%b', rev)
        body = '\n'.join(ln for ln in body.strip('\n').splitlines()
                         if not ln.startswith('Signed-off-by:'))
        excl = [f':(exclude){p}' for p in owned_here]
        diff = git(tree, 'diff', '--stat=72', '-p', f'{rev}^', rev, '--',
                   '.', *excl)
        text = f'Subject: [PATCH] {subject}\n\n{body.strip()}\n---\n{diff}'
        new_patches[name] = text
        lines.append(' '.join([name] + owned_here))
    for f in os.listdir(pdir):
        if f.endswith('.patch'):
            os.unlink(os.path.join(pdir, f))
    for name, text in new_patches.items():
        write(os.path.join(pdir, name), text)
    for f in owned_files():
        if f not in new_owned:
            os.unlink(os.path.join(TOP, f))
    for f, text in new_owned.items():
        write(os.path.join(TOP, f), text)
    write(os.path.join(pdir, 'series'),
          '# patch [files of the overlay the patch adds]\n' +
          '\n'.join(lines) + '\n')
    log(f'patches: {len(lines)} patches written to {pdir}')


def bisect(results, budget=None, upto=None):
    """Every step of the series builds for both architectures.

    Steps are built one after the other in build/bisect, incrementally, with
    the flags of the main build so that ccache serves what did not change.
    UPTO stops early: make check leaves out the last step, which is the
    tree its own build already proved.
    """
    base = base_tree()
    series, _owned = validate_series(base)
    bdir = os.path.join(BUILD, 'bisect')
    src = os.path.join(bdir, 'src')
    final = src_tree()
    os.makedirs(bdir, exist_ok=True)
    start = time.monotonic()
    last = len(series) if upto is None else upto
    for k in range(1, last + 1):
        name = series[k - 1][0]
        if budget is not None and time.monotonic() - start > budget:
            for j in range(k, last + 1):
                results.skip(f'bisect: step {j} ({series[j - 1][0]})',
                             'the bisect time budget is spent')
            return
        try:
            sync_tree(src, steps=k)
        except Failure as e:
            results.add(False, f'bisect: step {k} ({name}) applies', str(e))
            continue
        for arch in ARCHES:
            out = os.path.join(bdir, 'obj-' + arch)
            try:
                configure(arch, src, tree_out=out, verify=False,
                          frag_src=final)
                kmake(arch, src, out, [os.path.basename(ARCHES[arch].image),
                                       'modules'])
                ok, why = True, ''
            except Failure as e:
                ok, why = False, str(e)
            results.add(ok, f'bisect: step {k} ({name}) builds for {arch}',
                        why)


def cmd_bisect(_args=None):
    results = Results()
    bisect(results)
    if not results.summary():
        sys.exit(1)


# --------------------------------------------------------------------------
# fresh-check

def write_sources(dest, entries):
    """ENTRIES (as debian_sources() returns them) as one deb822 file."""
    text = ''
    for e in entries:
        text += ''.join(f'{k}: {e[k]}\n' for k in
                        ('Types', 'URIs', 'Suites', 'Components',
                         'Signed-By') if e.get(k)) + '\n'
    write(dest, text)


def cmd_fresh_check(_args=None):
    """"make check" from a fresh clone in a minimal Debian 12 root.

    The root is made anew with debootstrap --variant=minbase from the
    Debian archive the machine's apt sources name (bookworm suites only);
    it has no git identity, no compiler cache and none of the packages
    installed here by hand. .ci/run then installs what it needs, as CI
    does on a new machine. SVA_FRESH_CCACHE=1 lends it this machine's
    ccache, for a quicker answer that still proves the install steps.
    """
    if os.geteuid() != 0:
        raise Failure('fresh-check makes a chroot and must run as root')
    head = git(TOP, 'rev-parse', 'HEAD').strip()
    if git(TOP, 'status', '--porcelain', '--untracked-files=no'):
        log('fresh-check: uncommitted changes are not part of the clone; '
            f'it tests HEAD {head[:12]}')
    fdir = os.path.join(BUILD, 'fresh')
    root = os.path.join(fdir, 'root')
    cache = os.path.join(fdir, 'debs')
    entries = [e for e in debian_sources()
               if BACKPORTS not in e['Suites'].split()]
    main = [e for e in entries if 'bookworm' in e['Suites'].split()]
    if not main:
        raise Failure('no apt source for Debian bookworm on this machine')
    t0 = time.monotonic()
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(cache, exist_ok=True)
    run(['debootstrap', '--variant=minbase', '--cache-dir=' + cache,
         'bookworm', root, main[0]['URIs'].split()[0]])
    for f in os.listdir(os.path.join(root, 'etc/apt/sources.list.d')):
        os.unlink(os.path.join(root, 'etc/apt/sources.list.d', f))
    write(os.path.join(root, 'etc/apt/sources.list'), '')
    write_sources(os.path.join(root, 'etc/apt/sources.list.d',
                               'debian.sources'), entries)
    shutil.copy2('/etc/resolv.conf', os.path.join(root, 'etc/resolv.conf'))
    repo = os.path.join(root, 'work', 'repo')
    os.makedirs(os.path.dirname(repo))
    run(['git', 'clone', '-q', '--no-hardlinks', TOP, repo])
    mounts = [('proc', ['-t', 'proc', 'proc']),
              ('sys', ['--bind', '/sys']),
              ('dev', ['--bind', '/dev']),
              ('dev/pts', ['--bind', '/dev/pts'])]
    if os.environ.get('SVA_FRESH_CCACHE') == '1':
        host_cache = os.environ.get('CCACHE_DIR',
                                    os.path.expanduser('~/.cache/ccache'))
        os.makedirs(host_cache, exist_ok=True)
        os.makedirs(os.path.join(root, 'root/.cache/ccache'))
        mounts.append(('root/.cache/ccache', ['--bind', host_cache]))
    mounted = []
    logf = os.path.join(fdir, 'check.log')
    try:
        for where, how in mounts:
            run(['mount'] + how + [os.path.join(root, where)])
            mounted.append(os.path.join(root, where))
        cmd = ['chroot', root, '/usr/bin/env', '-i',
               'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:'
               '/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8', 'CI=true',
               'bash', '-c', 'cd /work/repo && bash .ci/run']
        echo_cmd(cmd)
        with open(logf, 'w') as lf:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            for line in proc.stdout:
                sys.stdout.write(line)
                lf.write(line)
            rc = proc.wait()
    finally:
        for m in reversed(mounted):
            subprocess.run(['umount', '-l', m])
    text = read(logf)
    summary = re.findall(r'^(\d+) passed, (\d+) failed', text, re.M)
    took = time.monotonic() - t0
    log(f'fresh-check: HEAD {head[:12]} in a minimal bookworm root, '
        f'{took:.0f}s in all, exit {rc}, log {logf}')
    results = Results()
    results.add(rc == 0 and bool(summary) and summary[-1][1] == '0',
                'fresh-check: make check passes in a fresh Debian 12 root',
                f'exit {rc}, ' + (f'{summary[-1][0]} passed, '
                                  f'{summary[-1][1]} failed'
                                  if summary else 'no summary line'))
    if not results.summary():
        sys.exit(1)


# --------------------------------------------------------------------------
# check

def cmd_check(args):
    t0 = time.monotonic()
    results = Results()
    cmd_deps()
    done = phase('apply')
    base = base_tree()
    log(f'base: Linux {base_version(base)} from {TARBALL}')
    try:
        src = src_tree()
        results.add(True, f'apply: series applies to {base_version(base)} '
                    'without fuzz or offset')
    except Failure as e:
        results.add(False, f'apply: series applies to {base_version(base)}',
                    str(e))
        results.summary()
        sys.exit(1)
    done()
    done = phase('checkpatch, maintainers, coccinelle')
    missing = exports_without_kerneldoc(src)
    if missing:
        log('\n'.join(missing))
    results.add(not missing, 'kernel-doc: every function the series '
                f'exports ({len(added_exports())}) is documented',
                f'{len(missing)} undocumented')
    for name, check in (('checkpatch', checkpatch),
                        ('maintainers', maintainers_check),
                        ('coccinelle', coccicheck)):
        try:
            check(results, src)
        except Failure as e:   # the check could not run: that fails it
            results.add(False, name, str(e))
    done()
    for arch in args.arches:
        try:
            src, out = build(arch)
            results.add(True, f'{arch}/build: W=1 C=1 build of the test '
                        'kernel and modules')
        except Failure as e:
            results.add(False, f'{arch}/build', str(e))
            continue
        done = phase(f'lint {arch}')
        lint(results, arch, src, out)
        done()
        done = phase(f'boot {arch}')
        try:
            text, timed_out, ks_warn = boot(arch, src, out)
            boot_checks(results, arch, text, timed_out, ks_warn)
        except Failure as e:
            results.add(False, f'{arch}/boot', str(e))
        done()
        if arch != 'x86_64':
            continue
        for mode in X86_MODES.values():
            done = phase(f'boot {arch}, VT-d mode {mode.name}')
            try:
                text, timed_out, ks_warn = boot(arch, src, out, mode=mode)
                boot_checks(results, arch, text, timed_out, ks_warn, mode)
            except Failure as e:
                results.add(False, f'{arch}-{mode.name}/boot', str(e))
            done()
    budget = float(os.environ.get('BISECT_BUDGET', '1500'))
    spent = time.monotonic() - t0
    if os.environ.get('BISECT', '1') == '0':
        results.skip('bisect', 'BISECT=0 was given')
    elif spent > float(os.environ.get('BISECT_AFTER', '2700')):
        results.skip('bisect', f'check already ran {spent:.0f}s; run '
                     '"make bisect" on its own')
    else:
        done = phase('bisect')
        log('bisect: the last step is the tree built above')
        bisect(results, budget=budget, upto=len(read_series()) - 1)
        done()
    log(f'check: {time.monotonic() - t0:.0f}s')
    if not results.summary():
        sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest='verb', required=True)
    for verb in ('deps', 'base', 'apply', 'export', 'tree', 'patches',
                 'bisect', 'fresh-check'):
        sub.add_parser(verb)
    for verb in ('config', 'build', 'boot', 'run'):
        sp = sub.add_parser(verb)
        sp.add_argument('--arch', default='x86_64', choices=ARCHES)
    sp = sub.add_parser('check')
    sp.add_argument('--arch', dest='arches', action='append',
                    choices=ARCHES)
    args = p.parse_args()
    if args.verb == 'check' and not args.arches:
        args.arches = list(ARCHES)
    try:
        globals()['cmd_' + args.verb.replace('-', '_')](args)
    except Failure as e:
        log(f'error: {e}')
        sys.exit(1)


if __name__ == '__main__':
    main()
