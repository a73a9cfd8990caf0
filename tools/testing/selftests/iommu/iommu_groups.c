// SPDX-License-Identifier: GPL-2.0-only
/*
 * Smoke test of the IOMMU groups the guest sees: groups exist, each says
 * which kind of default domain it has, and the virtio disk the tests read
 * through the IOMMU sits in a translating (DMA) domain.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "iommu_utils.h"

#define GROUPS_DIR "/sys/kernel/iommu_groups"

static int is_known_type(const char *type)
{
	static const char * const types[] = {
		"blocked", "identity", "unmanaged", "DMA", "DMA-FQ",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(type, types[i]))
			return 1;
	return 0;
}

/* At least one IOMMU group exists. */
TEST(groups_exist)
{
	struct dirent *de;
	int groups = 0;
	DIR *dir;

	dir = opendir(GROUPS_DIR);
	ASSERT_NE(NULL, dir)
		TH_LOG("%s: %s", GROUPS_DIR, strerror(errno));
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			groups++;
	closedir(dir);
	ASSERT_LT(0, groups);
}

/* Every group reports a default domain type the kernel defines. */
TEST(group_types_known)
{
	char path[PATH_MAX], type[64];
	struct dirent *de;
	int checked = 0;
	DIR *dir;

	dir = opendir(GROUPS_DIR);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), GROUPS_DIR "/%s/type", de->d_name);
		ASSERT_EQ(0, read_line(path, type, sizeof(type)))
			TH_LOG("%s unreadable", path);
		EXPECT_TRUE(is_known_type(type))
			TH_LOG("group %s has unknown type '%s'", de->d_name, type);
		checked++;
	}
	closedir(dir);
	ASSERT_LT(0, checked);
}

/* The virtio disk of the test guests is behind the IOMMU, translated. */
TEST(virtio_disk_translated)
{
	char type[64];

	if (access("/sys/block/vda", F_OK))
		SKIP(return, "no virtio disk vda in this machine");
	/* vda -> virtioN -> the PCI function that does the DMA */
	ASSERT_EQ(0, read_line("/sys/block/vda/device/../iommu_group/type",
			       type, sizeof(type)))
		TH_LOG("the virtio disk has no IOMMU group");
	EXPECT_TRUE(!strcmp(type, "DMA") || !strcmp(type, "DMA-FQ"))
		TH_LOG("virtio disk group type is '%s', not DMA", type);
}

TEST_HARNESS_MAIN
