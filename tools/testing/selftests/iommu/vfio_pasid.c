// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO type1 with mediated devices isolated by a PASID of their parent:
 * the test mdev driver (CONFIG_IOMMU_SVA_MDEV_TEST) registers mock devices
 * created with IOMMU_SVA_TEST_DEV_MDEV as mdev parents, and these tests use
 * the mediated devices only as a user-space driver does: sysfs to create
 * and remove them, then the VFIO uAPI of 6.1 (container, groups,
 * VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA, device regions). The mock file is
 * used only to create the parents, to read what the mock IOMMU saw
 * (COUNTERS) and to make it fail, and debugfs's iommu/pasids to see that
 * nothing is left allocated.
 *
 * The mock file is opened first: at exit the kernel releases a process's
 * files last opened first, so the VFIO files are gone before the mock
 * file's release removes the parents, which waits for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "iommu_utils.h"

#define MDEV_DEVICES "/sys/bus/mdev/devices"
#define REG(name) offsetof(struct iommu_sva_test_mdev_regs, name)

static size_t page_size;

/* A mediated device: sysfs name, group, and the files a user holds */
struct mdev {
	char uuid[40];
	int group;		/* the group's number */
	int group_fd;
	int fd;			/* the device */
	__u64 region;		/* offset of region 0 in the device file */
};

static void mdev_init(struct mdev *m)
{
	memset(m, 0, sizeof(*m));
	m->group_fd = -1;
	m->fd = -1;
}

/* Create a mediated device of mock parent @parent; 0 or -errno */
static int mdev_create(__u32 parent, struct mdev *m)
{
	static unsigned int count;
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	int rc;

	mdev_init(m);
	snprintf(m->uuid, sizeof(m->uuid), "%08x-0000-4000-8000-%012x",
		 getpid(), ++count);
	/* On the bus of mock IOMMU 0, else of 1 */
	snprintf(path, sizeof(path),
		 MOCK_DEVICES "/mock%u/mdev_supported_types/%s/create", parent,
		 IOMMU_SVA_TEST_MDEV_TYPE);
	if (access(path, F_OK))
		snprintf(path, sizeof(path), "/sys/bus/" IOMMU_SVA_TEST_BUS
			 "2/devices/mock%u/mdev_supported_types/%s/create",
			 parent, IOMMU_SVA_TEST_MDEV_TYPE);
	rc = write_file(path, m->uuid);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/iommu_group", m->uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	m->group = atoi(strrchr(link, '/') + 1);
	return 0;
}

static int mdev_remove(struct mdev *m)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MDEV_DEVICES "/%s/remove", m->uuid);
	return write_file(path, "1");
}

static int open_group(struct mdev *m)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", m->group);
	m->group_fd = open(path, O_RDWR);
	if (m->group_fd < 0)
		return -errno;
	if (ioctl(m->group_fd, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	return status.flags & VFIO_GROUP_FLAGS_VIABLE ? 0 : -EPERM;
}

static int set_container(struct mdev *m, int container)
{
	return ioctl(m->group_fd, VFIO_GROUP_SET_CONTAINER, &container) ?
	       -errno : 0;
}

static int unset_container(struct mdev *m)
{
	return ioctl(m->group_fd, VFIO_GROUP_UNSET_CONTAINER) ? -errno : 0;
}

static int set_iommu_type(int container, unsigned long type)
{
	return ioctl(container, VFIO_SET_IOMMU, type) ? -errno : 0;
}

static int set_iommu(int container)
{
	return set_iommu_type(container, VFIO_TYPE1v2_IOMMU);
}

static int open_device(struct mdev *m)
{
	struct vfio_region_info region = { .argsz = sizeof(region) };
	struct vfio_device_info info = { .argsz = sizeof(info) };

	m->fd = ioctl(m->group_fd, VFIO_GROUP_GET_DEVICE_FD, m->uuid);
	if (m->fd < 0)
		return -errno;
	if (ioctl(m->fd, VFIO_DEVICE_GET_INFO, &info))
		return -errno;
	if (!(info.flags & VFIO_DEVICE_FLAGS_PLATFORM) ||
	    info.num_regions != 1)
		return -EINVAL;
	if (ioctl(m->fd, VFIO_DEVICE_GET_REGION_INFO, &region))
		return -errno;
	if (region.size != IOMMU_SVA_TEST_MDEV_REGION_SIZE)
		return -EINVAL;
	m->region = region.offset;
	return 0;
}

/* Group into @container (which gets type1 if it has no IOMMU), device */
static int mdev_open(struct mdev *m, int container, int set_type1)
{
	int rc = open_group(m);

	if (!rc)
		rc = set_container(m, container);
	if (!rc && set_type1)
		rc = set_iommu(container);
	if (!rc)
		rc = open_device(m);
	return rc;
}

static void mdev_close(struct mdev *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->group_fd >= 0)
		close(m->group_fd);
	m->fd = -1;
	m->group_fd = -1;
}

