# SPDX-License-Identifier: GPL-2.0
"""fresh-check: make check from a fresh clone in a minimal Debian 12 root,
as on a new machine: proves that "make deps" installs every tool the
harness runs.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

from .deps import BACKPORTS, debian_sources
from .gitops import git
from .results import Results
from .util import TOP, Failure, echo_cmd, log, read, run, write


def write_sources(dest, entries):
    """ENTRIES (as debian_sources() returns them) as one deb822 file."""
    text = ''
    for e in entries:
        text += ''.join(f'{k}: {e[k]}\n' for k in
                        ('Types', 'URIs', 'Suites', 'Components',
                         'Signed-By') if e.get(k)) + '\n'
    write(dest, text)


def unmount_below(root):
    """Unmount everything mounted at or below ROOT, deepest first."""
    def mounts():
        return [ln.split()[1] for ln in read('/proc/self/mounts').splitlines()
                if ln.split()[1] == root or
                ln.split()[1].startswith(root + '/')]
    for m in sorted(mounts(), key=len, reverse=True):
        subprocess.run(['umount', '-l', m])
    if mounts():
        raise Failure(f'cannot unmount {" ".join(mounts())}')


def fresh_check(paths, host_ccache=None):
    """"make check" from a fresh clone in a minimal Debian 12 root.

    The root is made anew with debootstrap --variant=minbase from the
    Debian archive the machine's apt sources name (bookworm suites only);
    it has no git identity, no compiler cache and none of the packages
    installed here by hand. .ci/run then installs what it needs, as CI
    does on a new machine. SVA_FRESH_CCACHE=1 lends it this machine's
    ccache (HOST_CCACHE), for a quicker answer that still proves the
    install steps.

    Returns True when make check passed there.
    """
    if os.geteuid() != 0:
        raise Failure('fresh-check makes a chroot and must run as root')
    head = git(TOP, 'rev-parse', 'HEAD').strip()
    if git(TOP, 'status', '--porcelain', '--untracked-files=no'):
        log('fresh-check: uncommitted changes are not part of the clone; '
            f'it tests HEAD {head[:12]}')
    fdir = os.path.join(paths.build, 'fresh')
    root = os.path.join(fdir, 'root')
    cache = os.path.join(fdir, 'debs')
    entries = [e for e in debian_sources()
               if BACKPORTS not in e['Suites'].split()]
    main = [e for e in entries if 'bookworm' in e['Suites'].split()]
    if not main:
        raise Failure('no apt source for Debian bookworm on this machine')
    t0 = time.monotonic()
    # A run that was killed may have left its mounts: never remove a tree
    # with the host's /dev bound into it.
    unmount_below(root)
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
    if host_ccache:
        os.makedirs(host_ccache, exist_ok=True)
        os.makedirs(os.path.join(root, 'root/.cache/ccache'))
        mounts.append(('root/.cache/ccache', ['--bind', host_ccache]))
    mounted = []
    logf = os.path.join(fdir, 'check.log')
    proc = None

    def terminate(signum, _frame):
        raise Failure(f'fresh-check stopped by signal {signum}')
    old_term = signal.signal(signal.SIGTERM, terminate)
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
                                    stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)
            for line in proc.stdout:
                sys.stdout.write(line)
                lf.write(line)
            rc = proc.wait()
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if proc and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        unmount_below(root)
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
    return results.summary()
