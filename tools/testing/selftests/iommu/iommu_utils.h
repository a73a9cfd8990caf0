/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the iommu selftests: each request to the mock IOMMU
 * (CONFIG_IOMMU_SVA_SELFTEST) is wrapped as _test_cmd_X(), which returns 0
 * or -errno, with test_cmd_X() asserting success and test_err_X() asserting
 * a given errno.
 */
#ifndef __SELFTEST_IOMMU_UTILS_H
#define __SELFTEST_IOMMU_UTILS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../../../../drivers/iommu/iommu-sva-test.h"

#define MOCK_DEVICES "/sys/bus/" IOMMU_SVA_TEST_BUS "/devices"
#define PASID_INVALID 0xffffffffU

/* Read the first line of @path into @buf, without the newline. */
static inline int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline int sva_cmd(int fd, __u32 op, struct iommu_sva_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	return ioctl(fd, IOMMU_SVA_TEST_CMD, cmd) ? -errno : 0;
}

/* DEV_CREATE behind mock IOMMU @iommu, in the group of @group_with */
static inline int sva_cmd_dev_create(int fd, __u32 pasid_bits,
				     __u32 group_with, __u32 iommu,
				     __u32 *dev_id, __u32 *max_pasids)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_create = {
			.pasid_bits = pasid_bits,
			.group_with = group_with,
			.iommu = iommu,
		},
	};
	int rc = sva_cmd(fd, IOMMU_SVA_TEST_OP_DEV_CREATE, &cmd);

	if (!rc && dev_id)
		*dev_id = cmd.dev_id;
	if (!rc && max_pasids)
		*max_pasids = cmd.dev_create.max_pasids;
	return rc;
}

static inline int _test_cmd_dev_create_group(int fd, __u32 pasid_bits,
					     __u32 group_with, __u32 *dev_id,
					     __u32 *max_pasids)
{
	return sva_cmd_dev_create(fd, pasid_bits, group_with, 0, dev_id,
				  max_pasids);
}

/* A device behind the mock IOMMU instance @iommu (0 or 1) */
static inline int _test_cmd_dev_create_iommu(int fd, __u32 pasid_bits,
					     __u32 iommu, __u32 *dev_id,
					     __u32 *max_pasids)
{
	return sva_cmd_dev_create(fd, pasid_bits, 0, iommu, dev_id,
				  max_pasids);
}

static inline int _test_cmd_dev_create(int fd, __u32 pasid_bits,
				       __u32 *dev_id, __u32 *max_pasids)
{
	return sva_cmd_dev_create(fd, pasid_bits, 0, 0, dev_id, max_pasids);
}

static inline int _test_cmd_dev_destroy(int fd, __u32 dev_id)
{
	struct iommu_sva_test_cmd cmd = { .dev_id = dev_id };

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_DEV_DESTROY, &cmd);
}

/* Destroy @dev_id although bonds still hold it; they stay, for UNBIND */
static inline int _test_cmd_dev_unplug(int fd, __u32 dev_id)
{
	struct iommu_sva_test_cmd cmd = { .dev_id = dev_id };

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_DEV_UNPLUG, &cmd);
}

static inline int _test_cmd_sva(int fd, __u32 dev_id, int enable)
{
	struct iommu_sva_test_cmd cmd = { .dev_id = dev_id };

	return sva_cmd(fd, enable ? IOMMU_SVA_TEST_OP_SVA_ENABLE :
			   IOMMU_SVA_TEST_OP_SVA_DISABLE, &cmd);
}

/* BIND or BIND_OPENER of @dev_id */
static inline int sva_cmd_bind(int fd, __u32 op, __u32 dev_id,
			       __u32 *bind_id, __u32 *pasid)
{
	struct iommu_sva_test_cmd cmd = { .dev_id = dev_id };
	int rc = sva_cmd(fd, op, &cmd);

	if (!rc && bind_id)
		*bind_id = cmd.bind.bind_id;
	if (!rc && pasid)
		*pasid = cmd.bind.pasid;
	return rc;
}

/* Bind the caller's mm */
static inline int _test_cmd_bind(int fd, __u32 dev_id, __u32 *bind_id,
				 __u32 *pasid)
{
	return sva_cmd_bind(fd, IOMMU_SVA_TEST_OP_BIND, dev_id, bind_id, pasid);
}

/* Bind the mm of the process that opened @fd, which may have exited */
static inline int _test_cmd_bind_opener(int fd, __u32 dev_id,
					__u32 *bind_id, __u32 *pasid)
{
	return sva_cmd_bind(fd, IOMMU_SVA_TEST_OP_BIND_OPENER, dev_id,
			    bind_id, pasid);
}

