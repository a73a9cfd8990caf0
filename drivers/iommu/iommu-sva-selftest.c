// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mock IOMMU driver and mock PASID-capable devices for the SVA selftests
 * (tools/testing/selftests/iommu/). Test-only, see CONFIG_IOMMU_SVA_SELFTEST.
 *
 * Glossary:
 *   mock bus     a bus of its own (IOMMU_SVA_TEST_BUS), claimed with
 *                iommu_device_register_bus() so that the mock IOMMU runs
 *                next to the system's real IOMMU driver
 *   mock IOMMUs  two instances, each with a bus and iommu_ops of its own,
 *                so that to the core they are two drivers side by side
 *   mock device  a struct mock_dev on the mock bus, created and destroyed
 *                by a test process through IOMMU_SVA_TEST_DEV; it lives at
 *                most as long as the file it was created through
 *   accelerator  a mock device created with IOMMU_SVA_TEST_DEV_ACCEL: the
 *                only kind the bus matches to a driver, the test uacce
 *                accelerator (iommu-sva-accel-test.c), which makes it DMA
 *                with iommu_sva_mock_dma()
 *   mock file    what one open() of IOMMU_SVA_TEST_DEV holds: devices,
 *                binds, paging domains, attachments and PASIDs
 *   mock domain  a struct mock_domain: identity (the default domain of
 *                every mock device), SVA (one per mm, allocated by the
 *                core) or paging (allocated by a test, mapping pinned user
 *                pages at IOVAs)
 *   IOTLB        what an SVA domain caches of the mm's translations: filled
 *                by walking the mm on a miss and emptied only by the
 *                mmu_notifier, so a missed invalidation shows as stale data
 *
 * Lifetimes: a mock device is published in its file's xarray only once it
 * is registered and has its IOMMU group; it is unregistered when it is
 * destroyed or its file is released, and freed when the last reference to
 * its struct device goes (mock_dev_release()). Everything else a file
 * created goes, in reverse order of dependency, when the file is released.
 *
 * Locking order: mock_file::lock, then the core's locks (iommu_sva_lock, an
 * mm's SVA lock, group->mutex), then mock_dev::dma_lock, then the mm's
 * mmap_lock, then mock_domain::lock (a spinlock: the notifier may be called
 * atomically).
 * The DMA path takes mock_dev::dma_lock for reading and keeps it while it
 * waits for a fault to be answered; remove_dev_pasid takes it for writing,
 * so once that returns no DMA, and no fault report, for the PASID remains.
 * Destroying an accelerator releases its driver under mock_file::lock:
 * the device lock, uacce's, then the wait for the accelerator's work,
 * whose DMA takes dma_lock.
 * PAGE_REQ holds dma_lock for reading only while it reports, and does not
 * wait for the responses: that the core answers them before a detach
 * returns is what the tests check, not something the mock makes true.
 *
 * Page request group indexes: DMA allocates its own below
 * IOMMU_SVA_TEST_PRQ_GRPID_MIN and waits for their responses; PAGE_REQ
 * uses the caller's, from there up, and only counts theirs.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/pgalloc.h>
#include <linux/property.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <trace/events/iommu.h>

#include "iommu-sva.h"
#include "iommu-sva-test.h"

#define MOCK_IOTLB_SIZE		64
#define MOCK_DMA_RETRIES	3

struct mock_dev {
	struct device dev;
	u32 id;
	/* A device whose group this one joins, or NULL; held until probed */
	struct mock_dev *group_with;
	/* Held for reading by DMA, for writing by remove_dev_pasid */
	struct rw_semaphore dma_lock;
	/* grpid -> struct mock_fault waiting for its page response */
	struct xarray faults;
	bool sva_enabled;	/* under the core's iommu_sva_lock */
	/*
	 * IOMMU_DEV_FEAT_IOPF, which the core passes on without a lock: only
	 * the accelerator's probe and remove use it, under the device lock
	 */
	bool iopf_enabled;
	bool accel;		/* IOMMU_SVA_TEST_DEV_ACCEL */
	bool dma_api;		/* IOMMU_SVA_TEST_DEV_DMA_API */
	bool mdev_parent;	/* IOMMU_SVA_TEST_DEV_MDEV */
	/* Page responses by code; see struct iommu_sva_test_cmd @stats */
	atomic64_t resp[IOMMU_PAGE_RESP_FAILURE + 1];
	atomic64_t not_routed, resp_mismatch, prq_pending;
	/* The next set_dev_pasid of this device fails with it, if not 0 */
	int fail_set_dev_pasid;
	/* struct mock_sva_attach of its SVA domains, under the group mutex */
	struct list_head attached;
};

static inline struct mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct mock_dev, dev);
}

struct mock_fault {
	struct completion done;
	u32 code;
};

struct mock_iotlb_entry {
	unsigned long va;
	struct page *page;	/* a reference, or NULL for an empty entry */
	bool writable;
};

/* An SVA domain attached at a PASID of a device */
struct mock_sva_attach {
	struct mock_domain *md;
	struct device *dev;
	ioasid_t pasid;
	struct list_head domain_node;	/* in md->attached, under md->lock */
	struct list_head dev_node;	/* in mock_dev::attached */
};

struct mock_domain {
	struct iommu_domain domain;
	/* SVA: the notifier on domain.mm, registered at the first attach */
	struct mmu_notifier mn;
	bool mn_registered;
	/* Protects what follows; the notifier may be called atomically */
	spinlock_t lock;
	struct mock_iotlb_entry iotlb[MOCK_IOTLB_SIZE];
	unsigned long inval_seq;	/* bumped by every invalidation */
	bool released;			/* the mm has exited */
	u64 inv_range, inv_all, iotlb_fill, iotlb_hit, faults;
	/*
	 * SVA, invalidations of kernel addresses: all of them, and those that
	 * came while the page table watched by KVA_FREE was not yet freed
	 */
	u64 inv_kva, kva_before_free;
	/* SVA: struct mock_sva_attach, where invalidations are sent */
	struct list_head attached;
	/* Paging: iova >> PAGE_SHIFT -> xa_mk_value(pfn << 2 | prot) */
	struct xarray pfns;
	struct mutex map_lock;		/* Paging: MAP and UNMAP against DMA */
};

static inline struct mock_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

struct mock_bind {
	struct mock_dev *mdev;
	struct iommu_sva *handle;
	unsigned int users;
};

/* A page the DMA API mapped for a device: DMA_MAP, DMA_UNMAP */
struct mock_dma_buf {
	struct mock_dev *mdev;
	struct page *page;
	dma_addr_t iova;
	u32 length;
};

struct mock_attach {
	struct mock_dev *mdev;
	struct mock_domain *md;
	bool rid;	/* the domain of DMA without PASID (ATTACH_DEV) */
	u32 pasid;	/* IOMMU_NO_PASID if @rid */
};

/* Under the mock_file's lock except where said otherwise */
struct mock_file {
	struct mutex lock;		/* serialises all but DMA */
	/* dev_id -> struct mock_dev; DMA looks up under the xarray's lock */
	struct xarray devs;
	struct xarray binds;		/* bind_id -> struct mock_bind */
	struct xarray domains;		/* domain_id -> struct mock_domain */
	struct xarray attachs;		/* any id -> struct mock_attach */
	struct xarray pasids;		/* PASID -> its struct mock_dev */
	struct xarray dma_bufs;		/* id -> struct mock_dma_buf */
	/*
	 * The mm of the process that opened the file, held with mmgrab()
	 * until release: BIND_OPENER binds it, even once it has exited.
	 */
	struct mm_struct *opener_mm;
};

static DEFINE_IDA(mock_dev_ida);
/* Instance i translates the devices of mock_buses[i] with mock_ops[i] */
#define MOCK_NR_IOMMUS	2
static struct iommu_device mock_iommus[MOCK_NR_IOMMUS];
static struct notifier_block mock_bus_nbs[MOCK_NR_IOMMUS];
static struct iopf_queue *mock_iopf_queue;
static const struct iommu_domain_ops mock_domain_ops, mock_domain_ops_nokva;
/* FAIL_NEXT: the next SVA domain lacks invalidate_kva */
static atomic_t mock_next_sva_nokva;
/* What is alive in the whole driver: the STATS op shows it */
static atomic_t mock_sva_domains, mock_notifiers, mock_bonds;

static ssize_t max_pasids_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev->iommu ? dev->iommu->max_pasids : 0);
}
static DEVICE_ATTR_RO(max_pasids);

static struct attribute *mock_dev_attrs[] = {
	&dev_attr_max_pasids.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mock_dev);

/* Only accelerators and mdev parents have a driver: the test one */
static int mock_bus_match(struct device *dev, struct device_driver *drv)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	if (mdev->accel)
		return !strcmp(drv->name, IOMMU_SVA_TEST_ACCEL_DRIVER);
	if (mdev->mdev_parent)
		return !strcmp(drv->name, IOMMU_SVA_TEST_MDEV_DRIVER);
	return 0;
}

static struct bus_type mock_buses[MOCK_NR_IOMMUS] = {
	{ .name = IOMMU_SVA_TEST_BUS, .dev_groups = mock_dev_groups,
	  .match = mock_bus_match },
	{ .name = IOMMU_SVA_TEST_BUS "2", .dev_groups = mock_dev_groups,
	  .match = mock_bus_match },
};

/* The IOTLB of SVA domains */
static void mock_iotlb_drop(struct mock_domain *md, unsigned long start,
			    unsigned long end, struct page **dropped)
{
	int i;

	lockdep_assert_held(&md->lock);
	for (i = 0; i < MOCK_IOTLB_SIZE; i++) {
		struct mock_iotlb_entry *e = &md->iotlb[i];

		dropped[i] = NULL;
		if (e->page && e->va >= start && e->va < end) {
			dropped[i] = e->page;
			e->page = NULL;
		}
	}
}

static void mock_iotlb_put(struct page **dropped)
{
	int i;

	for (i = 0; i < MOCK_IOTLB_SIZE; i++)
		if (dropped[i])
			put_page(dropped[i]);
}

/*
 * The invalidation the real drivers do for their IOTLB and ATC. Called
 * after the CPU page table changed and before the pages are freed; may be
 * called in atomic context.
 */
static void mock_mn_invalidate_range(struct mmu_notifier *mn,
				     struct mm_struct *mm,
				     unsigned long start, unsigned long end)
{
	struct mock_domain *md = container_of(mn, struct mock_domain, mn);
	struct page *dropped[MOCK_IOTLB_SIZE];
	struct mock_sva_attach *at;

	spin_lock(&md->lock);
	md->inval_seq++;
	if (start == 0 && end == ULONG_MAX)
		md->inv_all++;
	else
		md->inv_range++;
	/* What the real drivers send, one per device and PASID */
	if (trace_sva_invalidate_enabled())
		list_for_each_entry(at, &md->attached, domain_node)
			trace_sva_invalidate(at->dev, at->pasid, start, end);
	mock_iotlb_drop(md, start, end, dropped);
	spin_unlock(&md->lock);
	mock_iotlb_put(dropped);
}

/*
 * The mm exits while still bound. Stop translating: drop everything and
 * never cache again, as a real driver makes the PASID non-translating
 * while leaving it attached until the unbind.
 */
