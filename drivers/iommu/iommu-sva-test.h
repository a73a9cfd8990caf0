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
	IOMMU_SVA_TEST_OP_PAGE_REQ,
	IOMMU_SVA_TEST_OP_STATS,
	IOMMU_SVA_TEST_OP_FAIL_NEXT,
	IOMMU_SVA_TEST_OP_ATTACH_DEV,
	IOMMU_SVA_TEST_OP_DETACH_DEV,
	IOMMU_SVA_TEST_OP_KVA_FREE,
	IOMMU_SVA_TEST_OP_DMA_MAP,
	IOMMU_SVA_TEST_OP_DMA_UNMAP,
	IOMMU_SVA_TEST_OP_LOOKUP_COST,
};

/* Flags of IOMMU_SVA_TEST_OP_DEV_CREATE */
#define IOMMU_SVA_TEST_DEV_ACCEL	0x1U	/* an accelerator: see below */
#define IOMMU_SVA_TEST_DEV_DMA_API	0x2U	/* default domain translates */
#define IOMMU_SVA_TEST_DEV_MDEV		0x4U	/* a parent of mediated devices */

/* Flags of IOMMU_SVA_TEST_OP_DMA */
#define IOMMU_SVA_TEST_DMA_WRITE	0x1U	/* device writes memory */

/* Flags of IOMMU_SVA_TEST_OP_PAGE_REQ */
#define IOMMU_SVA_TEST_PRQ_NO_PASID	0x1U	/* requests without a PASID */
#define IOMMU_SVA_TEST_PRQ_WRITE	0x2U	/* write access requested */
#define IOMMU_SVA_TEST_PRQ_EXEC		0x4U	/* execute access requested */
#define IOMMU_SVA_TEST_PRQ_PRIV		0x8U	/* privileged access */
#define IOMMU_SVA_TEST_PRQ_PARTIAL	0x10U	/* non-last requests of a group */
/*
 * Another thread holds the caller's mmap_lock for writing while the
 * requests are reported: the core cannot resolve them where they are
 * reported and queues them. The PASID must be the caller's SVA one.
 */
#define IOMMU_SVA_TEST_PRQ_MM_BUSY	0x20U
#define IOMMU_SVA_TEST_PRQ_FLAGS	0x3fU
/* The page request group indexes of PAGE_REQ; DMA's own are below */
#define IOMMU_SVA_TEST_PRQ_GRPID_MIN	256U
#define IOMMU_SVA_TEST_PRQ_GRPID_MAX	511U

/* The most lookups one IOMMU_SVA_TEST_OP_LOOKUP_COST times */
#define IOMMU_SVA_TEST_LOOKUP_MAX	1000000U
/* LOOKUP_COST alternates the two ways in slices of this many lookups */
#define IOMMU_SVA_TEST_LOOKUP_SLICE	1000U

/* The most page tables one IOMMU_SVA_TEST_OP_KVA_FREE frees */
#define IOMMU_SVA_TEST_KVA_FREE_MAX	4096U

