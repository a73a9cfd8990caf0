# SPDX-License-Identifier: GPL-2.0
"""Line coverage of what the series adds or changes, from the guests' gcov.

The test kernels are built with CONFIG_GCOV_KERNEL and with gcov profiling
for the objects of the series' C files only (GCOV_PROFILE_<object>.o=y on
the make command line, which Kbuild reads per object). At the end of every
boot the guest init copies the counters out of /sys/kernel/debug/gcov,
packs them and prints them on the console between two markers:

  SVA-GCOV-BEGIN
  SVA-GCOV: <base64 of a gzip'd tar of the .gcda files, full paths>
  ...
  SVA-GCOV-END <sha256 of the tar>

The host checks the digest, runs gcov on each file's counters against the
notes (.gcno) of its build, and counts, per file, the executable lines that
the series adds or changes (every line of a file the series adds; the
lines a patch adds to an upstream file, from a diff against the base) and
how many of them ran in at least one guest.

Glossary:
  measured file  a series .c file compiled into a guest kernel, but not a
                 KUnit test file (test code is not what is measured)
  added line     a line of the patched file that the base does not have
  executable     a line gcov has a counter for
"""

import base64
import dataclasses
import difflib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile

from .arches import cc_for
from .kconfig import objdir
from .util import log, read, write

BEGIN = 'SVA-GCOV-BEGIN'
END = 'SVA-GCOV-END'
LINE = 'SVA-GCOV: '

# Test code that is compiled into the guests but is not measured.
TEST_FILE = re.compile(r'(-test\.c|-kunit\.h)$')

# Areas the goal is stated for, by path: the first that matches.
AREAS = [
    ('mock', re.compile(r'^drivers/iommu/iommu-sva-selftest\.c$')),
    ('core', re.compile(r'^drivers/iommu/(iommu|iommu-sva[^/]*|io-pgfault)'
                        r'\.c$')),
    ('smmuv3', re.compile(r'^drivers/iommu/arm/')),
    ('vt-d', re.compile(r'^drivers/iommu/intel/')),
]
GOAL = 90.0


def measured_files(files):
    """The C files of FILES (series paths) that coverage is measured on."""
    return sorted(f for f in files
                  if f.startswith('drivers/') and f.endswith('.c') and
                  not TEST_FILE.search(f))


def profile_args(files):
    """make arguments that profile the objects of FILES with gcov."""
    objs = sorted({os.path.basename(f)[:-2] for f in measured_files(files)})
    return [f'GCOV_PROFILE_{o}.o=y' for o in objs]


def area_of(path):
    for name, pat in AREAS:
        if pat.search(path):
            return name
    return 'other'


def extract(text):
    """The tar.gz the guest printed, or (None, why).

    Returns (bytes, '') when the markers, the payload and its digest are
    all there and agree.
    """
    if BEGIN not in text:
        return None, 'the guest printed no gcov counters'
    after = text[text.rindex(BEGIN):]
    m = re.search(r'^' + END + r' ([0-9a-f]{64})\s*$', after, re.M)
    if not m:
        return None, 'the gcov dump was cut short'
    payload = ''.join(ln[len(LINE):].strip()
                      for ln in after[:m.start()].splitlines()
                      if ln.startswith(LINE))
    try:
        data = base64.b64decode(payload, validate=True)
    except ValueError as e:
        return None, f'the gcov dump is not base64: {e}'
    if hashlib.sha256(data).hexdigest() != m.group(1):
        return None, 'the gcov dump does not match its digest ' \
            '(console lines interleaved?)'
    return data, ''


def unpack(data, dest):
    """Unpack the guest's tar into DEST; return {relative .gcda path: file}.

    The relative path is what follows the build directory in the guest's
    gcov tree, e.g. 'drivers/iommu/iommu.gcda'; the caller matches it by
    suffix, since the object directory's absolute path is not known here.
    """
    found = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
        for m in tar.getmembers():
            if not m.isfile() or not m.name.endswith('.gcda'):
                continue
            rel = os.path.normpath(m.name).lstrip('./')
            path = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'wb') as f:
                f.write(tar.extractfile(m).read())
            found[rel] = path
    return found