static void mock_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mock_domain *md = container_of(mn, struct mock_domain, mn);
	struct page *dropped[MOCK_IOTLB_SIZE];

	spin_lock(&md->lock);
	md->inval_seq++;
	md->released = true;
	md->inv_all++;
	mock_iotlb_drop(md, 0, ULONG_MAX, dropped);
	spin_unlock(&md->lock);
	mock_iotlb_put(dropped);
}

/*
 * KVA_FREE watches one kernel page table at a time, of which it holds a
 * reference of its own: the page-table code has not freed it while its
 * count is above one. mock_kva_lock serialises KVA_FREE across files.
 */
static DEFINE_MUTEX(mock_kva_lock);
static struct page *mock_kva_watch;
static atomic64_t mock_kva_calls;

/*
 * The kernel frees page tables of its own addresses. The mock walks only
 * user addresses and caches no paging structure, so there is nothing to
 * drop: it counts, and sends what the real drivers send.
 */
static void mock_domain_invalidate_kva(struct iommu_domain *domain,
				       unsigned long start, unsigned long end)
{
	struct mock_domain *md = to_mock_domain(domain);
	struct page *watch = READ_ONCE(mock_kva_watch);
	struct mock_sva_attach *at;

	might_sleep();
	atomic64_inc(&mock_kva_calls);
	spin_lock(&md->lock);
	md->inval_seq++;
	md->inv_kva++;
	if (watch && page_ref_count(watch) > 1)
		md->kva_before_free++;
	if (trace_sva_invalidate_enabled())
		list_for_each_entry(at, &md->attached, domain_node)
			trace_sva_invalidate(at->dev, at->pasid, start, end);
	spin_unlock(&md->lock);
}

static void mock_mn_free_notifier(struct mmu_notifier *mn);

static const struct mmu_notifier_ops mock_mn_ops = {
	.invalidate_range = mock_mn_invalidate_range,
	.release = mock_mn_release,
	.free_notifier = mock_mn_free_notifier,
};

/* Domains */
static struct iommu_domain *mock_domain_alloc(unsigned int type)
{
	struct mock_domain *md;

	if (type != IOMMU_DOMAIN_IDENTITY && type != IOMMU_DOMAIN_SVA &&
	    type != IOMMU_DOMAIN_UNMANAGED && type != IOMMU_DOMAIN_DMA)
		return NULL;
	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return NULL;
	if (type == IOMMU_DOMAIN_SVA)
		atomic_inc(&mock_sva_domains);
	spin_lock_init(&md->lock);
	INIT_LIST_HEAD(&md->attached);
	xa_init(&md->pfns);
	mutex_init(&md->map_lock);
	/* Else the ops of the instance (see mock_iommu_register()) */
	if (type == IOMMU_DOMAIN_SVA && atomic_xchg(&mock_next_sva_nokva, 0))
		md->domain.ops = &mock_domain_ops_nokva;
	md->domain.geometry.aperture_end = ULONG_MAX;
	md->domain.geometry.force_aperture = true;
	return &md->domain;
}

static void mock_domain_free_md(struct mock_domain *md)
{
	xa_destroy(&md->pfns);
	mutex_destroy(&md->map_lock);
	kfree(md);
}

/* After the SRCU grace period that ends the notifier's last callback */
static void mock_mn_free_notifier(struct mmu_notifier *mn)
{
	mock_domain_free_md(container_of(mn, struct mock_domain, mn));
}

static void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);
	struct page *dropped[MOCK_IOTLB_SIZE];

	if (domain->type == IOMMU_DOMAIN_SVA)
		atomic_dec(&mock_sva_domains);
	spin_lock(&md->lock);
	mock_iotlb_drop(md, 0, ULONG_MAX, dropped);
	spin_unlock(&md->lock);
	mock_iotlb_put(dropped);
	/* The mock file unmapped and unpinned everything before */
	WARN_ON(!xa_empty(&md->pfns));
	/* And the core detached it everywhere */
	WARN_ON(!list_empty(&md->attached));
	if (!md->mn_registered) {
		mock_domain_free_md(md);
		return;
	}
	/*
	 * As the VT-d and SMMUv3 drivers do: the notifier is put, not
	 * unregistered, so that freeing an SVA domain does not wait for an
	 * SRCU grace period. A callback that still runs finds an empty
	 * IOTLB that nothing fills any more (the domain is attached
	 * nowhere); the memory goes in mock_mn_free_notifier(). @notifiers
	 * counts the notifiers the driver holds.
	 */
	atomic_dec(&mock_notifiers);
	mmu_notifier_put(&md->mn);
}

static int mock_domain_attach_dev(struct iommu_domain *domain,
				  struct device *dev)
{
	return 0;
}

static int mock_domain_set_dev_pasid(struct iommu_domain *domain,
				     struct device *dev, ioasid_t pasid)
{
	struct mock_domain *md = to_mock_domain(domain);
	struct mock_sva_attach *at;
	int ret;

	/* FAIL_NEXT: fail before anything changed, as a driver must */
	ret = xchg(&to_mock_dev(dev)->fail_set_dev_pasid, 0);
	if (ret)
		return ret;
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return -EINVAL;
	if (domain->type != IOMMU_DOMAIN_SVA)
		return 0;

	at = kzalloc(sizeof(*at), GFP_KERNEL);
	if (!at)
		return -ENOMEM;
	/* One notifier per SVA domain, which is one mm on this IOMMU */
	if (!md->mn_registered) {
		md->mn.ops = &mock_mn_ops;
		ret = mmu_notifier_register(&md->mn, domain->mm);
		if (ret) {
			kfree(at);
			return ret;
		}
		md->mn_registered = true;
		atomic_inc(&mock_notifiers);
	}
	at->md = md;
	at->dev = dev;
	at->pasid = pasid;
	spin_lock(&md->lock);
	list_add(&at->domain_node, &md->attached);
	spin_unlock(&md->lock);
	list_add(&at->dev_node, &to_mock_dev(dev)->attached);
	return 0;
}

static int mock_domain_map_pages(struct iommu_domain *domain,
				 unsigned long iova, phys_addr_t paddr,
				 size_t pgsize, size_t pgcount, int prot,
				 gfp_t gfp, size_t *mapped)
{
	struct mock_domain *md = to_mock_domain(domain);
	unsigned long pfn = PHYS_PFN(paddr);
	size_t i;
	int ret;

	for (i = 0; i < pgcount; i++) {
		void *entry = xa_mk_value((pfn + i) << 2 |
					  (prot & (IOMMU_READ | IOMMU_WRITE)));

		ret = xa_err(xa_store(&md->pfns, (iova >> PAGE_SHIFT) + i,
				      entry, gfp));
		if (ret)
			return ret;
		*mapped += PAGE_SIZE;
	}
	return 0;
}

static size_t mock_domain_unmap_pages(struct iommu_domain *domain,
				      unsigned long iova, size_t pgsize,
				      size_t pgcount,
				      struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);
	size_t i;

	for (i = 0; i < pgcount; i++)
		if (!xa_erase(&md->pfns, (iova >> PAGE_SHIFT) + i))
			break;
	return i * PAGE_SIZE;
}

static phys_addr_t mock_domain_iova_to_phys(struct iommu_domain *domain,
					    dma_addr_t iova)
{
	struct mock_domain *md = to_mock_domain(domain);
	void *entry = xa_load(&md->pfns, iova >> PAGE_SHIFT);

	if (!entry)
		return 0;
	return PFN_PHYS(xa_to_value(entry) >> 2) + offset_in_page(iova);
}

/*
 * Paging domains have no IOTLB: DMA reads the mappings as they are. The
 * flushes the DMA API asks for after an unmap are counted, for the tests.
 */
static void mock_domain_flush_iotlb_all(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	spin_lock(&md->lock);
	md->inv_all++;
	spin_unlock(&md->lock);
}

static void mock_domain_iotlb_sync(struct iommu_domain *domain,
				   struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);

	spin_lock(&md->lock);
	md->inv_range++;
	spin_unlock(&md->lock);
}

#define MOCK_DOMAIN_OPS						\
	.attach_dev = mock_domain_attach_dev,				\
	.set_dev_pasid = mock_domain_set_dev_pasid,			\
	.map_pages = mock_domain_map_pages,				\
	.unmap_pages = mock_domain_unmap_pages,				\
	.flush_iotlb_all = mock_domain_flush_iotlb_all,			\
	.iotlb_sync = mock_domain_iotlb_sync,				\
	.iova_to_phys = mock_domain_iova_to_phys,			\
	.free = mock_domain_free

static const struct iommu_domain_ops mock_domain_ops = {
	MOCK_DOMAIN_OPS,
	.invalidate_kva = mock_domain_invalidate_kva,
};

/* An IOMMU that walks no kernel page table needs no flush of them */
static const struct iommu_domain_ops mock_domain_ops_nokva = {
	MOCK_DOMAIN_OPS,
};

/* The IOMMU */
/* The mock IOMMU instance in front of @dev, or -ENODEV if none is */
static int mock_iommu_of(struct device *dev)
{
	int i;

	for (i = 0; i < MOCK_NR_IOMMUS; i++)
		if (dev->bus == &mock_buses[i])
			return i;
	return -ENODEV;
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	int i = mock_iommu_of(dev);

	return i < 0 ? ERR_PTR(i) : &mock_iommus[i];
}

static void mock_release_device(struct device *dev)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	/*
	 * Unplugged with SVA on (DEV_UNPLUG): the core detached the PASIDs
	 * already; stop fault reporting as SVA disable would.
	 */
	if (mdev->sva_enabled) {
		WARN_ON(iommu_unregister_device_fault_handler(dev));
		iopf_queue_remove_device(mock_iopf_queue, dev);
		mdev->sva_enabled = false;
	}
}

static struct iommu_group *mock_device_group(struct device *dev)
{
	struct mock_dev *mdev = to_mock_dev(dev);
	struct iommu_group *group;

	if (!mdev->group_with)
		return generic_device_group(dev);
	/* The reference iommu_group_get() takes is the caller's */
	group = iommu_group_get(&mdev->group_with->dev);
	return group ? group : ERR_PTR(-ENODEV);
}

static int mock_def_domain_type(struct device *dev)
{
	return to_mock_dev(dev)->dma_api ? IOMMU_DOMAIN_DMA :
					   IOMMU_DOMAIN_IDENTITY;
}

/* The DMA API of a device whose default domain translates */
static void mock_probe_finalize(struct device *dev)
{
	if (to_mock_dev(dev)->dma_api)
		iommu_setup_dma_ops(dev, 0, U64_MAX);
}

static void mock_remove_dev_pasid(struct device *dev, ioasid_t pasid)
{
	struct mock_dev *mdev = to_mock_dev(dev);
	struct mock_sva_attach *at;

	/*
	 * The core erased the PASID; wait for the DMA that may still use
	 * it, and with it for the faults it reported. The domain's IOTLB
	 * holds nothing of this device alone: it goes with the domain.
	 * Invalidations stop reaching the PASID only then.
	 */
	down_write(&mdev->dma_lock);
	up_write(&mdev->dma_lock);

	list_for_each_entry(at, &mdev->attached, dev_node) {
		if (at->pasid != pasid)
			continue;
		spin_lock(&at->md->lock);
		list_del(&at->domain_node);
		spin_unlock(&at->md->lock);
		list_del(&at->dev_node);
		kfree(at);
		return;
	}
}

