/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the iommu selftests. */
#ifndef __SELFTEST_IOMMU_UTILS_H
#define __SELFTEST_IOMMU_UTILS_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

#endif