static inline int _test_cmd_unbind(int fd, __u32 bind_id)
{
	struct iommu_sva_test_cmd cmd = { .bind.bind_id = bind_id };

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_UNBIND, &cmd);
}

/* The caller's mm->pasid as the kernel sees it */
static inline __u32 mm_pasid(int fd)
{
	struct iommu_sva_test_cmd cmd = { };

	if (sva_cmd(fd, IOMMU_SVA_TEST_OP_MM_PASID, &cmd))
		return 0;
	return cmd.mm_pasid.pasid;
}

static inline int _test_cmd_dma(int fd, __u32 dev_id, __u32 pasid,
				uint64_t addr, void *buf, size_t len,
				int write)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_id = dev_id,
		.dma = {
			.pasid = pasid,
			.flags = write ? IOMMU_SVA_TEST_DMA_WRITE : 0,
			.addr = addr,
			.length = len,
			.uptr = (uintptr_t)buf,
		},
	};

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_DMA, &cmd);
}

static inline int _test_cmd_counters(int fd, __u32 dev_id, __u32 pasid,
				     struct iommu_sva_test_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->dev_id = dev_id;
	cmd->counters.pasid = pasid;
	return sva_cmd(fd, IOMMU_SVA_TEST_OP_COUNTERS, cmd);
}

static inline int _test_cmd_pasid_alloc(int fd, __u32 dev_id, __u32 *pasid)
{
	struct iommu_sva_test_cmd cmd = { .dev_id = dev_id };
	int rc = sva_cmd(fd, IOMMU_SVA_TEST_OP_PASID_ALLOC, &cmd);

	if (!rc)
		*pasid = cmd.pasid.pasid;
	return rc;
}

static inline int _test_cmd_pasid_free(int fd, __u32 pasid)
{
	struct iommu_sva_test_cmd cmd = { .pasid.pasid = pasid };

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_PASID_FREE, &cmd);
}

/* A paging domain of the mock IOMMU of @dev_id, or of instance 0 if 0 */
static inline int _test_cmd_paging_alloc_dev(int fd, __u32 dev_id,
					     __u32 *domain_id)
{
	struct iommu_sva_test_cmd cmd = { .dev_id = dev_id };
	int rc = sva_cmd(fd, IOMMU_SVA_TEST_OP_PAGING_ALLOC, &cmd);

	if (!rc)
		*domain_id = cmd.domain.domain_id;
	return rc;
}

static inline int _test_cmd_paging_alloc(int fd, __u32 *domain_id)
{
	struct iommu_sva_test_cmd cmd = { };
	int rc = sva_cmd(fd, IOMMU_SVA_TEST_OP_PAGING_ALLOC, &cmd);

	if (!rc)
		*domain_id = cmd.domain.domain_id;
	return rc;
}

static inline int _test_cmd_paging_free(int fd, __u32 domain_id)
{
	struct iommu_sva_test_cmd cmd = { .domain.domain_id = domain_id };

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_PAGING_FREE, &cmd);
}

/* ATTACH_PASID or DETACH_PASID of @domain_id at @pasid of @dev_id */
static inline int sva_cmd_pasid(int fd, __u32 op, __u32 dev_id,
				__u32 domain_id, __u32 pasid)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_id = dev_id,
		.domain = { .domain_id = domain_id, .pasid = pasid },
	};

	return sva_cmd(fd, op, &cmd);
}

static inline int _test_cmd_attach(int fd, __u32 dev_id, __u32 domain_id,
				   __u32 pasid)
{
	return sva_cmd_pasid(fd, IOMMU_SVA_TEST_OP_ATTACH_PASID, dev_id,
			     domain_id, pasid);
}

static inline int _test_cmd_detach(int fd, __u32 dev_id, __u32 domain_id,
				   __u32 pasid)
{
	return sva_cmd_pasid(fd, IOMMU_SVA_TEST_OP_DETACH_PASID, dev_id,
			     domain_id, pasid);
}

/* @domain_id as the domain of @dev_id's DMA without PASID, and back */
static inline int _test_cmd_attach_dev(int fd, __u32 dev_id, __u32 domain_id)
{
	return sva_cmd_pasid(fd, IOMMU_SVA_TEST_OP_ATTACH_DEV, dev_id,
			     domain_id, 0);
}

