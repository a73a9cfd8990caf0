// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every allocation fails in turn: each operation of the PASID and SVA API
 * runs on the mock IOMMU (CONFIG_IOMMU_SVA_SELFTEST) with the n-th slab
 * allocation of the calling thread failing, for n = 1, 2, ... until one
 * run reaches no n-th allocation. A run that fails must return an errno
 * and leave everything as it was, so that the next attempt works; kmemleak
 * and KASAN watch the rest. Needs failslab and /proc/thread-self/fail-nth
 * (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "iommu_utils.h"

#define MAX_NTH 10000U

static size_t page_size;

static int nth_fd = -1;

/* Make the @n-th allocation from now fail (0: none) */
static void fail_nth_set(unsigned int n)
{
	if (fail_nth_write(nth_fd, n))
		abort();
}

/* Whether the n-th allocation was reached, and failed; then reset */
static int fail_nth_reached(void)
{
	int reached = fail_nth_read(nth_fd);

	if (reached < 0)
		abort();
	return reached;
}

FIXTURE(fail_nth) {
	int fd;
	__u32 dev_id, dev2;
	char *buf;
	/* What the operation under test works on, and made */
	__u32 bind, bind2, pasid, dom, first;
	uint64_t iova;
	struct iommu_sva_test_cmd before;
};

FIXTURE_SETUP(fail_nth)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s missing: CONFIG_IOMMU_SVA_SELFTEST is off",
		     IOMMU_SVA_TEST_DEV);
	ASSERT_LE(0, self->fd);
	if (failslab_setup())
		SKIP(return, "no failslab in debugfs");
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0)
		SKIP(return, "no /proc/thread-self/fail-nth");
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 20, &self->dev_id, NULL));
	test_cmd_sva_enable(self->dev_id);
	self->buf = mmap(NULL, 16 * page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	self->iova = 0x400000;
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (nth_fd >= 0) {
		fail_nth_set(0);
		close(nth_fd);
		nth_fd = -1;
	}
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The helpers below take the fixture's data, FIXTURE_DATA(fail_nth),
 * which is struct _test_data_fail_nth.
 *
 * An operation run with allocations failing: @run does it, with the n-th
 * allocation from now failing, and returns 0 or -errno; after a run that
 * failed @check asserts the state is as before, after one that worked
 * @undo puts it back.
 */
struct nth_op {
	int (*run)(struct _test_data_fail_nth *self, unsigned int n);
	void (*check)(struct __test_metadata *_metadata,
		      struct _test_data_fail_nth *self, int rc);
	void (*undo)(struct __test_metadata *_metadata,
		     struct _test_data_fail_nth *self);
};

/*
 * Run @op for n = 1, 2, ...: stop after the first run that did not reach
 * its n-th allocation, which must have worked. A run that failed must
 * have reached it: nothing else may fail.
 */
static void fail_nth_loop(struct __test_metadata *_metadata,
			  struct _test_data_fail_nth *self,
			  const struct nth_op *op)
{
	unsigned int n;
	int rc, reached;

	for (n = 1; n < MAX_NTH; n++) {
		rc = op->run(self, n);
		reached = fail_nth_reached();
		if (rc) {
			ASSERT_TRUE(reached);
			ASSERT_GT(0, rc);
			op->check(_metadata, self, rc);
			continue;
		}
		op->undo(_metadata, self);
		if (!reached)
			break;
	}
	ASSERT_GT(MAX_NTH, n);
	TH_LOG("%u allocations", n - 1);
}

static void check_live(struct __test_metadata *_metadata,
		       struct _test_data_fail_nth *self)
{
	struct iommu_sva_test_cmd now;

	ASSERT_EQ(0, _test_cmd_stats(self->fd, self->dev_id, &now));
	ASSERT_TRUE(same_live(&self->before, &now));
}

/* A first bind, which may also allocate the mm's PASID */
static int bind_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_bind(self->fd, self->dev_id, &self->bind,
			      &self->pasid);
}