static int mock_dev_enable_feat(struct device *dev,
				enum iommu_dev_features feat)
{
	struct mock_dev *mdev = to_mock_dev(dev);
	int ret;

	/*
	 * The mock reports I/O page faults with SVA, IOPF or not: the IOPF
	 * feature is only remembered, for drivers (uacce) that enable it
	 * first as SMMUv3 and VT-d need.
	 */
	if (feat == IOMMU_DEV_FEAT_IOPF) {
		if (mdev->iopf_enabled)
			return -EBUSY;
		mdev->iopf_enabled = true;
		return 0;
	}
	if (feat != IOMMU_DEV_FEAT_SVA)
		return -EINVAL;
	if (dev->iommu->max_pasids <= 1)
		return iommu_sva_refuse(dev, IOMMU_SVA_DEV_LACKS, "PASIDs");
	if (mdev->sva_enabled)
		return -EBUSY;

	/* I/O page faults come with SVA on the mock */
	ret = iopf_queue_add_device(mock_iopf_queue, dev);
	if (ret)
		return ret;
	ret = iommu_register_device_fault_handler(dev, iommu_queue_iopf, dev);
	if (ret) {
		iopf_queue_remove_device(mock_iopf_queue, dev);
		return ret;
	}
	mdev->sva_enabled = true;
	return 0;
}

static int mock_dev_disable_feat(struct device *dev,
				 enum iommu_dev_features feat)
{
	struct mock_dev *mdev = to_mock_dev(dev);
	int ret;

	if (feat == IOMMU_DEV_FEAT_IOPF) {
		if (!mdev->iopf_enabled)
			return -EINVAL;
		/* Not under SVA, as SMMUv3 and VT-d refuse */
		if (mdev->sva_enabled)
			return -EBUSY;
		mdev->iopf_enabled = false;
		return 0;
	}
	if (feat != IOMMU_DEV_FEAT_SVA)
		return -EINVAL;
	if (!mdev->sva_enabled)
		return -EINVAL;

	ret = iommu_unregister_device_fault_handler(dev);
	if (ret)
		return ret;
	iopf_queue_remove_device(mock_iopf_queue, dev);
	mdev->sva_enabled = false;
	return 0;
}

/*
 * The core answers a page request the mock reported (@evt): count the
 * response, check that it is for that request, and wake the DMA waiting
 * for it, if any.
 */
static int mock_page_response(struct device *dev,
			      struct iommu_fault_event *evt,
			      struct iommu_page_response *msg)
{
	const struct iommu_fault_page_request *prm = &evt->fault.prm;
	struct mock_dev *mdev = to_mock_dev(dev);
	bool needs_pasid = (prm->flags & IOMMU_FAULT_PAGE_REQUEST_PASID_VALID) &&
			   (prm->flags & IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID);
	bool has_pasid = msg->flags & IOMMU_PAGE_RESP_PASID_VALID;
	struct mock_fault *fault;

	if (msg->code < ARRAY_SIZE(mdev->resp))
		atomic64_inc(&mdev->resp[msg->code]);
	if (msg->grpid != prm->grpid || needs_pasid != has_pasid ||
	    (has_pasid && msg->pasid != prm->pasid))
		atomic64_inc(&mdev->resp_mismatch);
	if (prm->grpid >= IOMMU_SVA_TEST_PRQ_GRPID_MIN) {
		atomic64_dec(&mdev->prq_pending);
		return 0;
	}

	xa_lock(&mdev->faults);
	fault = xa_load(&mdev->faults, msg->grpid);
	if (fault) {
		fault->code = msg->code;
		complete(&fault->done);
	}
	xa_unlock(&mdev->faults);
	return fault ? 0 : -EINVAL;
}

/* DMA snoops the CPU caches, as VFIO requires of the devices it takes */
static bool mock_capable(struct device *dev, enum iommu_cap cap)
{
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

static const struct iommu_ops mock_ops_template = {
	.owner = THIS_MODULE,
	.capable = mock_capable,
	.pgsize_bitmap = PAGE_SIZE,
	.domain_alloc = mock_domain_alloc,
	.probe_device = mock_probe_device,
	.release_device = mock_release_device,
	.device_group = mock_device_group,
	.def_domain_type = mock_def_domain_type,
	.probe_finalize = mock_probe_finalize,
	.dev_enable_feat = mock_dev_enable_feat,
	.dev_disable_feat = mock_dev_disable_feat,
	.remove_dev_pasid = mock_remove_dev_pasid,
	.page_response = mock_page_response,
	.default_domain_ops = &mock_domain_ops,
};

/*
 * Copies of the template, one per instance: the core tells drivers apart
 * by their ops.
 */
static struct iommu_ops mock_ops[MOCK_NR_IOMMUS];

/* Mock devices */
static void mock_dev_release(struct device *dev)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	WARN_ON(!xa_empty(&mdev->faults));
	WARN_ON(!list_empty(&mdev->attached));
	xa_destroy(&mdev->faults);
	ida_free(&mock_dev_ida, mdev->id);
	kfree(mdev);
}

static struct mock_dev *mock_dev_find(struct mock_file *mfile, u32 dev_id)
{
	lockdep_assert_held(&mfile->lock);
	return xa_load(&mfile->devs, dev_id);
}

static int mock_dev_create(struct mock_file *mfile,
			   struct iommu_sva_test_cmd *cmd)
{
	u32 bits = cmd->dev_create.pasid_bits;
	struct property_entry props[] = {
		PROPERTY_ENTRY_U32("pasid-num-bits", bits),
		{ }
	};
	struct iommu_group *group;
	struct mock_dev *mdev;
	int rc;

	if (bits > IOMMU_SVA_TEST_MAX_PASID_BITS || cmd->dev_create.max_pasids ||
	    cmd->dev_create.iommu >= MOCK_NR_IOMMUS ||
	    cmd->dev_create.flags & ~(IOMMU_SVA_TEST_DEV_ACCEL |
				      IOMMU_SVA_TEST_DEV_DMA_API |
				      IOMMU_SVA_TEST_DEV_MDEV) ||
	    (cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_ACCEL &&
	     (cmd->dev_create.iommu || cmd->dev_create.group_with)) ||
	    (cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_MDEV &&
	     (cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_ACCEL ||
	      cmd->dev_create.group_with)) ||
	    (cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_DMA_API &&
	     cmd->dev_create.group_with))
		return -EINVAL;
	if (cmd->dev_create.group_with) {
		mdev = mock_dev_find(mfile, cmd->dev_create.group_with);
		if (!mdev)
			return -ENOENT;
		/* A group has the devices of one IOMMU */
		if (mdev->dev.bus != &mock_buses[cmd->dev_create.iommu])
			return -EINVAL;
	}

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return -ENOMEM;
	rc = ida_alloc_min(&mock_dev_ida, 1, GFP_KERNEL);
	if (rc < 0) {
		kfree(mdev);
		return rc;
	}
	mdev->id = rc;
	/* The file's lock keeps it alive until device_add() has probed us */
	if (cmd->dev_create.group_with)
		mdev->group_with = mock_dev_find(mfile,
						 cmd->dev_create.group_with);
	mdev->accel = cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_ACCEL;
	mdev->dma_api = cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_DMA_API;
	mdev->mdev_parent = cmd->dev_create.flags & IOMMU_SVA_TEST_DEV_MDEV;
	init_rwsem(&mdev->dma_lock);
	xa_init_flags(&mdev->faults, XA_FLAGS_ALLOC);
	INIT_LIST_HEAD(&mdev->attached);
	device_initialize(&mdev->dev);
	mdev->dev.coherent_dma_mask = DMA_BIT_MASK(64);
	mdev->dev.dma_mask = &mdev->dev.coherent_dma_mask;
	/* From here on mock_dev_release() frees mdev and its id. */
	mdev->dev.bus = &mock_buses[cmd->dev_create.iommu];
	mdev->dev.release = mock_dev_release;
	rc = dev_set_name(&mdev->dev, "mock%u", mdev->id);
	if (rc)
		goto err_put;
	/* The core reads the device's PASID width from this at probe. */
	rc = device_create_managed_software_node(&mdev->dev, props, NULL);
	if (rc)
		goto err_put;
	rc = device_add(&mdev->dev);
	if (rc)
		goto err_put;

	/* The bus notifier probed the device into a group. */
	group = iommu_group_get(&mdev->dev);
	if (!group) {
		/*
		 * The notifier drops the core's errno (say, -EBUSY from a
		 * group that has PASIDs attached): probe again to learn it.
		 */
		rc = iommu_probe_device(&mdev->dev);
		group = iommu_group_get(&mdev->dev);
		if (!group) {
			rc = rc ?: -ENODEV;
			goto err_del;
		}
	}
	iommu_group_put(group);
	mdev->group_with = NULL;

	/* Publish once nothing can fail any more. */
	rc = xa_insert(&mfile->devs, mdev->id, mdev, GFP_KERNEL);
	if (rc)
		goto err_del;
	cmd->dev_id = mdev->id;
	cmd->dev_create.max_pasids = mdev->dev.iommu->max_pasids;
	return 0;

err_del:
	device_del(&mdev->dev);
err_put:
	put_device(&mdev->dev);
	return rc;
}

/* Whether anything of @mfile still uses @mdev */
static bool mock_dev_busy(struct mock_file *mfile, struct mock_dev *mdev)
{
	struct mock_attach *attach;
	struct mock_bind *bind;
	unsigned long index;
	void *owner;

	lockdep_assert_held(&mfile->lock);
	xa_for_each(&mfile->binds, index, bind)
		if (bind->mdev == mdev)
			return true;
	xa_for_each(&mfile->attachs, index, attach)
		if (attach->mdev == mdev)
			return true;
	xa_for_each(&mfile->pasids, index, owner)
		if (owner == mdev)
			return true;
	return false;
}

static void mock_dev_destroy(struct mock_dev *mdev)
{
	/*
	 * An accelerator's driver goes first, with the bonds of its queues
	 * and the SVA it enabled (uacce_remove()), as on a hot-unplug.
	 */
	device_release_driver(&mdev->dev);
	if (mdev->sva_enabled)
		WARN_ON(iommu_dev_disable_feature(&mdev->dev,
						  IOMMU_DEV_FEAT_SVA));
	device_unregister(&mdev->dev);
}

static int mock_dev_destroy_id(struct mock_file *mfile, u32 dev_id)
{
	struct mock_dev *mdev = mock_dev_find(mfile, dev_id);

	if (!mdev)
		return -ENOENT;
	if (mock_dev_busy(mfile, mdev))
		return -EBUSY;
	xa_erase(&mfile->devs, dev_id);
	mock_dev_destroy(mdev);
	return 0;
}

/*
 * Destroy a device that bonds still hold, as a driver that lets its
 * handles outlive the device does: the core detaches their PASIDs when it
 * releases the device, and UNBIND later only frees. The handles keep the
 * struct device, and with it the mock_dev, until then. Paging attachments
 * and PASIDs of the file, which hold no reference, must go first.
 */
