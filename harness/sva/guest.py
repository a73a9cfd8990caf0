# SPDX-License-Identifier: GPL-2.0
"""The test guests: disk image, kselftests, initramfs, QEMU boot, and the
verdicts of one boot.

The guest init (harness/guest/init) prints one SVA-CHECK line per
verdict, runs the kselftests between SVA-KSELFTEST-BEGIN and -END, and
ends with "SVA-GUEST: done"; KUnit's built-in suites print KTAP before
init starts. The console log stays in the build directory
(console-ARCH[-MODE].log).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from .arches import ARCHES, X86_MODES, cc_for
from .build import build
from .deps import busybox_dir
from .parser import console_problems, guest_results, kselftest_results, \
    kunit_cases, ktap_part
from .results import Result, Results, Status
from .util import HARNESS, Failure, echo_cmd, log, phase, read, run, write


@dataclass(frozen=True, kw_only=True)
class BootOptions:
    """How QEMU runs a guest, whatever the architecture.

    kvm:      boot with KVM (SVA_KVM=1); TCG otherwise
    timeout:  seconds before the guest is killed (SVA_BOOT_TIMEOUT); None
              for the arch's own
    """
    kvm: bool = False
    timeout: float | None = None


def disk_image(paths):
    """An 8 MiB disk of a known pattern and its SHA-256."""
    path = os.path.join(paths.build, 'disk.img')
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


def build_selftests(paths, arch, src, out):
    """Build and install tools/testing/selftests/iommu for ARCH."""
    inst = os.path.join(paths.build, 'kselftest-' + arch)
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


def build_initramfs(paths, arch, src, out, checksum):
    root = os.path.join(paths.build, 'initramfs-' + arch)
    shutil.rmtree(root, ignore_errors=True)
    for d in ('bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'etc', 'root',
              'usr/bin', 'usr/sbin'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    bb = os.path.join(busybox_dir(paths, arch), 'bin', 'busybox')
    shutil.copy2(bb, os.path.join(root, 'bin', 'busybox'))
    shutil.copy2(os.path.join(HARNESS, 'guest', 'init'),
                 os.path.join(root, 'init'))
    os.chmod(os.path.join(root, 'init'), 0o755)
    ks = build_selftests(paths, arch, src, out)
    ks_warn = []
    if ks:
        inst, ks_warn = ks
        shutil.copytree(inst, os.path.join(root, 'kselftest'))
    write(os.path.join(root, 'etc', 'sva-guest.conf'),
          f'ARCH={arch}\nDISK_SHA256={checksum}\n')
    img = os.path.join(paths.build, 'initramfs-' + arch + '.cpio')
    files = subprocess.run(['find', '.', '-mindepth', '1'], cwd=root,
                           capture_output=True, text=True,
                           check=True).stdout
    with open(img, 'wb') as f:
        subprocess.run(['cpio', '--quiet', '-o', '-H', 'newc',
                        '--owner=0:0'], cwd=root, input=files.encode(),
                       stdout=f, check=True)
    return img, ks_warn


def boot(paths, arch, src, out, extra_cmdline='', mode=None,
         options=BootOptions()):
    """Boot the guest (in MODE, a BootMode, if given); return (console
    text, timed out?, kselftest build warnings)."""
    disk, checksum = disk_image(paths)
    img, ks_warn = build_initramfs(paths, arch, src, out, checksum)
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
        '-drive', f'file={disk},if=none,id=d0,format=raw,readonly=on'] + \
        list(mode.devices if mode else ()) + [
        '-device', 'virtio-blk-pci,drive=d0,disable-legacy=on,'
        'iommu_platform=on' + (mode.disk if mode else '')]
    if options.kvm:
        cmd += ['-accel', 'kvm']
    else:
        cmd += ['-accel', 'tcg']
    console = os.path.join(paths.build, f'console-{arch}'
                           f'{"-" + mode.name if mode else ""}.log')
    echo_cmd(cmd)
    start = time.monotonic()
    timed_out = False
    with open(console, 'w') as cf:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=cf,
                                stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=float(a.timeout if options.timeout is None
                                    else options.timeout))
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
    log(f'boot {arch}: {time.monotonic() - start:.0f}s, console: {console}')
    return read(console), timed_out, ks_warn


def kunit_results(paths, text, arch):
    """Run kunit.py's parser on the console before init started."""
    kpart = ktap_part(text)
    if kpart is None:
        return None
    src = os.path.join(paths.build, 'src')
    jpath = os.path.join(paths.build, f'kunit-{arch}.json')
    cmd = [sys.executable, os.path.join(src, 'tools/testing/kunit/kunit.py'),
           'parse', '--json=' + jpath]
    echo_cmd(cmd)
    res = subprocess.run(cmd, input=kpart, text=True, capture_output=True)
    if not os.path.exists(jpath):
        return [Result(Status.FAIL, 'kunit-parse', res.stdout[-2000:])]
    data = json.loads(read(jpath))
    os.unlink(jpath)
    return kunit_cases(data)


def tail(text, n=50):
    return '\n'.join(text.splitlines()[-n:])


def boot_checks(paths, results, arch, text, timed_out, ks_warn, mode=None):
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
    for r in guest_results(text):
        results.record(r.status, p + 'guest: ' + r.name, r.detail)
    if not mode:
        ks = kselftest_results(text)
        if ks is None:
            results.add(False, p + 'kselftest: runner output found')
        else:
            if not ks:
                results.add(False, p + 'kselftest: at least one test ran')
            for r in ks:
                results.record(r.status, p + 'kselftest: ' + r.name,
                               r.detail)
        results.add(not ks_warn, p + 'kselftest: builds without warnings',
                    '\n'.join(ks_warn))
    ku = kunit_results(paths, text, arch)
    if not ku:
        results.add(False, p + 'kunit: suites ran at boot')
    else:
        for r in ku:
            results.record(r.status, p + 'kunit: ' + r.name, r.detail)


def boot_verb(paths, arch, tests='', kunit='', mode_name='',
              options=BootOptions()):
    """make boot/run: build, boot once (TESTS, KUNIT and MODE select what
    runs), print the verdicts; Failure if any failed."""
    src, out = build(paths, arch)
    done = phase(f'boot {arch}')
    extra = ''
    if tests:
        extra += ' sva_tests=' + tests
    if kunit:
        extra += ' kunit.filter_glob=' + kunit
    mode = None
    if mode_name:
        mode = X86_MODES.get(mode_name)
        if not mode or arch != 'x86_64':
            raise Failure(f'MODE={mode_name}: the modes are '
                          f'those of VT-d, x86_64 only: {" ".join(X86_MODES)}')
    text, timed_out, ks_warn = boot(paths, arch, src, out, extra, mode,
                                    options)
    done()
    results = Results()
    boot_checks(paths, results, arch, text, timed_out, ks_warn, mode)
    if not results.summary():
        raise Failure(f'boot {arch} failed')