static void bind_check(struct __test_metadata *_metadata,
		       struct _test_data_fail_nth *self, int rc)
{
	__u32 pasid = mm_pasid(self->fd);
	char tmp[8];

	check_live(_metadata, self);
	/* The mm may keep a PASID; nothing is attached at it */
	if (pasid != PASID_INVALID)
		test_err_dma(ENODEV, self->dev_id, pasid, self->buf, tmp, 1,
			     0);
}

static void bind_undo(struct __test_metadata *_metadata,
		      struct _test_data_fail_nth *self)
{
	char tmp[8];

	ASSERT_EQ(mm_pasid(self->fd), self->pasid);
	test_cmd_dma(self->dev_id, self->pasid, self->buf, tmp, 1, 1);
	test_cmd_unbind(self->bind);
}

TEST_F(fail_nth, bind)
{
	static const struct nth_op op = { bind_run, bind_check, bind_undo };

	ASSERT_EQ(0, _test_cmd_stats(self->fd, self->dev_id, &self->before));
	fail_nth_loop(_metadata, self, &op);
}

/* A bind of a device whose mm's domain exists: only a new handle */
static int bind2_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_bind(self->fd, self->dev2, &self->bind2, NULL);
}

static void bind2_check(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self, int rc)
{
	char tmp[8];

	check_live(_metadata, self);
	test_err_dma(ENODEV, self->dev2, self->pasid, self->buf, tmp, 1, 0);
	test_cmd_dma(self->dev_id, self->pasid, self->buf, tmp, 1, 0);
}

static void bind2_undo(struct __test_metadata *_metadata,
		       struct _test_data_fail_nth *self)
{
	char tmp[8];

	test_cmd_dma(self->dev2, self->pasid, self->buf, tmp, 1, 0);
	test_cmd_unbind(self->bind2);
}

TEST_F(fail_nth, bind_second_device)
{
	static const struct nth_op op = {
		bind2_run, bind2_check, bind2_undo
	};

	test_cmd_bind(self->dev_id, &self->bind, &self->pasid);
	test_cmd_dev_create(20, &self->dev2);
	test_cmd_sva_enable(self->dev2);
	ASSERT_EQ(0, _test_cmd_stats(self->fd, self->dev_id, &self->before));
	fail_nth_loop(_metadata, self, &op);
	test_cmd_unbind(self->bind);
}

/* A repeated bind of the same device and mm: one more reference */
static int again_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_bind(self->fd, self->dev_id, &self->bind2, NULL);
}

static void again_check(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self, int rc)
{
	char tmp[8];

	check_live(_metadata, self);
	test_cmd_dma(self->dev_id, self->pasid, self->buf, tmp, 1, 0);
}

static void again_undo(struct __test_metadata *_metadata,
		       struct _test_data_fail_nth *self)
{
	ASSERT_EQ(self->bind, self->bind2);
	test_cmd_unbind(self->bind2);
}

TEST_F(fail_nth, bind_again)
{
	static const struct nth_op op = {
		again_run, again_check, again_undo
	};
	char tmp[8];

	test_cmd_bind(self->dev_id, &self->bind, &self->pasid);
	ASSERT_EQ(0, _test_cmd_stats(self->fd, self->dev_id, &self->before));
	fail_nth_loop(_metadata, self, &op);
	test_cmd_dma(self->dev_id, self->pasid, self->buf, tmp, 1, 0);
	test_cmd_unbind(self->bind);
}

/* The last unbind */
static int unbind_run(struct _test_data_fail_nth *self, unsigned int n)
{
	int rc = _test_cmd_bind(self->fd, self->dev_id, &self->bind,
				&self->pasid);

	if (rc)
		return rc;
	fail_nth_set(n);
	return _test_cmd_unbind(self->fd, self->bind);
}

static void unbind_check(struct __test_metadata *_metadata,
			 struct _test_data_fail_nth *self, int rc)
{
	test_cmd_unbind(self->bind);
}

static void unbind_undo(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self)
{
	char tmp[8];

	test_err_dma(ENODEV, self->dev_id, self->pasid, self->buf, tmp, 1, 0);
}

