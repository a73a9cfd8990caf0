// SPDX-License-Identifier: GPL-2.0-only
/*
 * uacce, the in-tree SVA client, end to end: the test accelerator
 * (CONFIG_IOMMU_SVA_ACCEL_TEST) registers a mock device created with
 * IOMMU_SVA_TEST_DEV_ACCEL as a uacce device, and these tests use it only
 * as a user-space accelerator library does: sysfs, open (which binds the
 * process), UACCE_CMD_START_Q, mmap of the queue's region, jobs addressed
 * by virtual addresses, poll, close; then fork, exit and removal of the
 * device while queues are open. The mock file is used only to create and
 * destroy the device and to read what is alive in the mock driver.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <misc/uacce/uacce.h>

#include "../kselftest_harness.h"
#include "iommu_utils.h"

#define MB (1024UL * 1024)
#define ACCEL_DRIVER \
	"/sys/bus/" IOMMU_SVA_TEST_BUS "/drivers/" IOMMU_SVA_TEST_ACCEL_DRIVER
/* UACCE_DEV_SVA, which the uapi header spells with the kernel's BIT() */
#define DEV_SVA 0x1

static size_t page_size;

static int uacce_attr(const char *name, const char *attr, char *buf,
		      size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/uacce/%s/%s", name, attr);
	return read_line(path, buf, len);
}

static long uacce_attr_long(const char *name, const char *attr)
{
	char buf[64];
	int rc = uacce_attr(name, attr, buf, sizeof(buf));

	return rc ? rc : strtol(buf, NULL, 0);
}

/* An open, started queue with its ring mapped */
struct queue {
	int fd;
	__u32 pasid;
	struct iommu_sva_test_ring *ring;
	__u32 head;
};

static int queue_open(const char *name, struct queue *q)
{
	char path[PATH_MAX];
	void *ring;

	snprintf(path, sizeof(path), "/dev/%s", name);
	q->fd = open(path, O_RDWR | O_CLOEXEC);
	if (q->fd < 0)
		return -errno;
	if (ioctl(q->fd, UACCE_CMD_START_Q) ||
	    ioctl(q->fd, IOMMU_SVA_TEST_ACCEL_PASID, &q->pasid))
		goto err;
	ring = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    q->fd, UACCE_QFRT_DUS * page_size);
	if (ring == MAP_FAILED)
		goto err;
	q->ring = ring;
	q->head = 0;
	return 0;
err:
	close(q->fd);
	return -errno;
}

static void queue_close(struct queue *q)
{
	munmap(q->ring, page_size);
	close(q->fd);
}

/* Write a job at the head; the doorbell makes it run */
static struct iommu_sva_test_job *queue_add(struct queue *q, __u32 op,
					    const void *src, void *dst,
					    size_t length, int value)
{
	struct iommu_sva_test_job *job =
		&q->ring->jobs[q->head % IOMMU_SVA_TEST_ACCEL_JOBS];

	job->op = op;
	job->result = 1;	/* no result yet */
	job->src = (uintptr_t)src;
	job->dst = (uintptr_t)dst;
	job->length = length;
	job->value = value;
	q->head++;
	__atomic_store_n(&q->ring->head, q->head, __ATOMIC_RELEASE);
	return job;
}

static int queue_doorbell(struct queue *q)
{
	return ioctl(q->fd, IOMMU_SVA_TEST_ACCEL_DOORBELL) ? -errno : 0;
}

/*
 * Wait, with poll() as a library does, until every job submitted is done:
 * the queue polls readable then, and the accelerator wakes the poller.
 */
static int queue_wait_ms(struct queue *q, int timeout)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout);

	if (n < 0)
		return -errno;
	if (!n || !(pfd.revents & POLLIN))
		return -ETIMEDOUT;
	if (__atomic_load_n(&q->ring->tail, __ATOMIC_ACQUIRE) != q->head)
		return -EIO;
	return 0;
}

static int queue_wait(struct queue *q)
{
	return queue_wait_ms(q, 20000);
}

/* Run one job to its end; its result */
static int queue_run(struct queue *q, __u32 op, const void *src, void *dst,
		     size_t length, int value)
{
	struct iommu_sva_test_job *job = queue_add(q, op, src, dst, length,
						   value);
	int rc = queue_doorbell(q);

	if (!rc)
		rc = queue_wait(q);
	return rc ? rc : job->result;
}

