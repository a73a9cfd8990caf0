# SPDX-License-Identifier: GPL-2.0
#
# The IOMMU PASID/SVA series for Linux 6.1: apply, build, boot and test.
# Every target is a verb of harness/series.py (see "make help").

ARCH ?= x86_64
PYTHON ?= python3
SERIES := $(PYTHON) harness/series.py

.PHONY: help run check bench unit coverage fresh-check bisect deps apply config \
	build boot series tree patches clean

help:
	@$(SERIES) --help

# Build the x86_64 (or ARCH=arm64) test kernel and boot it under QEMU.
run:
	TESTS="$(TESTS)" KUNIT="$(KUNIT)" $(SERIES) run --arch $(ARCH)

# Every check, both architectures; ends with "N passed, N failed".
# The harness's unit tests run first, one check per test case.
check:
	$(SERIES) check

# The benchmark figures (README "Performance"), in the arm64 guest by
# default, on the test kernel without its debug options
# (harness/configs/bench.config); FIGURES=a,b runs only those
# (bind_scaling, bind_concurrency, fault_path, munmap, memory). Figures
# with a goal pass or fail.
bench: ARCH = arm64
bench:
	FIGURES="$(FIGURES)" $(SERIES) bench --arch $(ARCH)

# The harness's own unit tests (harness/sva/*_test.py), on recorded logs.
unit:
	$(PYTHON) -m unittest discover -s harness/sva -t harness -p '*_test.py'

bisect:
	$(SERIES) bisect

# Build and boot both guests with gcov on the series' objects and print
# the share of the lines the series adds or changes that ran (make check
# prints the same at its end).
coverage:
	$(SERIES) coverage

# make check from a fresh clone of HEAD in a minimal Debian 12 root
# (debootstrap), as on a new machine: proves that "make deps" installs
# every tool the harness runs.
fresh-check:
	$(SERIES) fresh-check

deps:
	$(SERIES) deps

apply:
	$(SERIES) apply

config build:
	$(SERIES) $@ --arch $(ARCH)

# TESTS=collection:test runs one kselftest, KUNIT=glob selects KUnit suites,
# MODE=legacy boots the x86_64 guest with VT-d in legacy mode.
boot:
	TESTS="$(TESTS)" KUNIT="$(KUNIT)" SVA_MODE="$(MODE)" $(SERIES) boot --arch $(ARCH)

# The series as git format-patch output, in build/series/.
series:
	$(SERIES) export

# A git tree of the base with one commit per patch (build/tree), and the
# way back: regenerate patches/ and the overlay from its commits.
tree:
	$(SERIES) tree

patches:
	$(SERIES) patches

# Only what the harness built: the build directory.
clean:
	rm -rf build
