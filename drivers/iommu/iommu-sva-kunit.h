/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the KUnit tests of the IOMMU drivers' SVA code: process
 * address spaces, real mms made with mm_alloc(), populated with vm_mmap()
 * and pinned with GUP, so that a test can check what the driver programs
 * against what the CPU's page tables map; and a PCI function with the ATS,
 * PASID and PRI capabilities whose configuration space is memory.
 */
#ifndef _IOMMU_SVA_KUNIT_H
#define _IOMMU_SVA_KUNIT_H

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <trace/events/iommu.h>

/* An mm with @nr anonymous pages at *@addr, all present and pinned */
static inline struct mm_struct *iommu_test_mm_create(struct kunit *test,
						     unsigned long *addr,
						     struct page **pages,
						     int nr)
{
	struct mm_struct *mm;
	long got;

	mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, mm);
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);

	kthread_use_mm(mm);
	*addr = vm_mmap(NULL, 0, nr * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, 0);
	kthread_unuse_mm(mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(*addr));

	mmap_read_lock(mm);
	got = get_user_pages_remote(mm, *addr, nr, FOLL_WRITE, pages, NULL,
				    NULL);
	mmap_read_unlock(mm);
	KUNIT_ASSERT_EQ(test, got, nr);
	return mm;
}

/*
 * Undo iommu_test_mm_create(): unpin the pages, and the last user of the
 * mm goes, so that exit_mmap() runs the mm notifiers' release().
 */
static inline void iommu_test_mm_put(struct mm_struct *mm, struct page **pages,
				     int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		put_page(pages[i]);
	mmput(mm);
}

/*
 * A PCI function alone on a bus of its own, its configuration space in
 * memory: ATS, PASID (32 PASIDs, execute and privileged) and PRI (stopped,
 * responses need the PASID, IOMMU_TEST_PRI_MAX_REQS requests). Each write
 * is recorded, so that a test can check in which order a driver enables
 * and disables the capabilities.
 */
#define IOMMU_TEST_ATS_CAP	0x100
#define IOMMU_TEST_PASID_CAP	0x110
#define IOMMU_TEST_PRI_CAP	0x120
#define IOMMU_TEST_PRI_MAX_REQS	64
#define IOMMU_TEST_PCI_WRITES	16

struct iommu_test_pci {
	struct pci_bus		bus;
	struct pci_dev		pdev;
	struct dev_iommu	iommu;
	u8			cfg[PCI_CFG_SPACE_EXP_SIZE];
	/* The registers written, in order */
	unsigned int		nr_writes;
	int			writes[IOMMU_TEST_PCI_WRITES];
};

static inline int iommu_test_pci_read(struct pci_bus *bus, unsigned int devfn,
				      int where, int size, u32 *val)
{
	struct iommu_test_pci *tp = container_of(bus, struct iommu_test_pci,
						 bus);
	__le32 v = 0;

	memcpy(&v, &tp->cfg[where], size);
	*val = le32_to_cpu(v);
	return PCIBIOS_SUCCESSFUL;
}

static inline int iommu_test_pci_write(struct pci_bus *bus,
				       unsigned int devfn, int where, int size,
				       u32 val)
{
	struct iommu_test_pci *tp = container_of(bus, struct iommu_test_pci,
						 bus);
	__le32 v = cpu_to_le32(val);

	memcpy(&tp->cfg[where], &v, size);
	if (tp->nr_writes < IOMMU_TEST_PCI_WRITES)
		tp->writes[tp->nr_writes] = where;
	tp->nr_writes++;
	return PCIBIOS_SUCCESSFUL;
}

static struct pci_ops iommu_test_pci_ops = {
	.read = iommu_test_pci_read,
	.write = iommu_test_pci_write,
};

static inline u16 iommu_test_pci_word(struct iommu_test_pci *tp, int where)
{
	return tp->cfg[where] | tp->cfg[where + 1] << 8;
}

/* The index of the first write to @where, or -1 */
static inline int iommu_test_pci_write_index(struct iommu_test_pci *tp,
					     int where)
{
	unsigned int i;

	for (i = 0; i < min_t(unsigned int, tp->nr_writes,
			      IOMMU_TEST_PCI_WRITES); i++)
		if (tp->writes[i] == where)
			return i;
	return -1;
}

/*
 * Chain the extended capabilities the function has, in place: one that it
 * lacks keeps its slot with the null capability ID, so that the chain still
 * starts at 0x100, and the PCI core's offset of it is 0, as pci_init_*()
 * would leave it.
 */