/* Fresh memory no one touched: its DMA faults through IOPF */
static void *untouched(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int all_bytes(const void *p, int value, size_t length)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < length; i++)
		if (c[i] != (unsigned char)value)
			return 0;
	return 1;
}

FIXTURE(uacce) {
	int fd;
	__u32 accel;
	__u32 plain;	/* for STATS, which needs a device */
	char name[NAME_MAX + 1];
	struct iommu_sva_test_cmd live;
};

FIXTURE_SETUP(uacce)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	if (self->fd < 0)
		SKIP(return, "no " IOMMU_SVA_TEST_DEV ": CONFIG_IOMMU_SVA_SELFTEST is off");
	test_cmd_dev_create(0, &self->plain);
	ASSERT_EQ(0, _test_cmd_stats(self->fd, self->plain, &self->live));
	if (access(ACCEL_DRIVER, F_OK))
		SKIP(return, "no " ACCEL_DRIVER ": CONFIG_IOMMU_SVA_ACCEL_TEST is off");
	ASSERT_EQ(0, accel_create(self->fd, 20, &self->accel));
	/* The driver is there: an accelerator without uacce is a failure */
	ASSERT_EQ(0, accel_name(self->accel, self->name, sizeof(self->name)));
}

FIXTURE_TEARDOWN(uacce)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Nothing of the tests' queues is alive in the mock driver any more */
#define ASSERT_LIVE_AS_BEFORE()						\
	do {								\
		struct iommu_sva_test_cmd _now;				\
									\
		ASSERT_EQ(0, _test_cmd_stats(self->fd, self->plain, &_now)); \
		ASSERT_TRUE(same_live(&self->live, &_now));		\
	} while (0)

/*
 * What a library reads first: SVA on, our API, the algorithms, the
 * region sizes and the free queues, which each open takes one of.
 */
TEST_F(uacce, sysfs)
{
	char buf[64], path[PATH_MAX], *text;
	struct queue q;

	ASSERT_EQ(DEV_SVA, uacce_attr_long(self->name, "flags"));
	ASSERT_EQ(0, uacce_attr(self->name, "api", buf, sizeof(buf)));
	ASSERT_STREQ(IOMMU_SVA_TEST_ACCEL_API, buf);
	snprintf(path, sizeof(path), "/sys/class/uacce/%s/algorithms",
		 self->name);
	text = read_all(path);
	ASSERT_NE(NULL, text);
	ASSERT_STREQ("copy\nfill\n", text);
	free(text);
	ASSERT_EQ(page_size, uacce_attr_long(self->name, "region_dus_size"));
	ASSERT_EQ(-ENOENT, uacce_attr_long(self->name, "region_mmio_size"));
	ASSERT_EQ(IOMMU_SVA_TEST_ACCEL_QUEUES,
		  uacce_attr_long(self->name, "available_instances"));

	ASSERT_EQ(0, queue_open(self->name, &q));
	ASSERT_EQ(IOMMU_SVA_TEST_ACCEL_QUEUES - 1,
		  uacce_attr_long(self->name, "available_instances"));
	queue_close(&q);
	ASSERT_EQ(IOMMU_SVA_TEST_ACCEL_QUEUES,
		  uacce_attr_long(self->name, "available_instances"));
	ASSERT_LIVE_AS_BEFORE();
}

/*
 * The queue's PASID is the process's, and its jobs reach the process's
 * memory by virtual address, pages never touched included: those fault
 * through the IOPF path, which iommu/faults counts.
 */
