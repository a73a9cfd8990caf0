// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVA and PASID tests on the mock IOMMU (CONFIG_IOMMU_SVA_SELFTEST): the
 * test process binds its own mm to mock devices and has them DMA to its
 * virtual addresses through the mock IOTLB, which only the mmu_notifier
 * empties; it attaches paging domains to PASIDs and DMAs by IOVA.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "iommu_utils.h"

#define NPAGES	128	/* twice the mock IOTLB */

static size_t page_size;

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void fill(void *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		((unsigned char *)buf)[i] = (unsigned char)(seed + i * 7 + i / 4096);
}

static int fill_pasids(int fd, __u32 dev, __u32 *p, int max);

static int open_mock(void)
{
	return open(IOMMU_SVA_TEST_DEV, O_RDWR);
}

/* A mock device with 20-bit PASIDs and SVA enabled, bound to our mm */
FIXTURE(sva) {
	int fd;
	__u32 dev_id;
	__u32 max_pasids;
	__u32 bind_id;
	__u32 pasid;
	/* The tracefs whose iommu events a test enabled, for the teardown */
	const char *trace_dir;
};

FIXTURE_SETUP(sva)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = open_mock();
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s missing: CONFIG_IOMMU_SVA_SELFTEST is off",
		     IOMMU_SVA_TEST_DEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 20, &self->dev_id,
					  &self->max_pasids));
	ASSERT_EQ(1U << 20, self->max_pasids);
	test_cmd_sva_enable(self->dev_id);
	test_cmd_bind(self->dev_id, &self->bind_id, &self->pasid);
}

static int pasid_events_enable(const char *dir, const char *on);

FIXTURE_TEARDOWN(sva)
{
	/* Also when the test failed: leave no event enabled */
	if (self->trace_dir)
		pasid_events_enable(self->trace_dir, "0");
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The PASID is in range, is the mm's, is stable across rebinds and the
 * same on a second device; a repeated bind returns the same bond.
 */
TEST_F(sva, bind_unbind)
{
	__u32 bind2, pasid2, dev2, bind3, pasid3;
	char src[8] = "pattern", dst[8] = { };

	ASSERT_LE(1, self->pasid);
	ASSERT_GT(self->max_pasids, self->pasid);
	/* The kernel's mm->pasid is the bond's PASID */
	ASSERT_EQ(self->pasid, mm_pasid(self->fd));

	/* Same device, same mm: the same handle, one more reference */
	test_cmd_bind(self->dev_id, &bind2, &pasid2);
	ASSERT_EQ(self->bind_id, bind2);
	ASSERT_EQ(self->pasid, pasid2);
	test_cmd_unbind(bind2);
	/* Still bound: DMA works */
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);

	/* Last unbind: the PASID is detached, the mm keeps it */
	test_cmd_unbind(self->bind_id);
	test_err_dma(ENODEV, self->dev_id, self->pasid, src, dst,
		     sizeof(src), 0);
	ASSERT_EQ(-ENOENT, _test_cmd_unbind(self->fd, self->bind_id));
	ASSERT_EQ(self->pasid, mm_pasid(self->fd));
	test_cmd_bind(self->dev_id, &self->bind_id, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);

	/* A second device gets the same PASID */
	test_cmd_dev_create(8, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind3, &pasid3);
	ASSERT_EQ(self->pasid, pasid3);
	ASSERT_NE(self->bind_id, bind3);
	/* A bound device cannot lose SVA, nor be destroyed */
	ASSERT_EQ(-EBUSY, _test_cmd_sva(self->fd, dev2, 0));
	test_err_dev_destroy(EBUSY, dev2);
	test_cmd_unbind(bind3);
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

/* No bind without SVA; no SVA without PASIDs; nothing left behind */
TEST_F(sva, bind_needs_sva)
{
	__u32 dev2, dev3;

	test_cmd_dev_create(8, &dev2);
	test_err_bind(ENODEV, dev2);
	test_cmd_dev_create(0, &dev3);
	ASSERT_EQ(-ENXIO, _test_cmd_sva(self->fd, dev3, 1));
	test_err_bind(ENODEV, dev3);
	/* The failed binds changed nothing: both can go */
	test_cmd_dev_destroy(dev2);
	test_cmd_dev_destroy(dev3);
	ASSERT_EQ(self->pasid, mm_pasid(self->fd));
}

/* /dev/kmsg, read from its end on: what the kernel logs from now on */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* How many records logged since the last call hold @text */
static int kmsg_count(int fd, const char *text)
{
	char rec[2048];
	ssize_t len;
	int n = 0;

	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* records overwritten under us */
		if (len <= 0)
			return n;
		rec[len] = 0;
		n += !!strstr(rec, text);
	}
}

/*
 * A refusal of SVA returns the errno of its kind (sva.rst) and logs one
 * line that names the device and what it lacks; a flood of them is rate
 * limited per device, so that another device still gets its line.
 */
TEST_F(sva, refusal_says_why)
{
	__u32 dev0, dev1;
	char want[128];
	int kmsg, i, n;

	kmsg = kmsg_open();
	if (kmsg < 0)
		SKIP(return, "no /dev/kmsg");
	test_cmd_dev_create(0, &dev0);
	test_cmd_dev_create(0, &dev1);

	ASSERT_EQ(-ENXIO, _test_cmd_sva(self->fd, dev0, 1));
	snprintf(want, sizeof(want),
		 " mock%u: SVA unavailable: device lacks PASIDs (-ENXIO)",
		 dev0);
	ASSERT_EQ(1, kmsg_count(kmsg, want));

	for (i = 0; i < 40; i++)
		ASSERT_EQ(-ENXIO, _test_cmd_sva(self->fd, dev0, 1));
	n = kmsg_count(kmsg, want);
	EXPECT_LT(0, n);
	EXPECT_GT(40, n);

	ASSERT_EQ(-ENXIO, _test_cmd_sva(self->fd, dev1, 1));
	snprintf(want, sizeof(want),
		 " mock%u: SVA unavailable: device lacks PASIDs (-ENXIO)",
		 dev1);
	ASSERT_EQ(1, kmsg_count(kmsg, want));
	close(kmsg);
	/* Refused, nothing was enabled: both can go */
	test_cmd_dev_destroy(dev0);
	test_cmd_dev_destroy(dev1);
}

/* tracefs, mounted where the kernel offers it if no one did */
static const char *tracefs_dir(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/iommu", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	if (mount("nodev", dirs[0], "tracefs", 0, NULL))
		return NULL;
	snprintf(path, sizeof(path), "%s/events/iommu", dirs[0]);
	return access(path, F_OK) ? NULL : dirs[0];
}

static int tracefs_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static const char *const pasid_events[] = {
	"sva_bind", "sva_unbind", "attach_device_pasid", "detach_device_pasid",
	"io_page_request", "io_page_handled", "io_page_response",
	"sva_invalidate",
};

static int pasid_events_enable(const char *dir, const char *on)
{
	char file[96];
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(pasid_events); i++) {
		snprintf(file, sizeof(file), "events/iommu/%s/enable",
			 pasid_events[i]);
		ret = tracefs_write(dir, file, on);
		if (ret)
			return ret;
	}
	return 0;
}

/* The whole trace buffer, as text */
static char *tracefs_read(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/trace", dir);
	return read_all(path);
}

/*
 * The next line of @log from *@at on that holds @want: move *@at past it
 * and return the rest of that line, or NULL.
 */
static const char *trace_next(const char **at, const char *want)
{
	const char *p = strstr(*at, want);

	if (!p)
		return NULL;
	*at = p + strlen(want);
	return *at;
}

/*
 * trace_next(), saying on a miss what was sought, from where, in which
 * trace
 */
static const char *trace_expect(struct __test_metadata *_metadata,
				const char *log, const char **at,
				const char *want)
{
	const char *from = *at, *rest = trace_next(at, want);

	if (!rest)
		TH_LOG("%s not found from offset %d of:\n%s", want,
		       (int)(from - log), log);
	return rest;
}

/*
 * From *@at on in @log: the page request of @dev at @pasid for @addr, then
 * its group handled and answered with @code, with the request's group ID.
 */
static void expect_fault_events(struct __test_metadata *_metadata,
				const char *log, const char **at,
				__u32 dev, __u32 pasid,
				void *addr, const char *code)
{
	const char *rest;
	unsigned long grpid;
	char want[256];

	snprintf(want, sizeof(want),
		 "io_page_request: device=mock%u pasid=%u grpid=", dev, pasid);
	rest = trace_expect(_metadata, log, at, want);
	ASSERT_NE(NULL, rest);
	grpid = strtoul(rest, NULL, 10);
	snprintf(want, sizeof(want), "%lu addr=%#lx perm=0x1 last=1\n",
		 grpid, (unsigned long)addr);
	ASSERT_EQ(0, strncmp(rest, want, strlen(want)))
		TH_LOG("%s: %.80s", want, rest);
	snprintf(want, sizeof(want),
		 "io_page_handled: device=mock%u pasid=%u grpid=%lu code=%s\n",
		 dev, pasid, grpid, code);
	ASSERT_NE(NULL, trace_expect(_metadata, log, at, want));
	snprintf(want, sizeof(want),
		 "io_page_response: device=mock%u pasid=%u grpid=%lu code=%s\n",
		 dev, pasid, grpid, code);
	ASSERT_NE(NULL, trace_expect(_metadata, log, at, want));
}

/* Our task's name, without newline; the bytes read, or -1 */
static int self_comm(char *comm, size_t size)
{
	int fd = open("/proc/self/comm", O_RDONLY);
	ssize_t n = -1;

	memset(comm, 0, size);
	if (fd >= 0) {
		n = read(fd, comm, size - 1);
		close(fd);
	}
	comm[strcspn(comm, "\n")] = 0;
	return n;
}

/*
 * The trace events of a bind, of a DMA that faults and is answered, of one
 * refused, of the invalidation of a page that goes, and of the unbind come
 * in that order, each naming the device, the PASID, and the process that
 * asked, with exactly what happened.
 */
TEST_F(sva, trace_events)
{
	char *buf = map_anon(page_size, PROT_READ | PROT_WRITE);
	char *none = map_anon(page_size, PROT_NONE);
	char want[256], comm[32] = "", tmp[8];
	const char *dir, *at;
	__u32 dev, bind, pasid;
	int pid = getpid();
	char *log;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, none);
	dir = tracefs_dir();
	if (!dir)
		SKIP(return, "no tracefs with the iommu events");
	ASSERT_LT(0, self_comm(comm, sizeof(comm)));

	ASSERT_EQ(0, tracefs_write(dir, "trace", ""));
	self->trace_dir = dir;
	ASSERT_EQ(0, pasid_events_enable(dir, "1"));
	test_cmd_dev_create(20, &dev);
	test_cmd_sva_enable(dev);
	test_cmd_bind(dev, &bind, &pasid);
	/* Never touched: the read faults, and the fault is answered */
	test_cmd_dma(dev, pasid, buf, tmp, 8, 0);
	/* No access: the fault is answered invalid */
	test_err_dma(EFAULT, dev, pasid, none, tmp, 8, 0);
	/* The page goes: the PASID's translations of it are invalidated */
	ASSERT_EQ(0, madvise(buf, page_size, MADV_DONTNEED));
	test_cmd_unbind(bind);
	ASSERT_EQ(0, pasid_events_enable(dir, "0"));
	log = tracefs_read(dir);
	ASSERT_NE(NULL, log);
	at = log;

	snprintf(want, sizeof(want),
		 "attach_device_pasid: device=mock%u pasid=%u type=sva pid=%d comm=%s\n",
		 dev, pasid, pid, comm);
	ASSERT_NE(NULL, trace_expect(_metadata, log, &at, want));
	snprintf(want, sizeof(want),
		 "sva_bind: device=mock%u pasid=%u pid=%d comm=%s\n", dev,
		 pasid, pid, comm);
	ASSERT_NE(NULL, trace_expect(_metadata, log, &at, want));

	/* The page request, its group handled, the response: success */
	expect_fault_events(_metadata, log, &at, dev, pasid, buf, "success");
	/* The same for the page without access: invalid */
	expect_fault_events(_metadata, log, &at, dev, pasid, none, "invalid");
	snprintf(want, sizeof(want),
		 "sva_invalidate: device=mock%u pasid=%u start=%#lx end=%#lx pid=%d comm=%s\n",
		 dev, pasid, (unsigned long)buf,
		 (unsigned long)buf + page_size, pid, comm);
	ASSERT_NE(NULL, trace_expect(_metadata, log, &at, want));

	snprintf(want, sizeof(want),
		 "sva_unbind: device=mock%u pasid=%u pid=%d comm=%s\n", dev,
		 pasid, pid, comm);
	ASSERT_NE(NULL, trace_expect(_metadata, log, &at, want));
	snprintf(want, sizeof(want),
		 "detach_device_pasid: device=mock%u pasid=%u pid=%d comm=%s\n",
		 dev, pasid, pid, comm);
	ASSERT_NE(NULL, trace_expect(_metadata, log, &at, want));
	/* Nothing else happened to the device */
	snprintf(want, sizeof(want), "device=mock%u ", dev);
	EXPECT_EQ(NULL, strstr(at, want));

	free(log);
	test_cmd_sva_disable(dev);
	test_cmd_dev_destroy(dev);
	munmap(buf, page_size);
	munmap(none, page_size);
}

