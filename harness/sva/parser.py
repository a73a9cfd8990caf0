# SPDX-License-Identifier: GPL-2.0
"""Pure parsers: text in, values out, no files, no commands.

What the guests print (console problems, the guest init's SVA-CHECK
lines, the kselftest runner's TAP, the KTAP part that kunit.py reads and
the cases it returns), what compilers print (diagnostics), and the
formats of this repository (patch messages, patches/series).
parser_test.py tests each on recorded logs in test_data/.
"""

import os
import re

from .results import Diag, Result, Status
from .util import Failure

# --------------------------------------------------------------------------
# guest consoles

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


def console_problems(text):
    return [ln for ln in text.splitlines() if CONSOLE_BAD.search(ln)]


# A verdict of the guest init (harness/guest/init).
GUEST_CHECK_RE = re.compile(
    r'SVA-CHECK: (ok|not ok|skip) (\S+)(?: - (.*))?$')
GUEST_STATUS = {'ok': Status.PASS, 'not ok': Status.FAIL,
                'skip': Status.SKIP}


def guest_results(text):
    """SVA-CHECK lines printed by the guest init, as [Result]."""
    res = []
    for line in text.splitlines():
        m = GUEST_CHECK_RE.search(line.rstrip('\r'))
        if m:
            res.append(Result(GUEST_STATUS[m.group(1)], m.group(2),
                              m.group(3) or ''))
    return res