/* SVA enable and disable */
static int enable_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_sva(self->fd, self->dev2, 1);
}

static void enable_check(struct __test_metadata *_metadata,
			 struct _test_data_fail_nth *self, int rc)
{
	/* Still off: no bind, and nothing to disable */
	test_err_bind(ENODEV, self->dev2);
	ASSERT_EQ(-EINVAL, _test_cmd_sva(self->fd, self->dev2, 0));
}

static void enable_undo(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self)
{
	test_cmd_sva_disable(self->dev2);
}

static int disable_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_sva(self->fd, self->dev2, 0);
}

static void disable_check(struct __test_metadata *_metadata,
			  struct _test_data_fail_nth *self, int rc)
{
	/* Still on: a bind works */
	test_cmd_bind(self->dev2, &self->bind2, NULL);
	test_cmd_unbind(self->bind2);
}

static void disable_undo(struct __test_metadata *_metadata,
			 struct _test_data_fail_nth *self)
{
	test_cmd_sva_enable(self->dev2);
}

TEST_F(fail_nth, unbind_and_sva)
{
	static const struct nth_op unbind = {
		unbind_run, unbind_check, unbind_undo
	};
	static const struct nth_op enable = {
		enable_run, enable_check, enable_undo
	};
	static const struct nth_op disable = {
		disable_run, disable_check, disable_undo
	};

	fail_nth_loop(_metadata, self, &unbind);
	test_cmd_dev_create(20, &self->dev2);
	fail_nth_loop(_metadata, self, &enable);
	test_cmd_sva_enable(self->dev2);
	fail_nth_loop(_metadata, self, &disable);
	test_cmd_sva_disable(self->dev2);
	test_cmd_dev_destroy(self->dev2);
}

/* A paging domain attached at a PASID and detached */
static int attach_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_attach(self->fd, self->dev_id, self->dom,
				self->pasid);
}

static void attach_check(struct __test_metadata *_metadata,
			 struct _test_data_fail_nth *self, int rc)
{
	char tmp[8];

	test_err_dma(ENODEV, self->dev_id, self->pasid, self->iova, tmp, 1, 0);
}

static void attach_undo(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self)
{
	char tmp[8];

	test_cmd_dma(self->dev_id, self->pasid, self->iova, tmp, 1, 0);
	test_cmd_detach(self->dev_id, self->dom, self->pasid);
}

static int detach_run(struct _test_data_fail_nth *self, unsigned int n)
{
	int rc = _test_cmd_attach(self->fd, self->dev_id, self->dom,
				  self->pasid);

	if (rc)
		return rc;
	fail_nth_set(n);
	return _test_cmd_detach(self->fd, self->dev_id, self->dom,
				self->pasid);
}

static void detach_check(struct __test_metadata *_metadata,
			 struct _test_data_fail_nth *self, int rc)
{
	test_cmd_detach(self->dev_id, self->dom, self->pasid);
}

static void detach_undo(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self)
{
	char tmp[8];

	test_err_dma(ENODEV, self->dev_id, self->pasid, self->iova, tmp, 1, 0);
}

TEST_F(fail_nth, attach_detach)
{
	static const struct nth_op attach = {
		attach_run, attach_check, attach_undo
	};
	static const struct nth_op detach = {
		detach_run, detach_check, detach_undo
	};

	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &self->dom));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id,
					   &self->pasid));
	ASSERT_EQ(0, _test_cmd_map(self->fd, self->dom, self->iova, self->buf,
				   page_size, 1));
	fail_nth_loop(_metadata, self, &attach);
	fail_nth_loop(_metadata, self, &detach);
	ASSERT_EQ(0, _test_cmd_unmap(self->fd, self->dom, self->iova,
				     page_size));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, self->pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, self->dom));
}

/* iommu_alloc_global_pasid(): a failure takes no PASID */
static int pasid_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_pasid_alloc(self->fd, self->dev_id, &self->pasid);
}

static void pasid_check(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self, int rc)
{
	__u32 again;

	/* The lowest free PASID is still the same */
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &again));
	ASSERT_EQ(self->first, again);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, again));
}