/* A device with too few PASIDs for the mm's cannot bind it */
TEST_F(sva, bind_pasid_too_big)
{
	__u32 dev1, max, p;
	int status, rc;
	pid_t pid;

	/* A device with the single PASID 1 */
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 1, &dev1, &max));
	ASSERT_EQ(2, max);
	test_cmd_sva_enable(dev1);
	/*
	 * Make sure PASID 1 is taken: by our mm or by an allocation. An
	 * exited process of an earlier test may still hold it, until its
	 * lazily freed mm goes: wait for that, or the child could get it.
	 */
	if (self->pasid != 1) {
		rc = fill_pasids(self->fd, dev1, &p, 1);
		ASSERT_TRUE(rc == 0 || rc == 1);
	}

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 bind, pasid;
		char want[160];
		int kmsg;

		/* A new mm gets a PASID above 1 from the big device ... */
		if (_test_cmd_bind(self->fd, self->dev_id, &bind, &pasid) ||
		    pasid < 2)
			_exit(1);
		/* ... that the small device cannot use: nothing changes */
		kmsg = kmsg_open();
		if (_test_cmd_bind(self->fd, dev1, NULL, NULL) != -EOVERFLOW ||
		    mm_pasid(self->fd) != pasid)
			_exit(2);
		/* and the log says so */
		snprintf(want, sizeof(want),
			 " mock%u: SVA unavailable: device cannot use the process's PASID %u, beyond its 2 (-EOVERFLOW)",
			 dev1, pasid);
		if (kmsg >= 0 && kmsg_count(kmsg, want) != 1)
			_exit(4);
		_exit(_test_cmd_unbind(self->fd, bind) ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/* The device reads what the CPU wrote, the CPU what the device wrote */
TEST_F(sva, dma_read_write)
{
	size_t len = NPAGES * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	char *in = malloc(len), *out = malloc(len);
	struct iommu_sva_test_cmd c;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	fill(buf, len, 3);
	test_cmd_dma(self->dev_id, self->pasid, buf, in, len, 0);
	ASSERT_EQ(0, memcmp(buf, in, len));

	fill(out, len, 11);
	test_cmd_dma(self->dev_id, self->pasid, buf, out, len, 1);
	ASSERT_EQ(0, memcmp(buf, out, len));

	/* Unaligned, across a page boundary */
	fill(out, 100, 5);
	test_cmd_dma(self->dev_id, self->pasid, buf + page_size - 50, out,
		     100, 1);
	ASSERT_EQ(0, memcmp(buf + page_size - 50, out, 100));

	/* Every page was walked at least once */
	test_cmd_counters(self->dev_id, self->pasid, &c);
	ASSERT_LE(NPAGES, c.counters.iotlb_fill);
	ASSERT_EQ(0, c.counters.faults);
	free(in);
	free(out);
	munmap(buf, len);
}

/* After munmap the device cannot reach the range any more */
TEST_F(sva, munmap)
{
	size_t len = 8 * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	char *tmp = malloc(len);
	struct iommu_sva_test_cmd c0, c1;

	ASSERT_NE(NULL, buf);
	fill(buf, len, 1);
	/* Fill the IOTLB */
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len, 0);
	test_cmd_counters(self->dev_id, self->pasid, &c0);
	ASSERT_EQ(0, munmap(buf, len));
	test_cmd_counters(self->dev_id, self->pasid, &c1);
	ASSERT_LT(c0.counters.inv_range, c1.counters.inv_range);
	/* A stale IOTLB entry would let these succeed */
	test_err_dma(EFAULT, self->dev_id, self->pasid, buf, tmp, len, 0);
	test_err_dma(EFAULT, self->dev_id, self->pasid, buf + len - 1, tmp, 1,
		     1);
	free(tmp);
}

/* After mprotect(PROT_READ) the device can read but not write */
TEST_F(sva, mprotect)
{
	size_t len = 4 * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	char *tmp = malloc(len);
	struct iommu_sva_test_cmd c0, c1;

	ASSERT_NE(NULL, buf);
	fill(tmp, len, 9);
	/* A writable IOTLB entry for every page */
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len, 1);
	test_cmd_counters(self->dev_id, self->pasid, &c0);
	ASSERT_EQ(0, mprotect(buf, len, PROT_READ));
	test_cmd_counters(self->dev_id, self->pasid, &c1);
	ASSERT_LT(c0.counters.inv_range, c1.counters.inv_range);

	test_err_dma(EFAULT, self->dev_id, self->pasid, buf, tmp, page_size,
		     1);
	memset(tmp, 0, len);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len, 0);
	ASSERT_EQ(0, memcmp(buf, tmp, len));
	/* The write fault was reported and answered invalid */
	test_cmd_counters(self->dev_id, self->pasid, &c1);
	ASSERT_LT(c0.counters.faults, c1.counters.faults);
	free(tmp);
	munmap(buf, len);
}

/* After MADV_DONTNEED the device sees the new (zero) pages */
TEST_F(sva, madvise_dontneed)
{
	size_t len = 4 * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	char *tmp = malloc(len), *zero = calloc(1, len);
	struct iommu_sva_test_cmd c0, c1;

	ASSERT_NE(NULL, buf);
	fill(buf, len, 2);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len, 0);
	ASSERT_EQ(0, memcmp(buf, tmp, len));
	test_cmd_counters(self->dev_id, self->pasid, &c0);

	ASSERT_EQ(0, madvise(buf, len, MADV_DONTNEED));
	test_cmd_counters(self->dev_id, self->pasid, &c1);
	ASSERT_LT(c0.counters.inv_range, c1.counters.inv_range);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len, 0);
	ASSERT_EQ(0, memcmp(zero, tmp, len));

	/* And what the device writes now, the CPU sees */
	fill(tmp, len, 4);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len, 1);
	ASSERT_EQ(0, memcmp(buf, tmp, len));
	free(tmp);
	free(zero);
	munmap(buf, len);
}

/* After mremap over a range the device sees the moved pages */
TEST_F(sva, mremap)
{
	size_t len = 4 * page_size;
	char *a = map_anon(len, PROT_READ | PROT_WRITE);
	char *b = map_anon(len, PROT_READ | PROT_WRITE);
	char *tmp = malloc(len), *want = malloc(len);
	void *moved;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	fill(a, len, 1);
	fill(b, len, 100);
	memcpy(want, b, len);
	/* The IOTLB holds a's pages at a's addresses */
	test_cmd_dma(self->dev_id, self->pasid, a, tmp, len, 0);
	ASSERT_EQ(0, memcmp(a, tmp, len));

	moved = mremap(b, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	ASSERT_EQ((void *)a, moved);
	test_cmd_dma(self->dev_id, self->pasid, a, tmp, len, 0);
	ASSERT_EQ(0, memcmp(want, tmp, len));
	/* b's old range is gone */
	test_err_dma(EFAULT, self->dev_id, self->pasid, b, tmp, 1, 0);
	free(tmp);
	free(want);
	munmap(a, len);
}

/* Untouched memory is faulted in; PROT_NONE and holes are not */
TEST_F(sva, iopf)
{
	size_t len = 16 * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	char *none = map_anon(page_size, PROT_NONE);
	char *tmp = malloc(len), *zero = calloc(1, len);
	struct iommu_sva_test_cmd c0, c1;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, none);
	test_cmd_counters(self->dev_id, self->pasid, &c0);
	/* Never touched by the CPU: the device writes through IOPF */
	fill(tmp, len / 2, 8);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, len / 2, 1);
	ASSERT_EQ(0, memcmp(buf, tmp, len / 2));
	/* ... and reads zeroes */
	test_cmd_dma(self->dev_id, self->pasid, buf + len / 2, tmp, len / 2,
		     0);
	ASSERT_EQ(0, memcmp(zero, tmp, len / 2));
	test_cmd_counters(self->dev_id, self->pasid, &c1);
	ASSERT_LE(c0.counters.faults + 16, c1.counters.faults);

	test_err_dma(EFAULT, self->dev_id, self->pasid, none, tmp, 8, 0);
	test_err_dma(EFAULT, self->dev_id, self->pasid, none, tmp, 8, 1);
	ASSERT_EQ(0, munmap(none, page_size));
	test_err_dma(EFAULT, self->dev_id, self->pasid, none, tmp, 8, 0);
	free(tmp);
	free(zero);
	munmap(buf, len);
}

/*
 * The child's mm gets its own PASID; each process DMAs through its own
 * PASID and sees its own bytes at the same address, though the device
 * cached the parent's page there before the fork.
 */
TEST_F(sva, fork)
{
	char *buf = map_anon(page_size, PROT_READ | PROT_WRITE);
	char *want = malloc(page_size), *tmp = malloc(page_size);
	int pipefd[2], status;
	__u32 child_pasid = 0;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, tmp);
	fill(buf, page_size, 6);
	/* The IOTLB holds the parent's page */
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, page_size, 0);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open_mock();
		__u32 dev, bind, pasid = 0;

		/* A fork does not inherit the parent's PASID */
		if (fd < 0 || mm_pasid(fd) != PASID_INVALID)
			_exit(1);
		if (_test_cmd_dev_create(fd, 20, &dev, NULL) ||
		    _test_cmd_sva(fd, dev, 1) ||
		    _test_cmd_bind(fd, dev, &bind, &pasid) ||
		    pasid != mm_pasid(fd))
			_exit(2);
		/* The child's own bytes, through the child's PASID */
		fill(buf, page_size, 60);
		fill(want, page_size, 60);
		if (_test_cmd_dma(fd, dev, pasid, (uintptr_t)buf, tmp,
				  page_size, 0) ||
		    memcmp(tmp, want, page_size))
			_exit(3);
		/* What the device writes for the child, only the child sees */
		fill(tmp, page_size, 61);
		if (_test_cmd_dma(fd, dev, pasid, (uintptr_t)buf, tmp,
				  page_size, 1) ||
		    memcmp(tmp, buf, page_size))
			_exit(4);
		if (write(pipefd[1], &pasid, sizeof(pasid)) != sizeof(pasid))
			_exit(5);
		_exit(0);
	}
	close(pipefd[1]);
	/* The parent writes its page, and so gets a copy of its own */
	fill(buf, page_size, 7);
	fill(want, page_size, 7);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, page_size, 0);
	ASSERT_EQ(0, memcmp(tmp, want, page_size));

	ASSERT_EQ(sizeof(child_pasid),
		  read(pipefd[0], &child_pasid, sizeof(child_pasid)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_NE(self->pasid, child_pasid);
	ASSERT_LE(1, child_pasid);

	/* The parent is still bound at its PASID, and its bytes are its own */
	ASSERT_EQ(self->pasid, mm_pasid(self->fd));
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, page_size, 0);
	ASSERT_EQ(0, memcmp(tmp, want, page_size));
	ASSERT_EQ(0, memcmp(buf, want, page_size));
	close(pipefd[0]);
	free(want);
	free(tmp);
	munmap(buf, page_size);
}

/*
 * A process exits still bound through a file it shares with us: the
 * notifier's release stops translation while the PASID stays attached,
 * later faults are answered invalid, and the unbind after it works.
 */