static int mock_dev_unplug(struct mock_file *mfile, u32 dev_id)
{
	struct mock_dev *mdev = mock_dev_find(mfile, dev_id);
	struct mock_attach *attach;
	unsigned long index;
	void *owner;

	if (!mdev)
		return -ENOENT;
	xa_for_each(&mfile->attachs, index, attach)
		if (attach->mdev == mdev)
			return -EBUSY;
	xa_for_each(&mfile->pasids, index, owner)
		if (owner == mdev)
			return -EBUSY;
	xa_erase(&mfile->devs, dev_id);
	device_unregister(&mdev->dev);
	return 0;
}

static int mock_sva_feature(struct mock_file *mfile, u32 dev_id, bool enable)
{
	struct mock_dev *mdev = mock_dev_find(mfile, dev_id);

	if (!mdev)
		return -ENOENT;
	/* An accelerator's SVA is its driver's */
	if (mdev->accel)
		return -EBUSY;
	if (enable)
		return iommu_dev_enable_feature(&mdev->dev, IOMMU_DEV_FEAT_SVA);
	return iommu_dev_disable_feature(&mdev->dev, IOMMU_DEV_FEAT_SVA);
}

/* Binds of the caller's mm (BIND) or of the opener's (BIND_OPENER) */
static int mock_bind(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd,
		     struct mm_struct *mm)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	struct iommu_sva *handle;
	struct mock_bind *bind;
	unsigned long index;
	u32 id;
	int rc;

	if (!mdev)
		return -ENOENT;
	if (cmd->bind.bind_id || cmd->bind.pasid)
		return -EINVAL;

	handle = iommu_sva_bind_device(&mdev->dev, mm, NULL);
	if (IS_ERR(handle))
		return PTR_ERR(handle);

	/* The same handle again: the core took a reference, and so do we */
	xa_for_each(&mfile->binds, index, bind) {
		if (bind->handle == handle) {
			bind->users++;
			id = index;
			goto out;
		}
	}

	bind = kzalloc(sizeof(*bind), GFP_KERNEL);
	if (!bind) {
		rc = -ENOMEM;
		goto err_unbind;
	}
	bind->mdev = mdev;
	bind->handle = handle;
	bind->users = 1;
	rc = xa_alloc(&mfile->binds, &id, bind, xa_limit_31b, GFP_KERNEL);
	if (rc) {
		kfree(bind);
		goto err_unbind;
	}
out:
	atomic_inc(&mock_bonds);
	cmd->bind.bind_id = id;
	cmd->bind.pasid = iommu_sva_get_pasid(handle);
	return 0;

err_unbind:
	iommu_sva_unbind_device(handle);
	return rc;
}

static int mock_unbind(struct mock_file *mfile, u32 bind_id)
{
	struct mock_bind *bind = xa_load(&mfile->binds, bind_id);

	if (!bind)
		return -ENOENT;
	atomic_dec(&mock_bonds);
	iommu_sva_unbind_device(bind->handle);
	if (--bind->users == 0) {
		xa_erase(&mfile->binds, bind_id);
		kfree(bind);
	}
	return 0;
}

/* PASIDs, paging domains and attachments */
/* Not inlined: iommu/pasids names it as the owner of the PASIDs */
static noinline int mock_pasid_alloc(struct mock_file *mfile,
				     struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	ioasid_t pasid;
	int rc;

	if (!mdev)
		return -ENOENT;
	if (cmd->pasid.pasid)
		return -EINVAL;
	/* Mock devices have PASIDs: a failure means none is free. */
	pasid = iommu_alloc_global_pasid(&mdev->dev);
	if (pasid == IOMMU_PASID_INVALID)
		return -ENOSPC;
	rc = xa_insert(&mfile->pasids, pasid, mdev, GFP_KERNEL);
	if (rc) {
		iommu_free_global_pasid(pasid);
		return rc;
	}
	cmd->pasid.pasid = pasid;
	return 0;
}

static int mock_pasid_free(struct mock_file *mfile, u32 pasid)
{
	struct mock_attach *attach;
	unsigned long index;

	if (!xa_load(&mfile->pasids, pasid))
		return -ENOENT;
	xa_for_each(&mfile->attachs, index, attach)
		if (attach->pasid == pasid)
			return -EBUSY;
	xa_erase(&mfile->pasids, pasid);
	iommu_free_global_pasid(pasid);
	return 0;
}

static int mock_paging_alloc(struct mock_file *mfile,
			     struct iommu_sva_test_cmd *cmd)
{
	struct bus_type *bus = &mock_buses[0];
	struct iommu_domain *domain;
	struct mock_dev *mdev;
	u32 id;
	int rc;

	if (cmd->domain.domain_id || cmd->domain.pasid)
		return -EINVAL;
	/* On the mock IOMMU of @dev_id, if given */
	if (cmd->dev_id) {
		mdev = mock_dev_find(mfile, cmd->dev_id);
		if (!mdev)
			return -ENOENT;
		bus = mdev->dev.bus;
	}
	domain = iommu_domain_alloc(bus);
	if (!domain)
		return -ENOMEM;
	rc = xa_alloc(&mfile->domains, &id, to_mock_domain(domain),
		      xa_limit_31b, GFP_KERNEL);
	if (rc) {
		iommu_domain_free(domain);
		return rc;
	}
	cmd->domain.domain_id = id;
	return 0;
}

static bool mock_domain_busy(struct mock_file *mfile, struct mock_domain *md)
{
	struct mock_attach *attach;
	unsigned long index;

	xa_for_each(&mfile->attachs, index, attach)
		if (attach->md == md)
			return true;
	return !xa_empty(&md->pfns);
}

static int mock_paging_free(struct mock_file *mfile, u32 domain_id)
{
	struct mock_domain *md = xa_load(&mfile->domains, domain_id);

	if (!md)
		return -ENOENT;
	if (mock_domain_busy(mfile, md))
		return -EBUSY;
	xa_erase(&mfile->domains, domain_id);
	iommu_domain_free(&md->domain);
	return 0;
}

/*
 * Attach a paging domain at a PASID of a device or, with @rid, as the domain
 * of its DMA without PASID (ATTACH_DEV): either is recorded in
 * mfile->attachs, so that the domain and the device stay busy until it goes.
 */
/*
 * The domain of ATTACH_PASID: one of the file's, or with @domain_id 0 the
 * device's own default domain if it translates, as a driver attaches it
 * at a PASID of its own for kernel DMA (idxd's kernel work queues).
 */
static struct mock_domain *mock_attach_domain(struct mock_file *mfile,
					      struct mock_dev *mdev,
					      u32 domain_id, bool rid)
{
	struct iommu_domain *domain;
	struct mock_domain *md;

	if (domain_id) {
		md = xa_load(&mfile->domains, domain_id);
		return md ?: ERR_PTR(-ENOENT);
	}
	domain = iommu_get_domain_for_dev(&mdev->dev);
	if (rid || !mdev->dma_api || !domain || !iommu_is_dma_domain(domain))
		return ERR_PTR(-EINVAL);
	return to_mock_domain(domain);
}

static int mock_attach(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd,
		       bool rid)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	struct mock_domain *md;
	struct mock_attach *attach;
	u32 id;
	int rc;

	if (!mdev)
		return -ENOENT;
	md = mock_attach_domain(mfile, mdev, cmd->domain.domain_id, rid);
	if (IS_ERR(md))
		return PTR_ERR(md);

	attach = kzalloc(sizeof(*attach), GFP_KERNEL);
	if (!attach)
		return -ENOMEM;
	/* Reserve the record first: a detach must never fail to find it */
	rc = xa_alloc(&mfile->attachs, &id, NULL, xa_limit_31b, GFP_KERNEL);
	if (rc)
		goto err_free;
	if (rid)
		rc = iommu_attach_device(&md->domain, &mdev->dev);
	else
		rc = iommu_attach_device_pasid(&md->domain, &mdev->dev,
					       cmd->domain.pasid);
	if (rc)
		goto err_release;
	attach->mdev = mdev;
	attach->md = md;
	attach->rid = rid;
	attach->pasid = rid ? IOMMU_NO_PASID : cmd->domain.pasid;
	xa_store(&mfile->attachs, id, attach, GFP_KERNEL);
	return 0;

err_release:
	xa_release(&mfile->attachs, id);
err_free:
	kfree(attach);
	return rc;
}

static void mock_attach_destroy(struct mock_file *mfile, unsigned long id,
				struct mock_attach *attach)
{
	xa_erase(&mfile->attachs, id);
	if (attach->rid)
		iommu_detach_device(&attach->md->domain, &attach->mdev->dev);
	else
		iommu_detach_device_pasid(&attach->md->domain,
					  &attach->mdev->dev, attach->pasid);
	kfree(attach);
}

static int mock_detach(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd,
		       bool rid)
{
	struct mock_attach *attach;
	unsigned long index;

	xa_for_each(&mfile->attachs, index, attach) {
		if (attach->mdev->id != cmd->dev_id || attach->rid != rid ||
		    (!rid && attach->pasid != cmd->domain.pasid))
			continue;
		/* Detaching another domain than the one attached is a bug */
		if (attach->md != mock_attach_domain(mfile, attach->mdev,
						     cmd->domain.domain_id,
						     rid))
			return -EINVAL;
		mock_attach_destroy(mfile, index, attach);
		return 0;
	}
	return -ENOENT;
}

/* Unmap and unpin what is mapped in [iova, iova + length) of a domain. */
static void mock_unmap_range(struct mock_domain *md, unsigned long iova,
			     unsigned long length)
{
	unsigned long index;
	void *entry;

	lockdep_assert_held(&md->map_lock);
	xa_for_each_range(&md->pfns, index, entry, iova >> PAGE_SHIFT,
			  ((iova + length) >> PAGE_SHIFT) - 1) {
		iommu_unmap(&md->domain, index << PAGE_SHIFT, PAGE_SIZE);
		unpin_user_page(pfn_to_page(xa_to_value(entry) >> 2));
	}
}