TEST_F(uacce, copy_and_fill)
{
	size_t len = 4 * page_size;
	long before[FAULT_COUNTERS], after[FAULT_COUNTERS];
	char *src, *dst, *faults;
	struct queue q;
	size_t i;

	ASSERT_EQ(0, queue_open(self->name, &q));
	ASSERT_EQ(mm_pasid(self->fd), q.pasid);
	ASSERT_NE(PASID_INVALID, q.pasid);

	src = untouched(len);
	dst = untouched(len);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	/* iommu/faults, if CONFIG_IOMMU_DEBUGFS: the accelerator has a line */
	faults = debugfs_read("faults");
	if (faults)
		ASSERT_EQ(0, faults_of(self->accel, before));

	/* Fill pages no one touched, then copy them, unaligned, over more */
	ASSERT_EQ(0, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, src, len,
			       0x5a));
	ASSERT_TRUE(all_bytes(src, 0x5a, len));
	for (i = 0; i < len; i++)
		src[i] = (char)(i * 7 + 1);
	ASSERT_EQ(0, queue_run(&q, IOMMU_SVA_TEST_JOB_COPY, src + 100,
			       dst + 3, len - 200, 0));
	ASSERT_EQ(0, memcmp(src + 100, dst + 3, len - 200));
	ASSERT_TRUE(all_bytes(dst, 0, 3));
	ASSERT_TRUE(all_bytes(dst + 3 + len - 200, 0, 197));

	if (faults) {
		ASSERT_EQ(0, faults_of(self->accel, after));
		/* Reported: at least the 4 + 4 pages first touched */
		ASSERT_LE(before[0] + 2 * 4, after[0]);
		free(faults);
	} else {
		TH_LOG("no iommu/faults in debugfs: faults not counted");
	}

	/* Several jobs at one doorbell, in order */
	queue_add(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, dst, len, 1);
	queue_add(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, dst + page_size,
		  page_size, 2);
	queue_add(&q, IOMMU_SVA_TEST_JOB_COPY, dst, dst + 3 * page_size,
		  page_size, 0);
	ASSERT_EQ(0, queue_doorbell(&q));
	ASSERT_EQ(0, queue_wait(&q));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, q.ring->jobs[(q.head - 3 + i) %
					  IOMMU_SVA_TEST_ACCEL_JOBS].result);
	ASSERT_TRUE(all_bytes(dst, 1, page_size));
	ASSERT_TRUE(all_bytes(dst + page_size, 2, page_size));
	ASSERT_TRUE(all_bytes(dst + 2 * page_size, 1, page_size));
	ASSERT_TRUE(all_bytes(dst + 3 * page_size, 1, page_size));

	queue_close(&q);
	munmap(src, len);
	munmap(dst, len);
	ASSERT_LIVE_AS_BEFORE();
}

/*
 * Bad jobs and requests fail with their errno, and the queue goes on
 * working: an address the process has not mapped, may not access or may
 * not write faults and is answered invalid, which the job reports as
 * -EFAULT.
 */
TEST_F(uacce, bad_jobs)
{
	char *buf, *ro, *none;
	struct queue q;
	void *p;

	/* The ring first, so that it cannot land in the hole */
	ASSERT_EQ(0, queue_open(self->name, &q));
	buf = untouched(2 * page_size);
	ASSERT_NE(NULL, buf);
	ro = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	none = mmap(NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(0, munmap(buf + page_size, page_size));

	ASSERT_EQ(-EINVAL, queue_run(&q, 0, NULL, buf, 8, 0));
	ASSERT_EQ(-EINVAL, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, buf,
				     0, 0));
	ASSERT_EQ(-EINVAL, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, buf,
				     IOMMU_SVA_TEST_MAX_DMA + 1, 0));
	ASSERT_EQ(-EFAULT, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL,
				     buf + page_size, 8, 0));
	ASSERT_EQ(-EFAULT, queue_run(&q, IOMMU_SVA_TEST_JOB_COPY,
				     buf + page_size, buf, 8, 0));
	ASSERT_EQ(-EFAULT, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, ro,
				     8, 1));
	ASSERT_TRUE(all_bytes(ro, 0, page_size));
	ASSERT_EQ(-EFAULT, queue_run(&q, IOMMU_SVA_TEST_JOB_COPY, none, buf,
				     8, 0));
	ASSERT_EQ(-EFAULT, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, none,
				     8, 0));
	/* Partly done: the page before the hole is written */
	ASSERT_EQ(-EFAULT, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL,
				     buf + page_size - 8, 16, 9));
	ASSERT_TRUE(all_bytes(buf + page_size - 8, 9, 8));
	ASSERT_EQ(0, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, buf, 8, 3));
	ASSERT_TRUE(all_bytes(buf, 3, 8));
	/* A head beyond what the ring holds runs nothing, not even the job */
	queue_add(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, buf, 8, 7);
	q.head--;
	__atomic_store_n(&q.ring->head, q.head + IOMMU_SVA_TEST_ACCEL_JOBS + 1,
			 __ATOMIC_RELEASE);
	ASSERT_EQ(0, queue_doorbell(&q));
	ASSERT_EQ(-ETIMEDOUT, queue_wait_ms(&q, 500));
	ASSERT_EQ(q.head, q.ring->tail);
	ASSERT_TRUE(all_bytes(buf, 3, 8));
	ASSERT_EQ(0, queue_run(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, buf, 8, 5));
	ASSERT_EQ(q.head, q.ring->tail);
	ASSERT_TRUE(all_bytes(buf, 5, 8));

	/* Requests of the queue */
	ASSERT_EQ(-1, ioctl(q.fd, _IO('W', 0x4f)));
	ASSERT_EQ(ENOTTY, errno);
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, q.fd,
		 UACCE_QFRT_MMIO * page_size);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, q.fd,
		 UACCE_QFRT_DUS * page_size);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EEXIST, errno);
	/* Stopped, the doorbell is refused and the jobs wait */
	ASSERT_EQ(0, ioctl(q.fd, UACCE_CMD_PUT_Q));
	queue_add(&q, IOMMU_SVA_TEST_JOB_FILL, NULL, buf, 8, 4);
	ASSERT_EQ(-EINVAL, queue_doorbell(&q));
	ASSERT_TRUE(all_bytes(buf, 5, 8));
	queue_close(&q);

	/* A ring of the wrong size */
	ASSERT_EQ(0, queue_open(self->name, &q));
	p = mmap(NULL, 2 * page_size, PROT_READ, MAP_SHARED, q.fd,
		 UACCE_QFRT_DUS * page_size);
	ASSERT_EQ(MAP_FAILED, p);
	queue_close(&q);
	munmap(buf, page_size);
	munmap(ro, page_size);
	munmap(none, page_size);
	ASSERT_LIVE_AS_BEFORE();
}