TEST_F(sva, release_then_unbind)
{
	struct iommu_sva_test_cmd c0, c1;
	int pipefd[2], status;
	__u32 ids[2];
	char tmp[16];
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *buf = map_anon(page_size, PROT_READ | PROT_WRITE);

		/* Bind through the shared file and exit without unbinding */
		if (!buf || _test_cmd_bind(self->fd, self->dev_id, &ids[0],
					   &ids[1]) ||
		    _test_cmd_dma(self->fd, self->dev_id, ids[1],
				  (uintptr_t)buf, tmp, sizeof(tmp), 1) ||
		    write(pipefd[1], ids, sizeof(ids)) != sizeof(ids))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(sizeof(ids), read(pipefd[0], ids, sizeof(ids)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_NE(self->pasid, ids[1]);

	/* The child's mm has gone through release: one whole invalidation */
	test_cmd_counters(self->dev_id, ids[1], &c0);
	ASSERT_EQ(1, c0.counters.inv_all);
	/* Still attached; any DMA faults and is answered invalid */
	test_err_dma(EFAULT, self->dev_id, ids[1], 0x10000, tmp, 1, 0);
	test_cmd_counters(self->dev_id, ids[1], &c1);
	ASSERT_LT(c0.counters.faults, c1.counters.faults);

	/* The unbind after release works once, and detaches */
	test_cmd_unbind(ids[0]);
	ASSERT_EQ(-ENOENT, _test_cmd_unbind(self->fd, ids[0]));
	ASSERT_EQ(-ENODEV, _test_cmd_counters(self->fd, self->dev_id, ids[1],
					      &c1));
	/* Our own bond was never touched */
	test_cmd_dma(self->dev_id, self->pasid, tmp, tmp + 8, 8, 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* Child process that binds @dev through the inherited @fd */
static int child_bind(int fd, __u32 dev, __u32 *pasid)
{
	__u32 bind;
	int rc;

	rc = _test_cmd_bind(fd, dev, &bind, pasid);
	if (!rc)
		rc = _test_cmd_unbind(fd, bind);
	return rc;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * An exited process's mm, and with it its PASID, is freed only when no
 * CPU keeps it as its lazy active_mm, which an idle CPU does until it
 * runs another process: run on every CPU once.
 */
static void visit_all_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t old, one;
	int cpu;

	if (sched_getaffinity(0, sizeof(old), &old))
		return;
	for (cpu = 0; cpu < n && cpu < CPU_SETSIZE; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (!sched_setaffinity(0, sizeof(one), &one))
			sched_yield();
	}
	sched_setaffinity(0, sizeof(old), &old);
}

/* Bind @dev in a loop until the PASIDs of exited processes are freed */
static int child_bind_retry(int fd, __u32 dev, __u32 *pasid)
{
	int tries, rc = -ENOSPC;

	for (tries = 0; tries < 200 && rc == -ENOSPC; tries++) {
		if (tries) {
			visit_all_cpus();
			sleep_ms(10);
		}
		rc = child_bind(fd, dev, pasid);
	}
	return rc;
}

/*
 * Fill the free PASIDs of @dev with allocations, waiting for the PASIDs
 * of exited processes, which are freed lazily with their mm. Returns the
 * number allocated into @p, or -errno.
 */
static int fill_pasids(int fd, __u32 dev, __u32 *p, int max)
{
	int n = 0, rc, settle;

	for (settle = 0; settle < 3; settle++) {
		while (n < max && !(rc = _test_cmd_pasid_alloc(fd, dev, &p[n])))
			n++;
		if (n == max)
			return n;
		if (rc != -ENOSPC)
			return rc;
		visit_all_cpus();
		sleep_ms(100);
	}
	return n;
}

/* Bind @dev, retrying while the PASIDs of exited processes are not free */
static int bind_retry(int fd, __u32 dev, __u32 *bind, __u32 *pasid)
{
	int tries, rc = -ENOSPC;

	for (tries = 0; tries < 200 && rc == -ENOSPC; tries++) {
		if (tries) {
			visit_all_cpus();
			sleep_ms(10);
		}
		rc = _test_cmd_bind(fd, dev, bind, pasid);
	}
	return rc;
}

/* STATS of @dev once every PAGE_REQ request has its response, or -ETIME */
static int stats_settled(int fd, __u32 dev, struct iommu_sva_test_cmd *c)
{
	int i, rc;

	for (i = 0; i < 500; i++) {
		rc = _test_cmd_stats(fd, dev, c);
		if (rc || !c->stats.pending)
			return rc;
		sleep_ms(10);
	}
	return -ETIME;
}

/*
 * Processes that exit while bound, with DMA done and page requests in
 * flight (queued: the mm is busy when they are reported), leave nothing
 * behind: SVA domains, mmu_notifiers and bonds go back to what they were,
 * and their PASIDs come back, which the small device shows: it has three,
 * and eight processes take one in turn.
 */
TEST_F(sva, exit_while_bound)
{
	struct iommu_sva_test_cmd s0, s1;
	int i, status;

	test_cmd_stats(self->dev_id, &s0);
	ASSERT_LE(1, s0.stats.sva_domains);
	ASSERT_LE(1, s0.stats.bonds);
	for (i = 0; i < 8; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			int fd = open_mock();
			char *buf = map_anon(64 * page_size,
					     PROT_READ | PROT_WRITE);
			__u32 dev, bind, pasid, max;
			char tmp[16];

			if (fd < 0 || !buf ||
			    _test_cmd_dev_create(fd, 2, &dev, &max) ||
			    max != 4 || _test_cmd_sva(fd, dev, 1))
				_exit(1);
			if (bind_retry(fd, dev, &bind, &pasid) || pasid > 3)
				_exit(2);
			if (_test_cmd_dma(fd, dev, pasid, (uintptr_t)buf, tmp,
					  sizeof(tmp), 1) ||
			    _test_cmd_page_req(fd, dev, pasid,
					       IOMMU_SVA_TEST_PRQ_WRITE |
					       IOMMU_SVA_TEST_PRQ_MM_BUSY,
					       (uintptr_t)buf,
					       IOMMU_SVA_TEST_PRQ_GRPID_MIN,
					       64))
				_exit(3);
			/* Exit with the bond, the device and the file open */
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	/* The children's files were released before they were reaped */
	test_cmd_stats(self->dev_id, &s1);
	ASSERT_TRUE(same_live(&s0, &s1));
	/* The kernel log is checked for warnings, kmemleak for leaks */
}

/* One page request of @flags at @addr, answered; its STATS after */
static int page_req_settled(int fd, __u32 dev, __u32 pasid, __u32 flags,
			    void *addr, __u32 grpid,
			    struct iommu_sva_test_cmd *c)
{
	int rc = _test_cmd_page_req(fd, dev, pasid, flags, (uintptr_t)addr,
				    grpid, 1);

	return rc ? rc : stats_settled(fd, dev, c);
}

/*
 * Whether the STATS of a device moved from @a to @b by exactly @success,
 * @invalid and @refused requests, with every response matching its
 * request and none pending; says what differs when not.
 */
static int answered(const struct iommu_sva_test_cmd *a,
		    const struct iommu_sva_test_cmd *b, __u64 success,
		    __u64 invalid, __u64 refused)
{
	if (a->stats.resp_success + success == b->stats.resp_success &&
	    a->stats.resp_invalid + invalid == b->stats.resp_invalid &&
	    a->stats.resp_failure == b->stats.resp_failure &&
	    a->stats.not_routed + refused == b->stats.not_routed &&
	    !b->stats.resp_mismatch && !b->stats.pending)
		return 1;
	fprintf(stderr,
		"# wanted +%llu success +%llu invalid +0 failure +%llu refused, got +%llu +%llu +%llu +%llu, %llu mismatched, %llu pending\n",
		(unsigned long long)success, (unsigned long long)invalid,
		(unsigned long long)refused,
		(unsigned long long)(b->stats.resp_success -
				     a->stats.resp_success),
		(unsigned long long)(b->stats.resp_invalid -
				     a->stats.resp_invalid),
		(unsigned long long)(b->stats.resp_failure -
				     a->stats.resp_failure),
		(unsigned long long)(b->stats.not_routed -
				     a->stats.not_routed),
		(unsigned long long)b->stats.resp_mismatch,
		(unsigned long long)b->stats.pending);
	return 0;
}

#define ASSERT_ANSWERED(a, b, success, invalid, refused) \
	ASSERT_TRUE(answered(&(a), &(b), success, invalid, refused))

/*
 * Each page request gets the response its access deserves, and only
 * requests that a domain at their PASID handles are answered by the core:
 * the others are refused, for the driver to answer, which tells "answered
 * invalid" apart from "never routed".
 */
TEST_F(sva, iopf_responses)
{
	char *rw = map_anon(4 * page_size, PROT_READ | PROT_WRITE);
	char *ro = map_anon(page_size, PROT_READ);
	char *rx = map_anon(page_size, PROT_READ | PROT_EXEC);
	char *none = map_anon(page_size, PROT_NONE);
	char *hole = map_anon(page_size, PROT_READ | PROT_WRITE);
	struct iommu_sva_test_cmd a, b;
	__u32 g = IOMMU_SVA_TEST_PRQ_GRPID_MIN, dom, pasid;
	char tmp[8];

	ASSERT_NE(NULL, rw);
	ASSERT_NE(NULL, ro);
	ASSERT_NE(NULL, rx);
	ASSERT_NE(NULL, none);
	ASSERT_NE(NULL, hole);
	ASSERT_EQ(0, munmap(hole, page_size));
	test_cmd_stats(self->dev_id, &a);

#define EXPECT_PRQ(flags, addr, success, invalid, refused)		\
	do {								\
		ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id,	\
					      self->pasid, flags, addr,	\
					      g++, &b));		\
		ASSERT_ANSWERED(a, b, success, invalid, refused);	\
		a = b;							\
	} while (0)

	/* Untouched memory is faulted in, for reading and for writing */
	EXPECT_PRQ(0, rw, 1, 0, 0);
	EXPECT_PRQ(IOMMU_SVA_TEST_PRQ_WRITE, rw + page_size, 1, 0, 0);
	/* Read-only: reads only */
	EXPECT_PRQ(0, ro, 1, 0, 0);
	EXPECT_PRQ(IOMMU_SVA_TEST_PRQ_WRITE, ro, 0, 1, 0);
	/* Execute needs an executable mapping */
	EXPECT_PRQ(IOMMU_SVA_TEST_PRQ_EXEC, rw, 0, 1, 0);
	EXPECT_PRQ(IOMMU_SVA_TEST_PRQ_EXEC, rx, 1, 0, 0);
	/* A privileged request to user memory is served as the user's */
	EXPECT_PRQ(IOMMU_SVA_TEST_PRQ_PRIV, rw + 2 * page_size, 1, 0, 0);
	/* PROT_NONE and a hole are invalid */
	EXPECT_PRQ(0, none, 0, 1, 0);
	EXPECT_PRQ(IOMMU_SVA_TEST_PRQ_WRITE, hole, 0, 1, 0);

	/* No PASID, or a PASID without a domain that handles faults */
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, 0,
				      IOMMU_SVA_TEST_PRQ_NO_PASID, rw, g++,
				      &b));
	ASSERT_ANSWERED(a, b, 0, 0, 1);
	a = b;
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &pasid));
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, pasid, 0, rw,
				      g++, &b));
	ASSERT_ANSWERED(a, b, 0, 0, 1);
	a = b;
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	test_cmd_attach(self->dev_id, dom, pasid);
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, pasid, 0, rw,
				      g++, &b));
	ASSERT_ANSWERED(a, b, 0, 0, 1);
	a = b;
	test_cmd_detach(self->dev_id, dom, pasid);

	/* A DMA that faults on PROT_NONE: answered invalid, not refused */
	test_err_dma(EFAULT, self->dev_id, self->pasid, none, tmp, 1, 0);
	test_cmd_stats(self->dev_id, &b);
	ASSERT_LT(a.stats.resp_invalid, b.stats.resp_invalid);
	ASSERT_EQ(a.stats.not_routed, b.stats.not_routed);
	a = b;
	/* After the unbind, nothing is routed at the PASID */
	test_cmd_unbind(self->bind_id);
	EXPECT_PRQ(0, rw, 0, 0, 1);
	test_err_dma(ENODEV, self->dev_id, self->pasid, rw, tmp, 1, 0);
#undef EXPECT_PRQ
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
}

/*
 * A page request group is its index and its PASID: the non-last requests
 * of a group are handled with its last one, and with no other PASID's;
 * those of a PASID that was detached before the group was complete are
 * dropped, and not handled with a later group of the same index.
 */