static int mock_map(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd)
{
	unsigned long iova = cmd->map.iova, length = cmd->map.length;
	unsigned long uptr = cmd->map.uptr, npages, i;
	int prot = IOMMU_READ;
	struct mock_domain *md;
	struct page **pages;
	long pinned;
	int rc = 0;

	md = xa_load(&mfile->domains, cmd->map.domain_id);
	if (!md)
		return -ENOENT;
	if (!length || length > IOMMU_SVA_TEST_MAX_DMA ||
	    !PAGE_ALIGNED(iova | length | uptr) || cmd->map.write > 1 ||
	    iova + length < iova)
		return -EINVAL;
	if (cmd->map.write)
		prot |= IOMMU_WRITE;

	npages = length >> PAGE_SHIFT;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	mutex_lock(&md->map_lock);
	for (i = 0; i < npages; i++) {
		if (iommu_iova_to_phys(&md->domain, iova + i * PAGE_SIZE)) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	pinned = pin_user_pages_fast(uptr, npages, FOLL_WRITE | FOLL_LONGTERM,
				     pages);
	if (pinned != npages) {
		if (pinned > 0)
			unpin_user_pages(pages, pinned);
		rc = pinned < 0 ? pinned : -EFAULT;
		goto out_unlock;
	}
	for (i = 0; i < npages; i++) {
		rc = iommu_map(&md->domain, iova + i * PAGE_SIZE,
			       page_to_phys(pages[i]), PAGE_SIZE, prot);
		if (rc) {
			/* Undo what got mapped; unpin what did not */
			mock_unmap_range(md, iova, i * PAGE_SIZE);
			unpin_user_pages(pages + i, npages - i);
			break;
		}
	}
out_unlock:
	mutex_unlock(&md->map_lock);
	kvfree(pages);
	return rc;
}

static int mock_unmap(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd)
{
	unsigned long iova = cmd->map.iova, length = cmd->map.length;
	struct mock_domain *md;

	md = xa_load(&mfile->domains, cmd->map.domain_id);
	if (!md)
		return -ENOENT;
	if (!length || !PAGE_ALIGNED(iova | length) || cmd->map.uptr ||
	    cmd->map.write || iova + length <= iova)
		return -EINVAL;
	mutex_lock(&md->map_lock);
	mock_unmap_range(md, iova, length);
	mutex_unlock(&md->map_lock);
	return 0;
}

/* DMA */

/*
 * Report a page request for @va to the core, as PRI or a stall would, and
 * wait for the answer. Return 0 if the page was made present, -EFAULT if
 * the request was answered invalid or could not be reported.
 */
static int mock_dma_fault(struct mock_dev *mdev, struct mock_domain *md,
			  u32 pasid, unsigned long va, bool write)
{
	struct iommu_fault_event evt = {
		.fault.type = IOMMU_FAULT_PAGE_REQ,
		.fault.prm = {
			.flags = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
				 IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE |
				 IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID,
			.pasid = pasid,
			.perm = IOMMU_FAULT_PERM_READ |
				(write ? IOMMU_FAULT_PERM_WRITE : 0),
			.addr = va & PAGE_MASK,
		},
	};
	struct mock_fault fault = { .code = IOMMU_PAGE_RESP_INVALID };
	u32 grpid;
	int rc;

	init_completion(&fault.done);
	/* A PCIe page request group index is 9 bits */
	rc = xa_alloc(&mdev->faults, &grpid, &fault,
		      XA_LIMIT(0, IOMMU_SVA_TEST_PRQ_GRPID_MIN - 1),
		      GFP_KERNEL);
	if (rc)
		return -EFAULT;
	evt.fault.prm.grpid = grpid;

	spin_lock(&md->lock);
	md->faults++;
	spin_unlock(&md->lock);

	rc = iommu_report_device_fault(&mdev->dev, &evt);
	/* Once reported, the core answers every request: wait for it */
	if (!rc)
		wait_for_completion(&fault.done);
	else
		atomic64_inc(&mdev->not_routed);
	xa_erase(&mdev->faults, grpid);
	if (rc || fault.code != IOMMU_PAGE_RESP_SUCCESS)
		return -EFAULT;
	return 0;
}

/*
 * Translate @va of an SVA domain into a referenced page: from the IOTLB,
 * or by walking the mm on a miss (GUP without faulting: a real IOMMU walks
 * the page table and does not fault pages in either).
 */
static int mock_sva_translate(struct mock_dev *mdev, struct mock_domain *md,
			      u32 pasid, unsigned long va, bool write,
			      struct page **pagep)
{
	struct mm_struct *mm = md->domain.mm;
	unsigned int idx = (va >> PAGE_SHIFT) % MOCK_IOTLB_SIZE;
	int faults = 0, races = 0;

	va &= PAGE_MASK;
	for (;;) {
		struct mock_iotlb_entry *e = &md->iotlb[idx];
		struct page *page = NULL, *old = NULL;
		unsigned long seq;
		long got = 0;

		/*
		 * After release() the IOTLB stays empty and walks find no
		 * mm: the device raises a page request, which the core
		 * answers invalid.
		 */
		spin_lock(&md->lock);
		if (e->page && e->va == va && (!write || e->writable)) {
			*pagep = e->page;
			get_page(e->page);
			md->iotlb_hit++;
			spin_unlock(&md->lock);
			return 0;
		}
		seq = md->inval_seq;
		spin_unlock(&md->lock);

		if (mmget_not_zero(mm)) {
			mmap_read_lock(mm);
			got = get_user_pages_remote(mm, va, 1,
						    FOLL_NOFAULT |
						    (write ? FOLL_WRITE : 0),
						    &page, NULL, NULL);
			mmap_read_unlock(mm);
			mmput(mm);
		}
		if (got != 1) {
			if (faults++ == MOCK_DMA_RETRIES)
				return -EFAULT;
			if (mock_dma_fault(mdev, md, pasid, va, write))
				return -EFAULT;
			continue;
		}

		/*
		 * Insert only if no invalidation ran since we sampled the
		 * sequence: it may have been for the PTE we just read. When
		 * one runs in every window, the walk serves this access
		 * alone, uncached, as a walk that raced an invalidation may:
		 * the access is concurrent with it, and the page stays
		 * referenced until the access is done.
		 */
		spin_lock(&md->lock);
		if (md->inval_seq != seq || md->released) {
			if (!md->released && races++ == MOCK_DMA_RETRIES) {
				spin_unlock(&md->lock);
				*pagep = page;
				return 0;
			}
			spin_unlock(&md->lock);
			put_page(page);
			continue;
		}
		old = e->page;
		e->va = va;
		e->page = page;		/* our GUP reference moves here */
		e->writable = write;
		md->iotlb_fill++;
		get_page(page);
		*pagep = page;
		spin_unlock(&md->lock);
		if (old)
			put_page(old);
		return 0;
	}
}

static int mock_paging_translate(struct mock_domain *md, unsigned long iova,
				 bool write, struct page **pagep)
{
	void *entry;

	lockdep_assert_held(&md->map_lock);
	entry = xa_load(&md->pfns, iova >> PAGE_SHIFT);
	if (!entry || !(xa_to_value(entry) &
			(write ? IOMMU_WRITE : IOMMU_READ)))
		return -EFAULT;
	*pagep = pfn_to_page(xa_to_value(entry) >> 2);
	get_page(*pagep);
	return 0;
}

/*
 * DMA and PAGE_REQ do not take the file's lock: they hold the device
 * instead, until put_device().
 */
static struct mock_dev *mock_dev_get(struct mock_file *mfile, u32 dev_id)
{
	struct mock_dev *mdev;

	xa_lock(&mfile->devs);
	mdev = xa_load(&mfile->devs, dev_id);
	if (mdev)
		get_device(&mdev->dev);
	xa_unlock(&mfile->devs);
	return mdev;
}

static bool mock_dma_range_ok(u64 addr, u64 length)
{
	return length && length <= IOMMU_SVA_TEST_MAX_DMA &&
	       addr + length > addr;
}

/*
 * DMA of @mdev with @pasid at @addr, @length bytes (mock_dma_range_ok()),
 * to (@write) or from memory, the other side being @iter. The caller holds
 * a reference to the device.
 */
static int mock_dma_iter(struct mock_dev *mdev, u32 pasid, u64 addr,
			 u64 length, bool write, struct iov_iter *iter)
{
	struct iommu_domain *domain;
	struct mock_domain *md;
	u64 done = 0;
	int rc = 0;

	down_read(&mdev->dma_lock);
	/* Stays attached while we hold dma_lock: see remove_dev_pasid */
	domain = iommu_get_domain_for_dev_pasid(&mdev->dev, pasid, 0);
	if (IS_ERR_OR_NULL(domain) || pasid == IOMMU_NO_PASID) {
		rc = -ENODEV;
		goto out_unlock;
	}
	md = to_mock_domain(domain);
	if (domain->type != IOMMU_DOMAIN_SVA)
		mutex_lock(&md->map_lock);

	while (done < length) {
		unsigned long a = addr + done;
		size_t n = min_t(u64, length - done,
				 PAGE_SIZE - offset_in_page(a));
		struct page *page;
		size_t copied;

		if (domain->type == IOMMU_DOMAIN_SVA)
			rc = mock_sva_translate(mdev, md, pasid, a, write,
						&page);
		else
			rc = mock_paging_translate(md, a, write, &page);
		if (rc)
			break;

		if (write) {
			copied = copy_page_from_iter(page, offset_in_page(a),
						     n, iter);
			set_page_dirty_lock(page);
		} else {
			copied = copy_page_to_iter(page, offset_in_page(a), n,
						   iter);
		}
		put_page(page);
		if (copied != n) {
			rc = -EFAULT;
			break;
		}
		done += n;
	}

	if (domain->type != IOMMU_DOMAIN_SVA)
		mutex_unlock(&md->map_lock);
out_unlock:
	up_read(&mdev->dma_lock);
	return rc;
}

static int mock_dma(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd)
{
	bool write = cmd->dma.flags & IOMMU_SVA_TEST_DMA_WRITE;
	struct mock_dev *mdev;
	struct iov_iter iter;
	struct iovec iov;
	int rc;

	if (cmd->dma.flags & ~IOMMU_SVA_TEST_DMA_WRITE ||
	    !mock_dma_range_ok(cmd->dma.addr, cmd->dma.length))
		return -EINVAL;
	mdev = mock_dev_get(mfile, cmd->dev_id);
	if (!mdev)
		return -ENOENT;
	/* The device writes memory from the caller's buffer, or reads into it */
	rc = import_single_range(write ? ITER_SOURCE : ITER_DEST,
				 u64_to_user_ptr(cmd->dma.uptr),
				 cmd->dma.length, &iov, &iter);
	if (!rc)
		rc = mock_dma_iter(mdev, cmd->dma.pasid, cmd->dma.addr,
				   cmd->dma.length, write, &iter);
	put_device(&mdev->dev);
	return rc;
}

/**
 * iommu_sva_mock_dma() - DMA of a mock device, for the driver bound to it
 * @dev: a mock device, which the caller's driver is bound to
 * @pasid: the PASID the DMA carries; not IOMMU_NO_PASID
 * @addr: where the DMA goes or comes from: a virtual address of the mm
 *        bound at @pasid, or an IOVA of the paging domain attached there
 * @buf: the other side, in kernel memory
 * @length: the bytes, at most IOMMU_SVA_TEST_MAX_DMA
 * @write: the device writes memory from @buf; else reads memory into @buf
 *
 * The DMA is translated as the mock IOMMU translates any: through the
 * domain attached at @pasid, faulting through the IOPF path what is not
 * present. It may have moved part of the data when it fails.
 *
 * Context: Process context; sleeps. The caller keeps the PASID attached
 * (the bond) until this returns.
 * Return: 0 if all of it moved; -EINVAL for a bad length or range,
 * -ENODEV if @dev is not a mock device or nothing is attached at @pasid,
 * -EFAULT if the IOMMU could not translate (the fault was answered invalid
 * or could not be reported).
 */
int iommu_sva_mock_dma(struct device *dev, u32 pasid, unsigned long addr,
		       void *buf, size_t length, bool write)
{
	struct kvec kv = { .iov_base = buf, .iov_len = length };
	struct iov_iter iter;

	if (mock_iommu_of(dev) < 0)
		return -ENODEV;
	if (!mock_dma_range_ok(addr, length))
		return -EINVAL;
	iov_iter_kvec(&iter, write ? ITER_SOURCE : ITER_DEST, &kv, 1, length);
	return mock_dma_iter(to_mock_dev(dev), pasid, addr, length, write,
			     &iter);
}

/**
 * iommu_sva_mock_driver_register() - Register a driver of mock devices
 * @drv: the driver, named IOMMU_SVA_TEST_ACCEL_DRIVER or
 *       IOMMU_SVA_TEST_MDEV_DRIVER
 * @iommu: the mock IOMMU instance whose bus it is for, 0 or 1
 *
 * The driver is bound to each mock device of that instance created with
 * IOMMU_SVA_TEST_DEV_ACCEL, or IOMMU_SVA_TEST_DEV_MDEV, and removed from it
 * before the device goes.
 *
 * Context: Process context, after the mock driver's initcall.
 * Return: 0; -EINVAL for a bad @iommu; or the errno of driver_register().
 */
int iommu_sva_mock_driver_register(struct device_driver *drv,
				   unsigned int iommu)
{
	if (iommu >= MOCK_NR_IOMMUS)
		return -EINVAL;
	drv->bus = &mock_buses[iommu];
	return driver_register(drv);
}

static int mock_counters(struct mock_file *mfile,
			 struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	struct iommu_domain *domain;
	struct mock_domain *md;

	if (!mdev)
		return -ENOENT;
	if (memchr_inv(&cmd->counters.__reserved, 0,
		       sizeof(cmd->counters) -
		       offsetof(typeof(cmd->counters), __reserved)))
		return -EINVAL;

	down_read(&mdev->dma_lock);
	domain = iommu_get_domain_for_dev_pasid(&mdev->dev,
						cmd->counters.pasid, 0);
	if (IS_ERR_OR_NULL(domain)) {
		up_read(&mdev->dma_lock);
		return -ENODEV;
	}
	md = to_mock_domain(domain);
	spin_lock(&md->lock);
	cmd->counters.inv_range = md->inv_range;
	cmd->counters.inv_all = md->inv_all;
	cmd->counters.iotlb_fill = md->iotlb_fill;
	cmd->counters.iotlb_hit = md->iotlb_hit;
	cmd->counters.faults = md->faults;
	spin_unlock(&md->lock);
	up_read(&mdev->dma_lock);
	return 0;
}

/*
 * IOMMU_SVA_TEST_PRQ_MM_BUSY: a worker holds @mm's mmap_lock for writing,
 * as an munmap() running at that moment would, until the device has
 * reported; the reporter waits for nothing but the report meanwhile. No
 * detach of the device can be waiting for the IOPF worker (under
 * dev->iommu->lock, which the report takes) while the worker waits for the
 * mmap_lock: the detach calls mock_remove_dev_pasid() first, which takes
 * dma_lock for writing, and PAGE_REQ holds it for reading throughout.
 */
struct mock_mm_busy {
	struct work_struct work;
	struct mm_struct *mm;
	struct completion held;
	struct completion release;
};

static void mock_mm_busy_fn(struct work_struct *work)
{
	struct mock_mm_busy *busy = container_of(work, struct mock_mm_busy,
						 work);

	mmap_write_lock(busy->mm);
	complete(&busy->held);
	wait_for_completion(&busy->release);
	mmap_write_unlock(busy->mm);
}

static void mock_mm_busy_begin(struct mock_mm_busy *busy,
			       struct mm_struct *mm)
{
	INIT_WORK_ONSTACK(&busy->work, mock_mm_busy_fn);
	busy->mm = mm;
	init_completion(&busy->held);
	init_completion(&busy->release);
	queue_work(system_unbound_wq, &busy->work);
	wait_for_completion(&busy->held);
}

static void mock_mm_busy_end(struct mock_mm_busy *busy)
{
	complete(&busy->release);
	flush_work(&busy->work);
	destroy_work_on_stack(&busy->work);
}

/*
 * Report page requests as a device's PRI would, and return: the core
 * answers each group where it is reported or later, from the IOPF
 * workqueue. A request the core refuses is one the driver answers itself;
 * it is counted as such.
 */
static int mock_page_req(struct mock_file *mfile,
			 struct iommu_sva_test_cmd *cmd)
{
	u32 flags = cmd->page_req.flags, grpid = cmd->page_req.grpid;
	u32 count = cmd->page_req.count, last_grpid, i;
	bool partial = flags & IOMMU_SVA_TEST_PRQ_PARTIAL;
	bool busy = flags & IOMMU_SVA_TEST_PRQ_MM_BUSY;
	struct mock_mm_busy mm_busy;
	struct mock_dev *mdev;

	if (flags & ~IOMMU_SVA_TEST_PRQ_FLAGS || !count ||
	    count > IOMMU_SVA_TEST_PRQ_GRPID_MAX)
		return -EINVAL;
	last_grpid = partial ? grpid : grpid + count - 1;
	if (grpid < IOMMU_SVA_TEST_PRQ_GRPID_MIN ||
	    last_grpid > IOMMU_SVA_TEST_PRQ_GRPID_MAX || (busy && !current->mm))
		return -EINVAL;

	mdev = mock_dev_get(mfile, cmd->dev_id);
	if (!mdev)
		return -ENOENT;

	down_read(&mdev->dma_lock);
	if (busy) {
		u32 pasid = cmd->page_req.pasid;
		/* Stays attached while we hold dma_lock */
		struct iommu_domain *domain =
			iommu_get_domain_for_dev_pasid(&mdev->dev, pasid,
						       IOMMU_DOMAIN_SVA);

		/* The requests must be for the mm made busy */
		if (IS_ERR_OR_NULL(domain) || domain->mm != current->mm) {
			up_read(&mdev->dma_lock);
			put_device(&mdev->dev);
			return -EINVAL;
		}
		mock_mm_busy_begin(&mm_busy, current->mm);
	}
	for (i = 0; i < count; i++) {
		struct iommu_fault_event evt = {
			.fault.type = IOMMU_FAULT_PAGE_REQ,
			.fault.prm = {
				.grpid = partial ? grpid : grpid + i,
				.addr = (cmd->page_req.addr & PAGE_MASK) +
					(u64)i * PAGE_SIZE,
				.perm = IOMMU_FAULT_PERM_READ,
			},
		};
		struct iommu_fault_page_request *prm = &evt.fault.prm;

		if (flags & IOMMU_SVA_TEST_PRQ_WRITE)
			prm->perm |= IOMMU_FAULT_PERM_WRITE;
		if (flags & IOMMU_SVA_TEST_PRQ_EXEC)
			prm->perm |= IOMMU_FAULT_PERM_EXEC;
		if (flags & IOMMU_SVA_TEST_PRQ_PRIV)
			prm->perm |= IOMMU_FAULT_PERM_PRIV;
		if (!(flags & IOMMU_SVA_TEST_PRQ_NO_PASID)) {
			prm->flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
				      IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
			prm->pasid = cmd->page_req.pasid;
		}
		/* Pending before it is reported: the response may be quick */
		if (!partial) {
			prm->flags |= IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
			atomic64_inc(&mdev->prq_pending);
		}
		if (iommu_report_device_fault(&mdev->dev, &evt)) {
			atomic64_inc(&mdev->not_routed);
			if (!partial)
				atomic64_dec(&mdev->prq_pending);
		}
	}
	if (busy)
		mock_mm_busy_end(&mm_busy);
	up_read(&mdev->dma_lock);
	put_device(&mdev->dev);
	return 0;
}

static int mock_stats(struct mock_file *mfile, struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);

	if (!mdev)
		return -ENOENT;
	if (memchr_inv(&cmd->stats, 0, sizeof(cmd->stats)))
		return -EINVAL;
	cmd->stats.resp_success =
		atomic64_read(&mdev->resp[IOMMU_PAGE_RESP_SUCCESS]);
	cmd->stats.resp_invalid =
		atomic64_read(&mdev->resp[IOMMU_PAGE_RESP_INVALID]);
	cmd->stats.resp_failure =
		atomic64_read(&mdev->resp[IOMMU_PAGE_RESP_FAILURE]);
	cmd->stats.not_routed = atomic64_read(&mdev->not_routed);
	cmd->stats.resp_mismatch = atomic64_read(&mdev->resp_mismatch);
	cmd->stats.pending = atomic64_read(&mdev->prq_pending);
	cmd->stats.sva_domains = atomic_read(&mock_sva_domains);
	cmd->stats.notifiers = atomic_read(&mock_notifiers);
	cmd->stats.bonds = atomic_read(&mock_bonds);
	return 0;
}