/* A queue each, until none is left: then open fails and changes nothing */
TEST_F(uacce, queues_run_out)
{
	struct queue q[IOMMU_SVA_TEST_ACCEL_QUEUES + 1];
	char *buf = untouched(page_size);
	int i;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < IOMMU_SVA_TEST_ACCEL_QUEUES; i++) {
		ASSERT_EQ(0, queue_open(self->name, &q[i]));
		ASSERT_EQ(q[0].pasid, q[i].pasid);
	}
	ASSERT_EQ(0, uacce_attr_long(self->name, "available_instances"));
	ASSERT_EQ(-EBUSY, queue_open(self->name, &q[i]));
	ASSERT_EQ(-EBUSY, queue_open(self->name, &q[i]));
	/* The queues open still work, each on its own ring */
	for (i = 0; i < IOMMU_SVA_TEST_ACCEL_QUEUES; i++) {
		ASSERT_EQ(0, queue_run(&q[i], IOMMU_SVA_TEST_JOB_FILL, NULL,
				       buf + i * 8, 8, 0x10 + i));
		ASSERT_EQ(1, q[i].ring->tail);
	}
	for (i = 0; i < IOMMU_SVA_TEST_ACCEL_QUEUES; i++) {
		ASSERT_TRUE(all_bytes(buf + i * 8, 0x10 + i, 8));
		queue_close(&q[i]);
	}
	ASSERT_EQ(IOMMU_SVA_TEST_ACCEL_QUEUES,
		  uacce_attr_long(self->name, "available_instances"));
	munmap(buf, page_size);
	ASSERT_LIVE_AS_BEFORE();
}

/*
 * Processes at once, each with its own queue and PASID, at the same
 * virtual address holding different bytes: each job reaches its own
 * process's memory only.
 */
TEST_F(uacce, processes)
{
	const int n = 3;
	size_t len = 8 * page_size;
	char *buf = untouched(len);
	int i, status;

	ASSERT_NE(NULL, buf);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			struct queue q;
			int ok = 1, j;

			memset(buf, 'a' + i, len / 2);
			if (queue_open(self->name, &q))
				_exit(2);
			for (j = 0; j < 4 && ok; j++) {
				ok = !queue_run(&q, IOMMU_SVA_TEST_JOB_COPY,
						buf, buf + len / 2, len / 2, 0);
				ok = ok && all_bytes(buf + len / 2, 'a' + i,
						     len / 2);
				ok = ok && !queue_run(&q,
						      IOMMU_SVA_TEST_JOB_FILL,
						      NULL, buf + len / 2,
						      len / 2, 0);
			}
			/* The PASID is this process's own */
			ok = ok && q.pasid == mm_pasid(self->fd);
			_exit(ok ? 0 : 1);
		}
	}
	for (i = 0; i < n; i++) {
		ASSERT_LT(0, wait(&status));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	/* Ours was never touched */
	ASSERT_TRUE(all_bytes(buf, 0, len));
	munmap(buf, len);
	ASSERT_LIVE_AS_BEFORE();
}