TEST_F(sva, iopf_partial_groups)
{
	char *rw = map_anon(4 * page_size, PROT_READ | PROT_WRITE);
	char *none = map_anon(page_size, PROT_NONE);
	const __u32 partial = IOMMU_SVA_TEST_PRQ_PARTIAL;
	__u32 g = IOMMU_SVA_TEST_PRQ_GRPID_MIN + 100;
	struct iommu_sva_test_cmd a, b;
	int pipefd[2], status;
	pid_t pid;

	ASSERT_NE(NULL, rw);
	ASSERT_NE(NULL, none);
	test_cmd_stats(self->dev_id, &a);

	/* A group with a bad request is answered invalid as a whole ... */
	test_cmd_page_req(self->dev_id, self->pasid, partial, none, g, 1);
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, self->pasid, 0,
				      rw, g, &b));
	ASSERT_ANSWERED(a, b, 0, 1, 0);
	a = b;
	/* ... and a good one with all its requests, which are faulted in */
	test_cmd_page_req(self->dev_id, self->pasid,
			  partial | IOMMU_SVA_TEST_PRQ_WRITE, rw, g + 1, 2);
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, self->pasid,
				      IOMMU_SVA_TEST_PRQ_WRITE,
				      rw + 2 * page_size, g + 1, &b));
	ASSERT_ANSWERED(a, b, 1, 0, 0);
	a = b;

	/* Another PASID's group of the same index is not ours */
	test_cmd_page_req(self->dev_id, self->pasid, partial, none, g + 2, 1);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct iommu_sva_test_cmd c;
		__u32 bind, pasid;

		/* Our copy of rw is a good address, none a bad one */
		if (_test_cmd_bind(self->fd, self->dev_id, &bind, &pasid) ||
		    pasid == self->pasid ||
		    page_req_settled(self->fd, self->dev_id, pasid, 0, rw,
				     g + 2, &c) ||
		    _test_cmd_unbind(self->fd, bind))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	test_cmd_stats(self->dev_id, &b);
	ASSERT_ANSWERED(a, b, 1, 0, 0);
	a = b;
	/* Ours is still pending, and completes with our last request */
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, self->pasid, 0,
				      rw, g + 2, &b));
	ASSERT_ANSWERED(a, b, 0, 1, 0);
	a = b;

	/* A group left incomplete by a detach goes with the domain */
	test_cmd_page_req(self->dev_id, self->pasid, partial, none, g + 3, 1);
	test_cmd_unbind(self->bind_id);
	/* Detached: a non-last request is refused too */
	test_cmd_page_req(self->dev_id, self->pasid, partial, none, g + 4, 1);
	test_cmd_stats(self->dev_id, &b);
	ASSERT_ANSWERED(a, b, 0, 0, 1);
	a = b;
	test_cmd_bind(self->dev_id, &self->bind_id, NULL);
	ASSERT_EQ(0, page_req_settled(self->fd, self->dev_id, self->pasid, 0,
				      rw, g + 3, &b));
	ASSERT_ANSWERED(a, b, 1, 0, 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* How many lines of @text start with @prefix (all of the line if @whole) */
static int count_lines(const char *text, const char *prefix, int whole)
{
	size_t len = strlen(prefix);
	const char *line;
	int n = 0;

	for (line = text; *line; ) {
		if (!strncmp(line, prefix, len) &&
		    (!whole || line[len] == '\n' || !line[len]))
			n++;
		line = strchrnul(line, '\n');
		if (*line)
			line++;
	}
	return n;
}

/* Expect @n lines of @text that are @fmt, if @whole, or start with it */
#define EXPECT_LINES(text, whole, n, fmt, ...)				\
	do {								\
		const char *_text = (text);				\
		int _whole = (whole);					\
		char _want[256];					\
									\
		snprintf(_want, sizeof(_want), fmt, __VA_ARGS__);	\
		EXPECT_EQ(n, count_lines(_text, _want, _whole))	\
			TH_LOG("lines %s \"%s\" in:\n%s",		\
			       _whole ? "equal to" : "starting with",	\
			       _want, _text);				\
	} while (0)

#define LINES_EQUAL(text, n, fmt, ...) \
	EXPECT_LINES(text, 1, n, fmt, __VA_ARGS__)
#define LINES_STARTING(text, n, fmt, ...) \
	EXPECT_LINES(text, 0, n, fmt, __VA_ARGS__)

/*
 * iommu/pasids says for each PASID in use who owns it, and on which
 * devices it is attached with which domain type: our mm's PASID on the
 * two devices bound to it, a kernel PASID attached to a paging domain and
 * one attached nowhere, and a PASID attached without being allocated. A
 * line goes when what it shows goes.
 */
TEST_F(sva, debugfs_pasids)
{
	__u32 dev2, bind2, pasid2, kp, kp2, dom, far;
	char comm[32];
	char *text;

	text = debugfs_read("pasids");
	if (!text)
		SKIP(return, "no iommu/pasids in debugfs: CONFIG_IOMMU_DEBUGFS is off");
	free(text);
	test_cmd_dev_create(20, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	/* A PASID not from the global space, below ones that are */
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &far));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &kp));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &kp2));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, far));
	ASSERT_LT(far, kp);
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	test_cmd_attach(self->dev_id, dom, kp);
	test_cmd_attach(dev2, dom, far);
	ASSERT_LT(0, self_comm(comm, sizeof(comm)));

	text = debugfs_read("pasids");
	ASSERT_NE(NULL, text);
	LINES_EQUAL(text, 1, "%u mock%u sva process %d %s", self->pasid,
		    self->dev_id, getpid(), comm);
	LINES_EQUAL(text, 1, "%u mock%u sva process %d %s", self->pasid, dev2,
		    getpid(), comm);
	LINES_STARTING(text, 2, "%u ", self->pasid);
	LINES_EQUAL(text, 1, "%u mock%u unmanaged kernel mock_pasid_alloc", kp,
		    self->dev_id);
	LINES_STARTING(text, 1, "%u ", kp);
	LINES_EQUAL(text, 1, "%u - - kernel mock_pasid_alloc", kp2);
	LINES_STARTING(text, 1, "%u ", kp2);
	LINES_EQUAL(text, 1, "%u mock%u unmanaged -", far, dev2);
	LINES_STARTING(text, 1, "%u ", far);
	free(text);

	test_cmd_detach(dev2, dom, far);
	test_cmd_unbind(bind2);
	test_cmd_detach(self->dev_id, dom, kp);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, kp2));
	text = debugfs_read("pasids");
	ASSERT_NE(NULL, text);
	LINES_EQUAL(text, 1, "%u mock%u sva process %d %s", self->pasid,
		    self->dev_id, getpid(), comm);
	LINES_STARTING(text, 1, "%u ", self->pasid);
	LINES_EQUAL(text, 1, "%u - - kernel mock_pasid_alloc", kp);
	LINES_STARTING(text, 1, "%u ", kp);
	LINES_STARTING(text, 0, "%u ", kp2);
	LINES_STARTING(text, 0, "%u ", far);
	free(text);

	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, kp));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

#define ASSERT_FAULTS(dev, rep, unr, suc, inv, fai, dis, que)		\
	do {								\
		long _c[FAULT_COUNTERS];				\
		long _w[FAULT_COUNTERS] = { rep, unr, suc, inv, fai,	\
					    dis, que };			\
		__u32 _dev = (dev);					\
									\
		ASSERT_EQ(0, faults_of(_dev, _c));			\
		ASSERT_EQ(0, memcmp(_c, _w, sizeof(_c)))		\
			TH_LOG("mock%u: %ld %ld %ld %ld %ld %ld %ld",	\
			       _dev, _c[0], _c[1], _c[2], _c[3], _c[4],	\
			       _c[5], _c[6]);				\
	} while (0)

/*
 * iommu/faults counts what became of each page request of a device: the
 * requests reported, those refused for want of a domain (which the driver
 * answers), the groups answered success, invalid or failure, and the
 * non-last requests dropped with the domain they were for, and the groups
 * handled from the IOPF workqueue rather than where they were reported.
 * The counts agree with the responses the device got; the device's line
 * goes with it.
 */
TEST_F(sva, debugfs_faults)
{
	char *rw = map_anon(4 * page_size, PROT_READ | PROT_WRITE);
	char *none = map_anon(page_size, PROT_NONE);
	const char *header =
		"device reported unrouted success invalid failure discarded queued\n";
	const __u32 partial = IOMMU_SVA_TEST_PRQ_PARTIAL;
	__u32 g = IOMMU_SVA_TEST_PRQ_GRPID_MIN + 200;
	struct iommu_sva_test_cmd st;
	__u32 dev, bind, pasid, kp;
	char *text, want[32];

	ASSERT_NE(NULL, rw);
	ASSERT_NE(NULL, none);
	text = debugfs_read("faults");
	if (!text)
		SKIP(return, "no iommu/faults in debugfs: CONFIG_IOMMU_DEBUGFS is off");
	ASSERT_EQ(0, strncmp(text, header, strlen(header)));
	free(text);

	/* A new device: its driver enabled I/O page faults, none came yet */
	test_cmd_dev_create(20, &dev);
	test_cmd_sva_enable(dev);
	test_cmd_bind(dev, &bind, &pasid);
	ASSERT_FAULTS(dev, 0, 0, 0, 0, 0, 0, 0);

	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, 0, rw, g++, &st));
	ASSERT_FAULTS(dev, 1, 0, 1, 0, 0, 0, 0);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, 0, none, g++, &st));
	ASSERT_FAULTS(dev, 2, 0, 1, 1, 0, 0, 0);
	/*
	 * A group of three, one of them bad: one group answered invalid,
	 * queued for its first request, whose page is there already
	 */
	test_cmd_page_req(dev, pasid, partial, rw, g, 2);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, 0, none, g++,
				      &st));
	ASSERT_FAULTS(dev, 5, 0, 1, 2, 0, 0, 1);
	/* A PASID where nothing is attached: the driver answers */
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev, &kp));
	ASSERT_EQ(0, page_req_settled(self->fd, dev, kp, 0, rw, g++, &st));
	ASSERT_FAULTS(dev, 6, 1, 1, 2, 0, 0, 1);
	/* The device saw the same */
	ASSERT_EQ(1, st.stats.resp_success);
	ASSERT_EQ(2, st.stats.resp_invalid);
	ASSERT_EQ(1, st.stats.not_routed);
	/* Two requests of a group the unbind leaves incomplete */
	test_cmd_page_req(dev, pasid, partial, rw, g++, 2);
	ASSERT_FAULTS(dev, 8, 1, 1, 2, 0, 0, 1);
	test_cmd_unbind(bind);
	ASSERT_FAULTS(dev, 8, 1, 1, 2, 0, 2, 1);

	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, kp));
	test_cmd_sva_disable(dev);
	test_cmd_dev_destroy(dev);
	text = debugfs_read("faults");
	ASSERT_NE(NULL, text);
	snprintf(want, sizeof(want), "mock%u ", dev);
	LINES_STARTING(text, 0, "%s", want);
	free(text);
	munmap(rw, 4 * page_size);
	munmap(none, page_size);
}

/* Whether the page at @p is present in the process's page tables */
static int resident(void *p)
{
	unsigned char vec = 0;

	return !mincore(p, page_size, &vec) && (vec & 1);
}

/*
 * A first touch of an anonymous page is resolved where the IOMMU driver
 * reports it, without a hop to the IOPF workqueue: a DMA's first write to
 * a page, a request for a write, one answered invalid, a group of three.
 * Any other request goes to the workqueue (iommu/faults counts it) and is
 * resolved there all the same: the first write to a VMA (which has no
 * anon_vma yet), the mm's mmap_lock held by another thread for writing,
 * a write to a page the CPU has read (copy on write of the zero page), a
 * group whose last request is such a write (its first request, resolved
 * where reported, is resolved again there), a shared anonymous page
 * (shmem).
 */
TEST_F(sva, fault_resolved_where_reported)
{
	char *rw = map_anon(11 * page_size, PROT_READ | PROT_WRITE);
	char *shm = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *none = map_anon(page_size, PROT_NONE);
	const __u32 busy = IOMMU_SVA_TEST_PRQ_MM_BUSY;
	const __u32 wr = IOMMU_SVA_TEST_PRQ_WRITE;
	const __u32 partial = IOMMU_SVA_TEST_PRQ_PARTIAL;
	__u32 g = IOMMU_SVA_TEST_PRQ_GRPID_MIN + 220;
	struct iommu_sva_test_cmd st;
	char data[8] = "device", *text;
	__u32 dev, bind, pasid, kp;
	int i;

	ASSERT_NE(NULL, rw);
	ASSERT_NE(MAP_FAILED, shm);
	ASSERT_NE(NULL, none);
	text = debugfs_read("faults");
	if (!text)
		SKIP(return, "no iommu/faults in debugfs: CONFIG_IOMMU_DEBUGFS is off");
	free(text);
	test_cmd_dev_create(20, &dev);
	test_cmd_sva_enable(dev);
	test_cmd_bind(dev, &bind, &pasid);
	for (i = 0; i < 11; i++)
		ASSERT_FALSE(resident(rw + i * page_size));
	ASSERT_FALSE(resident(shm));

	/* The VMA's first write: queued, for the anon_vma it creates */
	ASSERT_EQ(0, _test_cmd_dma(self->fd, dev, pasid, (uintptr_t)rw, data,
				   sizeof(data), IOMMU_SVA_TEST_DMA_WRITE));
	ASSERT_EQ(0, memcmp(rw, data, sizeof(data)));
	ASSERT_FAULTS(dev, 1, 0, 1, 0, 0, 0, 1);

	/* Where reported */
	ASSERT_EQ(0, _test_cmd_dma(self->fd, dev, pasid,
				   (uintptr_t)(rw + 9 * page_size), data,
				   sizeof(data), IOMMU_SVA_TEST_DMA_WRITE));
	ASSERT_EQ(0, memcmp(rw + 9 * page_size, data, sizeof(data)));
	ASSERT_FAULTS(dev, 2, 0, 2, 0, 0, 0, 1);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr,
				      rw + page_size, g++, &st));
	ASSERT_TRUE(resident(rw + page_size));
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr, none, g++,
				      &st));
	test_cmd_page_req(dev, pasid, wr | partial, rw + 2 * page_size, g, 2);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr,
				      rw + 4 * page_size, g++, &st));
	ASSERT_TRUE(resident(rw + 2 * page_size));
	ASSERT_TRUE(resident(rw + 3 * page_size));
	ASSERT_TRUE(resident(rw + 4 * page_size));
	ASSERT_FAULTS(dev, 7, 0, 4, 1, 0, 0, 1);

	/* The mm busy: queued, resolved or answered invalid there */
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr | busy,
				      rw + 5 * page_size, g++, &st));
	ASSERT_TRUE(resident(rw + 5 * page_size));
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr | busy, none,
				      g++, &st));
	ASSERT_FAULTS(dev, 9, 0, 5, 2, 0, 0, 3);

	/* Not a first touch: queued */
	ASSERT_EQ(0, rw[6 * page_size]);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr,
				      rw + 6 * page_size, g++, &st));
	ASSERT_FAULTS(dev, 10, 0, 6, 2, 0, 0, 4);
	ASSERT_EQ(0, rw[8 * page_size]);
	test_cmd_page_req(dev, pasid, wr | partial, rw + 7 * page_size, g, 1);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr,
				      rw + 8 * page_size, g++, &st));
	ASSERT_TRUE(resident(rw + 7 * page_size));
	ASSERT_FAULTS(dev, 12, 0, 7, 2, 0, 0, 5);
	ASSERT_EQ(0, page_req_settled(self->fd, dev, pasid, wr, shm, g++,
				      &st));
	ASSERT_TRUE(resident(shm));
	ASSERT_FAULTS(dev, 13, 0, 8, 2, 0, 0, 6);

	/* The device got the same answers: the DMA's and the requests' */
	ASSERT_EQ(8, st.stats.resp_success);
	ASSERT_EQ(2, st.stats.resp_invalid);
	ASSERT_EQ(0, st.stats.resp_mismatch);
	ASSERT_FALSE(resident(rw + 10 * page_size));
	/* The busy mm must be the PASID's */
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev, &kp));
	ASSERT_EQ(-EINVAL, _test_cmd_page_req(self->fd, dev, kp, busy,
					      (uintptr_t)rw, g, 1));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, kp));
	ASSERT_FAULTS(dev, 13, 0, 8, 2, 0, 0, 6);

	test_cmd_unbind(bind);
	test_cmd_sva_disable(dev);
	test_cmd_dev_destroy(dev);
	munmap(rw, 11 * page_size);
	munmap(shm, page_size);
	munmap(none, page_size);
}

