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
/* A PCIe PASID is at most 20 bits wide. */
#define IOMMU_SVA_TEST_MAX_PASID_BITS	20
/* The most one DMA request moves. */
#define IOMMU_SVA_TEST_MAX_DMA	0x100000U

enum {
	IOMMU_SVA_TEST_OP_DEV_CREATE = 1,
	IOMMU_SVA_TEST_OP_DEV_DESTROY,
	IOMMU_SVA_TEST_OP_SVA_ENABLE,
	IOMMU_SVA_TEST_OP_SVA_DISABLE,
	IOMMU_SVA_TEST_OP_BIND,
	IOMMU_SVA_TEST_OP_UNBIND,
	IOMMU_SVA_TEST_OP_MM_PASID,
	IOMMU_SVA_TEST_OP_DMA,
	IOMMU_SVA_TEST_OP_COUNTERS,
	IOMMU_SVA_TEST_OP_PASID_ALLOC,
	IOMMU_SVA_TEST_OP_PASID_FREE,
	IOMMU_SVA_TEST_OP_PAGING_ALLOC,
	IOMMU_SVA_TEST_OP_PAGING_FREE,
	IOMMU_SVA_TEST_OP_ATTACH_PASID,
	IOMMU_SVA_TEST_OP_DETACH_PASID,
	IOMMU_SVA_TEST_OP_MAP,
	IOMMU_SVA_TEST_OP_UNMAP,
	IOMMU_SVA_TEST_OP_BIND_OPENER,
	IOMMU_SVA_TEST_OP_DEV_UNPLUG,
};

/* Flags of IOMMU_SVA_TEST_OP_DMA */
#define IOMMU_SVA_TEST_DMA_WRITE	0x1U	/* device writes memory */

/**
 * struct iommu_sva_test_cmd - One request to the mock driver
 * @size: sizeof(struct iommu_sva_test_cmd)
 * @op: IOMMU_SVA_TEST_OP_*
 * @dev_id: the mock device: output of DEV_CREATE, input of the others that
 *          act on a device; it is named "mock<dev_id>" on the
 *          IOMMU_SVA_TEST_BUS bus. DEV_DESTROY refuses a device that
 *          anything of the file uses; DEV_UNPLUG destroys one that bonds
 *          still hold (they stay, for UNBIND)
 * @__reserved: must be 0
 * @dev_create: DEV_CREATE: @pasid_bits (in) is the width of the device's
 *              PASIDs, 0 for none; @max_pasids (out) is what the IOMMU core
 *              made of it, capped by the mock IOMMU's own 20 bits;
 *              @group_with (in), if not 0, is a device of the same file
 *              whose IOMMU group the new device joins, as devices that
 *              the IOMMU cannot tell apart do; @iommu (in) is the mock
 *              IOMMU instance in front of the device, 0 or 1, each with a
 *              bus and driver ops of its own
 * @bind: BIND of the caller's mm to @dev_id: @bind_id (out) names the bond;
 *        a repeated bind of the same device returns the same @bind_id, as
 *        the core returns the same handle; @pasid (out) is the bond's PASID.
 *        UNBIND: @bind_id (in) drops one reference. BIND_OPENER: the same
 *        as BIND for the mm of the process that opened the file, which
 *        may have exited since.
 * @mm_pasid: MM_PASID: @pasid (out) is the caller's mm->pasid
 * @dma: DMA by @dev_id with PASID @pasid to or from @addr (a user virtual
 *       address for an SVA domain, an IOVA for a paging domain), @length
 *       bytes, from or into the caller's buffer @uptr. Fails with EFAULT
 *       when the IOMMU cannot translate and the fault is answered invalid.
 * @counters: COUNTERS of the domain attached at @pasid of @dev_id (out):
 *            invalidations of a range, of everything (mm release or a
 *            full range), IOTLB fills, IOTLB hits, and faults reported
 * @pasid: PASID_ALLOC (out) / PASID_FREE (in) a PASID of the global space
 *         for @dev_id, ATTACH_PASID / DETACH_PASID (in): the PASID
 * @domain: PAGING_ALLOC (out) / PAGING_FREE (in) an unmanaged domain of the
 *          mock IOMMU of @dev_id (if not 0, else of instance 0),
 *          @domain_id; ATTACH_PASID (in) @domain_id at @pasid (the
 *          top-level field) of @dev_id
 * @map: MAP @length bytes of the caller's memory at @uptr into
 *       @domain_id at @iova, readable and, with @write, writable; UNMAP
 *       (in: @domain_id, @iova, @length) undoes it
 * @__pad: room for the arguments of operations; unused bytes must be 0
 */
struct iommu_sva_test_cmd {
	__u32 size;
	__u32 op;
	__u32 dev_id;
	__u32 __reserved;
	union {
		struct {
			__u32 pasid_bits;
			__u32 max_pasids;
			__u32 group_with;
			__u32 iommu;
		} dev_create;
		struct {
			__u32 bind_id;
			__u32 pasid;
		} bind;
		struct {
			__u32 pasid;
			__u32 __reserved;
		} mm_pasid;
		struct {
			__u32 pasid;
			__u32 flags;
			__u64 addr;
			__u64 length;
			__u64 uptr;
		} dma;
		struct {
			__u32 pasid;
			__u32 __reserved;
			__u64 inv_range;
			__u64 inv_all;
			__u64 iotlb_fill;
			__u64 iotlb_hit;
			__u64 faults;
		} counters;
		struct {
			__u32 pasid;
			__u32 __reserved;
		} pasid;
		struct {
			__u32 domain_id;
			__u32 pasid;
		} domain;
		struct {
			__u32 domain_id;
			__u32 write;
			__u64 iova;
			__u64 length;
			__u64 uptr;
		} map;
		__u64 __pad[8];
	};
};

#define IOMMU_SVA_TEST_CMD	_IOWR('S', 0xa0, struct iommu_sva_test_cmd)

#endif