static int reg_write(struct mdev *m, size_t reg, __u64 val, size_t size)
{
	__u32 v32 = val;

	if (pwrite(m->fd, size == 4 ? (void *)&v32 : (void *)&val, size,
		   m->region + reg) != (ssize_t)size)
		return -errno;
	return 0;
}

static struct iommu_sva_test_mdev_regs regs_of(struct mdev *m)
{
	struct iommu_sva_test_mdev_regs regs;

	memset(&regs, 0xff, sizeof(regs));
	if (pread(m->fd, &regs, sizeof(regs), m->region) != sizeof(regs))
		regs.status = -errno;
	return regs;
}

static __u32 mdev_pasid(struct mdev *m)
{
	return regs_of(m).pasid;
}

/* Start a DMA; @write: the device writes memory */
static int dma_start(struct mdev *m, __u64 iova, __u32 len, int write,
		     __u32 delay_us)
{
	int rc = reg_write(m, REG(iova), iova, 8);

	if (!rc)
		rc = reg_write(m, REG(length), len, 4);
	if (!rc)
		rc = reg_write(m, REG(flags),
			       write ? IOMMU_SVA_TEST_MDEV_WRITE : 0, 4);
	if (!rc)
		rc = reg_write(m, REG(delay_us), delay_us, 4);
	if (!rc)
		rc = reg_write(m, REG(doorbell), 1, 4);
	return rc;
}