static inline int _test_cmd_detach_dev(int fd, __u32 dev_id, __u32 domain_id)
{
	return sva_cmd_pasid(fd, IOMMU_SVA_TEST_OP_DETACH_DEV, dev_id,
			     domain_id, 0);
}

static inline int _test_cmd_map(int fd, __u32 domain_id, uint64_t iova,
				void *buf, size_t len, int write)
{
	struct iommu_sva_test_cmd cmd = {
		.map = {
			.domain_id = domain_id,
			.write = !!write,
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
		},
	};

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_MAP, &cmd);
}

static inline int _test_cmd_unmap(int fd, __u32 domain_id, uint64_t iova,
				  size_t len)
{
	struct iommu_sva_test_cmd cmd = {
		.map = { .domain_id = domain_id, .iova = iova, .length = len },
	};

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_UNMAP, &cmd);
}

/* PAGE_REQ: @count page requests of @dev_id, answered later */
static inline int _test_cmd_page_req(int fd, __u32 dev_id, __u32 pasid,
				     __u32 flags, uint64_t addr, __u32 grpid,
				     __u32 count)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_id = dev_id,
		.page_req = {
			.pasid = pasid,
			.flags = flags,
			.addr = addr,
			.grpid = grpid,
			.count = count,
		},
	};

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_PAGE_REQ, &cmd);
}

static inline int _test_cmd_stats(int fd, __u32 dev_id,
				  struct iommu_sva_test_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->dev_id = dev_id;
	return sva_cmd(fd, IOMMU_SVA_TEST_OP_STATS, cmd);
}

static inline int _test_cmd_fail_next(int fd, __u32 dev_id, __u32 what,
				      __u32 error)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_id = dev_id,
		.fail = { .what = what, .error = error },
	};

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_FAIL_NEXT, &cmd);
}

/* DEV_CREATE behind mock IOMMU 0 with IOMMU_SVA_TEST_DEV_* @flags */
static inline int sva_cmd_dev_create_flags(int fd, __u32 pasid_bits,
					   __u32 flags, __u32 *dev_id)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_create = {
			.pasid_bits = pasid_bits,
			.flags = flags,
		},
	};
	int rc = sva_cmd(fd, IOMMU_SVA_TEST_OP_DEV_CREATE, &cmd);

	if (!rc)
		*dev_id = cmd.dev_id;
	return rc;
}

/* A device whose default domain translates, for the DMA API */
static inline int dev_create_dma_api(int fd, __u32 pasid_bits, __u32 *dev_id)
{
	return sva_cmd_dev_create_flags(fd, pasid_bits,
					IOMMU_SVA_TEST_DEV_DMA_API, dev_id);
}

/* DMA_MAP: @len bytes of @buf in a page the DMA API maps for @dev_id */
static inline int _test_cmd_dma_map(int fd, __u32 dev_id, void *buf,
				    __u32 len, __u32 *id, uint64_t *iova)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_id = dev_id,
		.dma_api = { .length = len, .uptr = (uintptr_t)buf },
	};
	int rc = sva_cmd(fd, IOMMU_SVA_TEST_OP_DMA_MAP, &cmd);

	if (!rc) {
		*id = cmd.dma_api.id;
		*iova = cmd.dma_api.iova;
	}
	return rc;
}

/* DMA_UNMAP: the page's bytes land in @out */
static inline int _test_cmd_dma_unmap(int fd, __u32 dev_id, __u32 id,
				      void *out)
{
	struct iommu_sva_test_cmd cmd = {
		.dev_id = dev_id,
		.dma_api = { .id = id, .uptr = (uintptr_t)out },
	};

	return sva_cmd(fd, IOMMU_SVA_TEST_OP_DMA_UNMAP, &cmd);
}

/* KVA_FREE: @iterations kernel page tables freed, as seen from @dev_id */
static inline int _test_cmd_kva_free(int fd, __u32 dev_id, __u32 iterations,
				     struct iommu_sva_test_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->dev_id = dev_id;
	cmd->kva_free.iterations = iterations;
	return sva_cmd(fd, IOMMU_SVA_TEST_OP_KVA_FREE, cmd);
}

/* LOOKUP_COST of the domain at @pasid of @dev_id, @iterations times */
static inline int _test_cmd_lookup_cost(int fd, __u32 dev_id, __u32 pasid,
					__u32 iterations,
					struct iommu_sva_test_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->dev_id = dev_id;
	cmd->lookup_cost.pasid = pasid;
	cmd->lookup_cost.iterations = iterations;
	return sva_cmd(fd, IOMMU_SVA_TEST_OP_LOOKUP_COST, cmd);
}