/* What IOMMU_SVA_TEST_OP_FAIL_NEXT makes fail */
#define IOMMU_SVA_TEST_FAIL_SET_DEV_PASID	1U
#define IOMMU_SVA_TEST_FAIL_KVA_OP		2U

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
 *              bus and driver ops of its own; @flags (in) are
 *              IOMMU_SVA_TEST_DEV_*: with IOMMU_SVA_TEST_DEV_ACCEL the
 *              device, on IOMMU 0 and in a group of its own, is bound
 *              by the test accelerator
 *              driver when it is built, and DEV_DESTROY unplugs it from
 *              under that driver; IOMMU_SVA_TEST_DEV_MDEV does the same
 *              with the test mdev parent driver, on either IOMMU
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
 *          top-level field) of @dev_id, or with @domain_id 0 the default
 *          domain of an IOMMU_SVA_TEST_DEV_DMA_API device, as a driver
 *          does for its own kernel DMA; ATTACH_DEV (in) @domain_id as the
 *          domain of @dev_id's DMA without PASID (iommu_attach_device()),
 *          DETACH_DEV (in) back to the default domain (@pasid must be 0)
 * @map: MAP @length bytes of the caller's memory at @uptr into
 *       @domain_id at @iova, readable and, with @write, writable; UNMAP
 *       (in: @domain_id, @iova, @length) undoes it
 * @page_req: PAGE_REQ: @dev_id reports @count page requests for @pasid at
 *            @addr, @addr + PAGE_SIZE, ..., as a device's PRI would, and
 *            returns without waiting for their responses, which the STATS
 *            counters show when they come (as hardware does, the PASID's
 *            remove_dev_pasid waits only for the reporting). Without
 *            IOMMU_SVA_TEST_PRQ_PARTIAL, request i is the last and only
 *            one of group @grpid + i; with it, all are non-last requests
 *            of group @grpid, which a later PAGE_REQ completes. The groups
 *            must lie in [IOMMU_SVA_TEST_PRQ_GRPID_MIN,
 *            IOMMU_SVA_TEST_PRQ_GRPID_MAX]
 * @stats: STATS (out) of @dev_id: the page responses it got, by code
 *         (@resp_success, @resp_invalid, @resp_failure), requests the core
 *         refused to take, which the driver answers itself
 *         (@not_routed), responses whose group or PASID is not the
 *         request's (@resp_mismatch) and PAGE_REQ groups not answered yet
 *         (@pending); and of the whole mock driver, live SVA domains
 *         (@sva_domains), registered mmu_notifiers (@notifiers) and bonds
 *         that files hold (@bonds)
 * @fail: FAIL_NEXT (in): the next @what of @dev_id fails with -@error
 *        (IOMMU_SVA_TEST_FAIL_SET_DEV_PASID: the driver's set_dev_pasid);
 *        IOMMU_SVA_TEST_FAIL_KVA_OP, with @error 0: the next SVA domain
 *        the mock driver allocates, on any device, has no invalidate_kva
 * @kva_free: KVA_FREE: makes the kernel free @iterations (in, at most
 *            IOMMU_SVA_TEST_KVA_FREE_MAX) page tables of its own
 *            addresses, one at a time, the way a huge ioremap() replaces
 *            a PTE table, and waits for each to be freed; -EOPNOTSUPP
 *            where the kernel frees them without asking the IOMMUs (not
 *            x86) or cannot map huge. Out: tables whose freeing waited
 *            for an IOMMU flush (@deferred), tables freed exactly once
 *            (@freed), the SVA domains @dev_id is bound through at the
 *            end (@domains), tables that each of them, bound throughout,
 *            was told to forget before the table was freed
 *            (@flushed_first), and kernel-range invalidations any mock
 *            SVA domain received meanwhile (@invalidations)
 * @dma_api: DMA_MAP maps, with the DMA API of @dev_id (a device created
 *           with IOMMU_SVA_TEST_DEV_DMA_API, whose default domain is a
 *           DMA domain), a page of the kernel's holding the @length (in,
 *           1 to the page size) bytes at @uptr (in); out: @id and @iova,
 *           the address the device's DMA uses, at a PASID its default
 *           domain is attached at (ATTACH_PASID with @domain_id 0).
 *           DMA_UNMAP of @id (in) unmaps it and then copies its bytes to
 *           @uptr (in)
 * @lookup_cost: LOOKUP_COST times, for @dev_id at @pasid (in), where a
 *               domain must be attached, @iterations (in, 1 to
 *               IOMMU_SVA_TEST_LOOKUP_MAX) lookups of the domain by the
 *               fault path's iommu_fault_domain() (@fault_ns, out), by
 *               iommu_get_domain_for_dev_pasid() (@get_ns), and by a bare
 *               xa_load() of an xarray holding one entry at @pasid
 *               (@xa_load_ns), in nanoseconds for all of them
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
			__u32 flags;
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
		struct {
			__u32 pasid;
			__u32 flags;
			__u64 addr;
			__u32 grpid;
			__u32 count;
		} page_req;
		struct {
			__u64 resp_success;
			__u64 resp_invalid;
			__u64 resp_failure;
			__u64 not_routed;
			__u64 resp_mismatch;
			__u64 pending;
			__u32 sva_domains;
			__u32 notifiers;
			__u32 bonds;
			__u32 __reserved;
		} stats;
		struct {
			__u32 what;
			__u32 error;
		} fail;
		struct {
			__u32 iterations;
			__u32 deferred;
			__u32 freed;
			__u32 flushed_first;
			__u32 domains;
			__u32 __reserved;
			__u64 invalidations;
		} kva_free;
		struct {
			__u32 id;
			__u32 length;
			__u64 iova;
			__u64 uptr;
		} dma_api;
		struct {
			__u32 pasid;
			__u32 iterations;
			__u64 fault_ns;
			__u64 get_ns;
			__u64 xa_load_ns;
		} lookup_cost;
		__u64 __pad[8];
	};
};

