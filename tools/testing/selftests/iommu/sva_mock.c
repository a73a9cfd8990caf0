// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the mock IOMMU driver (CONFIG_IOMMU_SVA_SELFTEST) that the SVA
 * tests are built on: mock devices come and go with their IOMMU groups,
 * next to the system's own IOMMU, and bad requests change nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "iommu_utils.h"

/* Read the first line of a sysfs attribute of mock device @id. */
static int read_dev_attr(__u32 id, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MOCK_DEVICES "/mock%u/%s", id, attr);
	return read_line(path, buf, len);
}

static int dev_exists(__u32 id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), MOCK_DEVICES "/mock%u", id);
	return access(path, F_OK) == 0;
}

/* The IOMMU group number of mock device @id, or -errno. */
static long dev_group(__u32 id)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(path, sizeof(path), MOCK_DEVICES "/mock%u/iommu_group", id);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return strtol(slash ? slash + 1 : target, NULL, 10);
}

/* How many mock devices exist, or -errno. */
static int count_devices(void)
{
	struct dirent *de;
	int n = 0;
	DIR *dir;

	dir = opendir(MOCK_DEVICES);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

FIXTURE(mock) {
	int fd;
};

FIXTURE_SETUP(mock)
{
	self->fd = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s missing: CONFIG_IOMMU_SVA_SELFTEST is off",
		     IOMMU_SVA_TEST_DEV);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(mock)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A mock device appears with its own group and its PASID limit. */
TEST_F(mock, create_destroy)
{
	__u32 id, max_pasids;
	char buf[64];

	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 4, &id, &max_pasids));
	ASSERT_LT(0, id);
	ASSERT_TRUE(dev_exists(id));
	/* The core read the device's 4 PASID bits at probe */
	ASSERT_EQ(16, max_pasids);
	ASSERT_EQ(0, read_dev_attr(id, "max_pasids", buf, sizeof(buf)));
	ASSERT_STREQ("16", buf);
	ASSERT_LE(0, dev_group(id));

	test_cmd_dev_destroy(id);
	ASSERT_FALSE(dev_exists(id));
	/* Destroying it twice finds nothing. */
	test_err_dev_destroy(ENOENT, id);
}

/* Each mock device is alone in its group (PASID attach needs that). */
TEST_F(mock, one_group_per_device)
{
	__u32 a, b;

	test_cmd_dev_create(0, &a);
	test_cmd_dev_create(IOMMU_SVA_TEST_MAX_PASID_BITS, &b);
	ASSERT_NE(a, b);
	ASSERT_LE(0, dev_group(a));
	ASSERT_LE(0, dev_group(b));
	ASSERT_NE(dev_group(a), dev_group(b));
	test_cmd_dev_destroy(a);
	test_cmd_dev_destroy(b);
}

/* Bad requests fail with EINVAL or EOPNOTSUPP and create nothing. */
TEST_F(mock, bad_requests)
{
	struct iommu_sva_test_cmd cmd;
	int before = count_devices();

	ASSERT_LE(0, before);
	test_err_dev_create(EINVAL, IOMMU_SVA_TEST_MAX_PASID_BITS + 1);

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd) - 1;
	cmd.op = IOMMU_SVA_TEST_OP_DEV_CREATE;
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_SVA_TEST_CMD, &cmd));
	EXPECT_EQ(EINVAL, errno);

	cmd.size = sizeof(cmd);
	cmd.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_SVA_TEST_CMD, &cmd));
	EXPECT_EQ(EINVAL, errno);

	cmd.__reserved = 0;
	cmd.__pad[7] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_SVA_TEST_CMD, &cmd));
	EXPECT_EQ(EINVAL, errno);

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.op = 0x7fff;
	EXPECT_EQ(-1, ioctl(self->fd, IOMMU_SVA_TEST_CMD, &cmd));
	EXPECT_EQ(EOPNOTSUPP, errno);

	/* None of the above left a device behind. */
	ASSERT_EQ(before, count_devices());
}

/* Closing the file destroys every device created through it. */
TEST_F(mock, close_destroys)
{
	__u32 ids[3];
	int i;

	for (i = 0; i < 3; i++)
		test_cmd_dev_create(3, &ids[i]);
	close(self->fd);
	self->fd = -1;
	for (i = 0; i < 3; i++)
		EXPECT_FALSE(dev_exists(ids[i]));
}

/* A device is only visible to the file that created it. */
TEST_F(mock, other_file)
{
	__u32 id;
	int fd2;

	test_cmd_dev_create(2, &id);
	fd2 = open(IOMMU_SVA_TEST_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-ENOENT, _test_cmd_dev_destroy(fd2, id));
	close(fd2);
	ASSERT_TRUE(dev_exists(id));
	test_cmd_dev_destroy(id);
}

TEST_HARNESS_MAIN