def kselftest_results(text):
    """Test cases of the kselftest runner's nested TAP output.

    Returns [Result], or None when the guest never reached the runner
    (no SVA-KSELFTEST-BEGIN line); an outer "not ok" for a binary whose
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
    case = '?'
    for raw in body.splitlines():
        line = raw.rstrip('\r')
        m = re.match(r'^# selftests: (\S+): (\S+)$', line)
        if m:
            binary = f'{m.group(1)}/{m.group(2)}'
            continue
        # kselftest_harness.h announces each case ("#  RUN  NAME ...") and,
        # in 6.1, reports a skipped one without its name: "ok N # SKIP why".
        m = re.match(r'^# #\s+RUN\s+(\S+) \.\.\.$', line)
        if m:
            case = m.group(1)
            continue
        m = re.match(r'^# ok \d+ # (?:SKIP|skip)\s*(.*)$', line)
        if m:
            res.append(Result(Status.SKIP, f'{binary}: {case}',
                              m.group(1) or 'skipped'))
            continue
        m = re.match(r'^# (not ok|ok) \d+ (.*?)(?: # (SKIP|skip)\s*(.*))?$',
                     line)
        if m:
            name = f'{binary}: {m.group(2)}'
            if m.group(3):
                res.append(Result(Status.SKIP, name, m.group(4) or 'skipped'))
            else:
                ok = m.group(1) == 'ok'
                binary_failed |= not ok
                res.append(Result(Status.PASS if ok else Status.FAIL, name))
            continue
        m = re.match(r'^(not ok|ok) \d+ selftests: (\S+): (\S+)(.*)$', line)
        if m:
            if m.group(1) == 'not ok' and not binary_failed:
                res.append(Result(Status.FAIL, f'{m.group(2)}/{m.group(3)}',
                                  'binary failed:' + m.group(4)))
            binary_failed = False
    return res


def ktap_part(text):
    """The console before init started, which kunit.py parse reads.

    KUnit's built-in suites run before init; None when that part has no
    (K)TAP header, i.e. no suite ran.
    """
    cut = text.find('SVA-GUEST: init')
    kpart = text[:cut] if cut >= 0 else text
    if 'KTAP version' not in kpart and 'TAP version' not in kpart:
        return None
    return kpart


def kunit_cases(data):
    """[Result] of every case in kunit.py's JSON (kunit_json.py).

    A case is named SUITE.CASE (nested groups joined by dots); SKIP keeps
    the end of the case's log as why; any status but PASS and SKIP fails.
    """
    out = []

    def walk(group, prefix):
        for case in group.get('test_cases', []):
            st = case.get('status', 'FAIL')
            name = prefix + case.get('name', '?')
            if st == 'PASS':
                out.append(Result(Status.PASS, name))
            elif st == 'SKIP':
                out.append(Result(Status.SKIP, name,
                                  case.get('log', '')[-200:] or
                                  'skipped by the test'))
            else:
                out.append(Result(Status.FAIL, name, st))
        for sub in group.get('sub_groups', []):
            walk(sub, prefix + sub.get('name', '?') + '.')
    walk(data, '')
    return out


# --------------------------------------------------------------------------
# diagnostics

DIAG_RE = re.compile(r'^(?P<path>[^\s:]+):(?P<line>\d+):(?:(?P<col>\d+):)?'
                     r' (?P<kind>warning|error): (?P<msg>.*)$')


def norm_path(path, src, out):
    for root in (src, out):
        if path.startswith(root + '/'):
            return path[len(root) + 1:]
    if path.startswith('./'):
        return path[2:]
    return path


def parse_diags(text, tool, obj=None, normalize=None):
    """[Diag] of every line of TEXT that DIAG_RE matches.

    TOOL and OBJ are those of every Diag; NORMALIZE, if given, maps the
    printed path to the file's path in the tree.
    """
    diags = []
    for line in text.splitlines():
        m = DIAG_RE.match(line)
        if m:
            path = m.group('path')
            diags.append(Diag(normalize(path) if normalize else path,
                              int(m.group('line')), m.group('msg'), tool,
                              obj))
    return diags


def diag_origin(relpath):
    """(tool, object) of a file diagwrap kept, from its path relative to
    the sva-diag directory: TOOL/<target>.diag, where the target of
    sparse is the source file, named here by its object."""
    tool, rel = relpath.split(os.sep, 1)
    obj = rel[:-len('.diag')]
    if obj.endswith('.c'):
        obj = obj[:-2] + '.o'
    return tool, obj


def diag_key(d):
    """What a diagnostic says, without where: line numbers move."""
    return (d.file, re.sub(r'\d+', 'N', d.message), d.tool)


def unique_diags(diags):
    """One entry per (file, line, message, tool): a header's warning is
    printed once by every object that includes it."""
    seen = {}
    for d in diags:
        seen.setdefault((d.file, d.line, d.message, d.tool), d)
    return list(seen.values())


def format_diags(diags):
    return '\n'.join(f'{d.file}:{d.line}: {d.tool}: {d.message}'
                     for d in diags)


# --------------------------------------------------------------------------
# patches and patches/series

def patch_message(text, path):
    """Subject and changelog of a patch file (PATH names it in errors)."""
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


def diff_files(text):
    """Files a patch changes, adds or deletes, from its diff headers.

    A deleted file has "+++ /dev/null" and its name only on the "--- a/"
    line before it.
    """
    files = []
    old = None
    for line in text.splitlines():
        m = re.match(r'^--- (?:a/)?(\S+)', line)
        if m:
            old = m.group(1)
            continue
        m = re.match(r'^\+\+\+ (?:b/)?(\S+)', line)
        if not m:
            continue
        f = m.group(1) if m.group(1) != '/dev/null' else old
        if f and f != '/dev/null' and f not in files:
            files.append(f)
        old = None
    return files


def deleted_files(text):
    """Files a patch deletes ("--- a/F" followed by "+++ /dev/null")."""
    return re.findall(r'^--- (?:a/)?(\S+)\n\+\+\+ /dev/null$', text, re.M)


def parse_series(text):
    """Return [(patch file name, [added files])] in series order.

    Each line of patches/series is "PATCH [FILE...]"; '#' starts a
    comment.
    """
    series = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if not words[0].endswith('.patch'):
            raise Failure(f'patches/series:{n}: not a patch name: {words[0]}')
        series.append((words[0], words[1:]))
    return series


def series_problems(series, owned, patch_files, patch_exists, in_base):
    """Where the series file and the overlay do not describe each other.

    SERIES is what parse_series() returns, OWNED the overlay's files,
    PATCH_FILES the names in patches/ (sorted), PATCH_EXISTS(name) whether
    patches/NAME exists, IN_BASE(file) whether the base has FILE. Returns
    the problems, one string each, empty when the two agree.
    """
    claimed = {}
    errors = []
    for name, added in series:
        if not patch_exists(name):
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
        if in_base(f):
            errors.append(f'{f} exists in the base: change it with a patch, '
                          'not a copy')
    listed = {n for n, _ in series}
    for f in patch_files:
        if f.endswith('.patch') and f not in listed:
            errors.append(f'patches/{f} is not listed in patches/series')
    return errors