static int mock_fail_next(struct mock_file *mfile,
			  struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);

	if (!mdev)
		return -ENOENT;
	if (cmd->fail.what == IOMMU_SVA_TEST_FAIL_KVA_OP && !cmd->fail.error) {
		atomic_set(&mock_next_sva_nokva, 1);
		return 0;
	}
	if (cmd->fail.what != IOMMU_SVA_TEST_FAIL_SET_DEV_PASID ||
	    !cmd->fail.error || cmd->fail.error >= MAX_ERRNO)
		return -EINVAL;
	WRITE_ONCE(mdev->fail_set_dev_pasid, -(int)cmd->fail.error);
	return 0;
}

/*
 * DMA_MAP: a page of the kernel's, filled from user space and mapped with
 * the DMA API of a device whose default domain translates. The IOVA is
 * what the device's DMA uses, at a PASID its default domain is attached at.
 */
static int mock_dma_map(struct mock_file *mfile,
			struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	struct mock_dma_buf *buf;
	u32 id;
	int rc;

	if (!mdev)
		return -ENOENT;
	if (!mdev->dma_api || cmd->dma_api.id || cmd->dma_api.iova ||
	    !cmd->dma_api.length || cmd->dma_api.length > PAGE_SIZE)
		return -EINVAL;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	buf->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!buf->page) {
		rc = -ENOMEM;
		goto err_free;
	}
	if (copy_from_user(page_address(buf->page),
			   u64_to_user_ptr(cmd->dma_api.uptr),
			   cmd->dma_api.length)) {
		rc = -EFAULT;
		goto err_page;
	}
	buf->mdev = mdev;
	buf->length = cmd->dma_api.length;
	rc = xa_alloc(&mfile->dma_bufs, &id, NULL, xa_limit_31b, GFP_KERNEL);
	if (rc)
		goto err_page;
	buf->iova = dma_map_page(&mdev->dev, buf->page, 0, buf->length,
				 DMA_BIDIRECTIONAL);
	if (dma_mapping_error(&mdev->dev, buf->iova)) {
		rc = -ENOMEM;
		goto err_release;
	}
	xa_store(&mfile->dma_bufs, id, buf, GFP_KERNEL);
	cmd->dma_api.id = id;
	cmd->dma_api.iova = buf->iova;
	return 0;

err_release:
	xa_release(&mfile->dma_bufs, id);
err_page:
	__free_page(buf->page);
err_free:
	kfree(buf);
	return rc;
}

/* Unmap, then give the page's bytes to @out if not NULL, and free it */
static int mock_dma_buf_destroy(struct mock_file *mfile, unsigned long id,
				struct mock_dma_buf *buf, void __user *out)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&buf->mdev->dev);
	struct mock_domain *md = to_mock_domain(domain);
	int rc = 0;

	xa_erase(&mfile->dma_bufs, id);
	/* Not under a DMA that is reading the mapping (mock_dma_iter()) */
	mutex_lock(&md->map_lock);
	dma_unmap_page(&buf->mdev->dev, buf->iova, buf->length,
		       DMA_BIDIRECTIONAL);
	mutex_unlock(&md->map_lock);
	if (out && copy_to_user(out, page_address(buf->page), buf->length))
		rc = -EFAULT;
	__free_page(buf->page);
	kfree(buf);
	return rc;
}