static void *debugfs_reader(void *arg)
{
	int *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		free(debugfs_read("pasids"));
		free(debugfs_read("faults"));
	}
	return NULL;
}

/*
 * Reading iommu/pasids and iommu/faults while devices come and go, bound,
 * faulting and attached, is safe (KASAN and lockdep watch the groups the
 * files walk being released under them), and the devices leave no line.
 */
TEST_F(sva, debugfs_while_changing)
{
	char *rw = map_anon(page_size, PROT_READ | PROT_WRITE);
	__u32 g = IOMMU_SVA_TEST_PRQ_GRPID_MIN + 30;
	__u32 dev, dev2, bind, pasid, kp, dom;
	char *text, want[32];
	int stop = 0;
	pthread_t reader;
	int i;

	ASSERT_NE(NULL, rw);
	text = debugfs_read("pasids");
	if (!text)
		SKIP(return, "no iommu/pasids in debugfs: CONFIG_IOMMU_DEBUGFS is off");
	free(text);
	ASSERT_EQ(0, pthread_create(&reader, NULL, debugfs_reader, &stop));
	for (i = 0; i < 40; i++) {
		test_cmd_dev_create(20, &dev);
		test_cmd_sva_enable(dev);
		test_cmd_bind(dev, &bind, &pasid);
		test_cmd_page_req(dev, pasid, 0, rw, g, 1);
		ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev, &kp));
		ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
		test_cmd_attach(dev, dom, kp);
		test_cmd_detach(dev, dom, kp);
		ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, kp));
		ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
		/* Released with the bond still there */
		test_cmd_dev_unplug(dev);
		test_cmd_unbind(bind);
		/* A device with nothing of its own, created and destroyed */
		test_cmd_dev_create(0, &dev2);
		test_cmd_dev_destroy(dev2);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(reader, NULL));
	text = debugfs_read("faults");
	ASSERT_NE(NULL, text);
	snprintf(want, sizeof(want), "mock%u ", dev);
	LINES_STARTING(text, 0, "%s", want);
	free(text);
	munmap(rw, page_size);
}

/*
 * The driver's set_dev_pasid fails: the bind or attach fails with its
 * errno and leaves everything as it was, whether the SVA domain was new
 * (it is freed, with nothing registered on the mm) or is shared with a
 * device that stays bound; and the next attempt works.
 */
TEST_F(sva, set_dev_pasid_fails)
{
	const __u32 set_dev_pasid = IOMMU_SVA_TEST_FAIL_SET_DEV_PASID;
	char src[8] = "pattern", dst[8] = { };
	char *page = map_anon(page_size, PROT_READ | PROT_WRITE);
	struct iommu_sva_test_cmd s0, s1;
	__u32 dev2, other, bind2, pasid2, dom, pasid;
	uint64_t iova = 0x200000;

	ASSERT_EQ(-EINVAL, _test_cmd_fail_next(self->fd, self->dev_id, 7, 5));
	ASSERT_EQ(-EINVAL, _test_cmd_fail_next(self->fd, self->dev_id,
					       set_dev_pasid, 0));

	/* The mm's domain on this IOMMU exists: a second device fails */
	test_cmd_dev_create(20, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_stats(dev2, &s0);
	test_cmd_fail_next(dev2, set_dev_pasid, EIO);
	test_err_bind(EIO, dev2);
	test_cmd_stats(dev2, &s1);
	ASSERT_TRUE(same_live(&s0, &s1));
	test_err_dma(ENODEV, dev2, self->pasid, src, dst, sizeof(src), 0);
	/* The first device's bond is untouched */
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);
	/* SVA can go: nothing was left bound */
	test_cmd_sva_disable(dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	test_cmd_dma(dev2, pasid2, src, dst, sizeof(src), 0);
	test_cmd_unbind(bind2);

	/* On the other IOMMU the domain is new: it goes again */
	test_cmd_dev_create_iommu(20, 1, &other);
	test_cmd_sva_enable(other);
	test_cmd_fail_next(other, set_dev_pasid, ENOSPC);
	test_err_bind(ENOSPC, other);
	test_cmd_stats(other, &s1);
	ASSERT_TRUE(same_live(&s0, &s1));
	ASSERT_EQ(self->pasid, mm_pasid(self->fd));
	test_cmd_bind(other, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	test_cmd_stats(other, &s1);
	ASSERT_EQ(s0.stats.sva_domains + 1, s1.stats.sva_domains);
	ASSERT_EQ(s0.stats.notifiers + 1, s1.stats.notifiers);
	test_cmd_dma(other, pasid2, src, dst, sizeof(src), 0);
	test_cmd_unbind(bind2);

	/* A paging domain at a PASID */
	ASSERT_NE(NULL, page);
	strcpy(page, src);
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &pasid));
	ASSERT_EQ(0, _test_cmd_map(self->fd, dom, iova, page, page_size, 0));
	test_cmd_fail_next(self->dev_id, set_dev_pasid, EIO);
	test_err_attach(EIO, self->dev_id, dom, pasid);
	test_err_dma(ENODEV, self->dev_id, pasid, iova, dst, 1, 0);
	/* Nothing holds the domain or the PASID */
	ASSERT_EQ(0, _test_cmd_unmap(self->fd, dom, iova, page_size));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_map(self->fd, dom, iova, page, page_size, 0));
	test_cmd_attach(self->dev_id, dom, pasid);
	memset(dst, 0, sizeof(dst));
	test_cmd_dma(self->dev_id, pasid, iova, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);
	test_cmd_detach(self->dev_id, dom, pasid);
	ASSERT_EQ(0, _test_cmd_unmap(self->fd, dom, iova, page_size));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	munmap(page, page_size);
}

/*
 * Unbind with page requests in flight (the unbind-while-faulting crash,
 * CVE-2026-23429): the device reports a burst of requests for memory that
 * must be faulted in and is unbound at once. Every request has its
 * response before the unbind returns, and nothing touches the domain
 * after (KASAN and lockdep watch). Many rounds, each a new SVA domain.
 * The mm is busy while they are reported, so that they go to the IOPF
 * workqueue rather than being resolved where reported: in flight.
 */
TEST_F(sva, regression_unbind_while_faulting)
{
	const __u32 write_busy = IOMMU_SVA_TEST_PRQ_WRITE |
				 IOMMU_SVA_TEST_PRQ_MM_BUSY;
	size_t len = 64 * page_size;
	struct iommu_sva_test_cmd a, b;
	__u32 dev2, bind2, pasid2;
	int round;

	test_cmd_dev_create_iommu(20, 1, &dev2);
	test_cmd_sva_enable(dev2);
	for (round = 0; round < 20; round++) {
		char *buf = map_anon(len, PROT_READ | PROT_WRITE);
		long f0[FAULT_COUNTERS], f1[FAULT_COUNTERS];
		int counted;

		ASSERT_NE(NULL, buf);
		test_cmd_stats(dev2, &a);
		test_cmd_bind(dev2, &bind2, &pasid2);
		counted = !faults_of(dev2, f0);
		test_cmd_page_req(dev2, pasid2, write_busy, buf,
				  IOMMU_SVA_TEST_PRQ_GRPID_MIN, 64);
		test_cmd_unbind(bind2);
		/* No waiting: the unbind has waited */
		test_cmd_stats(dev2, &b);
		ASSERT_ANSWERED(a, b, 64, 0, 0);
		ASSERT_TRUE(same_live(&a, &b));
		/* Each went to the workqueue: in flight at the unbind */
		ASSERT_EQ(0, counted ? faults_of(dev2, f1) : 0);
		ASSERT_EQ(64, counted ? f1[6] - f0[6] : 64);
		munmap(buf, len);
	}
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

/*
 * The device goes with page requests in flight and its bond still held
 * (the pending-IOPF use-after-free, CVE-2025-38594): the core detaches
 * the PASID on release, after every request is answered; the unbind
 * later frees the domain. So does a process that exits while its
 * requests are in flight. In flight: queued, the mm busy when reported.
 */
TEST_F(sva, regression_release_with_faults_pending)
{
	const __u32 write_busy = IOMMU_SVA_TEST_PRQ_WRITE |
				 IOMMU_SVA_TEST_PRQ_MM_BUSY;
	size_t len = 64 * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	struct iommu_sva_test_cmd a, b;
	__u32 dev2, bind2, pasid2;
	int round, status;

	ASSERT_NE(NULL, buf);
	test_cmd_stats(self->dev_id, &a);
	for (round = 0; round < 10; round++) {
		pid_t pid;

		test_cmd_dev_create_iommu(20, 1, &dev2);
		test_cmd_sva_enable(dev2);
		test_cmd_bind(dev2, &bind2, &pasid2);
		test_cmd_page_req(dev2, pasid2, write_busy, buf,
				  IOMMU_SVA_TEST_PRQ_GRPID_MIN, 64);
		test_cmd_dev_unplug(dev2);
		test_cmd_unbind(bind2);
		madvise(buf, len, MADV_DONTNEED);

		/* A process whose file goes at exit, requests in flight */
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int fd = open_mock();
			__u32 dev, bind, pasid;

			if (fd < 0 ||
			    _test_cmd_dev_create_iommu(fd, 20, 1, &dev,
						       NULL) ||
			    _test_cmd_sva(fd, dev, 1) ||
			    _test_cmd_bind(fd, dev, &bind, &pasid) ||
			    _test_cmd_page_req(fd, dev, pasid,
					       IOMMU_SVA_TEST_PRQ_WRITE |
					       IOMMU_SVA_TEST_PRQ_MM_BUSY,
					       (uintptr_t)buf,
					       IOMMU_SVA_TEST_PRQ_GRPID_MIN,
					       64))
				_exit(1);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	test_cmd_stats(self->dev_id, &b);
	ASSERT_TRUE(same_live(&a, &b));
	munmap(buf, len);
}

/*
 * A process exits while its bond lives on in a file it shared (the PASID
 * use-after-free at mm exit): its PASID stays taken as long as the bond
 * does, though its mm has exited, and comes back after the unbind. The
 * device has PASIDs 1 to 3, all but one taken first.
 */
TEST_F(sva, regression_pasid_kept_after_exit)
{
	__u32 dev2, max, ids[2], p[4], q;
	int pipefd[2], status, n;
	pid_t pid;

	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 2, &dev2, &max));
	ASSERT_EQ(4, max);
	test_cmd_sva_enable(dev2);
	n = fill_pasids(self->fd, dev2, p, 3);
	ASSERT_LE(0, n);
	if (!n)
		SKIP(return, "other processes hold PASIDs 1 to 3");
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, p[n - 1]));

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Bind through the shared file, exit without unbinding */
		if (bind_retry(self->fd, dev2, &ids[0], &ids[1]) ||
		    write(pipefd[1], ids, sizeof(ids)) != sizeof(ids))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(sizeof(ids), read(pipefd[0], ids, sizeof(ids)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(p[n - 1], ids[1]);

	/* Exited, still bound: its PASID is not free */
	visit_all_cpus();
	sleep_ms(50);
	ASSERT_EQ(-ENOSPC, _test_cmd_pasid_alloc(self->fd, dev2, &q));
	/* Unbound: the mm goes, and its PASID with it */
	test_cmd_unbind(ids[0]);
	ASSERT_EQ(1, fill_pasids(self->fd, dev2, &q, 1));
	ASSERT_EQ(ids[1], q);
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * An mm keeps its PASID after its last unbind, until the mm is freed. A
 * device with PASIDs [1, 3] shows it: every PASID but one is taken by
 * allocations or our own mm, a holder process takes the last one, and
 * only once the holder is gone can another process bind.
 */
TEST_F(sva, pasid_lifetime)
{
	int go[2], done[2], status, rc = 0, n;
	__u32 dev2, max, pasid = 0, p[4];
	pid_t holder, other;
	char c = 0;

	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 2, &dev2, &max));
	ASSERT_EQ(4, max);
	test_cmd_sva_enable(dev2);
	n = fill_pasids(self->fd, dev2, p, 3);
	ASSERT_LE(0, n);
	if (!n)
		SKIP(return, "other processes hold PASIDs 1 to 3");
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, p[n - 1]));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));

	holder = fork();
	ASSERT_LE(0, holder);
	if (!holder) {
		/* Take the free PASID, unbind, and keep the mm until told */
		rc = child_bind_retry(self->fd, dev2, &pasid);
		if (rc || pasid < 1 || pasid > 3 || mm_pasid(self->fd) != pasid)
			_exit(1);
		if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(done[0], &c, 1));

	/* While the holder's mm lives, its PASID is not reused */
	other = fork();
	ASSERT_LE(0, other);
	if (!other) {
		rc = child_bind(self->fd, dev2, &pasid);
		/* Exhausted, and nothing changed: still no PASID */
		_exit(rc == -ENOSPC && mm_pasid(self->fd) == PASID_INVALID ?
		      0 : 1);
	}
	ASSERT_EQ(other, waitpid(other, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* Once it is gone, its PASID comes back */
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	other = fork();
	ASSERT_LE(0, other);
	if (!other) {
		rc = child_bind_retry(self->fd, dev2, &pasid);
		_exit(!rc && pasid >= 1 && pasid <= 3 ? 0 : 1);
	}
	ASSERT_EQ(other, waitpid(other, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/* The error cases of iommu_attach_device_pasid() */
TEST_F(sva, attach_pasid_errors)
{
	__u32 dom, dom2, pasid, dev2, p[4];
	int i, n;

	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom2));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &pasid));
	ASSERT_LE(1, pasid);
	ASSERT_NE(self->pasid, pasid);

	/* PASID 0 is DMA without PASID; beyond max_pasids does not exist */
	test_err_attach(EINVAL, self->dev_id, dom, 0);
	test_err_attach(EINVAL, self->dev_id, dom, self->max_pasids);
	test_err_attach(EINVAL, self->dev_id, dom, self->max_pasids + 7);
	/* Busy: our SVA bond's PASID, then one we attach */
	test_err_attach(EBUSY, self->dev_id, dom, self->pasid);
	test_cmd_attach(self->dev_id, dom, pasid);
	test_err_attach(EBUSY, self->dev_id, dom, pasid);
	test_err_attach(EBUSY, self->dev_id, dom2, pasid);
	/* A PASID in use cannot be freed, nor its domain */
	ASSERT_EQ(-EBUSY, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(-EBUSY, _test_cmd_paging_free(self->fd, dom));
	test_cmd_detach(self->dev_id, dom, pasid);
	test_cmd_attach(self->dev_id, dom2, pasid);
	test_cmd_detach(self->dev_id, dom2, pasid);

	/* A paging domain at the mm's PASID makes an SVA bind busy */
	test_cmd_dev_create(20, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_attach(dev2, dom, self->pasid);
	test_err_bind(EBUSY, dev2);
	test_cmd_detach(dev2, dom, self->pasid);

	/* Exhaustion: a device with PASIDs [1, 3]; let exited mms go first */
	visit_all_cpus();
	test_cmd_dev_create(2, &dev2);
	for (n = 0; n < 4; n++) {
		i = _test_cmd_pasid_alloc(self->fd, dev2, &p[n]);
		if (i)
			break;
		ASSERT_LE(1, p[n]);
		ASSERT_GE(3, p[n]);
	}
	ASSERT_EQ(-ENOSPC, i);
	ASSERT_GE(3, n);
	/* A freed PASID is the one handed out next */
	if (n) {
		ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, p[0]));
		ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev2, &pasid));
		ASSERT_EQ(p[0], pasid);
	}
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom2));
}

