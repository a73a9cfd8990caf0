# SPDX-License-Identifier: GPL-2.0
"""What every module of the harness uses: logging, echoed commands, files.

Every external command is echoed before it runs (echo_cmd()), so it can
be re-run by hand.
"""

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass

# This repository: the harness always works on the checkout it runs from.
TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HARNESS = os.path.join(TOP, 'harness')


@dataclass(frozen=True, kw_only=True)
class Paths:
    """Where the harness reads the base and writes what it makes.

    build:    the build directory (BUILD, build/ of this repository by
              default): the base, the patched tree, objects, initramfs,
              console logs
    tarball:  the base tarball (LINUX_SOURCE,
              /usr/src/linux-source-6.1.tar.xz by default)
    """
    build: str
    tarball: str


class Failure(Exception):
    pass


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