/* An accelerator: DEV_CREATE with IOMMU_SVA_TEST_DEV_ACCEL */
static inline int accel_create(int fd, __u32 pasid_bits, __u32 *dev_id)
{
	return sva_cmd_dev_create_flags(fd, pasid_bits,
					IOMMU_SVA_TEST_DEV_ACCEL, dev_id);
}

/* The name of the uacce device under mock device @dev_id, or -errno */
static inline int accel_name(__u32 dev_id, char *name, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int rc = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), MOCK_DEVICES "/mock%u/uacce", dev_id);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(name, len, "%s", de->d_name);
		rc = 0;
		break;
	}
	closedir(dir);
	return rc;
}

/* Write @val to the file at @path: 0 or -errno */
static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		rc = -errno;
	close(fd);
	return rc;
}

#define FAILSLAB "/sys/kernel/debug/failslab/"

/*
 * failslab leaves GFP_KERNEL allocations alone unless told; fail-nth then
 * fails the n-th allocation of this thread only, quietly.
 */
static inline int failslab_setup(void)
{
	int rc = write_file(FAILSLAB "ignore-gfp-wait", "N");

	if (!rc)
		rc = write_file(FAILSLAB "verbose", "0");
	return rc;
}

/*
 * Make the @n-th allocation from now fail (0: none), through @fd, this
 * thread's /proc/thread-self/fail-nth: 0 or -errno
 */
static inline int fail_nth_write(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -errno;
}

/*
 * Whether the n-th allocation set through @fd was reached, and failed;
 * then none is set any more. -1 if @fd could not be read or written.
 */
static inline int fail_nth_read(int fd)
{
	char buf[16] = { };

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0 || fail_nth_write(fd, 0))
		return -1;
	return atoi(buf) == 0;
}

/* The whole file at @path, as text, or NULL */
static inline char *read_all(const char *path)
{
	size_t len = 0, size = 1 << 16;
	char *buf = malloc(size);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, size - len - 1)) > 0) {
		len += n;
		if (size - len < 4096)
			buf = realloc(buf, size *= 2);
		if (!buf)
			break;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* debugfs's iommu/@name as text, mounting debugfs if needed, or NULL */
static inline char *debugfs_read(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/iommu/%s", name);
	if (access(path, F_OK))
		mount("nodev", "/sys/kernel/debug", "debugfs", 0, NULL);
	return read_all(path);
}

/* The columns of iommu/faults after the device's name */
#define FAULT_COUNTERS 7

/* The iommu/faults counters of mock device @dev; 0 if it has a line */
static inline int faults_of(__u32 dev, long c[FAULT_COUNTERS])
{
	char *text = debugfs_read("faults"), want[32];
	const char *line;
	int rc = -ENOENT;

	if (!text)
		return -ENOENT;
	snprintf(want, sizeof(want), "\nmock%u ", dev);
	line = strstr(text, want);
	if (line && sscanf(line + strlen(want), "%ld %ld %ld %ld %ld %ld %ld",
			   &c[0], &c[1], &c[2], &c[3], &c[4], &c[5],
			   &c[6]) == FAULT_COUNTERS)
		rc = 0;
	free(text);
	return rc;
}

/*
 * Whether the mock driver's live SVA domains, notifiers and bonds are the
 * same in two STATS results; says what differs when not.
 */
static inline int same_live(const struct iommu_sva_test_cmd *a,
			    const struct iommu_sva_test_cmd *b)
{
	if (a->stats.sva_domains == b->stats.sva_domains &&
	    a->stats.notifiers == b->stats.notifiers &&
	    a->stats.bonds == b->stats.bonds)
		return 1;
	fprintf(stderr,
		"# live SVA domains %u -> %u, notifiers %u -> %u, bonds %u -> %u\n",
		a->stats.sva_domains, b->stats.sva_domains,
		a->stats.notifiers, b->stats.notifiers,
		a->stats.bonds, b->stats.bonds);
	return 0;
}

/* In a TEST_F() whose fixture has the mock file in self->fd */
#define test_cmd_dev_create(bits, dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, bits, dev_id, NULL))
#define test_err_dev_create(_errno, bits) \
	ASSERT_EQ(-(_errno), _test_cmd_dev_create(self->fd, bits, NULL, NULL))
#define test_cmd_dev_create_group(bits, group_with, dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_create_group(self->fd, bits, group_with, \
						dev_id, NULL))