/*
 * A device's DMA without PASID keeps its default domain while domains are
 * attached at its PASIDs, and PASIDs are attached only beside the default
 * domain: neither can be pulled away from under the other, so no detach
 * ever finds PASIDs it would have to kill. Refusals are EBUSY and change
 * nothing.
 */
TEST_F(sva, rid_domain_and_pasids)
{
	char src[8] = "pattern", dst[8] = { };
	__u32 dom, dom2, dev2, pasid;

	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom2));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &pasid));

	/* The fixture's device is bound: its domain stays, the bond works */
	test_err_attach_dev(EBUSY, self->dev_id, dom);
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);

	/* A paging domain at a PASID holds the default domain too */
	test_cmd_dev_create(20, &dev2);
	test_cmd_attach(dev2, dom2, pasid);
	test_err_attach_dev(EBUSY, dev2, dom);
	test_err_attach(EBUSY, dev2, dom2, pasid);
	test_cmd_detach(dev2, dom2, pasid);

	/* With a domain of its own, no PASID: neither attach nor bind */
	test_cmd_attach_dev(dev2, dom);
	test_err_attach(EBUSY, dev2, dom2, pasid);
	test_cmd_sva_enable(dev2);
	test_err_bind(EBUSY, dev2);
	ASSERT_EQ(-EBUSY, _test_cmd_paging_free(self->fd, dom));
	test_cmd_detach_dev(dev2, dom);

	/* Back in its default domain, it takes PASIDs again */
	test_cmd_attach(dev2, dom2, pasid);
	test_cmd_detach(dev2, dom2, pasid);
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom2));
}

/* PASIDs of a device that shares its group cannot be attached */
TEST_F(sva, attach_pasid_shared_group)
{
	__u32 a, b, dom, pasid;

	test_cmd_dev_create(20, &a);
	ASSERT_EQ(0, _test_cmd_dev_create_group(self->fd, 20, a, &b, NULL));
	/* b is in a's group: neither can tell its PASID DMA from the other */
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, a, &pasid));
	test_err_attach(EINVAL, a, dom, pasid);
	test_err_attach(EINVAL, b, dom, pasid);
	test_cmd_sva_enable(a);
	test_err_bind(EINVAL, a);
	/* Alone again, a can */
	test_cmd_dev_destroy(b);
	test_cmd_attach(a, dom, pasid);
	test_cmd_detach(a, dom, pasid);
	test_cmd_bind(a, NULL, NULL);
	/* A group partner that does not exist */
	ASSERT_EQ(-ENOENT, _test_cmd_dev_create_group(self->fd, 20, 0x7fff,
						      NULL, NULL));
}

/*
 * A group does not grow while a PASID is attached: the device that would
 * join would find the first one's domains at PASIDs never set up for it
 * (and DMA into its mm without a bind). The bond keeps working, and once
 * it is gone the device can join; in a group of two, binds fail with
 * EINVAL, the errno of a multi-device group, not EBUSY.
 */
TEST_F(sva, group_growth_while_bound)
{
	char src[8] = "pattern", dst[8] = { };
	__u32 dev2, pasid2, dom, pasid;

	/* Bound: no device joins the group, and nothing is left of it */
	test_err_dev_create_group(EBUSY, 20, self->dev_id);
	test_err_dev_create_group(EBUSY, 20, self->dev_id);
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);
	/* A paging domain at a PASID holds the group the same way */
	test_cmd_unbind(self->bind_id);
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &pasid));
	test_cmd_attach(self->dev_id, dom, pasid);
	test_err_dev_create_group(EBUSY, 20, self->dev_id);
	test_cmd_detach(self->dev_id, dom, pasid);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	/* Nothing attached: a device joins */
	test_cmd_dev_create_group(20, self->dev_id, &dev2);
	test_cmd_sva_enable(dev2);
	test_err_bind(EINVAL, dev2);
	test_err_bind(EINVAL, self->dev_id);
	/* Alone again, the first device binds the same PASID */
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
	test_cmd_bind(self->dev_id, &self->bind_id, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
}

/*
 * A bond may outlive its device (a driver that lets its handles outlive
 * the device): the core detaches the PASID when it releases the device,
 * and the later unbinds only free, without touching the released device's
 * IOMMU data. The PASID and the mock IOMMU stay usable.
 */
TEST_F(sva, unbind_after_unplug)
{
	char src[8] = "pattern", dst[8] = { };
	__u32 dev2, bind2, bind3, pasid2, dom, pasid;

	/* The unplugged device's bond is the mm's only one on the IOMMU */
	test_cmd_unbind(self->bind_id);
	test_cmd_dev_create(20, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	test_cmd_bind(dev2, &bind3, NULL);
	ASSERT_EQ(bind2, bind3);
	test_cmd_dma(dev2, pasid2, src, dst, sizeof(src), 0);

	/* A paging attachment of the file holds the device: refused */
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev2, &pasid));
	test_cmd_attach(dev2, dom, pasid);
	test_err_dev_unplug(EBUSY, dev2);
	test_cmd_detach(dev2, dom, pasid);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));

	/* Gone with two references on its bond; both unbinds work */
	test_cmd_dev_unplug(dev2);
	test_err_dma(ENOENT, dev2, pasid2, src, dst, sizeof(src), 0);
	test_cmd_unbind(bind2);
	test_cmd_unbind(bind2);
	ASSERT_EQ(-ENOENT, _test_cmd_unbind(self->fd, bind2));

	/* Same again with another device sharing the mm's domain */
	test_cmd_bind(self->dev_id, &self->bind_id, NULL);
	test_cmd_dev_create(20, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind2, NULL);
	test_cmd_dev_unplug(dev2);
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);
	test_cmd_unbind(bind2);

	/* A new device binds the mm's PASID and DMAs through it */
	test_cmd_dev_create(20, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	memset(dst, 0, sizeof(dst));
	test_cmd_dma(dev2, pasid2, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);
	test_cmd_unbind(bind2);
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

/*
 * The two mock IOMMUs are two drivers to the core: a domain of one is
 * refused with EINVAL at a PASID of a device of the other, in either
 * direction, and leaves nothing attached. One mm bound through both
 * IOMMUs gets an SVA domain on each, at the same PASID.
 */
TEST_F(sva, foreign_domain)
{
	struct iommu_sva_test_cmd c0, c1, o0, o1;
	char src[8] = "pattern", dst[8] = { };
	__u32 other, dom, dom_other, pasid, mine, bind2, pasid2;

	test_err_dev_create_iommu(EINVAL, 20, 2);
	test_cmd_dev_create_iommu(20, 1, &other);
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_paging_alloc_dev(self->fd, other, &dom_other));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, other, &pasid));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &mine));

	/* Foreign both ways; nothing is attached after */
	test_err_attach(EINVAL, other, dom, pasid);
	test_err_dma(ENODEV, other, pasid, 0, dst, 1, 0);
	test_err_attach(EINVAL, self->dev_id, dom_other, mine);
	test_err_dma(ENODEV, self->dev_id, mine, 0, dst, 1, 0);
	/* Each IOMMU's own domain is accepted at the same PASIDs */
	test_cmd_attach(other, dom_other, pasid);
	test_cmd_attach(self->dev_id, dom, mine);
	test_cmd_detach(other, dom_other, pasid);
	test_cmd_detach(self->dev_id, dom, mine);

	/* One mm through both IOMMUs: one PASID, two SVA domains */
	test_cmd_sva_enable(other);
	test_cmd_bind(other, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);
	test_cmd_counters(self->dev_id, self->pasid, &c0);
	test_cmd_counters(other, self->pasid, &o0);
	test_cmd_dma(other, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);
	test_cmd_counters(self->dev_id, self->pasid, &c1);
	test_cmd_counters(other, self->pasid, &o1);
	/* Only the other IOMMU's domain walked the mm */
	ASSERT_LT(o0.counters.iotlb_fill + o0.counters.iotlb_hit,
		  o1.counters.iotlb_fill + o1.counters.iotlb_hit);
	ASSERT_EQ(c0.counters.iotlb_fill, c1.counters.iotlb_fill);
	ASSERT_EQ(c0.counters.iotlb_hit, c1.counters.iotlb_hit);

	test_cmd_unbind(bind2);
	test_cmd_sva_disable(other);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, mine));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom_other));
	test_cmd_dev_destroy(other);
}

/* A paging domain at a PASID: DMA by IOVA reaches the mapped pages */
TEST_F(sva, paging_domain_pasid)
{
	size_t len = 4 * page_size;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE);
	char *tmp = malloc(len);
	uint64_t iova = 0x100000;
	__u32 dom, pasid;

	ASSERT_NE(NULL, buf);
	fill(buf, len, 12);
	ASSERT_EQ(0, _test_cmd_paging_alloc(self->fd, &dom));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &pasid));
	ASSERT_EQ(0, _test_cmd_map(self->fd, dom, iova, buf, len, 1));
	/* The IOVA range is taken */
	ASSERT_EQ(-EEXIST, _test_cmd_map(self->fd, dom, iova, buf, len, 1));
	test_cmd_attach(self->dev_id, dom, pasid);

	test_cmd_dma(self->dev_id, pasid, iova, tmp, len, 0);
	ASSERT_EQ(0, memcmp(buf, tmp, len));
	fill(tmp, len, 13);
	test_cmd_dma(self->dev_id, pasid, iova + 10, tmp, len - 10, 1);
	ASSERT_EQ(0, memcmp(buf + 10, tmp, len - 10));
	/* Outside the mapping; and the SVA PASID still maps our mm */
	test_err_dma(EFAULT, self->dev_id, pasid, iova + len, tmp, 1, 0);
	test_cmd_dma(self->dev_id, self->pasid, buf, tmp, 16, 0);
	ASSERT_EQ(0, memcmp(buf, tmp, 16));

	/* Unmapped: gone; mapped read-only: no writes */
	ASSERT_EQ(0, _test_cmd_unmap(self->fd, dom, iova, len));
	test_err_dma(EFAULT, self->dev_id, pasid, iova, tmp, 1, 0);
	ASSERT_EQ(0, _test_cmd_map(self->fd, dom, iova, buf, page_size, 0));
	test_cmd_dma(self->dev_id, pasid, iova, tmp, page_size, 0);
	test_err_dma(EFAULT, self->dev_id, pasid, iova, tmp, 1, 1);
	ASSERT_EQ(0, _test_cmd_unmap(self->fd, dom, iova, page_size));

	test_cmd_detach(self->dev_id, dom, pasid);
	test_err_dma(ENODEV, self->dev_id, pasid, iova, tmp, 1, 0);
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));
	ASSERT_EQ(0, _test_cmd_paging_free(self->fd, dom));
	free(tmp);
	munmap(buf, len);
}