def find_gcda(found, src_file):
    """The counters of SRC_FILE (a tree path) among FOUND, or None."""
    want = '/' + src_file[:-2] + '.gcda'
    hits = [p for rel, p in found.items() if ('/' + rel).endswith(want)]
    return hits[0] if len(hits) == 1 else None


def gcov_lines(gcov, gcda, gcno, src_file):
    """{line: (count, function)} of SRC_FILE from one object's counters.

    GCOV is the gcov of the compiler that built the object; GCNO its notes.
    Only lines of SRC_FILE itself count (not of the headers it includes).
    """
    with tempfile.TemporaryDirectory() as d:
        base = os.path.basename(src_file)[:-2]
        for f, ext in ((gcno, '.gcno'), (gcda, '.gcda')):
            with open(f, 'rb') as i, open(os.path.join(d, base + ext),
                                          'wb') as o:
                o.write(i.read())
        res = subprocess.run([gcov, '--json-format', '--stdout',
                              '--object-directory', d, base + '.c'],
                             cwd=d, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f'{gcov} failed on {src_file}: '
                           f'{res.stderr.strip()[-300:]}')
    return parse_gcov_json(res.stdout, src_file)


def parse_gcov_json(text, src_file):
    """{line: (count, function)} of SRC_FILE from gcov --json-format."""
    lines = {}
    for chunk in text.splitlines():
        chunk = chunk.strip()
        if not chunk:
            continue
        doc = json.loads(chunk)
        for f in doc.get('files', []):
            if not ('/' + f['file']).endswith('/' + src_file):
                continue
            for ln in f.get('lines', []):
                n = ln['line_number']
                old = lines.get(n, (0, ''))
                lines[n] = (old[0] + ln['count'],
                            old[1] or ln.get('function_name', ''))
    return lines


def added_lines(base_text, new_text):
    """Line numbers (1-based) of NEW_TEXT that BASE_TEXT does not have.

    BASE_TEXT None means the series adds the file: every line is added.
    """
    new = new_text.splitlines()
    if base_text is None:
        return set(range(1, len(new) + 1))
    sm = difflib.SequenceMatcher(None, base_text.splitlines(), new,
                                 autojunk=False)
    added = set()
    for tag, _i1, _i2, j1, j2 in sm.get_opcodes():
        if tag in ('replace', 'insert'):
            added.update(range(j1 + 1, j2 + 1))
    return added


@dataclasses.dataclass
class FileCoverage:
    path: str
    executable: int = 0
    covered: int = 0
    # function name -> number of added executable lines that never ran
    missed: dict = dataclasses.field(default_factory=dict)
    archs: list = dataclasses.field(default_factory=list)

    @property
    def percent(self):
        return 100.0 * self.covered / self.executable \
            if self.executable else 100.0


def measure(path, added, per_arch):
    """FileCoverage of PATH from {arch: {line: (count, func)}}.

    A line is executable if any guest's build has a counter for it, and
    covered if it ran in any guest.
    """
    fc = FileCoverage(path, archs=sorted(per_arch))
    for n in sorted(added):
        seen = [lines[n] for lines in per_arch.values() if n in lines]
        if not seen:
            continue
        fc.executable += 1
        if any(c > 0 for c, _f in seen):
            fc.covered += 1
        else:
            func = next((f for _c, f in seen if f), '?')
            fc.missed[func] = fc.missed.get(func, 0) + 1
    return fc