/* The status the DMA ended with, after at most 10 s */
static int dma_wait(struct mdev *m)
{
	int i, status;

	for (i = 0; i < 10000; i++) {
		status = regs_of(m).status;
		if (status != IOMMU_SVA_TEST_MDEV_BUSY)
			return status;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static int dma(struct mdev *m, __u64 iova, __u32 len, int write)
{
	int rc = dma_start(m, iova, len, write, 0);

	return rc ? rc : dma_wait(m);
}

static int dev_mem_write(struct mdev *m, const void *buf, size_t len)
{
	return pwrite(m->fd, buf, len, m->region + IOMMU_SVA_TEST_MDEV_BUF) ==
	       (ssize_t)len ? 0 : -errno;
}

static int dev_mem_read(struct mdev *m, void *buf, size_t len)
{
	return pread(m->fd, buf, len, m->region + IOMMU_SVA_TEST_MDEV_BUF) ==
	       (ssize_t)len ? 0 : -errno;
}

static int map_dma(int container, void *vaddr, __u64 iova, __u64 size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

static int unmap_dma(int container, __u64 iova, __u64 size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return unmap.size == size ? 0 : -EIO;
}

/* VFIO_DMA_UNMAP_FLAG_VADDR: the mapping stays, its vaddr goes */
static int unmap_vaddr(int container, __u64 iova, __u64 size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = VFIO_DMA_UNMAP_FLAG_VADDR,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
}

/* Lines of debugfs's iommu/pasids naming mock device @dev at @pasid */
static int pasid_lines(__u32 dev, __u32 pasid)
{
	char *text = debugfs_read("pasids"), want[64];
	const char *p;
	int n = 0;

	if (!text)
		return -ENOENT;
	snprintf(want, sizeof(want), "\n%u mock%u ", pasid, dev);
	for (p = text - 1; (p = strstr(p + 1, want)); )
		n++;
	/* The first line has no newline before it */
	snprintf(want, sizeof(want), "%u mock%u ", pasid, dev);
	if (!strncmp(text, want, strlen(want)))
		n++;
	free(text);
	return n;
}

/* All lines of debugfs's iommu/pasids */
static int pasids_in_use(void)
{
	char *text = debugfs_read("pasids");
	int n = 0;
	char *p;

	if (!text)
		return -ENOENT;
	for (p = text; *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

FIXTURE(vfio_pasid) {
	int fd;
	__u32 parent, parent2;
	char *buf, *buf2;
	int container, container2;
	struct mdev a, b;
	int pasids;
};

FIXTURE_SETUP(vfio_pasid)
{
	int rc;

	page_size = sysconf(_SC_PAGESIZE);
	self->container = -1;
	self->container2 = -1;
	mdev_init(&self->a);
	mdev_init(&self->b);
	self->fd = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s missing: CONFIG_IOMMU_SVA_SELFTEST is off",
		     IOMMU_SVA_TEST_DEV);
	ASSERT_LE(0, self->fd);
	if (access("/sys/bus/" IOMMU_SVA_TEST_BUS "/drivers/"
		   IOMMU_SVA_TEST_MDEV_DRIVER, F_OK))
		SKIP(return, "no test mdev driver: CONFIG_IOMMU_SVA_MDEV_TEST is off");
	self->pasids = pasids_in_use();
	ASSERT_LE(0, self->pasids);
	rc = sva_cmd_dev_create_flags(self->fd, 20, IOMMU_SVA_TEST_DEV_MDEV,
				      &self->parent);
	ASSERT_EQ(0, rc);
	self->buf = mmap(NULL, 16 * page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	self->buf2 = mmap(NULL, 16 * page_size, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_NE(MAP_FAILED, self->buf2);
	self->container = open("/dev/vfio/vfio", O_RDWR);
	self->container2 = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, self->container);
	ASSERT_LE(0, self->container2);
	ASSERT_EQ(VFIO_API_VERSION, ioctl(self->container, VFIO_GET_API_VERSION));
	ASSERT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
}

FIXTURE_TEARDOWN(vfio_pasid)
{
	mdev_close(&self->a);
	mdev_close(&self->b);
	if (self->container >= 0)
		close(self->container);
	if (self->container2 >= 0)
		close(self->container2);
	/* Removes the parents, and with them their mediated devices */
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Two devices of one parent in one container: both reach the container's
 * mappings, through one PASID, which the IOMMU sees a domain at; an unmap
 * flushes the IOTLB before it returns and then the DMA fails; closing
 * everything leaves nothing attached or allocated.
 */
TEST_F(vfio_pasid, map_dma_unmap)
{
	struct vfio_iommu_type1_info *info;
	struct iommu_sva_test_cmd before, after;
	char data[256], back[256];
	__u64 iova = 0x100000;
	__u32 pasid;
	char ibuf[512];

	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, mdev_create(self->parent, &self->b));
	ASSERT_NE(self->a.group, self->b.group);
	ASSERT_EQ(0, mdev_open(&self->a, self->container, 1));
	ASSERT_EQ(0, mdev_open(&self->b, self->container, 0));

	/* The IOMMU's page sizes and an IOVA range, as for any device */
	info = (void *)ibuf;
	memset(ibuf, 0, sizeof(ibuf));
	info->argsz = sizeof(ibuf);
	ASSERT_EQ(0, ioctl(self->container, VFIO_IOMMU_GET_INFO, info));
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	ASSERT_EQ(page_size, info->iova_pgsizes & -info->iova_pgsizes);
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_CAPS);

	/* One PASID for the parent's devices in one container */
	pasid = mdev_pasid(&self->a);
	ASSERT_NE(PASID_INVALID, pasid);
	ASSERT_NE(0, pasid);
	ASSERT_EQ(pasid, mdev_pasid(&self->b));
	ASSERT_EQ(1, pasid_lines(self->parent, pasid));
	ASSERT_EQ(self->pasids + 1, pasids_in_use());

	/* Nothing mapped yet */
	ASSERT_EQ(-EFAULT, dma(&self->a, iova, 8, 0));
	/* A vendor driver may pin: the vaddr of its mappings stays valid */
	ASSERT_EQ(0, map_dma(self->container, self->buf, iova, page_size));
	ASSERT_EQ(-EBUSY, unmap_vaddr(self->container, iova, page_size));
	ASSERT_EQ(0, unmap_dma(self->container, iova, page_size));

	ASSERT_EQ(0, map_dma(self->container, self->buf, iova,
			     4 * page_size));
	/* Device a writes memory, across a page boundary */
	memset(data, 0x5a, sizeof(data));
	ASSERT_EQ(0, dev_mem_write(&self->a, data, sizeof(data)));
	ASSERT_EQ(0, dma(&self->a, iova + page_size - 100, sizeof(data), 1));
	ASSERT_EQ(0, memcmp(self->buf + page_size - 100, data, sizeof(data)));
	ASSERT_EQ(sizeof(data), regs_of(&self->a).done);
	/* Device b reads what the CPU wrote */
	memset(self->buf + 2 * page_size, 0xc3, sizeof(data));
	ASSERT_EQ(0, dma(&self->b, iova + 2 * page_size, sizeof(data), 0));
	ASSERT_EQ(0, dev_mem_read(&self->b, back, sizeof(back)));
	memset(data, 0xc3, sizeof(data));
	ASSERT_EQ(0, memcmp(back, data, sizeof(data)));
	/* Outside the mapping */
	ASSERT_EQ(-EFAULT, dma(&self->b, iova + 4 * page_size, 8, 0));

	/*
	 * The unmap flushed the IOTLB before it returned. The mock's paging
	 * domains cache nothing, so the DMA failing after it does not show
	 * the flush; the domain's count of IOTLB syncs does.
	 */
	ASSERT_EQ(0, _test_cmd_counters(self->fd, self->parent, pasid,
					&before));
	ASSERT_EQ(0, unmap_dma(self->container, iova, 4 * page_size));
	ASSERT_EQ(0, _test_cmd_counters(self->fd, self->parent, pasid,
					&after));
	ASSERT_LT(before.counters.inv_range, after.counters.inv_range);
	ASSERT_EQ(-EFAULT, dma(&self->a, iova, 8, 0));
	ASSERT_EQ(-EFAULT, dma(&self->b, iova, 8, 1));

	/* The PASID stays while one device of the parent is in */
	mdev_close(&self->a);
	ASSERT_EQ(pasid, mdev_pasid(&self->b));
	ASSERT_EQ(1, pasid_lines(self->parent, pasid));
	mdev_close(&self->b);
	ASSERT_EQ(0, pasid_lines(self->parent, pasid));
	ASSERT_EQ(-ENODEV, _test_cmd_counters(self->fd, self->parent, pasid,
					      &after));
	ASSERT_EQ(self->pasids, pasids_in_use());
}

/*
 * Isolation, the reason this exists: devices of one parent in two
 * containers get two PASIDs; the same IOVA reaches two buffers; an IOVA
 * mapped only in one container is out of reach of the other's device.
 */
TEST_F(vfio_pasid, isolation)
{
	__u64 iova = 0x200000, only_b = 0x800000;
	char data[64];

	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, mdev_create(self->parent, &self->b));
	ASSERT_EQ(0, mdev_open(&self->a, self->container, 1));
	ASSERT_EQ(0, mdev_open(&self->b, self->container2, 1));
	ASSERT_NE(mdev_pasid(&self->a), mdev_pasid(&self->b));
	ASSERT_EQ(self->pasids + 2, pasids_in_use());

	ASSERT_EQ(0, map_dma(self->container, self->buf, iova, page_size));
	ASSERT_EQ(0, map_dma(self->container2, self->buf2, iova, page_size));
	ASSERT_EQ(0, map_dma(self->container2, self->buf2 + page_size, only_b,
			     page_size));

	memset(data, 0xaa, sizeof(data));
	ASSERT_EQ(0, dev_mem_write(&self->a, data, sizeof(data)));
	memset(data, 0xbb, sizeof(data));
	ASSERT_EQ(0, dev_mem_write(&self->b, data, sizeof(data)));
	ASSERT_EQ(0, dma(&self->a, iova, sizeof(data), 1));
	ASSERT_EQ(0, dma(&self->b, iova, sizeof(data), 1));
	ASSERT_EQ((char)0xaa, self->buf[0]);
	ASSERT_EQ((char)0xaa, self->buf[sizeof(data) - 1]);
	ASSERT_EQ((char)0xbb, self->buf2[0]);
	ASSERT_EQ((char)0xbb, self->buf2[sizeof(data) - 1]);

	/* a cannot reach b's memory, in either direction */
	ASSERT_EQ(-EFAULT, dma(&self->a, only_b, 8, 1));
	ASSERT_EQ(-EFAULT, dma(&self->a, only_b, 8, 0));
	ASSERT_EQ(0, self->buf2[page_size]);
	ASSERT_EQ(0, dma(&self->b, only_b, 8, 1));
	ASSERT_EQ((char)0xbb, self->buf2[page_size]);

	/* Unmapping in one container leaves the other's mapping */
	ASSERT_EQ(0, unmap_dma(self->container, iova, page_size));
	ASSERT_EQ(-EFAULT, dma(&self->a, iova, 8, 0));
	ASSERT_EQ(0, dma(&self->b, iova, 8, 0));

	mdev_close(&self->a);
	mdev_close(&self->b);
	ASSERT_EQ(self->pasids, pasids_in_use());
}

/*
 * A second parent of the same IOMMU joins the container's domain at a
 * PASID of its own, and reaches the mappings made before it joined; a
 * container that lost its last group starts again from nothing.
 */
TEST_F(vfio_pasid, join_after_map)
{
	__u64 iova = 0x300000;
	char data[32];

	ASSERT_EQ(0, sva_cmd_dev_create_flags(self->fd, 20,
					      IOMMU_SVA_TEST_DEV_MDEV,
					      &self->parent2));
	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, mdev_create(self->parent2, &self->b));
	ASSERT_EQ(0, mdev_open(&self->a, self->container, 1));
	ASSERT_EQ(0, map_dma(self->container, self->buf, iova, page_size));
	mdev_close(&self->a);
	ASSERT_EQ(self->pasids, pasids_in_use());

	/* The container lost its IOMMU with its last group: start again */
	ASSERT_EQ(0, mdev_open(&self->a, self->container, 1));
	ASSERT_EQ(0, map_dma(self->container, self->buf, iova, page_size));
	ASSERT_EQ(0, mdev_open(&self->b, self->container, 0));
	ASSERT_NE(mdev_pasid(&self->a), mdev_pasid(&self->b));
	ASSERT_EQ(1, pasid_lines(self->parent2, mdev_pasid(&self->b)));
	memset(data, 0x11, sizeof(data));
	ASSERT_EQ(0, dev_mem_write(&self->b, data, sizeof(data)));
	ASSERT_EQ(0, dma(&self->b, iova, sizeof(data), 1));
	ASSERT_EQ(0x11, self->buf[0]);
	/* One domain: the unmap reaches both PASIDs */
	ASSERT_EQ(0, unmap_dma(self->container, iova, page_size));
	ASSERT_EQ(-EFAULT, dma(&self->a, iova, 8, 0));
	ASSERT_EQ(-EFAULT, dma(&self->b, iova, 8, 0));
}

/* Each refusal gives its errno and leaves nothing attached or allocated */
TEST_F(vfio_pasid, refusals)
{
	struct iommu_sva_test_cmd cmd = {};
	__u32 nopasid, other, narrow, held;
	struct mdev c;

	/* A parent without PASIDs: the device cannot be created */
	ASSERT_EQ(0, sva_cmd_dev_create_flags(self->fd, 0,
					      IOMMU_SVA_TEST_DEV_MDEV,
					      &nopasid));
	ASSERT_EQ(-EOPNOTSUPP, mdev_create(nopasid, &c));

	/* No free PASID below the parent's limit (2: PASID 1 only) */
	ASSERT_EQ(0, sva_cmd_dev_create_flags(self->fd, 1,
					      IOMMU_SVA_TEST_DEV_MDEV,
					      &narrow));
	ASSERT_EQ(0, mdev_create(narrow, &self->b));
	ASSERT_EQ(0, open_group(&self->b));
	if (_test_cmd_pasid_alloc(self->fd, narrow, &held))
		held = PASID_INVALID;	/* someone else has PASID 1 */
	ASSERT_EQ(0, set_container(&self->b, self->container2));
	ASSERT_EQ(-ENOSPC, set_iommu(self->container2));
	ASSERT_EQ(self->pasids + (held != PASID_INVALID), pasids_in_use());
	if (held != PASID_INVALID) {
		ASSERT_EQ(1, held);
		ASSERT_EQ(0, _test_cmd_pasid_free(self->fd, held));
		ASSERT_EQ(0, set_iommu(self->container2));
		ASSERT_EQ(1, pasid_lines(narrow, 1));
	}
	mdev_close(&self->b);
	ASSERT_EQ(self->pasids, pasids_in_use());

	/* The parent's IOMMU refuses to attach at the PASID */
	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, open_group(&self->a));
	ASSERT_EQ(0, set_container(&self->a, self->container));
	test_cmd_fail_next(self->parent, IOMMU_SVA_TEST_FAIL_SET_DEV_PASID,
			   EOPNOTSUPP);
	ASSERT_EQ(-EOPNOTSUPP, set_iommu(self->container));
	ASSERT_EQ(self->pasids, pasids_in_use());
	ASSERT_EQ(0, set_iommu(self->container));
	ASSERT_EQ(0, open_device(&self->a));

	/*
	 * A second parent of the same IOMMU whose attach fails: the error of
	 * the driver, or -EXDEV when the driver says the domain is not for
	 * it (-EINVAL, another instance of itself)
	 */
	ASSERT_EQ(0, sva_cmd_dev_create_flags(self->fd, 20,
					      IOMMU_SVA_TEST_DEV_MDEV,
					      &self->parent2));
	ASSERT_EQ(0, mdev_create(self->parent2, &c));
	ASSERT_EQ(0, open_group(&c));
	test_cmd_fail_next(self->parent2, IOMMU_SVA_TEST_FAIL_SET_DEV_PASID,
			   EOPNOTSUPP);
	ASSERT_EQ(-EOPNOTSUPP, set_container(&c, self->container));
	test_cmd_fail_next(self->parent2, IOMMU_SVA_TEST_FAIL_SET_DEV_PASID,
			   EINVAL);
	ASSERT_EQ(-EXDEV, set_container(&c, self->container));
	ASSERT_EQ(self->pasids + 1, pasids_in_use());
	ASSERT_EQ(0, set_container(&c, self->container));
	ASSERT_EQ(self->pasids + 2, pasids_in_use());
	mdev_close(&c);
	ASSERT_EQ(self->pasids + 1, pasids_in_use());

	/* A nesting container: its domain is no PASID's */
	ASSERT_EQ(0, mdev_create(self->parent2, &c));
	ASSERT_EQ(0, open_group(&c));
	ASSERT_EQ(0, set_container(&c, self->container2));
	ASSERT_EQ(-EOPNOTSUPP, set_iommu_type(self->container2,
					      VFIO_TYPE1_NESTING_IOMMU));
	ASSERT_EQ(self->pasids + 1, pasids_in_use());
	mdev_close(&c);

	/* A container whose only domain is of another IOMMU */
	cmd.dev_create.pasid_bits = 20;
	cmd.dev_create.iommu = 1;
	cmd.dev_create.flags = IOMMU_SVA_TEST_DEV_MDEV;
	ASSERT_EQ(0, sva_cmd(self->fd, IOMMU_SVA_TEST_OP_DEV_CREATE, &cmd));
	other = cmd.dev_id;
	ASSERT_EQ(0, mdev_create(other, &self->b));
	ASSERT_EQ(0, open_group(&self->b));
	ASSERT_EQ(-EXDEV, set_container(&self->b, self->container));
	ASSERT_EQ(self->pasids + 1, pasids_in_use());
	/* It is fine in a container of its own */
	ASSERT_EQ(0, set_container(&self->b, self->container2));
	ASSERT_EQ(0, set_iommu(self->container2));
	ASSERT_EQ(0, open_device(&self->b));
	ASSERT_EQ(self->pasids + 2, pasids_in_use());
	mdev_close(&self->b);
	mdev_close(&self->a);
	ASSERT_EQ(self->pasids, pasids_in_use());
}

/*
 * Closing a device stops its DMA before close() returns: a slow DMA that
 * writes memory page by page stops, and no page changes afterwards.
 */
TEST_F(vfio_pasid, close_during_dma)
{
	size_t len = IOMMU_SVA_TEST_MDEV_BUF_SIZE, i, written, later;
	__u64 iova = 0x400000;
	char *pattern = malloc(len);

	ASSERT_NE(NULL, pattern);
	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, mdev_open(&self->a, self->container, 1));
	ASSERT_EQ(0, map_dma(self->container, self->buf, iova, len));
	memset(pattern, 0x77, len);
	ASSERT_EQ(0, dev_mem_write(&self->a, pattern, len));
	memset(self->buf, 0, len);
	/* 16 pages, 20 ms before each */
	ASSERT_EQ(0, dma_start(&self->a, iova, len, 1, 20000));
	usleep(70000);
	ASSERT_EQ(IOMMU_SVA_TEST_MDEV_BUSY, regs_of(&self->a).status);
	close(self->a.fd);
	self->a.fd = -1;
	for (written = 0, i = 0; i < len; i += page_size)
		written += self->buf[i] == 0x77;
	ASSERT_LT(written, len / page_size);
	usleep(200000);
	for (later = 0, i = 0; i < len; i += page_size)
		later += self->buf[i] == 0x77;
	ASSERT_EQ(written, later);

	/* Opened again, it is idle and works */
	ASSERT_EQ(0, open_device(&self->a));
	ASSERT_EQ(0, regs_of(&self->a).status);
	memset(self->buf, 0, len);
	ASSERT_EQ(0, dma(&self->a, iova, page_size, 1));
	ASSERT_EQ(0x77, self->buf[0]);
	ASSERT_EQ(0x77, self->buf[page_size - 1]);
	ASSERT_EQ(0, self->buf[page_size]);
	free(pattern);
}

