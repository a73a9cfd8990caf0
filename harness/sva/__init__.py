# SPDX-License-Identifier: GPL-2.0
"""The harness of the IOMMU PASID/SVA series, one module per concern.

harness/series.py is the command line; it reads the configuration once
into a request and hands each verb to the modules here:

  util      log, echo_cmd, run, read, write, phase, Failure, Paths
  arches    the architectures and the x86_64 boot modes (frozen dataclasses)
  deps      the Debian packages the harness needs, busybox for the guests
  tree      the base, patches/series, the overlay, applying the series
  kconfig   the test configs: fragments merged and verified
  build     out-of-tree kernel builds, and bisect over the series' steps
  guest     disk image, kselftests, initramfs, QEMU boot and its verdicts
  parser    pure parsers: console, SVA-CHECK, TAP/KTAP, diagnostics,
            patch messages, the series file (tested by parser_test.py)
  results   test statuses, the results collector, diagnostics
  lint      W=1/sparse/kernel-doc lint, checkpatch, coccinelle, MAINTAINERS
  gitops    git identity, the git tree of the series, export and patches
  fresh     fresh-check: make check in a minimal Debian 12 root
  verdicts  the verdict cache: passed bisect steps and checkpatch runs
            by the sha256 of their inputs (tested by verdicts_test.py)
  check     the check verb: every check, in order
"""