/*
 * A child inherits the queue's file but not its ring (uacce maps it
 * VM_DONTCOPY), and its own queue has its own PASID and reaches the
 * child's copy of memory: the parent's bytes and the child's differ, so
 * a queue that reached the wrong process would copy the wrong ones.
 */
TEST_F(uacce, fork)
{
	char *src = untouched(page_size), *dst = untouched(page_size);
	struct queue q;
	int status;
	pid_t pid;

	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_EQ(0, queue_open(self->name, &q));
	memset(src, 'P', page_size);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned char vec;
		struct queue cq;

		memset(src, 'C', page_size);
		/* No ring here */
		if (mincore(q.ring, page_size, &vec) != -1 || errno != ENOMEM)
			_exit(1);
		if (queue_open(self->name, &cq) || cq.pasid == q.pasid)
			_exit(2);
		if (queue_run(&cq, IOMMU_SVA_TEST_JOB_COPY, src, dst,
			      page_size, 0) || !all_bytes(dst, 'C', page_size))
			_exit(3);
		queue_close(&cq);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_TRUE(all_bytes(dst, 0, page_size));
	ASSERT_EQ(0, queue_run(&q, IOMMU_SVA_TEST_JOB_COPY, src, dst,
			       page_size, 0));
	ASSERT_TRUE(all_bytes(dst, 'P', page_size));
	queue_close(&q);
	munmap(src, page_size);
	munmap(dst, page_size);
	ASSERT_LIVE_AS_BEFORE();
}

/* Fill the ring with long jobs over untouched memory, and ring */
static int queue_fill_ring(struct queue *q, char *buf, size_t len)
{
	int i;

	for (i = 0; i < IOMMU_SVA_TEST_ACCEL_JOBS; i++)
		queue_add(q, IOMMU_SVA_TEST_JOB_FILL, NULL,
			  buf + (i % (len / MB)) * MB, MB, i);
	return queue_doorbell(q);
}

/*
 * Close, and exit, while jobs run: release stops the queue, which waits
 * for the job running, before uacce unbinds the PASID; nothing stays. A
 * stop that did not wait would show as a use-after-free of the queue
 * (KASAN): the unbind's detach waits for the DMA itself.
 */
TEST_F(uacce, close_in_flight)
{
	size_t len = 4 * MB;
	char *buf = untouched(len), *copy = malloc(len);
	struct queue q;
	int status, i;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, queue_open(self->name, &q));
	ASSERT_EQ(0, queue_fill_ring(&q, buf, len));
	/* In flight: 32 MiB of faults take seconds */
	ASSERT_NE(q.head, __atomic_load_n(&q.ring->tail, __ATOMIC_ACQUIRE));
	queue_close(&q);
	ASSERT_LIVE_AS_BEFORE();
	/* The queue stopped: nothing is written any more */
	memcpy(copy, buf, len);
	usleep(200000);
	ASSERT_EQ(0, memcmp(copy, buf, len));
	free(copy);
	munmap(buf, len);

	/* The same from a process that exits with its queue open */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		buf = untouched(len);
		if (!buf || queue_open(self->name, &q) ||
		    queue_fill_ring(&q, buf, len))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/*
	 * The ring's mapping holds the file, so the release comes with the
	 * last reference to the child's mm, which the device's DMA or the
	 * fault handler may hold a while after the exit: wait for it.
	 */
	for (i = 0; i < 100; i++) {
		struct iommu_sva_test_cmd now;

		ASSERT_EQ(0, _test_cmd_stats(self->fd, self->plain, &now));
		if (now.stats.sva_domains == self->live.stats.sva_domains &&
		    uacce_attr_long(self->name, "available_instances") ==
		    IOMMU_SVA_TEST_ACCEL_QUEUES)
			break;
		usleep(100000);
	}
	ASSERT_EQ(IOMMU_SVA_TEST_ACCEL_QUEUES,
		  uacce_attr_long(self->name, "available_instances"));
	ASSERT_LIVE_AS_BEFORE();
}

static sigjmp_buf bus_jmp;