def table(files):
    """Report lines: per file, per area with its goal, and the total."""
    out = ['coverage of the executable lines the series adds or changes '
           '(ran in a guest / executable):']
    w = max([len(f.path) for f in files] + [10])
    for f in files:
        out.append(f'  {f.path:<{w}}  {f.covered:5}/{f.executable:<5} '
                   f'{f.percent:5.1f}%  ({" ".join(f.archs)})')
    for name, _pat in AREAS + [('total', None)]:
        sel = [f for f in files if name == 'total' or area_of(f.path) == name]
        if not sel:
            continue
        ex = sum(f.executable for f in sel)
        cov = sum(f.covered for f in sel)
        pct = 100.0 * cov / ex if ex else 100.0
        goal = '' if name == 'total' else \
            f'  goal {GOAL:.0f}%: {"met" if pct >= GOAL else "not met"}'
        out.append(f'  {name:<{w}}  {cov:5}/{ex:<5} {pct:5.1f}%{goal}')
    missed = [(f.path, fn, n) for f in files for fn, n in f.missed.items()]
    if missed:
        out.append('not reached (added lines that never ran, by function):')
        for path, fn, n in sorted(missed, key=lambda m: (m[0], -m[2])):
            out.append(f'  {path}: {fn} ({n})')
    return out


def to_json(files):
    return json.dumps([dataclasses.asdict(f) | {'percent': f.percent}
                       for f in files], indent=1, sort_keys=True)


# --------------------------------------------------------------------------
# collecting and reporting, in the build directory

def coverage_dir(paths):
    return os.path.join(paths.build, 'coverage')


def reset(paths):
    """Forget the counters of earlier runs."""
    shutil.rmtree(coverage_dir(paths), ignore_errors=True)


def collect(paths, results, arch, label, text):
    """Keep the counters one boot (LABEL, e.g. x86_64-flts) printed."""
    data, why = extract(text)
    if data is not None:
        dest = os.path.join(coverage_dir(paths), label)
        shutil.rmtree(dest, ignore_errors=True)
        found = unpack(data, dest)
        write(os.path.join(dest, 'arch'), arch + '\n')
        if not found:
            data, why = None, 'the guest had no gcov counters'
    results.add(data is not None, f'{label}/coverage: gcov counters read '
                'from the guest', why)


def gcov_for(arch):
    """The gcov of the compiler that builds ARCH ("gcc" -> "gcov")."""
    return cc_for(arch)[:-len('gcc')] + 'gcov'


def measure_all(paths, src, base, added, changed):
    """[FileCoverage] of the measured files over every collected boot."""
    cdir = coverage_dir(paths)
    boots = []
    if os.path.isdir(cdir):
        for label in sorted(os.listdir(cdir)):
            d = os.path.join(cdir, label)
            found = {}
            for root, _dirs, names in os.walk(d):
                for n in names:
                    if n.endswith('.gcda'):
                        p = os.path.join(root, n)
                        found[os.path.relpath(p, d)] = p
            boots.append((read(os.path.join(d, 'arch')).strip(), found))
    files = []
    for f in measured_files(added + changed):
        per_arch = {}
        for arch, found in boots:
            gcno = os.path.join(objdir(paths, arch), f[:-2] + '.gcno')
            gcda = find_gcda(found, f)
            if not os.path.exists(gcno) or not gcda:
                continue
            lines = gcov_lines(gcov_for(arch), gcda, gcno, f)
            acc = per_arch.setdefault(arch, {})
            for n, (count, func) in lines.items():
                old = acc.get(n, (0, func))
                acc[n] = (old[0] + count, old[1] or func)
        if not per_arch:
            continue
        base_text = read(os.path.join(base, f)) if f in changed else None
        files.append(measure(f, added_lines(base_text,
                                            read(os.path.join(src, f))),
                             per_arch))
    return files


def report(paths, src, base, added, changed):
    """Print the coverage table and write BUILD/coverage.json."""
    files = measure_all(paths, src, base, added, changed)
    if not files:
        log('coverage: no counters were collected')
        return files
    log('\n'.join(table(files)))
    out = os.path.join(paths.build, 'coverage.json')
    write(out, to_json(files) + '\n')
    log(f'coverage: figures in {out}')
    return files