struct remover {
	struct mdev *m;
	int rc;
	int done;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	r->rc = mdev_remove(r->m);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Removing a mediated device while a container holds its group: with no
 * device file open it goes at once and its PASID with it; with one open,
 * removal waits for the close, and DMA works until then.
 */
TEST_F(vfio_pasid, remove_while_held)
{
	struct remover remover = {};
	__u64 iova = 0x500000;
	pthread_t thread;
	__u32 pasid;

	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, mdev_create(self->parent, &self->b));
	ASSERT_EQ(0, mdev_open(&self->a, self->container, 1));
	ASSERT_EQ(0, mdev_open(&self->b, self->container2, 1));
	ASSERT_EQ(0, map_dma(self->container2, self->buf2, iova, page_size));
	pasid = mdev_pasid(&self->a);

	/* a: only its group is open */
	close(self->a.fd);
	self->a.fd = -1;
	ASSERT_EQ(0, mdev_remove(&self->a));
	ASSERT_EQ(0, pasid_lines(self->parent, pasid));
	/* The container lost its only group, and with it type1 */
	ASSERT_EQ(-EINVAL, map_dma(self->container, self->buf, iova,
				   page_size));

	/* b: its device file is open; removal waits for it */
	remover.m = &self->b;
	ASSERT_EQ(0, pthread_create(&thread, NULL, remove_thread, &remover));
	usleep(300000);
	ASSERT_EQ(0, __atomic_load_n(&remover.done, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, dma(&self->b, iova, 8, 1));
	pasid = mdev_pasid(&self->b);
	mdev_close(&self->b);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(1, remover.done);
	ASSERT_EQ(0, remover.rc);
	ASSERT_EQ(0, pasid_lines(self->parent, pasid));
	ASSERT_EQ(self->pasids, pasids_in_use());
}

/*
 * Every allocation on the attach path fails in turn, for a container's
 * first device (a new domain) and for a second parent joining it: each
 * failure leaves nothing attached or allocated, and the attach then works.
 */
TEST_F(vfio_pasid, fail_nth)
{
	int second, rc, reached, nth_fd;
	unsigned int n;

	if (failslab_setup())
		SKIP(return, "no failslab in debugfs");
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0)
		SKIP(return, "no /proc/thread-self/fail-nth");
	ASSERT_EQ(0, sva_cmd_dev_create_flags(self->fd, 20,
					      IOMMU_SVA_TEST_DEV_MDEV,
					      &self->parent2));
	ASSERT_EQ(0, mdev_create(self->parent, &self->a));
	ASSERT_EQ(0, mdev_create(self->parent2, &self->b));
	ASSERT_EQ(0, open_group(&self->a));
	ASSERT_EQ(0, open_group(&self->b));