/*
 * Threads DMA through our PASID while the main thread unmaps the region
 * under them, maps it again in place and stamps it with a new generation,
 * and another thread unbinds and binds again that very PASID. A DMA read
 * finds the region's current page or faults: a word older than the
 * generation stamped before the read began comes from a page the device
 * should no longer reach.
 */
struct race {
	int fd;
	__u32 dev_id, dev2, pasid;
	uint32_t *region;	/* unmapped and mapped again in place */
	/*
	 * A page per DMA thread, never unmapped: mapped before the threads
	 * start, or it could land in the region's hole while the region is
	 * unmapped, and be replaced by the region's next mapping.
	 */
	uint32_t *mine[2];
	int next;		/* atomic: the next thread's index */
	size_t len;
	uint32_t gen;		/* atomic: the last generation stamped */
	int stop;		/* atomic */
	int bad;		/* an outcome no interleaving allows */
	long dmas, faults, detached, binds, stale;
};

static void *race_dma(void *arg)
{
	struct race *r = arg;
	uint32_t tmp[64], back[64], gen;
	uint32_t *mine = r->mine[__atomic_fetch_add(&r->next, 1,
						    __ATOMIC_RELAXED)];
	size_t i;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		gen = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
		rc = _test_cmd_dma(r->fd, r->dev_id, r->pasid,
				   (uintptr_t)r->region, tmp, sizeof(tmp), 0);
		if (rc == -EFAULT) {
			r->faults++;
		} else if (rc == -ENODEV) {
			r->detached++;	/* between unbind and bind */
		} else if (rc) {
			r->bad = rc;
		} else {
			/* 0: a page mapped again but not stamped yet */
			for (i = 0; i < ARRAY_SIZE(tmp); i++)
				if (tmp[i] && tmp[i] < gen)
					r->stale++;
		}
		/* A write and its read-back, by the device and by the CPU */
		for (i = 0; i < ARRAY_SIZE(tmp); i++)
			tmp[i] = (uint32_t)r->dmas * 64 + i;
		rc = _test_cmd_dma(r->fd, r->dev_id, r->pasid,
				   (uintptr_t)mine, tmp, sizeof(tmp), 1);
		if (!rc)
			rc = _test_cmd_dma(r->fd, r->dev_id, r->pasid,
					   (uintptr_t)mine, back, sizeof(back),
					   0);
		/*
		 * EFAULT too: a fault raised while the PASID is being
		 * detached finds no domain and is answered invalid.
		 */
		if (!rc && (memcmp(tmp, back, sizeof(tmp)) ||
			    memcmp(tmp, mine, sizeof(tmp))))
			r->stale++;
		else if (rc && rc != -ENODEV && rc != -EFAULT)
			r->bad = rc;
		r->dmas++;
	}
	return NULL;
}

static void *race_bind(void *arg)
{
	struct race *r = arg;
	__u32 bind, pasid, bind2, pasid2;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		/* The PASID the DMA threads use, then a second device */
		rc = _test_cmd_bind(r->fd, r->dev_id, &bind, &pasid);
		if (!rc && pasid != r->pasid)
			r->bad = -EINVAL;
		if (!rc)
			rc = _test_cmd_bind(r->fd, r->dev2, &bind2, &pasid2);
		if (!rc && pasid2 != r->pasid)
			r->bad = -EINVAL;
		/* Bound for a while: the DMA threads get through */
		sleep_ms(20);
		if (!rc)
			rc = _test_cmd_unbind(r->fd, bind2);
		if (!rc)
			rc = _test_cmd_unbind(r->fd, bind);
		if (rc)
			r->bad = rc;
		r->binds++;
	}
	return NULL;
}

TEST_F(sva, concurrency)
{
	struct race r = {
		.fd = self->fd,
		.dev_id = self->dev_id,
		.pasid = self->pasid,
		.len = 4 * page_size,
	};
	pthread_t dma[2], bind;
	time_t end = time(NULL) + 3;
	uint32_t gen = 1, last[16];
	size_t i;

	/* race_bind holds the only bonds: the PASID comes and goes */
	test_cmd_unbind(self->bind_id);
	test_cmd_dev_create(20, &r.dev2);
	test_cmd_sva_enable(r.dev2);
	r.region = map_anon(r.len, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, r.region);
	for (i = 0; i < r.len / 4; i++)
		r.region[i] = gen;
	r.gen = gen;
	for (i = 0; i < 2; i++) {
		r.mine[i] = map_anon(page_size, PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, r.mine[i]);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&dma[i], NULL, race_dma, &r));
	ASSERT_EQ(0, pthread_create(&bind, NULL, race_bind, &r));
	while (time(NULL) < end) {
		/* Unmap under the device, map again at the same place */
		ASSERT_EQ(0, munmap(r.region, r.len));
		ASSERT_EQ(r.region, mmap(r.region, r.len,
					 PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS |
					 MAP_FIXED, -1, 0));
		gen++;
		for (i = 0; i < r.len / 4; i++)
			r.region[i] = gen;
		__atomic_store_n(&r.gen, gen, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(dma[i], NULL));
	ASSERT_EQ(0, pthread_join(bind, NULL));
	TH_LOG("%ld DMAs (%ld faulted, %ld detached), %ld binds, %u remaps",
	       r.dmas, r.faults, r.detached, r.binds, gen - 1);
	ASSERT_EQ(0, r.bad);
	ASSERT_EQ(0, r.stale);
	ASSERT_LT(0, r.dmas);
	ASSERT_LT(0, r.binds);
	ASSERT_LT(1, gen);

	/* Settled: the region's last stamp, through a new bond */
	test_cmd_bind(self->dev_id, &self->bind_id, NULL);
	test_cmd_dma(self->dev_id, self->pasid, r.region, last, sizeof(last),
		     0);
	for (i = 0; i < ARRAY_SIZE(last); i++)
		ASSERT_EQ(gen, last[i]);
	munmap(r.region, r.len);
	for (i = 0; i < 2; i++)
		munmap(r.mine[i], page_size);
}

/*
 * A paging domain comes and goes at the mm's PASID of a device while the
 * mm binds that device again and again: a bind finds the PASID busy
 * (EBUSY) or binds, and never reads the paging domain, which may be
 * freed under it (KASAN watches).
 */
struct race_paging {
	int fd;
	__u32 dev, dom, pasid;
	int stop;		/* atomic */
	int bad;
	long binds, busy, attaches;
};

static void *race_attach(void *arg)
{
	struct race_paging *r = arg;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		rc = _test_cmd_paging_alloc(r->fd, &r->dom);
		if (rc) {
			r->bad = rc;
			break;
		}
		rc = _test_cmd_attach(r->fd, r->dev, r->dom, r->pasid);
		if (!rc) {
			r->attaches++;
			rc = _test_cmd_detach(r->fd, r->dev, r->dom, r->pasid);
		} else if (rc == -EBUSY) {
			rc = 0;		/* the bind has it */
		}
		if (rc)
			r->bad = rc;
		rc = _test_cmd_paging_free(r->fd, r->dom);
		if (rc)
			r->bad = rc;
	}
	return NULL;
}

TEST_F(sva, bind_races_paging_attach)
{
	struct race_paging r = { .fd = self->fd, .pasid = self->pasid };
	time_t end = time(NULL) + 2;
	__u32 bind, pasid;
	pthread_t t;
	int rc;

	test_cmd_dev_create(20, &r.dev);
	test_cmd_sva_enable(r.dev);
	ASSERT_EQ(0, pthread_create(&t, NULL, race_attach, &r));
	while (time(NULL) < end) {
		rc = _test_cmd_bind(self->fd, r.dev, &bind, &pasid);
		if (rc == -EBUSY) {
			r.busy++;
			continue;
		}
		ASSERT_EQ(0, rc);
		ASSERT_EQ(self->pasid, pasid);
		r.binds++;
		test_cmd_unbind(bind);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(t, NULL));
	TH_LOG("%ld binds, %ld busy, %ld paging attaches", r.binds, r.busy,
	       r.attaches);
	ASSERT_EQ(0, r.bad);
	ASSERT_LT(0, r.binds + r.busy);
	test_cmd_sva_disable(r.dev);
	test_cmd_dev_destroy(r.dev);
}

/* Many processes bind at once and get distinct PASIDs */
#define NPROC 1000

TEST_F_TIMEOUT(sva, many_processes, 600)
{
	static __u32 pasids[NPROC];
	int report[2], go[2], i, j, status;
	char c;

	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < NPROC; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			__u32 bind, pasid = 0;

			close(go[1]);
			if (_test_cmd_bind(self->fd, self->dev_id, &bind,
					   &pasid) ||
			    pasid != mm_pasid(self->fd))
				pasid = 0;
			if (write(report[1], &pasid, sizeof(pasid)) !=
			    sizeof(pasid))
				_exit(1);
			/* Hold the PASID until everyone has one */
			if (read(go[0], &c, 1) != 0)
				_exit(2);
			_exit(pasid && !_test_cmd_unbind(self->fd, bind) ?
			      0 : 3);
		}
	}
	close(go[0]);
	close(report[1]);
	for (i = 0; i < NPROC; i++) {
		ASSERT_EQ(sizeof(pasids[i]),
			  read(report[0], &pasids[i], sizeof(pasids[i])));
		ASSERT_NE(0, pasids[i]);
		ASSERT_NE(self->pasid, pasids[i]);
	}
	close(go[1]);
	for (i = 0; i < NPROC; i++) {
		ASSERT_LT(0, wait(&status));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	/* Distinct: sort, then compare neighbours */
	for (i = 1; i < NPROC; i++) {
		__u32 v = pasids[i];

		for (j = i; j > 0 && pasids[j - 1] > v; j--)
			pasids[j] = pasids[j - 1];
		pasids[j] = v;
	}
	for (i = 1; i < NPROC; i++)
		ASSERT_NE(pasids[i - 1], pasids[i]);
	close(report[0]);
}

/*
 * The bind of an mm whose process has exited fails in the core with ESRCH,
 * before any driver registers an mmu_notifier on it (which would hit the
 * BUG_ON() of mmu_notifier_register()), and leaves nothing behind.
 */