#define test_err_dev_create_group(_errno, bits, group_with) \
	ASSERT_EQ(-(_errno), _test_cmd_dev_create_group(self->fd, bits, \
							group_with, NULL, NULL))
#define test_cmd_dev_create_iommu(bits, iommu, dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_create_iommu(self->fd, bits, iommu, \
						dev_id, NULL))
#define test_err_dev_create_iommu(_errno, bits, iommu) \
	ASSERT_EQ(-(_errno), _test_cmd_dev_create_iommu(self->fd, bits, \
							iommu, NULL, NULL))
#define test_cmd_dev_destroy(dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_destroy(self->fd, dev_id))
#define test_err_dev_destroy(_errno, dev_id) \
	ASSERT_EQ(-(_errno), _test_cmd_dev_destroy(self->fd, dev_id))
#define test_cmd_dev_unplug(dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_unplug(self->fd, dev_id))
#define test_err_dev_unplug(_errno, dev_id) \
	ASSERT_EQ(-(_errno), _test_cmd_dev_unplug(self->fd, dev_id))
#define test_cmd_sva_enable(dev_id) \
	ASSERT_EQ(0, _test_cmd_sva(self->fd, dev_id, 1))
#define test_cmd_sva_disable(dev_id) \
	ASSERT_EQ(0, _test_cmd_sva(self->fd, dev_id, 0))
#define test_cmd_bind(dev_id, bind_id, pasid) \
	ASSERT_EQ(0, _test_cmd_bind(self->fd, dev_id, bind_id, pasid))
#define test_err_bind(_errno, dev_id) \
	ASSERT_EQ(-(_errno), _test_cmd_bind(self->fd, dev_id, NULL, NULL))
#define test_cmd_bind_opener(dev_id, bind_id, pasid) \
	ASSERT_EQ(0, _test_cmd_bind_opener(self->fd, dev_id, bind_id, pasid))
#define test_err_bind_opener(_errno, dev_id) \
	ASSERT_EQ(-(_errno), _test_cmd_bind_opener(self->fd, dev_id, NULL, \
						   NULL))
#define test_cmd_unbind(bind_id) \
	ASSERT_EQ(0, _test_cmd_unbind(self->fd, bind_id))
#define test_cmd_dma(dev_id, pasid, addr, buf, len, write) \
	ASSERT_EQ(0, _test_cmd_dma(self->fd, dev_id, pasid, \
				   (uintptr_t)(addr), buf, len, write))
#define test_err_dma(_errno, dev_id, pasid, addr, buf, len, write) \
	ASSERT_EQ(-(_errno), _test_cmd_dma(self->fd, dev_id, pasid, \
					   (uintptr_t)(addr), buf, len, write))
#define test_cmd_counters(dev_id, pasid, cmd) \
	ASSERT_EQ(0, _test_cmd_counters(self->fd, dev_id, pasid, cmd))
#define test_cmd_attach(dev_id, domain_id, pasid) \
	ASSERT_EQ(0, _test_cmd_attach(self->fd, dev_id, domain_id, pasid))
#define test_err_attach(_errno, dev_id, domain_id, pasid) \
	ASSERT_EQ(-(_errno), _test_cmd_attach(self->fd, dev_id, domain_id, \
					      pasid))
#define test_cmd_detach(dev_id, domain_id, pasid) \
	ASSERT_EQ(0, _test_cmd_detach(self->fd, dev_id, domain_id, pasid))
#define test_cmd_attach_dev(dev_id, domain_id) \
	ASSERT_EQ(0, _test_cmd_attach_dev(self->fd, dev_id, domain_id))
#define test_err_attach_dev(_errno, dev_id, domain_id) \
	ASSERT_EQ(-(_errno), _test_cmd_attach_dev(self->fd, dev_id, domain_id))
#define test_cmd_detach_dev(dev_id, domain_id) \
	ASSERT_EQ(0, _test_cmd_detach_dev(self->fd, dev_id, domain_id))
#define test_cmd_page_req(dev_id, pasid, flags, addr, grpid, count) \
	ASSERT_EQ(0, _test_cmd_page_req(self->fd, dev_id, pasid, flags, \
					(uintptr_t)(addr), grpid, count))
#define test_cmd_stats(dev_id, cmd) \
	ASSERT_EQ(0, _test_cmd_stats(self->fd, dev_id, cmd))
#define test_cmd_fail_next(dev_id, what, error) \
	ASSERT_EQ(0, _test_cmd_fail_next(self->fd, dev_id, what, error))

#endif