/* DMA_UNMAP: the bytes the device wrote, read after the unmap */
static int mock_dma_unmap(struct mock_file *mfile,
			  struct iommu_sva_test_cmd *cmd)
{
	struct mock_dma_buf *buf = xa_load(&mfile->dma_bufs, cmd->dma_api.id);

	if (!buf || buf->mdev->id != cmd->dev_id)
		return -ENOENT;
	if (cmd->dma_api.iova || cmd->dma_api.length)
		return -EINVAL;
	return mock_dma_buf_destroy(mfile, cmd->dma_api.id, buf,
				    u64_to_user_ptr(cmd->dma_api.uptr));
}

#ifdef CONFIG_DEFERRED_KERNEL_PGTABLE_FREE
/* Add up the kernel-range invalidations of the SVA domains of @mdev */
static u64 mock_kva_before_free(struct mock_dev *mdev, u32 *domains)
{
	struct mock_sva_attach *at;
	u64 sum = 0;

	*domains = 0;
	list_for_each_entry(at, &mdev->attached, dev_node) {
		spin_lock(&at->md->lock);
		sum += at->md->kva_before_free;
		spin_unlock(&at->md->lock);
		(*domains)++;
	}
	return sum;
}

/*
 * Make the kernel free one page table of its own addresses the way a huge
 * ioremap() does: a PTE table made for one small page, which a 2MiB
 * mapping of the same addresses then replaces (pmd_free_pte_page()).
 */
static int mock_kva_free_one(struct mock_dev *mdev, phys_addr_t phys,
			     struct iommu_sva_test_cmd *cmd)
{
	u64 before, after;
	struct vm_struct *area;
	struct page *table;
	unsigned long addr;
	u32 domains;
	pmd_t *pmd;
	int ret;

	/* VM_IOREMAP areas are aligned to their size */
	area = get_vm_area(PMD_SIZE, VM_IOREMAP);
	if (!area)
		return -ENOMEM;
	addr = (unsigned long)area->addr;
	ret = ioremap_page_range(addr, addr + PAGE_SIZE, phys, PAGE_KERNEL);
	if (ret)
		goto out_free_area;
	pmd = pmd_off_k(addr);
	if (WARN_ON(!IS_ALIGNED(addr, PMD_SIZE) || pmd_none(*pmd) ||
		    pmd_leaf(*pmd))) {
		ret = -EINVAL;
		goto out_free_area;
	}
	table = pmd_page(*pmd);
	get_page(table);
	vunmap_range(addr, addr + PAGE_SIZE);

	before = mock_kva_before_free(mdev, &domains);
	WRITE_ONCE(mock_kva_watch, table);
	ret = ioremap_page_range(addr, addr + PMD_SIZE, phys, PAGE_KERNEL);
	if (!ret && !pmd_leaf(*pmd))
		/* Huge ioremap is off (nohugeiomap, no PSE) */
		ret = -EOPNOTSUPP;
	if (!ret) {
		cmd->kva_free.deferred += page_ref_count(table) > 1;
		kernel_pgtable_free_sync();
	}
	WRITE_ONCE(mock_kva_watch, NULL);
	after = mock_kva_before_free(mdev, &cmd->kva_free.domains);

	/* Freed exactly once by the page-table code, which had our count */
	if (page_ref_count(table) != 1) {
		WARN_ON(!ret);
		ret = ret ?: -EIO;
		/* Leak it rather than free it twice */
		goto out_free_area;
	}
	put_page(table);
	if (ret)
		goto out_free_area;
	cmd->kva_free.freed++;
	/* Every domain of @mdev, bound throughout, was flushed in time */
	if (domains == cmd->kva_free.domains && after - before >= domains)
		cmd->kva_free.flushed_first++;
out_free_area:
	free_vm_area(area);
	return ret;
}

static int mock_kva_free(struct mock_file *mfile,
			 struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	u32 i, n = cmd->kva_free.iterations;
	struct page *block;
	u64 calls;
	int ret = 0;

	if (!mdev)
		return -ENOENT;
	if (!n || n > IOMMU_SVA_TEST_KVA_FREE_MAX ||
	    memchr_inv(&cmd->kva_free.deferred, 0,
		       sizeof(cmd->kva_free) -
		       offsetof(typeof(cmd->kva_free), deferred)))
		return -EINVAL;

	/* What the huge mappings point at; never accessed through them */
	block = alloc_pages(GFP_KERNEL, PMD_SHIFT - PAGE_SHIFT);
	if (!block)
		return -ENOMEM;
	mutex_lock(&mock_kva_lock);
	calls = atomic64_read(&mock_kva_calls);
	for (i = 0; i < n && !ret; i++)
		ret = mock_kva_free_one(mdev, page_to_phys(block), cmd);
	cmd->kva_free.invalidations = atomic64_read(&mock_kva_calls) - calls;
	mutex_unlock(&mock_kva_lock);
	__free_pages(block, PMD_SHIFT - PAGE_SHIFT);
	return ret;
}
#else
static int mock_kva_free(struct mock_file *mfile,
			 struct iommu_sva_test_cmd *cmd)
{
	return -EOPNOTSUPP;
}
#endif

/* The char device */
static int mock_fops_open(struct inode *inode, struct file *filp)
{
	struct mock_file *mfile;

	mfile = kzalloc(sizeof(*mfile), GFP_KERNEL);
	if (!mfile)
		return -ENOMEM;
	mutex_init(&mfile->lock);
	xa_init(&mfile->devs);
	xa_init_flags(&mfile->binds, XA_FLAGS_ALLOC1);
	xa_init_flags(&mfile->domains, XA_FLAGS_ALLOC1);
	xa_init_flags(&mfile->attachs, XA_FLAGS_ALLOC1);
	xa_init(&mfile->pasids);
	xa_init_flags(&mfile->dma_bufs, XA_FLAGS_ALLOC1);
	/* Pairs with the mmdrop() in mock_fops_release() */
	mmgrab(current->mm);
	mfile->opener_mm = current->mm;
	filp->private_data = mfile;
	return 0;
}

/* Undo everything the file created, users before what they use. */
static int mock_fops_release(struct inode *inode, struct file *filp)
{
	struct mock_file *mfile = filp->private_data;
	struct mock_attach *attach;
	struct mock_dma_buf *buf;
	struct mock_domain *md;
	struct mock_bind *bind;
	struct mock_dev *mdev;
	unsigned long index;
	void *owner;

	mutex_lock(&mfile->lock);
	xa_for_each(&mfile->dma_bufs, index, buf)
		mock_dma_buf_destroy(mfile, index, buf, NULL);
	xa_for_each(&mfile->binds, index, bind) {
		for (; bind->users; bind->users--) {
			atomic_dec(&mock_bonds);
			iommu_sva_unbind_device(bind->handle);
		}
		kfree(bind);
	}
	xa_for_each(&mfile->attachs, index, attach)
		mock_attach_destroy(mfile, index, attach);
	xa_for_each(&mfile->domains, index, md) {
		mutex_lock(&md->map_lock);
		mock_unmap_range(md, 0, ULONG_MAX & PAGE_MASK);
		mutex_unlock(&md->map_lock);
		iommu_domain_free(&md->domain);
	}
	xa_for_each(&mfile->pasids, index, owner)
		iommu_free_global_pasid(index);
	xa_for_each(&mfile->devs, index, mdev) {
		xa_erase(&mfile->devs, index);
		mock_dev_destroy(mdev);
	}
	mutex_unlock(&mfile->lock);
	xa_destroy(&mfile->binds);
	xa_destroy(&mfile->attachs);
	xa_destroy(&mfile->domains);
	xa_destroy(&mfile->pasids);
	xa_destroy(&mfile->dma_bufs);
	xa_destroy(&mfile->devs);
	mutex_destroy(&mfile->lock);
	mmdrop(mfile->opener_mm);
	kfree(mfile);
	return 0;
}

/*
 * Time the fault path's lookup of the domain at a PASID against a bare
 * xa_load() of the same index, and against the locked lookup, for make
 * bench. The loops call out of line functions, which the compiler cannot
 * drop or hoist.
 */
static int mock_lookup_cost(struct mock_file *mfile,
			    struct iommu_sva_test_cmd *cmd)
{
	struct mock_dev *mdev = mock_dev_find(mfile, cmd->dev_id);
	u32 n = cmd->lookup_cost.iterations, pasid = cmd->lookup_cost.pasid;
	struct iommu_domain *domain;
	struct device *dev;
	struct xarray xa;
	u32 i, done, slice;
	u64 t0, t1, t2;
	int rc;

	if (!mdev)
		return -ENOENT;
	if (!n || n > IOMMU_SVA_TEST_LOOKUP_MAX || cmd->lookup_cost.fault_ns ||
	    cmd->lookup_cost.get_ns || cmd->lookup_cost.xa_load_ns)
		return -EINVAL;
	dev = &mdev->dev;
	domain = iommu_get_domain_for_dev_pasid(dev, pasid, 0);
	if (IS_ERR_OR_NULL(domain))
		return -ENOENT;
	xa_init(&xa);
	rc = xa_insert(&xa, pasid, domain, GFP_KERNEL);
	if (rc)
		return rc;

	/*
	 * In slices that alternate, so that a pause of the host or of the
	 * guest weighs on both alike
	 */
	mutex_lock(&dev->iommu->lock);
	for (done = 0; done < n; done += slice) {
		slice = min_t(u32, n - done, IOMMU_SVA_TEST_LOOKUP_SLICE);
		t0 = ktime_get_ns();
		for (i = 0; i < slice; i++)
			iommu_fault_domain(dev, pasid);
		t1 = ktime_get_ns();
		for (i = 0; i < slice; i++)
			xa_load(&xa, pasid);
		t2 = ktime_get_ns();
		cmd->lookup_cost.fault_ns += t1 - t0;
		cmd->lookup_cost.xa_load_ns += t2 - t1;
	}
	mutex_unlock(&dev->iommu->lock);

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++)
		iommu_get_domain_for_dev_pasid(dev, pasid, 0);
	cmd->lookup_cost.get_ns = ktime_get_ns() - t0;
	xa_destroy(&xa);
	return 0;
}