	for (second = 0; second < 2; second++) {
		for (n = 1; n < 1000; n++) {
			ASSERT_EQ(0, set_container(&self->a, self->container));
			ASSERT_EQ(0, second ? set_iommu(self->container) : 0);
			ASSERT_EQ(0, fail_nth_write(nth_fd, n));
			rc = second ? set_container(&self->b, self->container) :
				      set_iommu(self->container);
			reached = fail_nth_read(nth_fd);
			ASSERT_LE(0, reached);
			if (rc) {
				ASSERT_TRUE(reached);
				ASSERT_EQ(self->pasids + second,
					  pasids_in_use());
			} else {
				ASSERT_EQ(self->pasids + 1 + second,
					  pasids_in_use());
				ASSERT_EQ(0, second ? unset_container(&self->b) : 0);
			}
			ASSERT_EQ(0, unset_container(&self->a));
			ASSERT_EQ(self->pasids, pasids_in_use());
			if (!rc && !reached)
				break;
		}
		ASSERT_GT(1000, n);
		TH_LOG("%s: %u allocations", second ? "join" : "first", n - 1);
	}
	close(nth_fd);

	/* Nothing the failures left behind is in the way */
	ASSERT_EQ(0, set_container(&self->a, self->container));
	ASSERT_EQ(0, set_iommu(self->container));
	ASSERT_EQ(0, set_container(&self->b, self->container));
	ASSERT_EQ(0, open_device(&self->a));
	ASSERT_EQ(0, open_device(&self->b));
	ASSERT_EQ(0, map_dma(self->container, self->buf, 0x100000, page_size));
	ASSERT_EQ(0, dma(&self->a, 0x100000, 8, 1));
	ASSERT_EQ(0, dma(&self->b, 0x100000, 8, 0));
}

TEST_HARNESS_MAIN