/* A library's thread waiting for its jobs when the device goes */
struct poller {
	int fd;
	int n;
	short revents;
	pid_t tid;
	struct timespec woken;
};

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t->tv_sec + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Wait until the poller sleeps in poll(): its wchan says so */
static int poller_asleep(struct poller *p)
{
	char path[64], wchan[64];
	int i;

	for (i = 0; i < 200; i++) {
		pid_t tid = __atomic_load_n(&p->tid, __ATOMIC_ACQUIRE);

		snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
		if (tid && !read_line(path, wchan, sizeof(wchan)) &&
		    strstr(wchan, "poll"))
			return 1;
		usleep(50000);
	}
	return 0;
}

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	__atomic_store_n(&p->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	/* At its timeout poll() looks once more: wake-ups come far sooner */
	p->n = poll(&pfd, 1, 20000);
	clock_gettime(CLOCK_MONOTONIC, &p->woken);
	p->revents = pfd.revents;
	return NULL;
}

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/*
 * The device is removed while queues are open and jobs run (uacce's
 * hot-unplug): its queues are stopped and unbound at once, the rings
 * unmapped, pollers woken with POLLHUP, and the files, still open, only
 * fail until they are closed. Stopping a queue with a job faulting while
 * the process may mmap() is where uacce had a lock-order inversion, which
 * lockdep reports on the console.
 */
TEST_F(uacce, unplug)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	struct pollfd pfd = { .events = POLLIN };
	size_t len = 4 * MB;
	char *buf = untouched(len), path[PATH_MAX];
	struct queue q, idle, stalled;
	struct timespec unplugged;
	struct poller poller;
	pthread_t thread;
	int faulted = 0;
	__u32 tail = 0;
	void *p;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, queue_open(self->name, &q));
	ASSERT_EQ(0, queue_open(self->name, &idle));
	ASSERT_EQ(0, queue_fill_ring(&q, buf, len));
	/* A job that cannot run: its poller waits until the unplug */
	ASSERT_EQ(0, queue_open(self->name, &stalled));
	ASSERT_EQ(0, ioctl(stalled.fd, UACCE_CMD_PUT_Q));
	queue_add(&stalled, IOMMU_SVA_TEST_JOB_FILL, NULL, buf, 8, 1);
	poller.fd = stalled.fd;
	poller.tid = 0;
	ASSERT_EQ(0, pthread_create(&thread, NULL, poll_thread, &poller));
	ASSERT_TRUE(poller_asleep(&poller));

	clock_gettime(CLOCK_MONOTONIC, &unplugged);
	test_cmd_dev_destroy(self->accel);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(1, poller.n);
	ASSERT_EQ(POLLERR | POLLHUP, poller.revents);
	/* Woken by the unplug, not by its timeout */
	ASSERT_GT(10.0, seconds_since(&unplugged) - seconds_since(&poller.woken));
	queue_close(&stalled);

	snprintf(path, sizeof(path), "/dev/%s", self->name);
	ASSERT_EQ(-1, access(path, F_OK));
	/* Unbound already, with the files open */
	ASSERT_LIVE_AS_BEFORE();

	ASSERT_EQ(-1, ioctl(q.fd, IOMMU_SVA_TEST_ACCEL_DOORBELL));
	ASSERT_EQ(ENXIO, errno);
	ASSERT_EQ(-1, ioctl(idle.fd, UACCE_CMD_START_Q));
	ASSERT_EQ(ENXIO, errno);
	pfd.fd = q.fd;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(POLLERR | POLLHUP, pfd.revents);
	munmap(idle.ring, page_size);
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, idle.fd,
		 UACCE_QFRT_DUS * page_size);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(ENXIO, errno);

	/* The ring is gone from under its mapping */
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	if (!sigsetjmp(bus_jmp, 1))
		tail = __atomic_load_n(&q.ring->tail, __ATOMIC_RELAXED);
	else
		faulted = 1;
	ASSERT_EQ(0, sigaction(SIGBUS, &old, NULL));
	ASSERT_TRUE(faulted) TH_LOG("the ring is still mapped, tail %u", tail);

	queue_close(&q);
	close(idle.fd);
	munmap(buf, len);
	ASSERT_LIVE_AS_BEFORE();
}

/* A device without PASIDs gets no uacce device: the driver refuses it */
TEST_F(uacce, no_pasid)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	__u32 dev;

	ASSERT_EQ(0, accel_create(self->fd, 0, &dev));
	ASSERT_EQ(-ENOENT, accel_name(dev, name, sizeof(name)));
	snprintf(path, sizeof(path), MOCK_DEVICES "/mock%u/driver", dev);
	ASSERT_EQ(-1, access(path, F_OK));
	test_cmd_dev_destroy(dev);
	ASSERT_LIVE_AS_BEFORE();
}

TEST_HARNESS_MAIN