#define IOMMU_SVA_TEST_CMD	_IOWR('S', 0xa0, struct iommu_sva_test_cmd)

/*
 * The test accelerator (iommu-sva-accel-test.c, CONFIG_IOMMU_SVA_ACCEL_TEST)
 * drives the mock devices created with IOMMU_SVA_TEST_DEV_ACCEL, and
 * registers each as a uacce device with SVA, named
 * IOMMU_SVA_TEST_ACCEL_NAME "-<n>", under the mock device in sysfs. Each
 * open() of it is a queue bound to the opener's mm, at most
 * IOMMU_SVA_TEST_ACCEL_QUEUES per accelerator. The queue's region
 * UACCE_QFRT_DUS, one page, holds a struct iommu_sva_test_ring: user space
 * writes jobs at @head, then rings the doorbell; the accelerator runs them
 * in order as DMA with the queue's PASID, writes each one's @result and
 * then moves @tail; it ignores a @head more than IOMMU_SVA_TEST_ACCEL_JOBS
 * ahead of @tail. The queue polls readable when @tail has reached @head.
 */
#define IOMMU_SVA_TEST_ACCEL_DRIVER	"iommu-sva-accel"
#define IOMMU_SVA_TEST_ACCEL_NAME	"iommu_sva_accel"
#define IOMMU_SVA_TEST_ACCEL_API	"iommu_sva_accel_v1"
#define IOMMU_SVA_TEST_ACCEL_QUEUES	4
#define IOMMU_SVA_TEST_ACCEL_JOBS	32

enum {
	IOMMU_SVA_TEST_JOB_COPY = 1,	/* @length bytes from @src to @dst */
	IOMMU_SVA_TEST_JOB_FILL,	/* @length bytes of @value at @dst */
};

/**
 * struct iommu_sva_test_job - One job of an accelerator queue
 * @op: IOMMU_SVA_TEST_JOB_*
 * @result: written by the accelerator once the job ran: 0, -EINVAL for a
 *          bad job, -EFAULT if a DMA could not be translated, -ECANCELED
 *          if the queue stopped during the job
 * @src: COPY: the source, a virtual address of the queue's process
 * @dst: the destination, a virtual address of the queue's process
 * @length: bytes, 1 to IOMMU_SVA_TEST_MAX_DMA
 * @value: FILL: the byte
 */
struct iommu_sva_test_job {
	__u32 op;
	__s32 result;
	__u64 src;
	__u64 dst;
	__u64 length;
	__u64 value;
};

/**
 * struct iommu_sva_test_ring - The jobs of a queue, shared with user space
 * @head: jobs submitted, written by user space, free running
 * @tail: jobs done, written by the accelerator, free running
 * @__reserved: 0
 * @jobs: job i is at @jobs[i % IOMMU_SVA_TEST_ACCEL_JOBS]
 */
struct iommu_sva_test_ring {
	__u32 head;
	__u32 tail;
	__u32 __reserved[14];
	struct iommu_sva_test_job jobs[IOMMU_SVA_TEST_ACCEL_JOBS];
};

/* ioctls of a queue, next to uacce's UACCE_CMD_START_Q and _PUT_Q */
/* Run the jobs up to @head; the queue must be started */
#define IOMMU_SVA_TEST_ACCEL_DOORBELL	_IO('W', 0x40)
/* The queue's PASID, a __u32 */
#define IOMMU_SVA_TEST_ACCEL_PASID	_IOR('W', 0x41, __u32)

