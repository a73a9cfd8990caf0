# SPDX-License-Identifier: GPL-2.0
"""What the checks find: one status enum, results, diagnostics.

Results collects every check of a run and prints each as it comes
("PASS: name", "FAIL: name - why", "SKIP: name - why", and "PASS: name -
cached verdict KEY" for a pass the verdict cache served); summary() ends a
run with the skipped and failed checks and the line
"N passed, N failed[, N skipped]".
"""

import enum
from dataclasses import dataclass

from .util import log


class Status(enum.Enum):
    """The outcome of one check or test case, whoever ran it."""
    PASS = 'pass'
    FAIL = 'fail'
    SKIP = 'skip'


@dataclass(frozen=True)
class Result:
    """One check or test case: its status, its name, why (for a failure
    or a skip; a pass may carry a detail that is not printed)."""
    status: Status
    name: str
    detail: str = ''


@dataclass(frozen=True)
class Diag:
    """One compiler, sparse or kernel-doc diagnostic.

    obj is the .o whose compile (or sparse check) printed it, which for a
    header is how to get the same diagnostic again; None for kernel-doc.
    """
    file: str
    line: int
    message: str
    tool: str
    obj: str | None = None


class Results:
    def __init__(self):
        self.items = []   # [Result]

    def add(self, ok, name, detail=''):
        status = Status.PASS if ok else Status.FAIL
        self.items.append(Result(status, name, detail))
        log(f'{"PASS" if ok else "FAIL"}: {name}' +
            (f' - {detail}' if detail and not ok else ''))

    def cached(self, name, detail):
        """A pass that did not run again: the verdict cache served it
        (verdicts.py). Its line says so with DETAIL."""
        self.items.append(Result(Status.PASS, name, detail))
        log(f'PASS: {name} - {detail}')

    def skip(self, name, why):
        self.items.append(Result(Status.SKIP, name, why))
        log(f'SKIP: {name} - {why}')

    def record(self, status, name, detail=''):
        """Add a check of any STATUS: a skip, or a pass or failure."""
        if status == Status.SKIP:
            self.skip(name, detail)
        else:
            self.add(status == Status.PASS, name, detail)

    def summary(self):
        n = {s: sum(1 for i in self.items if i.status == s) for s in Status}
        skipped = [i for i in self.items if i.status == Status.SKIP]
        failed = [i for i in self.items if i.status == Status.FAIL]
        if skipped:
            log('skipped:')
            for i in skipped:
                log(f'  {i.name}: {i.detail}')
        if failed:
            log('failed:')
            for i in failed:
                log(f'  {i.name}' +
                    (f': {i.detail.splitlines()[0]}' if i.detail else ''))
        line = f'{n[Status.PASS]} passed, {n[Status.FAIL]} failed'
        if n[Status.SKIP]:
            line += f', {n[Status.SKIP]} skipped'
        log(line)
        return n[Status.FAIL] == 0