/* The bytes of the union an operation does not use must be zero. */
static size_t mock_cmd_arg_size(u32 op)
{
	struct iommu_sva_test_cmd *cmd = NULL;

	switch (op) {
	case IOMMU_SVA_TEST_OP_DEV_CREATE:
		return sizeof(cmd->dev_create);
	case IOMMU_SVA_TEST_OP_BIND:
	case IOMMU_SVA_TEST_OP_UNBIND:
	case IOMMU_SVA_TEST_OP_BIND_OPENER:
		return sizeof(cmd->bind);
	case IOMMU_SVA_TEST_OP_MM_PASID:
		return sizeof(cmd->mm_pasid);
	case IOMMU_SVA_TEST_OP_DMA:
		return sizeof(cmd->dma);
	case IOMMU_SVA_TEST_OP_COUNTERS:
		return sizeof(cmd->counters);
	case IOMMU_SVA_TEST_OP_PASID_ALLOC:
	case IOMMU_SVA_TEST_OP_PASID_FREE:
		return sizeof(cmd->pasid);
	case IOMMU_SVA_TEST_OP_PAGING_ALLOC:
	case IOMMU_SVA_TEST_OP_PAGING_FREE:
	case IOMMU_SVA_TEST_OP_ATTACH_PASID:
	case IOMMU_SVA_TEST_OP_DETACH_PASID:
	case IOMMU_SVA_TEST_OP_ATTACH_DEV:
	case IOMMU_SVA_TEST_OP_DETACH_DEV:
		return sizeof(cmd->domain);
	case IOMMU_SVA_TEST_OP_MAP:
	case IOMMU_SVA_TEST_OP_UNMAP:
		return sizeof(cmd->map);
	case IOMMU_SVA_TEST_OP_PAGE_REQ:
		return sizeof(cmd->page_req);
	case IOMMU_SVA_TEST_OP_STATS:
		return sizeof(cmd->stats);
	case IOMMU_SVA_TEST_OP_FAIL_NEXT:
		return sizeof(cmd->fail);
	case IOMMU_SVA_TEST_OP_KVA_FREE:
		return sizeof(cmd->kva_free);
	case IOMMU_SVA_TEST_OP_DMA_MAP:
	case IOMMU_SVA_TEST_OP_DMA_UNMAP:
		return sizeof(cmd->dma_api);
	case IOMMU_SVA_TEST_OP_LOOKUP_COST:
		return sizeof(cmd->lookup_cost);
	default:
		return 0;
	}
}

/* Operations that create something the caller must learn about */
static bool mock_cmd_creates(u32 op)
{
	return op == IOMMU_SVA_TEST_OP_DEV_CREATE ||
	       op == IOMMU_SVA_TEST_OP_BIND ||
	       op == IOMMU_SVA_TEST_OP_BIND_OPENER ||
	       op == IOMMU_SVA_TEST_OP_PASID_ALLOC ||
	       op == IOMMU_SVA_TEST_OP_PAGING_ALLOC ||
	       op == IOMMU_SVA_TEST_OP_DMA_MAP;
}

static void mock_cmd_undo(struct mock_file *mfile,
			  struct iommu_sva_test_cmd *cmd)
{
	switch (cmd->op) {
	case IOMMU_SVA_TEST_OP_DEV_CREATE:
		mock_dev_destroy_id(mfile, cmd->dev_id);
		break;
	case IOMMU_SVA_TEST_OP_BIND:
	case IOMMU_SVA_TEST_OP_BIND_OPENER:
		mock_unbind(mfile, cmd->bind.bind_id);
		break;
	case IOMMU_SVA_TEST_OP_PASID_ALLOC:
		mock_pasid_free(mfile, cmd->pasid.pasid);
		break;
	case IOMMU_SVA_TEST_OP_PAGING_ALLOC:
		mock_paging_free(mfile, cmd->domain.domain_id);
		break;
	case IOMMU_SVA_TEST_OP_DMA_MAP:
		mock_dma_buf_destroy(mfile, cmd->dma_api.id,
				     xa_load(&mfile->dma_bufs, cmd->dma_api.id),
				     NULL);
		break;
	}
}

static int mock_cmd_locked(struct mock_file *mfile,
			   struct iommu_sva_test_cmd *cmd)
{
	lockdep_assert_held(&mfile->lock);
	switch (cmd->op) {
	case IOMMU_SVA_TEST_OP_DEV_CREATE:
		return mock_dev_create(mfile, cmd);
	case IOMMU_SVA_TEST_OP_DEV_DESTROY:
		return mock_dev_destroy_id(mfile, cmd->dev_id);
	case IOMMU_SVA_TEST_OP_DEV_UNPLUG:
		return mock_dev_unplug(mfile, cmd->dev_id);
	case IOMMU_SVA_TEST_OP_SVA_ENABLE:
		return mock_sva_feature(mfile, cmd->dev_id, true);
	case IOMMU_SVA_TEST_OP_SVA_DISABLE:
		return mock_sva_feature(mfile, cmd->dev_id, false);
	case IOMMU_SVA_TEST_OP_BIND:
		return mock_bind(mfile, cmd, current->mm);
	case IOMMU_SVA_TEST_OP_BIND_OPENER:
		return mock_bind(mfile, cmd, mfile->opener_mm);
	case IOMMU_SVA_TEST_OP_UNBIND:
		return mock_unbind(mfile, cmd->bind.bind_id);
	case IOMMU_SVA_TEST_OP_COUNTERS:
		return mock_counters(mfile, cmd);
	case IOMMU_SVA_TEST_OP_PASID_ALLOC:
		return mock_pasid_alloc(mfile, cmd);
	case IOMMU_SVA_TEST_OP_PASID_FREE:
		return mock_pasid_free(mfile, cmd->pasid.pasid);
	case IOMMU_SVA_TEST_OP_PAGING_ALLOC:
		return mock_paging_alloc(mfile, cmd);
	case IOMMU_SVA_TEST_OP_PAGING_FREE:
		return mock_paging_free(mfile, cmd->domain.domain_id);
	case IOMMU_SVA_TEST_OP_ATTACH_PASID:
		return mock_attach(mfile, cmd, false);
	case IOMMU_SVA_TEST_OP_DETACH_PASID:
		return mock_detach(mfile, cmd, false);
	case IOMMU_SVA_TEST_OP_ATTACH_DEV:
		if (cmd->domain.pasid)
			return -EINVAL;
		return mock_attach(mfile, cmd, true);
	case IOMMU_SVA_TEST_OP_DETACH_DEV:
		if (cmd->domain.pasid)
			return -EINVAL;
		return mock_detach(mfile, cmd, true);
	case IOMMU_SVA_TEST_OP_MAP:
		return mock_map(mfile, cmd);
	case IOMMU_SVA_TEST_OP_UNMAP:
		return mock_unmap(mfile, cmd);
	case IOMMU_SVA_TEST_OP_STATS:
		return mock_stats(mfile, cmd);
	case IOMMU_SVA_TEST_OP_FAIL_NEXT:
		return mock_fail_next(mfile, cmd);
	case IOMMU_SVA_TEST_OP_KVA_FREE:
		return mock_kva_free(mfile, cmd);
	case IOMMU_SVA_TEST_OP_DMA_MAP:
		return mock_dma_map(mfile, cmd);
	case IOMMU_SVA_TEST_OP_DMA_UNMAP:
		return mock_dma_unmap(mfile, cmd);
	case IOMMU_SVA_TEST_OP_LOOKUP_COST:
		return mock_lookup_cost(mfile, cmd);
	default:
		return -EOPNOTSUPP;
	}
}

static long mock_fops_ioctl(struct file *filp, unsigned int cmd_nr,
			    unsigned long arg)
{
	struct mock_file *mfile = filp->private_data;
	struct iommu_sva_test_cmd cmd;
	size_t used;
	int rc;

	if (cmd_nr != IOMMU_SVA_TEST_CMD)
		return -ENOTTY;
	if (copy_from_user(&cmd, (void __user *)arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.size != sizeof(cmd) || cmd.__reserved)
		return -EINVAL;
	used = mock_cmd_arg_size(cmd.op);
	if (memchr_inv((u8 *)cmd.__pad + used, 0, sizeof(cmd.__pad) - used))
		return -EINVAL;

	switch (cmd.op) {
	case IOMMU_SVA_TEST_OP_DMA:
		/* Concurrent with everything but the device's PASID detach */
		return mock_dma(mfile, &cmd);
	case IOMMU_SVA_TEST_OP_PAGE_REQ:
		return mock_page_req(mfile, &cmd);
	case IOMMU_SVA_TEST_OP_MM_PASID:
		if (cmd.mm_pasid.pasid || cmd.mm_pasid.__reserved)
			return -EINVAL;
		cmd.mm_pasid.pasid = current->mm->pasid;
		break;
	default:
		mutex_lock(&mfile->lock);
		rc = mock_cmd_locked(mfile, &cmd);
		if (!rc && copy_to_user((void __user *)arg, &cmd, sizeof(cmd))) {
			/* Undo what the caller cannot learn about. */
			if (mock_cmd_creates(cmd.op))
				mock_cmd_undo(mfile, &cmd);
			rc = -EFAULT;
		}
		mutex_unlock(&mfile->lock);
		return rc;
	}
	if (copy_to_user((void __user *)arg, &cmd, sizeof(cmd)))
		return -EFAULT;
	return 0;
}

static const struct file_operations mock_fops = {
	.owner = THIS_MODULE,
	.open = mock_fops_open,
	.release = mock_fops_release,
	.unlocked_ioctl = mock_fops_ioctl,
};

static struct miscdevice mock_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu-sva-test",
	.fops = &mock_fops,
	.mode = 0600,
};

static void mock_iommus_unregister(int n)
{
	while (n--) {
		iommu_device_unregister_bus(&mock_iommus[n], &mock_buses[n],
					    &mock_bus_nbs[n]);
		iommu_device_sysfs_remove(&mock_iommus[n]);
		bus_unregister(&mock_buses[n]);
	}
}

static int mock_iommu_register(int i)
{
	int rc;

	mock_ops[i] = mock_ops_template;
	/*
	 * Instance 0 stands for an IOMMU that walks the CPU's tables, kernel
	 * half included, as VT-d does: on x86 the core gives it SVA only
	 * because the kernel flushes its SVA domains (invalidate_kva) before
	 * freeing page tables of its own addresses. Instance 1 says that it
	 * walks no kernel page table, which is true of the mock, and has no
	 * such flush.
	 */
	mock_ops[i].sva_no_kernel_tables = i == 1;
	mock_ops[i].default_domain_ops = i ? &mock_domain_ops_nokva :
					     &mock_domain_ops;
	/* The mock IOMMU supports 20-bit PASIDs, as PCIe allows. */
	mock_iommus[i].max_pasids = 1U << IOMMU_SVA_TEST_MAX_PASID_BITS;
	rc = bus_register(&mock_buses[i]);
	if (rc)
		return rc;
	rc = iommu_device_sysfs_add(&mock_iommus[i], NULL, NULL, "%s",
				    mock_buses[i].name);
	if (rc)
		goto err_bus;
	rc = iommu_device_register_bus(&mock_iommus[i], &mock_ops[i],
				       &mock_buses[i], &mock_bus_nbs[i]);
	if (rc)
		goto err_sysfs;
	return 0;

err_sysfs:
	iommu_device_sysfs_remove(&mock_iommus[i]);
err_bus:
	bus_unregister(&mock_buses[i]);
	return rc;
}

static int __init mock_init(void)
{
	int i, rc;

	mock_iopf_queue = iopf_queue_alloc(IOMMU_SVA_TEST_BUS);
	if (!mock_iopf_queue)
		return -ENOMEM;
	for (i = 0; i < MOCK_NR_IOMMUS; i++) {
		rc = mock_iommu_register(i);
		if (rc)
			goto err_iommus;
	}
	rc = misc_register(&mock_misc);
	if (rc)
		goto err_iommus;
	return 0;

err_iommus:
	mock_iommus_unregister(i);
	iopf_queue_free(mock_iopf_queue);
	return rc;
}
module_init(mock_init);