TEST_F(sva, bind_exited_mm)
{
	int pipefd[2], status, fd = -1;
	__u32 dev2, bind2;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	/*
	 * A child with a copy of our mm but our file table opens the mock,
	 * tells us the fd and exits: the file stays, its opener's mm goes.
	 */
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	ASSERT_LE(0, pid);
	if (!pid) {
		fd = open_mock();
		_exit(write(pipefd[1], &fd, sizeof(fd)) == sizeof(fd) &&
		      fd >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(fd), read(pipefd[0], &fd, sizeof(fd)));
	ASSERT_LE(0, fd);
	close(pipefd[0]);
	close(pipefd[1]);

	/* The opener's mm has no user left: its bind fails */
	ASSERT_EQ(0, _test_cmd_dev_create(fd, 8, &dev2, NULL));
	ASSERT_EQ(0, _test_cmd_sva(fd, dev2, 1));
	ASSERT_EQ(-ESRCH, _test_cmd_bind_opener(fd, dev2, NULL, NULL));
	/* Nothing was bound: SVA can go and the device with it */
	ASSERT_EQ(0, _test_cmd_sva(fd, dev2, 0));
	ASSERT_EQ(0, _test_cmd_dev_destroy(fd, dev2));
	close(fd);

	/* Our own file's opener is alive: the same bind works */
	test_cmd_dev_create(8, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind_opener(dev2, &bind2, NULL);
	test_cmd_unbind(bind2);
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

#define test_cmd_kva_free(dev, n, cmd) \
	ASSERT_EQ(0, _test_cmd_kva_free(self->fd, dev, n, cmd))

#define KVA_FREE_SKIP "kernel page tables freed at once (not x86) or no huge ioremap"

/*
 * x86: the kernel frees a page table of its own addresses (a huge ioremap
 * replacing a PTE table) while SVA domains are bound. A domain of mock
 * IOMMU 0, which stands for one that walks the kernel half of the CPU's
 * tables, is told to forget the kernel range before every table is freed,
 * and every table is freed exactly once. A domain of mock IOMMU 1, which
 * says it walks no kernel table, needs no flush: bound alone, the tables
 * are freed at once, as with nothing bound, and no domain hears of it.
 */
TEST_F(sva, kernel_pgtable_free)
{
	char src[8] = "kvaflsh", dst[8] = { };
	struct iommu_sva_test_cmd cmd, stats;
	__u32 dev2, bind2, pasid2;
	const __u32 n = 16;
	int rc;

	test_cmd_dev_create_iommu(20, 1, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_bind(dev2, &bind2, &pasid2);
	ASSERT_EQ(self->pasid, pasid2);

	rc = _test_cmd_kva_free(self->fd, self->dev_id, n, &cmd);
	if (rc == -EOPNOTSUPP)
		SKIP(return, KVA_FREE_SKIP);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(n, cmd.kva_free.deferred);
	ASSERT_EQ(n, cmd.kva_free.freed);
	ASSERT_EQ(1, cmd.kva_free.domains);
	ASSERT_EQ(n, cmd.kva_free.flushed_first);
	/* At least one per table (more if others freed theirs meanwhile) */
	ASSERT_LE(n, cmd.kva_free.invalidations);
	/* IOMMU 1's domain is bound too, and never asked */
	test_cmd_kva_free(dev2, n, &cmd);
	ASSERT_EQ(n, cmd.kva_free.deferred);
	ASSERT_EQ(n, cmd.kva_free.freed);
	ASSERT_EQ(1, cmd.kva_free.domains);
	ASSERT_EQ(0, cmd.kva_free.flushed_first);

	/* DMA still works: the flush took nothing of the user's */
	test_cmd_dma(self->dev_id, self->pasid, src, dst, sizeof(src), 0);
	ASSERT_STREQ(src, dst);

	/* Only IOMMU 1 bound: nothing to wait for */
	test_cmd_unbind(self->bind_id);
	test_cmd_stats(self->dev_id, &stats);
	if (stats.stats.sva_domains != 1)
		SKIP(return, "%u mock SVA domains of others are alive",
		     stats.stats.sva_domains - 1);
	test_cmd_kva_free(dev2, n, &cmd);
	ASSERT_EQ(0, cmd.kva_free.deferred);
	ASSERT_EQ(n, cmd.kva_free.freed);
	ASSERT_EQ(1, cmd.kva_free.domains);
	ASSERT_EQ(0, cmd.kva_free.invalidations);

	/* Nothing bound anywhere: the same */
	test_cmd_unbind(bind2);
	test_cmd_kva_free(self->dev_id, n, &cmd);
	ASSERT_EQ(0, cmd.kva_free.deferred);
	ASSERT_EQ(n, cmd.kva_free.freed);
	ASSERT_EQ(0, cmd.kva_free.domains);
	ASSERT_EQ(0, cmd.kva_free.invalidations);

	/* IOMMU 0 bound again: flushed first again */
	test_cmd_bind(self->dev_id, &self->bind_id, &pasid2);
	test_cmd_kva_free(self->dev_id, n, &cmd);
	ASSERT_EQ(n, cmd.kva_free.deferred);
	ASSERT_EQ(n, cmd.kva_free.flushed_first);

	/* Bad requests change nothing */
	ASSERT_EQ(-EINVAL, _test_cmd_kva_free(self->fd, self->dev_id, 0,
					      &cmd));
	ASSERT_EQ(-EINVAL, _test_cmd_kva_free(self->fd, self->dev_id,
					      IOMMU_SVA_TEST_KVA_FREE_MAX + 1,
					      &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.dev_id = self->dev_id;
	cmd.kva_free.iterations = 1;
	cmd.kva_free.freed = 1;
	ASSERT_EQ(-EINVAL, sva_cmd(self->fd, IOMMU_SVA_TEST_OP_KVA_FREE, &cmd));
	ASSERT_EQ(-ENOENT, _test_cmd_kva_free(self->fd, 12345, 1, &cmd));
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

/*
 * On x86 an IOMMU driver that walks the kernel half of the CPU's tables
 * must flush it: the core refuses the first bind through an SVA domain
 * without invalidate_kva, and binds nothing. A driver that says it walks
 * no kernel table (mock IOMMU 1) needs none, nor does any other arch.
 */
TEST_F(sva, kva_flush_required)
{
	struct iommu_sva_test_cmd before, after;
	__u32 dev2, bind, pasid;
#ifdef __x86_64__
	const int refused = -EOPNOTSUPP;
#else
	const int refused = 0;
#endif
	int rc;

	/* Our domain on IOMMU 0 goes: the next bind allocates one */
	test_cmd_unbind(self->bind_id);
	test_cmd_stats(self->dev_id, &before);
	test_cmd_fail_next(self->dev_id, IOMMU_SVA_TEST_FAIL_KVA_OP, 0);
	rc = _test_cmd_bind(self->fd, self->dev_id, &bind, &pasid);
	ASSERT_EQ(refused, rc);
	if (!rc)
		test_cmd_unbind(bind);
	test_cmd_stats(self->dev_id, &after);
	ASSERT_EQ(before.stats.sva_domains, after.stats.sva_domains);
	ASSERT_EQ(before.stats.bonds, after.stats.bonds);
	ASSERT_EQ(self->pasid, mm_pasid(self->fd));
	/* Only the next domain: the bind works again */
	test_cmd_bind(self->dev_id, &self->bind_id, &pasid);
	ASSERT_EQ(self->pasid, pasid);

	/* IOMMU 1 has no flush at all, and needs none */
	test_cmd_dev_create_iommu(20, 1, &dev2);
	test_cmd_sva_enable(dev2);
	test_cmd_fail_next(dev2, IOMMU_SVA_TEST_FAIL_KVA_OP, 0);
	test_cmd_bind(dev2, &bind, &pasid);
	ASSERT_EQ(self->pasid, pasid);
	test_cmd_unbind(bind);
	test_cmd_sva_disable(dev2);
	test_cmd_dev_destroy(dev2);
}

/*
 * The same while another process binds and unbinds devices of both mock
 * IOMMUs as fast as it can: domains join and leave the flush while tables
 * are freed. Ours, bound throughout, is flushed before every free; the
 * console must stay clean (KASAN, lockdep on x86).
 */
TEST_F(sva, kernel_pgtable_free_races)
{
	struct iommu_sva_test_cmd cmd;
	const __u32 n = 64;
	int status, i, rc;
	pid_t pid;

	rc = _test_cmd_kva_free(self->fd, self->dev_id, 1, &cmd);
	if (rc == -EOPNOTSUPP)
		SKIP(return, KVA_FREE_SKIP);
	ASSERT_EQ(0, rc);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 dev[2], bind;
		int fd = open_mock(), j;

		if (fd < 0)
			_exit(1);
		for (j = 0; j < 2; j++)
			if (sva_cmd_dev_create(fd, 20, 0, j, &dev[j], NULL) ||
			    _test_cmd_sva(fd, dev[j], 1))
				_exit(2);
		for (j = 0; j < 400; j++) {
			if (_test_cmd_bind(fd, dev[j % 2], &bind, NULL))
				_exit(3);
			if (_test_cmd_unbind(fd, bind))
				_exit(4);
		}
		_exit(0);
	}
	for (i = 0; i < 4; i++) {
		test_cmd_kva_free(self->dev_id, n, &cmd);
		ASSERT_EQ(n, cmd.kva_free.deferred);
		ASSERT_EQ(n, cmd.kva_free.freed);
		ASSERT_EQ(n, cmd.kva_free.flushed_first);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/*
 * The flow of idxd's kernel work queues: a device whose default domain is
 * a DMA domain has it attached at a PASID of the global space, and the
 * device reaches the DMA API's mappings through that PASID by their IOVA,
 * both ways. An unmap flushes the domain and ends the access there; the
 * detach leaves nothing at the PASID. A device whose default domain does
 * not translate cannot do this, and a bad mapping request maps nothing.
 */
TEST_F(sva, kernel_pasid_dma_api)
{
	struct iommu_sva_test_cmd before, after;
	char data[64], got[64], back[64];
	__u32 dev, plain, id, id2, pasid, pasid2;
	uint64_t iova, iova2;

	fill(data, sizeof(data), 5);
	ASSERT_EQ(0, dev_create_dma_api(self->fd, 20, &dev));
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev, &pasid));
	test_cmd_attach(dev, 0, pasid);
	ASSERT_EQ(0, _test_cmd_dma_map(self->fd, dev, data, sizeof(data), &id,
				       &iova));

	/* Read, then written, by IOVA at the PASID */
	test_cmd_dma(dev, pasid, iova, got, sizeof(got), 0);
	ASSERT_EQ(0, memcmp(data, got, sizeof(got)));
	fill(got, sizeof(got), 9);
	test_cmd_dma(dev, pasid, iova, got, sizeof(got), 1);

	/* The unmap flushes the domain; the CPU sees what the device wrote */
	test_cmd_counters(dev, pasid, &before);
	ASSERT_EQ(0, _test_cmd_dma_unmap(self->fd, dev, id, back));
	ASSERT_EQ(0, memcmp(got, back, sizeof(back)));
	test_cmd_counters(dev, pasid, &after);
	ASSERT_LT(before.counters.inv_range, after.counters.inv_range);
	test_err_dma(EFAULT, dev, pasid, iova, got, sizeof(got), 0);

	/* A new mapping is reached at once; detached, the PASID is empty */
	ASSERT_EQ(0, _test_cmd_dma_map(self->fd, dev, data, sizeof(data), &id,
				       &iova));
	test_cmd_dma(dev, pasid, iova, got, sizeof(got), 0);
	ASSERT_EQ(0, memcmp(data, got, sizeof(got)));
	test_cmd_detach(dev, 0, pasid);
	test_err_dma(ENODEV, dev, pasid, iova, got, sizeof(got), 0);
	ASSERT_EQ(0, _test_cmd_dma_unmap(self->fd, dev, id, back));
	ASSERT_EQ(0, memcmp(data, back, sizeof(back)));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid));

	/* Refusals: an identity default domain, bad lengths, no such map */
	test_cmd_dev_create(8, &plain);
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, plain, &pasid2));
	test_err_attach(EINVAL, plain, 0, pasid2);
	ASSERT_EQ(-EINVAL, _test_cmd_dma_map(self->fd, plain, data,
					     sizeof(data), &id2, &iova2));
	ASSERT_EQ(-EINVAL, _test_cmd_dma_map(self->fd, dev, data, 0, &id2,
					     &iova2));
	ASSERT_EQ(-EINVAL, _test_cmd_dma_map(self->fd, dev, data,
					     page_size + 1, &id2, &iova2));
	ASSERT_EQ(-ENOENT, _test_cmd_dma_unmap(self->fd, dev, 12345, back));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, pasid2));
	test_cmd_dev_destroy(plain);

	/* Left attached and mapped: closing the file undoes both */
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, dev, &pasid));
	test_cmd_attach(dev, 0, pasid);
	ASSERT_EQ(0, _test_cmd_dma_map(self->fd, dev, data, sizeof(data), &id,
				       &iova));
}

/*
 * The fault path's lookup of the domain at a PASID (what make bench times)
 * finds the bound PASID's domain and nothing once it is detached; the
 * operation refuses what it cannot time and changes nothing.
 */
TEST_F(sva, fault_lookup_cost)
{
	struct iommu_sva_test_cmd c, s0, s1;
	__u32 other;

	test_cmd_stats(self->dev_id, &s0);
	ASSERT_EQ(0, _test_cmd_lookup_cost(self->fd, self->dev_id,
					   self->pasid, 1000, &c));
	EXPECT_LT(0, c.lookup_cost.fault_ns);
	EXPECT_LT(0, c.lookup_cost.get_ns);
	EXPECT_LT(0, c.lookup_cost.xa_load_ns);
	ASSERT_EQ(-EINVAL, _test_cmd_lookup_cost(self->fd, self->dev_id,
						 self->pasid, 0, &c));
	ASSERT_EQ(-EINVAL, _test_cmd_lookup_cost(self->fd, self->dev_id,
						 self->pasid,
						 IOMMU_SVA_TEST_LOOKUP_MAX + 1,
						 &c));
	ASSERT_EQ(-ENOENT, _test_cmd_lookup_cost(self->fd, self->dev_id + 1000,
						 self->pasid, 1, &c));
	/* A PASID of the global space at which nothing is attached */
	ASSERT_EQ(0, _test_cmd_pasid_alloc(self->fd, self->dev_id, &other));
	ASSERT_EQ(-ENOENT, _test_cmd_lookup_cost(self->fd, self->dev_id, other,
						 1, &c));
	ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, other));
	test_cmd_stats(self->dev_id, &s1);
	ASSERT_TRUE(same_live(&s0, &s1));

	/* Detached: the fault path finds nothing at the PASID */
	test_cmd_unbind(self->bind_id);
	ASSERT_EQ(-ENOENT, _test_cmd_lookup_cost(self->fd, self->dev_id,
						 self->pasid, 1, &c));
}

TEST_HARNESS_MAIN