static inline void iommu_test_pci_set_caps(struct iommu_test_pci *tp,
					   bool ats, bool pasid, bool pri)
{
	static const struct {
		int at, id, next;
	} caps[] = {
		{ IOMMU_TEST_ATS_CAP, PCI_EXT_CAP_ID_ATS, IOMMU_TEST_PASID_CAP },
		{ IOMMU_TEST_PASID_CAP, PCI_EXT_CAP_ID_PASID, IOMMU_TEST_PRI_CAP },
		{ IOMMU_TEST_PRI_CAP, PCI_EXT_CAP_ID_PRI, 0 },
	};
	const bool has[] = { ats, pasid, pri };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		__le32 hdr = cpu_to_le32((has[i] ? caps[i].id : 0) | 1 << 16 |
					 caps[i].next << 20);

		memcpy(&tp->cfg[caps[i].at], &hdr, sizeof(hdr));
	}
	tp->pdev.ats_cap = ats ? IOMMU_TEST_ATS_CAP : 0;
	tp->pdev.pasid_cap = pasid ? IOMMU_TEST_PASID_CAP : 0;
	tp->pdev.pri_cap = pri ? IOMMU_TEST_PRI_CAP : 0;
}

/* The function is test memory: nothing to free with its last reference */
static inline void iommu_test_pci_release(struct device *dev)
{
}

/*
 * Make @tp the function @devfn, named @name, with no IOMMU driver state
 * yet: tp->iommu is its dev_iommu, for the caller to fill. Fault handlers
 * take references on the device, so it is initialised as a device; the
 * caller drops its reference with put_device() when done.
 */
static inline void iommu_test_pci_init(struct kunit *test,
				       struct iommu_test_pci *tp,
				       const char *name, unsigned int devfn)
{
	struct pci_dev *pdev = &tp->pdev;

	tp->cfg[IOMMU_TEST_PASID_CAP + PCI_PASID_CAP] = PCI_PASID_CAP_EXEC |
							PCI_PASID_CAP_PRIV;
	tp->cfg[IOMMU_TEST_PASID_CAP + PCI_PASID_CAP + 1] = 5;
	tp->cfg[IOMMU_TEST_PRI_CAP + PCI_PRI_STATUS + 1] =
		(PCI_PRI_STATUS_STOPPED | PCI_PRI_STATUS_PASID) >> 8;
	tp->cfg[IOMMU_TEST_PRI_CAP + PCI_PRI_MAX_REQ] = IOMMU_TEST_PRI_MAX_REQS;

	tp->bus.ops = &iommu_test_pci_ops;
	pdev->bus = &tp->bus;
	pdev->devfn = devfn;
	pdev->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	pdev->error_state = pci_channel_io_normal;
	iommu_test_pci_set_caps(tp, true, true, true);
	pdev->pasid_required = 1;
	pdev->eetlp_prefix_path = 1;
	device_initialize(&pdev->dev);
	pdev->dev.release = iommu_test_pci_release;
	KUNIT_ASSERT_EQ(test, dev_set_name(&pdev->dev, "%s", name), 0);
	pdev->dev.bus = &pci_bus_type;
	mutex_init(&tp->iommu.lock);
	pdev->dev.iommu = &tp->iommu;
}

/*
 * The refusals of SVA that iommu_sva_refuse() reports for one device while
 * a test watches, through the sva_unavailable trace event: how many since
 * the last check, and what the last one said.
 */
struct iommu_test_refusals {
	struct device	*dev;
	unsigned int	n;
	int		err;
	char		prefix[32];
	char		piece[96];
};

static inline void iommu_test_refusal_probe(void *data, struct device *dev,
					    int err, const char *prefix,
					    const char *piece)
{
	struct iommu_test_refusals *r = data;

	if (dev != r->dev)
		return;
	r->n++;
	r->err = err;
	strscpy(r->prefix, prefix, sizeof(r->prefix));
	strscpy(r->piece, piece, sizeof(r->piece));
}

static inline int iommu_test_refusals_init(struct kunit_resource *res,
					   void *context)
{
	struct iommu_test_refusals *r = context;

	res->data = r;
	return register_trace_sva_unavailable(iommu_test_refusal_probe, r);
}

static inline void iommu_test_refusals_free(struct kunit_resource *res)
{
	unregister_trace_sva_unavailable(iommu_test_refusal_probe, res->data);
	tracepoint_synchronize_unregister();
}

/*
 * Watch @dev's refusals until the end of the test, even one that a failed
 * assertion ends: the probe goes with the test's resources.
 */
