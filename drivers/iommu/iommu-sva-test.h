/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interface between the mock IOMMU driver (iommu-sva-selftest.c) and the
 * SVA selftests in tools/testing/selftests/iommu/. Test-only: not a stable
 * user API.
 */
#ifndef _IOMMU_SVA_TEST_H
#define _IOMMU_SVA_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMU_SVA_TEST_DEV	"/dev/iommu-sva-test"
#define IOMMU_SVA_TEST_BUS	"iommu-sva-mock"
/* A PCIe PASID is at most 20 bits wide: at most 1 << 20 of them. */
#define IOMMU_SVA_TEST_MAX_PASIDS	0x100000U

enum {
	IOMMU_SVA_TEST_OP_DEV_CREATE = 1,
	IOMMU_SVA_TEST_OP_DEV_DESTROY,
};

/**
 * struct iommu_sva_test_cmd - One request to the mock driver
 * @size: sizeof(struct iommu_sva_test_cmd)
 * @op: IOMMU_SVA_TEST_OP_*
 * @dev_id: the mock device: output of DEV_CREATE, input of the others; the
 *          device is named "mock<dev_id>" on the IOMMU_SVA_TEST_BUS bus
 * @__reserved: must be 0
 * @dev_create: input of DEV_CREATE
 * @dev_create.max_pasids: PASIDs the device supports, 0 for none, at most
 *                         IOMMU_SVA_TEST_MAX_PASIDS
 * @dev_create.__reserved: must be 0
 * @__pad: room for the arguments of later operations; must be 0
 */
struct iommu_sva_test_cmd {
	__u32 size;
	__u32 op;
	__u32 dev_id;
	__u32 __reserved;
	union {
		struct {
			__u32 max_pasids;
			__u32 __reserved;
		} dev_create;
		__u64 __pad[8];
	};
};

#define IOMMU_SVA_TEST_CMD	_IOWR('S', 0xa0, struct iommu_sva_test_cmd)

#endif