static void pasid_undo(struct __test_metadata *_metadata,
		       struct _test_data_fail_nth *self)
{
	ASSERT_EQ(self->first, self->pasid);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, self->pasid));
}

TEST_F(fail_nth, pasid_alloc)
{
	static const struct nth_op op = { pasid_run, pasid_check, pasid_undo };

	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id,
					   &self->first));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, self->first));
	fail_nth_loop(_metadata, self, &op);
}

/*
 * One fault round trip: a DMA to a page never touched, which the device
 * must have faulted in. A failed one faults (EFAULT) and leaves no
 * request behind; the page is dropped again after each run.
 */
static const char pattern[8] = "pattern";

static int fault_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	return _test_cmd_dma(self->fd, self->dev_id, self->pasid,
			     (uintptr_t)self->buf, (void *)pattern,
			     sizeof(pattern), 1);
}

static void fault_check(struct __test_metadata *_metadata,
			struct _test_data_fail_nth *self, int rc)
{
	struct iommu_sva_test_cmd now;

	ASSERT_EQ(-EFAULT, rc);
	test_cmd_stats(self->dev_id, &now);
	ASSERT_EQ(0, now.stats.pending);
	ASSERT_EQ(0, now.stats.resp_mismatch);
	ASSERT_EQ(0, madvise(self->buf, page_size, MADV_DONTNEED));
}

static void fault_undo(struct __test_metadata *_metadata,
		       struct _test_data_fail_nth *self)
{
	char dst[8] = { };

	test_cmd_dma(self->dev_id, self->pasid, self->buf, dst, sizeof(dst),
		     0);
	ASSERT_EQ(0, memcmp(pattern, dst, sizeof(dst)));
	ASSERT_EQ(0, madvise(self->buf, page_size, MADV_DONTNEED));
}

TEST_F(fail_nth, fault_round_trip)
{
	static const struct nth_op op = { fault_run, fault_check, fault_undo };
	struct iommu_sva_test_cmd now;

	test_cmd_bind(self->dev_id, &self->bind, &self->pasid);
	ASSERT_EQ(0, madvise(self->buf, page_size, MADV_DONTNEED));
	test_cmd_stats(self->dev_id, &self->before);
	fail_nth_loop(_metadata, self, &op);
	test_cmd_stats(self->dev_id, &now);
	ASSERT_LT(self->before.stats.resp_success, now.stats.resp_success);
	test_cmd_unbind(self->bind);
}

/* STATS of the device once no page request waits for its response */
static int stats_settled(struct _test_data_fail_nth *self,
			 struct iommu_sva_test_cmd *c)
{
	int i, rc;

	for (i = 0; i < 500; i++) {
		rc = _test_cmd_stats(self->fd, self->dev_id, c);
		if (rc || !c->stats.pending)
			return rc;
		usleep(10000);
	}
	return -ETIME;
}

/*
 * The last request of a page request group reported with each allocation
 * failing in turn. Refused, it is answered by the driver and the group is
 * over: its non-last request, on a page without access, goes with it, and
 * the next group of that index is handled alone and answered success.
 * Taken, the group is answered invalid, for that request.
 */