static inline struct iommu_test_refusals *
iommu_test_refusals_watch(struct kunit *test, struct device *dev)
{
	struct iommu_test_refusals *r;
	void *res;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->dev = dev;
	res = kunit_alloc_resource(test, iommu_test_refusals_init,
				   iommu_test_refusals_free, GFP_KERNEL, r);
	KUNIT_ASSERT_NOT_NULL(test, res);
	return r;
}

/*
 * @ret is the errno of exactly one refusal since the last check, @err, that
 * said "<prefix> <piece>"; or, for @err 0, success with no refusal.
 */
static inline void iommu_test_refused(struct kunit *test,
				      struct iommu_test_refusals *r, int ret,
				      int err, const char *prefix,
				      const char *piece)
{
	KUNIT_EXPECT_EQ_MSG(test, ret, err, "%s", piece);
	KUNIT_EXPECT_EQ_MSG(test, r->n, err ? 1U : 0U, "%s", piece);
	if (err && r->n) {
		KUNIT_EXPECT_EQ(test, r->err, err);
		KUNIT_EXPECT_STREQ(test, r->prefix, prefix);
		KUNIT_EXPECT_STREQ(test, r->piece, piece);
	}
	r->n = 0;
}

/*
 * The sva_invalidate events of a test for the devices it watches, the
 * first four in order
 */
struct iommu_test_invalidations {
	struct device *devs[2];
	unsigned int n;
	struct {
		struct device	*dev;
		u32		pasid;
		unsigned long	start, end;
	} ev[4];
};

static inline void iommu_test_invalidation_probe(void *data,
						 struct device *dev,
						 ioasid_t pasid,
						 unsigned long start,
						 unsigned long end)
{
	struct iommu_test_invalidations *r = data;

	if (dev != r->devs[0] && dev != r->devs[1])
		return;
	if (r->n < ARRAY_SIZE(r->ev)) {
		r->ev[r->n].dev = dev;
		r->ev[r->n].pasid = pasid;
		r->ev[r->n].start = start;
		r->ev[r->n].end = end;
	}
	r->n++;
}

static inline int iommu_test_invalidations_init(struct kunit_resource *res,
						void *context)
{
	res->data = context;
	return register_trace_sva_invalidate(iommu_test_invalidation_probe,
					     context);
}

static inline void iommu_test_invalidations_free(struct kunit_resource *res)
{
	unregister_trace_sva_invalidate(iommu_test_invalidation_probe,
					res->data);
	tracepoint_synchronize_unregister();
}

/*
 * Record the sva_invalidate events of @dev0 and @dev1 until the end of the
 * test: others, of the machine's own SVA, do not count
 */
static inline struct iommu_test_invalidations *
iommu_test_invalidations_watch(struct kunit *test, struct device *dev0,
			       struct device *dev1)
{
	struct iommu_test_invalidations *r;
	void *res;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->devs[0] = dev0;
	r->devs[1] = dev1;
	res = kunit_alloc_resource(test, iommu_test_invalidations_init,
				   iommu_test_invalidations_free, GFP_KERNEL, r);
	KUNIT_ASSERT_NOT_NULL(test, res);
	return r;
}

/*
 * Event @i says that [@start, @end) of the mm was invalidated for @dev at
 * @pasid
 */
static inline void iommu_test_expect_invalidation(struct kunit *test,
						  struct iommu_test_invalidations *r,
						  unsigned int i,
						  struct device *dev,
						  u32 pasid,
						  unsigned long start,
						  unsigned long end)
{
	KUNIT_ASSERT_LT(test, i, (unsigned int)ARRAY_SIZE(r->ev));
	KUNIT_EXPECT_PTR_EQ(test, r->ev[i].dev, dev);
	KUNIT_EXPECT_EQ(test, r->ev[i].pasid, pasid);
	KUNIT_EXPECT_EQ(test, r->ev[i].start, start);
	KUNIT_EXPECT_EQ(test, r->ev[i].end, end);
}

/* The first words of a refusal's line, by its errno: sva.rst's table */
static inline bool iommu_test_refusal_says(int err, const char *prefix)
{
	switch (err) {
	case -EOPNOTSUPP:
		return !strcmp(prefix, "kernel lacks");
	case -ENODEV:
		return !strcmp(prefix, "no IOMMU") ||
		       !strcmp(prefix, "IOMMU lacks");
	case -ENXIO:
		return !strcmp(prefix, "device lacks");
	case -EACCES:
		return !strcmp(prefix, "device has disabled");
	case -EOVERFLOW:
		return !strcmp(prefix, "device cannot use");
	case -EPERM:
		return !strcmp(prefix, "platform forbids");
	case -EINVAL:
		return !strcmp(prefix, "driver did not enable");
	}
	return false;
}

#endif /* _IOMMU_SVA_KUNIT_H */