/*
 * The test mediated devices (iommu-sva-mdev-test.c,
 * CONFIG_IOMMU_SVA_MDEV_TEST): a mock device created with
 * IOMMU_SVA_TEST_DEV_MDEV, on either mock IOMMU and in a group of its own,
 * is bound by the driver IOMMU_SVA_TEST_MDEV_DRIVER, which registers it as
 * an mdev parent with one type, whose sysfs directory is
 * IOMMU_SVA_TEST_MDEV_TYPE under the parent's mdev_supported_types. Each
 * mediated device is a VFIO device (device API "vfio-platform") isolated by
 * a PASID of the parent (vfio_register_pasid_iommu_dev()): it has one
 * region, index 0, of IOMMU_SVA_TEST_MDEV_REGION_SIZE bytes, read and
 * written through the device file at the offset VFIO_DEVICE_GET_REGION_INFO
 * gives. At its start is a struct iommu_sva_test_mdev_regs; at
 * IOMMU_SVA_TEST_MDEV_BUF, IOMMU_SVA_TEST_MDEV_BUF_SIZE bytes of the
 * device's own memory. Writing 1 to @doorbell starts a DMA of @length bytes
 * between that memory (from its start) and IOVA @iova of the container,
 * as the parent's DMA tagged with @pasid, one page at a time, waiting
 * @delay_us before each; @status is IOMMU_SVA_TEST_MDEV_BUSY until it
 * ends, then 0 or the errno it failed with (negative): -EINVAL for a bad
 * length, -EFAULT when the IOMMU could not translate, -ENODEV with no
 * PASID, -ECANCELED when the device was closed during the DMA. The other
 * registers may not be written while it runs (-EBUSY). Closing the device
 * stops its DMA before close() returns.
 */
#define IOMMU_SVA_TEST_MDEV_DRIVER	"iommu-sva-mdev"
#define IOMMU_SVA_TEST_MDEV_TYPE	IOMMU_SVA_TEST_MDEV_DRIVER "-dma"
#define IOMMU_SVA_TEST_MDEV_BUF		0x1000U
#define IOMMU_SVA_TEST_MDEV_BUF_SIZE	0x10000U
#define IOMMU_SVA_TEST_MDEV_REGION_SIZE	(IOMMU_SVA_TEST_MDEV_BUF + \
					 IOMMU_SVA_TEST_MDEV_BUF_SIZE)
#define IOMMU_SVA_TEST_MDEV_BUSY	1
/* Flags of struct iommu_sva_test_mdev_regs */
#define IOMMU_SVA_TEST_MDEV_WRITE	0x1U	/* the device writes memory */
#define IOMMU_SVA_TEST_MDEV_DELAY_MAX	100000U

/**
 * struct iommu_sva_test_mdev_regs - Registers of a test mediated device
 * @iova: where the DMA goes or comes from, in the container's IOVA space
 * @length: bytes, 1 to IOMMU_SVA_TEST_MDEV_BUF_SIZE
 * @flags: IOMMU_SVA_TEST_MDEV_WRITE: the device writes memory from its
 *         own; else it reads memory into its own
 * @delay_us: microseconds the device waits before each page, at most
 *            IOMMU_SVA_TEST_MDEV_DELAY_MAX
 * @doorbell: write 1 to start; reads 0
 * @status: read-only, see above
 * @pasid: read-only: the PASID of the parent that the device's DMA carries
 * @done: read-only: bytes the last DMA moved
 */
struct iommu_sva_test_mdev_regs {
	__u64 iova;
	__u32 length;
	__u32 flags;
	__u32 delay_us;
	__u32 doorbell;
	__s32 status;
	__u32 pasid;
	__u64 done;
};

#ifdef __KERNEL__
struct device;
struct device_driver;

int iommu_sva_mock_dma(struct device *dev, __u32 pasid, unsigned long addr,
		       void *buf, size_t length, bool write);
int iommu_sva_mock_driver_register(struct device_driver *drv,
				   unsigned int iommu);
#endif

#endif