TEST_F(fail_nth, page_request_group)
{
	char *none = mmap(NULL, page_size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const __u32 g = IOMMU_SVA_TEST_PRQ_GRPID_MIN;
	struct iommu_sva_test_cmd a, b, c;
	unsigned int n;
	int reached;

	ASSERT_NE(MAP_FAILED, none);
	test_cmd_bind(self->dev_id, &self->bind, &self->pasid);
	for (n = 1; n < MAX_NTH; n++) {
		ASSERT_EQ(0, stats_settled(self, &a));
		test_cmd_page_req(self->dev_id, self->pasid,
				  IOMMU_SVA_TEST_PRQ_PARTIAL, none, g, 1);
		fail_nth_set(n);
		ASSERT_EQ(0, _test_cmd_page_req(self->fd, self->dev_id,
						self->pasid, 0,
						(uintptr_t)self->buf, g, 1));
		reached = fail_nth_reached();
		ASSERT_EQ(0, stats_settled(self, &b));
		ASSERT_EQ(0, b.stats.resp_mismatch);
		if (b.stats.not_routed == a.stats.not_routed) {
			/* Taken: the whole group, with its bad request */
			ASSERT_EQ(a.stats.resp_invalid + 1,
				  b.stats.resp_invalid);
			ASSERT_EQ(a.stats.resp_success, b.stats.resp_success);
		} else {
			/* Refused, for the driver to answer */
			ASSERT_TRUE(reached);
			ASSERT_EQ(a.stats.not_routed + 1, b.stats.not_routed);
			ASSERT_EQ(a.stats.resp_invalid, b.stats.resp_invalid);
			/* The next group of the index is alone */
			test_cmd_page_req(self->dev_id, self->pasid, 0,
					  self->buf, g, 1);
			ASSERT_EQ(0, stats_settled(self, &c));
			ASSERT_EQ(b.stats.resp_success + 1,
				  c.stats.resp_success) TH_LOG("n=%u", n);
			ASSERT_EQ(b.stats.resp_invalid,
				  c.stats.resp_invalid) TH_LOG("n=%u", n);
		}
		if (!reached)
			break;
	}
	ASSERT_GT(MAX_NTH, n);
	ASSERT_LT(1, n);
	TH_LOG("%u allocations", n - 1);
	test_cmd_unbind(self->bind);
	munmap(none, page_size);
}

/*
 * uacce's open binds the process and gets a queue from the accelerator:
 * with any allocation failing it fails, and leaves no bond, domain or
 * queue behind. The uacce device is found by name in the fixture data.
 */
static char accel_dev[PATH_MAX];
static int accel_fd = -1;

static int uacce_open_run(struct _test_data_fail_nth *self, unsigned int n)
{
	fail_nth_set(n);
	accel_fd = open(accel_dev, O_RDWR | O_CLOEXEC);
	return accel_fd < 0 ? -errno : 0;
}

static void uacce_open_check(struct __test_metadata *_metadata,
			     struct _test_data_fail_nth *self, int rc)
{
	char path[PATH_MAX], val[16];

	check_live(_metadata, self);
	snprintf(path, sizeof(path), "/sys/class/uacce/%s/available_instances",
		 strrchr(accel_dev, '/') + 1);
	ASSERT_EQ(0, read_line(path, val, sizeof(val)));
	ASSERT_EQ(IOMMU_SVA_TEST_ACCEL_QUEUES, atoi(val));
}

static void uacce_open_undo(struct __test_metadata *_metadata,
			    struct _test_data_fail_nth *self)
{
	__u32 pasid;

	ASSERT_EQ(0, ioctl(accel_fd, IOMMU_SVA_TEST_ACCEL_PASID, &pasid));
	ASSERT_EQ(mm_pasid(self->fd), pasid);
	close(accel_fd);
	uacce_open_check(_metadata, self, 0);
}

TEST_F(fail_nth, uacce_open)
{
	static const struct nth_op op = {
		uacce_open_run, uacce_open_check, uacce_open_undo
	};
	char name[NAME_MAX + 1];
	__u32 accel;

	if (access("/sys/bus/" IOMMU_SVA_TEST_BUS "/drivers/"
		   IOMMU_SVA_TEST_ACCEL_DRIVER, F_OK))
		SKIP(return, "no accelerator driver: CONFIG_IOMMU_SVA_ACCEL_TEST is off");
	ASSERT_EQ(0, accel_create(self->fd, 20, &accel));
	ASSERT_EQ(0, accel_name(accel, name, sizeof(name)));
	snprintf(accel_dev, sizeof(accel_dev), "/dev/%s", name);
	ASSERT_EQ(0, _test_cmd_stats(self->fd, self->dev_id, &self->before));
	fail_nth_loop(_metadata, self, &op);
	test_cmd_dev_destroy(accel);
}

TEST_HARNESS_MAIN
