// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the VT-d PASID entries and invalidation descriptors.
 *
 * A fake IOMMU without MMIO: its invalidation queue records each descriptor
 * (intel_iommu::test_qi_submit) along with a copy of the PASID entry a
 * PASID-cache invalidation names, as the IOMMU would read it at that moment;
 * its register file is a page of memory with an empty page request queue.
 * A second such IOMMU has one device behind it, for domains that span both.
 * Devices are PCI functions on a fake root bus whose configuration space
 * answers the vendor ID and the PASID capability; their PASID tables are the
 * driver's own. Process address spaces are real mms made with mm_alloc(),
 * populated with vm_mmap() and GUP.
 *
 * The descriptors are decoded here with the field positions of the VT-d
 * specification (6.5.2), not with the driver's macros.
 *
 * This file is included by iommu.c, whose static functions it calls.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/mmu_context.h>

#include "../iommu-sva-kunit.h"

#define TEST_NR_DESCS		256
#define TEST_NR_DEVS		4
#define TEST_OTHER_DEV		3	/* behind the second IOMMU */
#define TEST_NR_PAGES		8
#define TEST_MAMV		9	/* 2MiB: larger ranges flush the PASID */
#define TEST_PASID_BITS		20
#define TEST_PASID_CAP		0x100
#define TEST_QDEP		8

/* Descriptor types and granularities of the specification */
#define T_IOTLB			0x2
#define T_IWD			0x5
#define T_PIOTLB		0x6
#define T_PC			0x7
#define T_DEVTLB		0x8
#define T_PGRP			0x9

struct test_desc {
	struct intel_iommu	*unit;	/* the IOMMU whose queue took it */
	u64			qw[4];
	unsigned long		options;
	bool			entry_valid;
	struct pasid_entry	entry;	/* T_PC: the entry, for the device */
};

struct test_dev {
	struct pci_dev		pdev;
	struct dev_iommu	iommu;
	struct device_domain_info info;
};

struct test_ctx {
	struct intel_iommu	iommu;
	struct intel_iommu	iommu2;
	struct pci_bus		bus;
	struct pci_sysdata	sysdata;
	struct test_dev		d[TEST_NR_DEVS];
	void			*regs;
	void			*regs2;
	spinlock_t		rec_lock;	/* descriptors come from any context */
	struct test_dev		*watch;		/* whose entry a T_PC copies */
	unsigned int		nr_descs;
	unsigned int		lost_descs;
	struct test_desc	descs[TEST_NR_DESCS];
	/* The PCI function page requests come from, and its fault handler */
	struct iommu_test_pci	*pci;
	int			fault_ret;
	unsigned int		nr_faults;
	struct iommu_fault	faults[4];
};

/* What a recorded descriptor must be; fields not used by @type are ignored */
struct test_exp {
	u8			type;
	u8			gran;	/* T_PIOTLB: 2 PASID, 3 pages; T_IOTLB */
	u16			did;	/* T_DEVTLB: the requester ID */
	u32			pasid;
	u64			addr;
	u8			am;	/* T_DEVTLB: log2 pages, from the S bit */
	bool			ih;	/* T_PIOTLB pages: leaves only */
	bool			other;	/* for the second IOMMU */
};

static struct pasid_entry *test_entry(struct test_dev *td, u32 pasid)
{
	struct pasid_dir_entry *dir = td->info.pasid_table->table;
	struct pasid_entry *entries;

	entries = get_pasid_table_from_pde(&dir[pasid >> PASID_PDE_SHIFT]);
	return entries ? &entries[pasid & PASID_PTE_MASK] : NULL;
}

static void test_record(struct test_ctx *ctx, struct intel_iommu *iommu,
			struct qi_desc *desc, unsigned int count,
			unsigned long options)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ctx->rec_lock, flags);
	for (i = 0; i < count; i++) {
		struct test_desc *t;
		struct pasid_entry *pte;

		if (ctx->nr_descs == TEST_NR_DESCS) {
			ctx->lost_descs++;
			continue;
		}
		t = &ctx->descs[ctx->nr_descs++];
		t->unit = iommu;
		t->qw[0] = desc[i].qw0;
		t->qw[1] = desc[i].qw1;
		t->qw[2] = desc[i].qw2;
		t->qw[3] = desc[i].qw3;
		t->options = options;
		t->entry_valid = false;
		if ((desc[i].qw0 & 0xf) != T_PC || !ctx->watch)
			continue;
		pte = test_entry(ctx->watch, (desc[i].qw0 >> 32) & 0xfffff);
		if (pte) {
			t->entry = *pte;
			t->entry_valid = true;
		}
	}
	spin_unlock_irqrestore(&ctx->rec_lock, flags);
}

static int test_qi_submit(struct intel_iommu *iommu, struct qi_desc *desc,
			  unsigned int count, unsigned long options)
{
	test_record(container_of(iommu, struct test_ctx, iommu), iommu, desc,
		    count, options);
	return 0;
}

static int test_qi_submit2(struct intel_iommu *iommu, struct qi_desc *desc,
			   unsigned int count, unsigned long options)
{
	test_record(container_of(iommu, struct test_ctx, iommu2), iommu, desc,
		    count, options);
	return 0;
}

static void test_clear(struct test_ctx *ctx)
{
	ctx->nr_descs = 0;
}

/* Check the descriptors recorded since test_clear() against @exp */
static void test_expect_descs(struct kunit *test, struct test_ctx *ctx,
			      const struct test_exp *exp, unsigned int nr)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ctx->lost_descs, 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, nr);
	for (i = 0; i < min(nr, ctx->nr_descs); i++) {
		const u64 *qw = ctx->descs[i].qw;
		const struct test_exp *e = &exp[i];

		KUNIT_EXPECT_EQ_MSG(test, qw[0] & 0xf, e->type, "desc %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, ctx->descs[i].unit,
					e->other ? &ctx->iommu2 : &ctx->iommu,
					"desc %u", i);
		switch (e->type) {
		case T_PC:
			/* PASID-selective, within the domain */
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 4) & 3, 1, "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 16) & 0xffff, e->did,
					    "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 32) & 0xfffff, e->pasid,
					    "desc %u", i);
			break;
		case T_PIOTLB:
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 4) & 3, e->gran, "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 16) & 0xffff, e->did,
					    "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 32) & 0xfffff, e->pasid,
					    "desc %u", i);
			if (e->gran != 3)
				break;
			KUNIT_EXPECT_EQ_MSG(test, qw[1] & ~0xfffULL, e->addr, "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, qw[1] & 0x3f, e->am, "desc %u", i);
			/* IH clear: paging-structure caches go too */
			KUNIT_EXPECT_EQ_MSG(test, (qw[1] >> 6) & 1, e->ih, "desc %u",
					    i);
			break;
		case T_IOTLB:
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 4) & 3, e->gran, "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 16) & 0xffff, e->did,
					    "desc %u", i);
			if (e->gran != 3)
				break;
			KUNIT_EXPECT_EQ_MSG(test, qw[1] & ~0xfffULL, e->addr, "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, qw[1] & 0x3f, e->am, "desc %u", i);
			break;
		case T_DEVTLB: {
			u64 a = qw[1] & ~0xfffULL;
			unsigned int am = 0;

			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 16) & 0xffff, e->did,
					    "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 32) & 0xfffff, e->pasid,
					    "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, (qw[0] >> 4) & 0x1f, TEST_QDEP,
					    "desc %u", i);
			/* S set: the lowest clear address bit gives the size */
			if (qw[1] & BIT_ULL(11)) {
				am = __ffs64(~(a >> VTD_PAGE_SHIFT)) + 1;
				if (am < 64 - VTD_PAGE_SHIFT)
					a &= ~((1ULL << (am + VTD_PAGE_SHIFT)) - 1);
				else
					a = 0;
			}
			KUNIT_EXPECT_EQ_MSG(test, am, e->am, "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, a, e->addr, "desc %u", i);
			break;
		}
		case T_IWD:
			/* Fence, and the PRQ drain asked in the options */
			KUNIT_EXPECT_TRUE_MSG(test, qw[0] & BIT_ULL(6), "desc %u", i);
			KUNIT_EXPECT_EQ_MSG(test, ctx->descs[i].options,
					    QI_OPT_WAIT_DRAIN, "desc %u", i);
			break;
		}
	}
}

/* Configuration space: vendor ID and a PASID capability, nothing else */
static int test_pci_read(struct pci_bus *bus, unsigned int devfn, int where,
			 int size, u32 *val)
{
	*val = 0;
	if (where == PCI_VENDOR_ID)
		*val = size == 4 ? 0x00018086 : 0x8086;
	else if (where == TEST_PASID_CAP + PCI_PASID_CAP)
		*val = TEST_PASID_BITS << 8;
	return PCIBIOS_SUCCESSFUL;
}

static int test_pci_write(struct pci_bus *bus, unsigned int devfn, int where,
			  int size, u32 val)
{
	return PCIBIOS_SUCCESSFUL;
}

static struct pci_ops test_pci_ops = {
	.read = test_pci_read,
	.write = test_pci_write,
};

/*
 * Device 0 has ATS and PRI, device 1 has neither, device 2 has the PASID
 * capability disabled; device 3 is like device 0, behind the second IOMMU.
 */
static void test_dev_init(struct kunit *test, struct test_ctx *ctx, int i)
{
	struct intel_iommu *iommu = i == TEST_OTHER_DEV ? &ctx->iommu2 :
							  &ctx->iommu;
	struct test_dev *td = &ctx->d[i];
	struct device_domain_info *info = &td->info;
	struct pci_dev *pdev = &td->pdev;

	pdev->bus = &ctx->bus;
	pdev->devfn = PCI_DEVFN(i + 1, 0);
	pdev->vendor = PCI_VENDOR_ID_INTEL;
	pdev->device = 0x0001;
	pdev->pasid_cap = TEST_PASID_CAP;
	pdev->error_state = pci_channel_io_normal;
	pdev->dev.bus = &pci_bus_type;
	pdev->dev.iommu = &td->iommu;
	mutex_init(&td->iommu.lock);
	td->iommu.iommu_dev = &iommu->iommu;
	td->iommu.priv = info;
	td->iommu.max_pasids = 1U << TEST_PASID_BITS;

	info->bus = 0;
	info->devfn = pdev->devfn;
	info->segment = 0;
	info->dev = &pdev->dev;
	info->iommu = iommu;
	info->pasid_supported = 1;
	info->pasid_enabled = i != 2;
	if (i == 0 || i == TEST_OTHER_DEV) {
		info->ats_supported = 1;
		info->ats_enabled = 1;
		info->ats_qdep = TEST_QDEP;
		info->pri_supported = 1;
		info->pri_enabled = 1;
	}
	xa_init(&info->pasids);
	KUNIT_ASSERT_EQ(test, intel_pasid_alloc_table(&pdev->dev), 0);
	KUNIT_ASSERT_EQ(test, info->pasid_table->max_pasid,
			1U << TEST_PASID_BITS);
}

/*
 * A fake IOMMU at @seq_id, beyond the real units: its domains' iommu_array
 * slot is its own. The machine's settings stay as they are: the fake IOMMU
 * is in scalable mode by itself (sm_supported()), and its devices' PASID
 * tables are sized by their PASID capability and its PSS.
 */
static int test_iommu_init(struct kunit *test, struct intel_iommu *iommu,
			   const char *name, int seq_id, void **regs,
			   int (*submit)(struct intel_iommu *iommu,
					 struct qi_desc *desc,
					 unsigned int count,
					 unsigned long options))
{
	strscpy(iommu->name, name, sizeof(iommu->name));
	iommu->seq_id = seq_id;
	iommu->node = NUMA_NO_NODE;
	/* 256 domain IDs, 4-level second level, PSI with MAMV, no RWBF */
	iommu->cap = 2 | (4ULL << 8) | (47ULL << 16) | BIT_ULL(39) |
		     ((u64)TEST_MAMV << 48) | BIT_ULL(56) | BIT_ULL(60);
	/*
	 * Coherent, device TLB, snoop control, PRS, SRS, 20-bit PASIDs,
	 * PASID, DIT, PDS, scalable mode, both levels, SMPWC.
	 */
	iommu->ecap = BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(2) | BIT_ULL(7) |
		      BIT_ULL(29) | BIT_ULL(31) | (19ULL << 35) | BIT_ULL(40) |
		      BIT_ULL(41) | BIT_ULL(42) | BIT_ULL(43) | BIT_ULL(46) |
		      BIT_ULL(47) | BIT_ULL(48);
	iommu->gcmd = DMA_GCMD_TE;
	iommu->agaw = iommu_calculate_agaw(iommu);
	iommu->msagaw = iommu->agaw;
	raw_spin_lock_init(&iommu->register_lock);
	iommu->flush.flush_context = qi_flush_context;
	iommu->flush.flush_iotlb = qi_flush_iotlb;
	/* From here on sm_supported() holds, whatever the machine's mode */
	iommu->test_qi_submit = submit;
	iommu->iommu.ops = &intel_iommu_ops;
	iommu->iommu.max_pasids = 1U << TEST_PASID_BITS;
	/* What the driver reads of it decides, as at boot */
	iommu->flags = 0;
	intel_svm_check(iommu);
	if (!(iommu->flags & VTD_FLAG_SVM_CAPABLE))
		return -ENODEV;

	/* Registers in memory: the page request queue is empty */
	*regs = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	iommu->prq = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	if (!*regs || !iommu->prq)
		return -ENOMEM;
	iommu->reg = (void __iomem __force *)*regs;
	init_completion(&iommu->prq_complete);
	/* Where enabling SVA puts the functions */
	iommu->iopf_queue = iopf_queue_alloc(name);
	if (!iommu->iopf_queue)
		return -ENOMEM;
	return iommu_init_domains(iommu);
}

static int intel_iommu_test_init(struct kunit *test)
{
	struct test_ctx *ctx;
	int i, ret;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	spin_lock_init(&ctx->rec_lock);
	ret = test_iommu_init(test, &ctx->iommu, "dmar-test",
			      DMAR_UNITS_SUPPORTED - 1, &ctx->regs,
			      test_qi_submit);
	if (!ret)
		ret = test_iommu_init(test, &ctx->iommu2, "dmar-test2",
				      DMAR_UNITS_SUPPORTED - 2, &ctx->regs2,
				      test_qi_submit2);
	if (ret)
		return ret;

	ctx->bus.ops = &test_pci_ops;
	ctx->bus.sysdata = &ctx->sysdata;
	for (i = 0; i < TEST_NR_DEVS; i++)
		test_dev_init(test, ctx, i);
	ctx->watch = &ctx->d[0];
	return 0;
}

static void intel_iommu_test_exit(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	int i;

	if (ctx) {
		iopf_queue_free(ctx->iommu.iopf_queue);
		iopf_queue_free(ctx->iommu2.iopf_queue);
	}
	/* Skipped before the fake IOMMUs were made */
	if (!ctx || !ctx->iommu.domain_ids || !ctx->iommu2.domain_ids) {
		if (ctx)
			bitmap_free(ctx->iommu.domain_ids);
		return;
	}

	for (i = 0; i < TEST_NR_DEVS; i++) {
		KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->d[i].info.pasids));
		intel_pasid_free_table(&ctx->d[i].pdev.dev);
	}
	/* The domain IDs 0 and FLPT_DEFAULT_DID only: none leaked */
	KUNIT_EXPECT_EQ(test, bitmap_weight(ctx->iommu.domain_ids,
					    cap_ndoms(ctx->iommu.cap)), 2);
	KUNIT_EXPECT_EQ(test, bitmap_weight(ctx->iommu2.domain_ids,
					    cap_ndoms(ctx->iommu2.cap)), 2);
	bitmap_free(ctx->iommu.domain_ids);
	bitmap_free(ctx->iommu2.domain_ids);
	/* SVA domains go in free_notifier() */
	mmu_notifier_synchronize();
}

/* An SVA domain as the core makes it */
static struct dmar_domain *test_sva_domain(struct kunit *test,
					   struct mm_struct *mm)
{
	struct iommu_domain *domain;

	domain = intel_iommu_domain_alloc(IOMMU_DOMAIN_SVA);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	domain->type = IOMMU_DOMAIN_SVA;
	mmgrab(mm);
	domain->mm = mm;
	return to_dmar_domain(domain);
}

static void test_sva_domain_free(struct dmar_domain *domain)
{
	struct mm_struct *mm = domain->domain.mm;

	domain->domain.ops->free(&domain->domain);
	mmdrop(mm);
}

static struct dmar_domain *test_paging_domain(struct kunit *test,
					      bool first_level)
{
	struct iommu_domain *domain;
	struct dmar_domain *dmar_domain;

	domain = intel_iommu_domain_alloc(IOMMU_DOMAIN_UNMANAGED);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	domain->type = IOMMU_DOMAIN_UNMANAGED;
	domain->ops = intel_iommu_ops.default_domain_ops;
	dmar_domain = to_dmar_domain(domain);
	/* Not from the machine's IOMMUs: the fake one has both levels */
	if (first_level)
		dmar_domain->flags |= DOMAIN_FLAG_USE_FIRST_LEVEL;
	else
		dmar_domain->flags &= ~DOMAIN_FLAG_USE_FIRST_LEVEL;
	return dmar_domain;
}

static int test_set(struct dmar_domain *domain, struct test_dev *td,
		    ioasid_t pasid)
{
	return domain->domain.ops->set_dev_pasid(&domain->domain,
						 &td->pdev.dev, pasid);
}

static void test_remove(struct test_dev *td, ioasid_t pasid)
{
	intel_iommu_remove_dev_pasid(&td->pdev.dev, pasid);
}

static u16 test_did(struct test_ctx *ctx, struct dmar_domain *domain)
{
	return domain_id_iommu(domain, &ctx->iommu);
}

static u16 test_sid(struct test_dev *td)
{
	return PCI_DEVID(td->info.bus, td->info.devfn);
}

static void test_expect_free_entry(struct kunit *test, struct test_dev *td,
				   u32 pasid)
{
	struct pasid_entry *pte = test_entry(td, pasid);
	int i;

	if (!pte)
		return;
	/* Only FPD may remain, after release() */
	KUNIT_EXPECT_EQ(test, pte->val[0] & ~BIT_ULL(1), 0);
	for (i = 1; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, pte->val[i], 0, "qword %d", i);
}

/* Every field of a user first-level entry over @mm */
static void test_expect_sva_entry(struct kunit *test, struct test_ctx *ctx,
				  const struct pasid_entry *pte,
				  struct mm_struct *mm, u16 did)
{
	int i;

	KUNIT_EXPECT_EQ(test, pte->val[0] & 1, 1);			/* P */
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 1) & 1, 0);		/* FPD */
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 2) & 7, ctx->iommu.agaw);	/* AW */
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 6) & 7, 1);		/* PGTT: FL */
	KUNIT_EXPECT_EQ(test, pte->val[0] & VTD_PAGE_MASK, 0);	/* SLPTPTR */
	KUNIT_EXPECT_EQ(test, pte->val[1] & 0xffff, did);		/* DID */
	KUNIT_EXPECT_EQ(test, (pte->val[1] >> 23) & 1, 1);		/* PWSNP */
	KUNIT_EXPECT_EQ(test, (pte->val[1] >> 24) & 1, 0);		/* PGSNP */
	KUNIT_EXPECT_EQ(test, pte->val[2] & 1, 0);			/* SRE */
	KUNIT_EXPECT_EQ(test, (pte->val[2] >> 2) & 3,
			pgtable_l5_enabled() ? 1 : 0);			/* FLPM */
	KUNIT_EXPECT_EQ(test, (pte->val[2] >> 4) & 1, 0);		/* WPE */
	KUNIT_EXPECT_EQ(test, (pte->val[2] >> 5) & 1, 1);		/* NXE */
	KUNIT_EXPECT_EQ(test, pte->val[2] & VTD_PAGE_MASK,
			(u64)__pa(mm->pgd));				/* FLPTPTR */
	/* ...and nothing else: the bits the entry must leave clear are */
	KUNIT_EXPECT_EQ(test, pte->val[0],
			1 | ((u64)ctx->iommu.agaw << 2) | (1ULL << 6));
	KUNIT_EXPECT_EQ(test, pte->val[1], (u64)did | BIT_ULL(23));
	KUNIT_EXPECT_EQ(test, pte->val[2],
			(u64)__pa(mm->pgd) | BIT_ULL(5) |
			(pgtable_l5_enabled() ? 1ULL << 2 : 0));
	for (i = 3; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, pte->val[i], 0, "qword %d", i);
}

/* Teardown of a present entry: PC, then the IOTLB, then the device TLB */
static unsigned int test_exp_teardown(struct test_exp *e, u16 did, u32 pasid,
				      struct test_dev *td, bool first_level)
{
	unsigned int n = 0;

	e[n++] = (struct test_exp){ .type = T_PC, .did = did, .pasid = pasid };
	if (first_level)
		e[n++] = (struct test_exp){ .type = T_PIOTLB, .gran = 2,
					    .did = did, .pasid = pasid };
	else
		e[n++] = (struct test_exp){ .type = T_IOTLB, .gran = 2,
					    .did = did };
	if (td->info.ats_enabled)
		e[n++] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(td),
					    .pasid = pasid, .addr = 0,
					    .am = 64 - VTD_PAGE_SHIFT };
	return n;
}

/* The drain of remove_dev_pasid(), for a device with PRI */
static unsigned int test_exp_drain(struct test_exp *e, u16 did, u32 pasid,
				   struct test_dev *td)
{
	unsigned int n = 0;

	if (!td->info.pri_enabled)
		return 0;
	e[n++] = (struct test_exp){ .type = T_IWD };
	e[n++] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = pasid };
	e[n++] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(td),
				    .pasid = pasid };
	return n;
}

/*
 * remove_dev_pasid() of a present entry: the teardown, then the drain, and
 * the entry left free
 */
static void test_remove_expect(struct kunit *test, struct test_ctx *ctx,
			       struct test_dev *td, u16 did, u32 pasid,
			       bool first_level)
{
	struct test_exp exp[8];
	unsigned int n;

	test_clear(ctx);
	test_remove(td, pasid);
	n = test_exp_teardown(exp, did, pasid, td, first_level);
	n += test_exp_drain(exp + n, did, pasid, td);
	test_expect_descs(test, ctx, exp, n);
	test_expect_free_entry(test, td, pasid);
}

/*
 * An SVA domain at a PASID: the entry, nothing sent to write it (no caching
 * mode: a non-present entry is not cached), and the teardown sequence, with
 * the entry cleared before the PASID cache is invalidated.
 */
static void intel_iommu_test_sva_entry(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct test_dev *td = &ctx->d[0];
	struct dmar_domain *domain;
	struct mm_struct *mm;
	const u32 pasid = 0x1234;
	unsigned long addr;
	u16 did;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);

	test_clear(ctx);
	KUNIT_ASSERT_EQ(test, test_set(domain, td, pasid), 0);
	did = test_did(ctx, domain);
	KUNIT_EXPECT_GT(test, did, FLPT_DEFAULT_DID);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	test_expect_sva_entry(test, ctx, test_entry(td, pasid), mm, did);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&td->info.pasids, pasid),
			    list_first_entry(&domain->dev_pasids,
					     struct dev_pasid_info, link_domain));
	KUNIT_EXPECT_TRUE(test, domain->has_iotlb_device);

	test_remove_expect(test, ctx, td, did, pasid, true);
	/* The IOMMU reads the entry after it was cleared */
	KUNIT_EXPECT_TRUE(test, ctx->descs[0].entry_valid);
	KUNIT_EXPECT_EQ(test, ctx->descs[0].entry.val[0] & 1, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&domain->dev_pasids));
	KUNIT_EXPECT_FALSE(test, test_bit(did, ctx->iommu.domain_ids));

	test_sva_domain_free(domain);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * DMA without PASID passed through (an identity default domain, as
 * iommu=pt gives) and SVA at a PASID, side by side: the RID_PASID entry
 * stays as it was through the SVA attach and detach, and the detach sends
 * exactly the PASID's teardown, nothing for RID_PASID.
 */
static void intel_iommu_test_sva_beside_identity(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct test_dev *td = &ctx->d[0];
	struct pasid_entry rid_pasid;
	struct dmar_domain *domain;
	struct mm_struct *mm;
	const u32 pasid = 0x42;
	unsigned long addr;
	u16 did;

	KUNIT_ASSERT_EQ(test,
			intel_pasid_setup_pass_through(&ctx->iommu, NULL,
						       &td->pdev.dev,
						       PASID_RID2PASID), 0);
	rid_pasid = *test_entry(td, PASID_RID2PASID);
	KUNIT_ASSERT_TRUE(test, pasid_pte_is_present(&rid_pasid));
	KUNIT_ASSERT_EQ(test, pasid_pte_get_pgtt(&rid_pasid),
			PASID_ENTRY_PGTT_PT);

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);
	test_clear(ctx);
	KUNIT_ASSERT_EQ(test, test_set(domain, td, pasid), 0);
	did = test_did(ctx, domain);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	test_expect_sva_entry(test, ctx, test_entry(td, pasid), mm, did);
	KUNIT_EXPECT_EQ(test, memcmp(test_entry(td, PASID_RID2PASID),
				     &rid_pasid, sizeof(rid_pasid)), 0);

	test_remove_expect(test, ctx, td, did, pasid, true);
	KUNIT_EXPECT_EQ(test, memcmp(test_entry(td, PASID_RID2PASID),
				     &rid_pasid, sizeof(rid_pasid)), 0);
	test_expect_free_entry(test, td, pasid);

	intel_pasid_tear_down_entry(&ctx->iommu, &td->pdev.dev,
				    PASID_RID2PASID, false);
	test_sva_domain_free(domain);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * In caching mode (a virtual IOMMU), making an entry present needs a
 * PASID-cache and an IOTLB invalidation, sent once the entry is complete.
 * Caching mode is about the IOMMU's caches, not the device's: teardown
 * still reaches the device TLB at the PASID.
 */
static void intel_iommu_test_sva_caching_mode(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct test_dev *td = &ctx->d[0];
	struct dmar_domain *domain;
	struct test_exp exp[8];
	struct mm_struct *mm;
	const u32 pasid = 77;
	unsigned long addr;
	u16 did;

	ctx->iommu.cap |= BIT_ULL(7);
	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);

	test_clear(ctx);
	KUNIT_ASSERT_EQ(test, test_set(domain, td, pasid), 0);
	did = test_did(ctx, domain);
	exp[0] = (struct test_exp){ .type = T_PC, .did = did, .pasid = pasid };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = pasid };
	test_expect_descs(test, ctx, exp, 2);
	KUNIT_EXPECT_TRUE(test, ctx->descs[0].entry_valid);
	test_expect_sva_entry(test, ctx, &ctx->descs[0].entry, mm, did);

	test_remove_expect(test, ctx, td, did, pasid, true);

	test_sva_domain_free(domain);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * Paging domains at a PASID in caching mode: a second-level entry is
 * announced, once complete, with a PASID-cache invalidation and an IOTLB
 * invalidation by domain ID (a PASID-based one does not reach second-level
 * translations). A new second-level mapping is announced by an IOTLB
 * invalidation of its domain ID, without device TLBs (they cache no
 * not-present entry), and an unmap reaches the device TLB at the PASID
 * too; a new first-level mapping needs nothing, as first-level not-present
 * entries are never cached. Teardown reaches the device TLB.
 */
static void intel_iommu_test_paging_caching_mode(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[0];
	struct dmar_domain *sl, *fl;
	const u32 ps = 12, pf = 13;
	struct test_exp exp[8];
	size_t mapped = 0;
	struct page *page;
	u16 did;

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	ctx->iommu.cap |= BIT_ULL(7);
	sl = test_paging_domain(test, false);
	fl = test_paging_domain(test, true);

	test_clear(ctx);
	KUNIT_ASSERT_EQ(test, test_set(sl, td, ps), 0);
	did = test_did(ctx, sl);
	exp[0] = (struct test_exp){ .type = T_PC, .did = did, .pasid = ps };
	exp[1] = (struct test_exp){ .type = T_IOTLB, .gran = 2, .did = did };
	test_expect_descs(test, ctx, exp, 2);
	KUNIT_EXPECT_TRUE(test, ctx->descs[0].entry_valid);
	KUNIT_EXPECT_EQ(test, memcmp(&ctx->descs[0].entry, test_entry(td, ps),
				     sizeof(struct pasid_entry)), 0);
	KUNIT_EXPECT_EQ(test, ctx->descs[0].entry.val[0] & 1, 1);

	/* A new second-level mapping: the IOTLB, no device TLB */
	test_clear(ctx);
	KUNIT_ASSERT_EQ(test, sl->domain.ops->map_pages(&sl->domain, 0x10000,
							page_to_phys(page),
							SZ_4K, 1, IOMMU_READ,
							GFP_KERNEL, &mapped),
			0);
	KUNIT_EXPECT_EQ(test, mapped, SZ_4K);
	sl->domain.ops->iotlb_sync_map(&sl->domain, 0x10000, SZ_4K);
	exp[0] = (struct test_exp){ .type = T_IOTLB, .gran = 3, .did = did,
				    .addr = 0x10000, .am = 0 };
	test_expect_descs(test, ctx, exp, 1);

	/* An unmap: the IOTLB and the device TLB at the PASID */
	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, sl, 0x10, 1, 0, 0);
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(td),
				    .pasid = ps, .addr = 0x10000 };
	test_expect_descs(test, ctx, exp, 2);

	/* A new first-level mapping: nothing to send */
	KUNIT_ASSERT_EQ(test, test_set(fl, td, pf), 0);
	test_clear(ctx);
	mapped = 0;
	KUNIT_ASSERT_EQ(test, fl->domain.ops->map_pages(&fl->domain, 0x10000,
							page_to_phys(page),
							SZ_4K, 1, IOMMU_READ,
							GFP_KERNEL, &mapped),
			0);
	fl->domain.ops->iotlb_sync_map(&fl->domain, 0x10000, SZ_4K);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);

	test_remove_expect(test, ctx, td, did, ps, false);

	test_remove(td, pf);
	intel_iommu_domain_free(&sl->domain);
	intel_iommu_domain_free(&fl->domain);
	__free_page(page);
}

/*
 * The mm calls invalidate_range() with the page table lock held
 * (ptep_clear_flush_notify() and the like): so does every case, and with
 * CONFIG_DEBUG_ATOMIC_SLEEP a callback that may sleep is reported.
 */
static DEFINE_SPINLOCK(test_ptl);

static void test_invalidate(struct dmar_domain *domain, unsigned long start,
			    unsigned long end)
{
	spin_lock(&test_ptl);
	domain->notifier.ops->invalidate_range(&domain->notifier,
					       domain->domain.mm, start, end);
	spin_unlock(&test_ptl);
}

/*
 * The mm notifier of a domain attached to two devices at one PASID: one
 * PASID-based IOTLB invalidation (the PSI mask of the smallest aligned block
 * holding the range, or the whole PASID past MAMV), then the device TLB of
 * the device with ATS only.
 */
static void intel_iommu_test_sva_invalidate(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct iommu_test_invalidations *inv;
	struct dmar_domain *domain;
	struct test_exp exp[4];
	struct mm_struct *mm;
	const u32 pasid = 5;
	unsigned int i, first;
	unsigned long addr;
	u16 did, sid;
	u64 base;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(domain, &ctx->d[0], pasid), 0);
	KUNIT_ASSERT_EQ(test, test_set(domain, &ctx->d[1], pasid), 0);
	did = test_did(ctx, domain);
	sid = test_sid(&ctx->d[0]);
	test_expect_sva_entry(test, ctx, test_entry(&ctx->d[1], pasid), mm,
			      did);

	/* One page; the event names each device and PASID it reaches */
	inv = iommu_test_invalidations_watch(test, &ctx->d[0].pdev.dev,
					     &ctx->d[1].pdev.dev);
	test_clear(ctx);
	test_invalidate(domain, addr, addr + PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = addr, .am = 0 };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = addr, .am = 0 };
	test_expect_descs(test, ctx, exp, 2);
	KUNIT_EXPECT_EQ(test, inv->n, 2U);
	first = inv->ev[0].dev == &ctx->d[0].pdev.dev ? 0 : 1;
	iommu_test_expect_invalidation(test, inv, first, &ctx->d[0].pdev.dev,
				       pasid, addr, addr + PAGE_SIZE);
	iommu_test_expect_invalidation(test, inv, !first, &ctx->d[1].pdev.dev,
				       pasid, addr, addr + PAGE_SIZE);

	/* Pages 1 and 2 of a 4-page aligned block: the block */
	base = 0x40000000;
	test_clear(ctx);
	test_invalidate(domain, base + PAGE_SIZE, base + 3 * PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = base, .am = 2 };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = base, .am = 2 };
	test_expect_descs(test, ctx, exp, 2);

	/* Two pages across a 2MiB boundary: the 4MiB block holding them */
	test_clear(ctx);
	test_invalidate(domain, base + SZ_2M - PAGE_SIZE, base + SZ_2M + PAGE_SIZE);
	/* Its mask, 10, is beyond MAMV: the whole PASID */
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = pasid };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0,
				    .am = 64 - VTD_PAGE_SHIFT };
	test_expect_descs(test, ctx, exp, 2);

	/* Exactly MAMV: still by address */
	test_clear(ctx);
	test_invalidate(domain, base, base + SZ_2M);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = base,
				    .am = TEST_MAMV };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = base,
				    .am = TEST_MAMV };
	test_expect_descs(test, ctx, exp, 2);

	/* The whole address space */
	test_clear(ctx);
	test_invalidate(domain, 0, ULONG_MAX);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = pasid };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0,
				    .am = 64 - VTD_PAGE_SHIFT };
	test_expect_descs(test, ctx, exp, 2);

	/*
	 * A real munmap() of one page reaches the notifier, once for the
	 * pages and maybe again as the TLB is flushed: each time one IOTLB
	 * and one device-TLB invalidation of a block holding the page.
	 */
	test_clear(ctx);
	kthread_use_mm(mm);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr + 3 * PAGE_SIZE, PAGE_SIZE), 0);
	kthread_unuse_mm(mm);
	KUNIT_EXPECT_GE(test, ctx->nr_descs, 2);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs % 2, 0);
	for (i = 0; i + 1 < ctx->nr_descs; i += 2) {
		const u64 *qw = ctx->descs[i].qw;
		u64 size = 1ULL << (VTD_PAGE_SHIFT + (qw[1] & 0x3f));
		u64 start = qw[1] & VTD_PAGE_MASK;

		KUNIT_EXPECT_EQ(test, qw[0] & 0xf, T_PIOTLB);
		KUNIT_EXPECT_EQ(test, (qw[0] >> 16) & 0xffff, did);
		KUNIT_EXPECT_EQ(test, (qw[0] >> 32) & 0xfffff, pasid);
		KUNIT_EXPECT_EQ(test, (qw[0] >> 4) & 3, 3);
		KUNIT_EXPECT_LE(test, start, addr + 3 * PAGE_SIZE);
		KUNIT_EXPECT_GT(test, start + size, addr + 3 * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, ctx->descs[i + 1].qw[0] & 0xf, T_DEVTLB);
	}

	/* Device 0 goes: device 1 keeps the domain and its ID */
	test_remove(&ctx->d[0], pasid);
	KUNIT_EXPECT_FALSE(test, domain->has_iotlb_device);
	KUNIT_EXPECT_EQ(test, test_did(ctx, domain), did);
	test_clear(ctx);
	test_invalidate(domain, addr, addr + PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = addr, .am = 0 };
	test_expect_descs(test, ctx, exp, 1);

	test_remove(&ctx->d[1], pasid);
	test_clear(ctx);
	test_invalidate(domain, addr, addr + PAGE_SIZE);
	test_expect_descs(test, ctx, exp, 0);

	test_sva_domain_free(domain);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * The kernel frees page tables of its own addresses: each SVA domain drops
 * the whole of each PASID it is attached at, paging-structure caches
 * included, whatever the range: one PASID-selective IOTLB invalidation per
 * IOMMU and one whole device-TLB invalidation per ATS function, for every
 * domain; a domain attached nowhere sends nothing.
 */
static void intel_iommu_test_sva_invalidate_kva(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages_a[TEST_NR_PAGES], *pages_b[TEST_NR_PAGES];
	struct dmar_domain *a, *b;
	struct iommu_test_invalidations *inv;
	struct mm_struct *mm_a, *mm_b;
	const u32 pasid_a = 5, pasid_b = 7;
	const unsigned long start = VMALLOC_START, end = start + SZ_2M;
	struct test_exp exp[4];
	unsigned long addr;
	u16 did_a, did_b, sid;

	mm_a = iommu_test_mm_create(test, &addr, pages_a, TEST_NR_PAGES);
	mm_b = iommu_test_mm_create(test, &addr, pages_b, TEST_NR_PAGES);
	a = test_sva_domain(test, mm_a);
	b = test_sva_domain(test, mm_b);
	KUNIT_ASSERT_NOT_NULL(test, a->domain.ops->invalidate_kva);

	/* Attached nowhere yet */
	test_clear(ctx);
	a->domain.ops->invalidate_kva(&a->domain, start, end);
	test_expect_descs(test, ctx, exp, 0);

	KUNIT_ASSERT_EQ(test, test_set(a, &ctx->d[0], pasid_a), 0);
	KUNIT_ASSERT_EQ(test, test_set(a, &ctx->d[1], pasid_a), 0);
	KUNIT_ASSERT_EQ(test, test_set(b, &ctx->d[0], pasid_b), 0);
	did_a = test_did(ctx, a);
	did_b = test_did(ctx, b);
	sid = test_sid(&ctx->d[0]);

	inv = iommu_test_invalidations_watch(test, &ctx->d[0].pdev.dev,
					     &ctx->d[1].pdev.dev);
	test_clear(ctx);
	a->domain.ops->invalidate_kva(&a->domain, start, end);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did_a,
				    .pasid = pasid_a };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid_a, .addr = 0,
				    .am = 64 - VTD_PAGE_SHIFT };
	test_expect_descs(test, ctx, exp, 2);
	/* The event names each function and PASID, with the kernel range */
	KUNIT_EXPECT_EQ(test, inv->n, 2U);
	iommu_test_expect_invalidation(test, inv,
				       inv->ev[0].dev == &ctx->d[0].pdev.dev ?
				       0 : 1, &ctx->d[0].pdev.dev, pasid_a,
				       start, end);

	/* One page of kernel addresses is no smaller: still the PASID */
	test_clear(ctx);
	b->domain.ops->invalidate_kva(&b->domain, start, start + PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did_b,
				    .pasid = pasid_b };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid_b, .addr = 0,
				    .am = 64 - VTD_PAGE_SHIFT };
	test_expect_descs(test, ctx, exp, 2);

	/* Without its ATS function: the IOTLB only */
	test_remove(&ctx->d[0], pasid_a);
	test_clear(ctx);
	a->domain.ops->invalidate_kva(&a->domain, start, end);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did_a,
				    .pasid = pasid_a };
	test_expect_descs(test, ctx, exp, 1);

	test_remove(&ctx->d[1], pasid_a);
	test_remove(&ctx->d[0], pasid_b);
	test_clear(ctx);
	a->domain.ops->invalidate_kva(&a->domain, start, end);
	b->domain.ops->invalidate_kva(&b->domain, start, end);
	test_expect_descs(test, ctx, exp, 0);

	test_sva_domain_free(a);
	test_sva_domain_free(b);
	iommu_test_mm_put(mm_a, pages_a, TEST_NR_PAGES);
	iommu_test_mm_put(mm_b, pages_b, TEST_NR_PAGES);
}

/*
 * The process exits while bound: release() tears the entries down with
 * faults not reported, before the page tables go; the later unbind finds
 * nothing to clear and only drains.
 */
static void intel_iommu_test_sva_release(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct test_dev *td = &ctx->d[0];
	struct dmar_domain *domain;
	struct test_exp exp[8];
	struct mm_struct *mm;
	const u32 pasid = 9;
	unsigned long addr;
	struct pasid_entry *pte;
	unsigned int n;
	u16 did;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(domain, td, pasid), 0);
	did = test_did(ctx, domain);

	test_clear(ctx);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	n = test_exp_teardown(exp, did, pasid, td, true);
	test_expect_descs(test, ctx, exp, n);
	pte = test_entry(td, pasid);
	KUNIT_EXPECT_EQ(test, pte->val[0] & 1, 0);
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 1) & 1, 1);	/* FPD */

	/* Nobody can attach the domain of an exited mm */
	KUNIT_EXPECT_EQ(test, test_set(domain, &ctx->d[1], pasid), -ESRCH);

	test_clear(ctx);
	test_remove(td, pasid);
	n = test_exp_drain(exp, did, pasid, td);
	test_expect_descs(test, ctx, exp, n);
	test_expect_free_entry(test, td, pasid);
	test_sva_domain_free(domain);
}

/*
 * One device, two PASIDs: an SVA domain and a second-level paging domain.
 * Each invalidation reaches its own PASID only.
 */
static void intel_iommu_test_two_pasids(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct test_dev *td = &ctx->d[0];
	struct dmar_domain *sva, *paging;
	struct test_exp exp[8];
	struct pasid_entry *pte;
	struct mm_struct *mm;
	const u32 p1 = 3, p2 = 1000;
	unsigned long addr;
	u16 did1, did2;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	paging = test_paging_domain(test, false);
	KUNIT_ASSERT_EQ(test, test_set(sva, td, p1), 0);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, p2), 0);
	did1 = test_did(ctx, sva);
	did2 = test_did(ctx, paging);
	KUNIT_EXPECT_NE(test, did1, did2);

	/* The second-level entry */
	pte = test_entry(td, p2);
	KUNIT_EXPECT_EQ(test, pte->val[0] & 1, 1);
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 6) & 7, 2);	/* PGTT: SL */
	KUNIT_EXPECT_EQ(test, pte->val[0] & VTD_PAGE_MASK,
			(u64)virt_to_phys(paging->pgd));
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 2) & 7, ctx->iommu.agaw);
	KUNIT_EXPECT_EQ(test, pte->val[1] & 0xffff, did2);
	KUNIT_EXPECT_EQ(test, (pte->val[1] >> 23) & 1, 1);	/* PWSNP */
	/* SRE only: requests with PASID may be supervisor ones */
	KUNIT_EXPECT_EQ(test, pte->val[2], 1);

	test_clear(ctx);
	test_invalidate(sva, addr, addr + PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did1,
				    .pasid = p1, .addr = addr };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(td),
				    .pasid = p1, .addr = addr };
	test_expect_descs(test, ctx, exp, 2);

	/* An unmap in the paging domain: PSI by domain ID, device TLB at p2 */
	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, paging, 0x10, 1, 0, 0);
	exp[0] = (struct test_exp){ .type = T_IOTLB, .gran = 3, .did = did2,
				    .addr = 0x10000, .am = 0 };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(td),
				    .pasid = p2, .addr = 0x10000 };
	test_expect_descs(test, ctx, exp, 2);

	/* The domain without PASID cannot change under them */
	KUNIT_EXPECT_EQ(test, intel_iommu_attach_device(&paging->domain,
							&td->pdev.dev), -EBUSY);

	test_remove_expect(test, ctx, td, did2, p2, false);
	/* p1 is untouched */
	test_expect_sva_entry(test, ctx, test_entry(td, p1), mm, did1);

	test_remove(td, p1);
	intel_iommu_domain_free(&paging->domain);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * What idxd does for its kernel work queues: the device's DMA domain (of
 * type IOMMU_DOMAIN_DMA, first level as on an IOMMU that has it) attached
 * at a PASID of the global space. The DMA API's unmap (unmap_pages, then
 * iotlb_sync) invalidates the page at PASID_RID2PASID and at the PASID, and
 * the device TLB at the PASID; the flush queue's flush_iotlb_all() the
 * whole of both PASIDs and the whole device TLB at the PASID.
 */
static void intel_iommu_test_dma_domain_pasid(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[0];
	struct iommu_iotlb_gather gather;
	struct iommu_domain *domain;
	struct dmar_domain *dma;
	struct test_exp exp[4];
	const u32 pasid = 17;
	size_t mapped = 0;
	struct page *page;
	u16 did, sid = test_sid(td);

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	domain = intel_iommu_domain_alloc(IOMMU_DOMAIN_DMA);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	domain->type = IOMMU_DOMAIN_DMA;
	domain->ops = intel_iommu_ops.default_domain_ops;
	dma = to_dmar_domain(domain);
	dma->flags |= DOMAIN_FLAG_USE_FIRST_LEVEL;

	KUNIT_ASSERT_EQ(test, test_set(dma, td, pasid), 0);
	did = test_did(ctx, dma);
	KUNIT_EXPECT_EQ(test, (test_entry(td, pasid)->val[0] >> 6) & 7, 1);
	KUNIT_EXPECT_EQ(test, test_entry(td, pasid)->val[2] & 1, 1);	/* SRE */

	KUNIT_ASSERT_EQ(test, domain->ops->map_pages(domain, 0x10000,
						     page_to_phys(page), SZ_4K,
						     1, IOMMU_READ | IOMMU_WRITE,
						     GFP_KERNEL, &mapped),
			0);
	KUNIT_EXPECT_EQ(test, mapped, SZ_4K);

	/* dma_unmap_page() in strict mode; no table was freed: IH set */
	test_clear(ctx);
	iommu_iotlb_gather_init(&gather);
	KUNIT_EXPECT_EQ(test, domain->ops->unmap_pages(domain, 0x10000, SZ_4K,
						       1, &gather),
			SZ_4K);
	domain->ops->iotlb_sync(domain, &gather);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = PASID_RID2PASID, .addr = 0x10000,
				    .am = 0, .ih = true };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = 0x10000, .am = 0,
				    .ih = true };
	exp[2] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0x10000, .am = 0 };
	test_expect_descs(test, ctx, exp, 3);

	/* The flush queue's whole flush */
	test_clear(ctx);
	domain->ops->flush_iotlb_all(domain);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = PASID_RID2PASID };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = pasid };
	exp[2] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0,
				    .am = 64 - VTD_PAGE_SHIFT };
	test_expect_descs(test, ctx, exp, 3);

	/* Detached from its only device: no flush reaches the IOMMU */
	test_remove(td, pasid);
	test_expect_free_entry(test, td, pasid);
	test_clear(ctx);
	domain->ops->flush_iotlb_all(domain);
	test_expect_descs(test, ctx, exp, 0);

	intel_iommu_domain_free(domain);
	__free_page(page);
}

/*
 * What VFIO type1 does on real hardware for a mediated device isolated by a
 * PASID of its parent: an UNMANAGED domain attached at the PASID of an ATS
 * device, pages mapped (iommu_map(), then iotlb_sync_map: nothing to send
 * without caching mode), unmapped the way type1 unmaps (unmap_pages into a
 * gather, then iotlb_sync, before VFIO_IOMMU_UNMAP_DMA returns), detached.
 * Once for each level an UNMANAGED domain may use: second level, the
 * default when the IOMMU has both, and first level, when it has only that.
 */
static void intel_iommu_test_unmanaged_pasid_type1(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[0];
	const struct iommu_domain_ops *ops;
	struct iommu_iotlb_gather gather;
	struct iommu_domain *d;
	struct dmar_domain *dom;
	struct test_exp exp[4];
	struct page *pages[2];
	const u32 pasid = 23;
	u16 did, sid = test_sid(td);
	size_t mapped;
	int fl, i;

	for (i = 0; i < 2; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	KUNIT_ASSERT_TRUE(test, td->info.ats_enabled);

	for (fl = 0; fl < 2; fl++) {
		kunit_info(test, "%s level", fl ? "first" : "second");
		dom = test_paging_domain(test, fl);
		d = &dom->domain;
		ops = d->ops;
		KUNIT_ASSERT_EQ(test, test_set(dom, td, pasid), 0);
		did = test_did(ctx, dom);
		/* PGTT: 1 first level, 2 second level */
		KUNIT_EXPECT_EQ(test, (test_entry(td, pasid)->val[0] >> 6) & 7,
				fl ? 1 : 2);
		KUNIT_EXPECT_EQ(test, test_entry(td, pasid)->val[1] & 0xffff,
				did);

		/* MAP_DMA of two pages: nothing to invalidate */
		test_clear(ctx);
		for (i = 0; i < 2; i++) {
			mapped = 0;
			KUNIT_ASSERT_EQ(test,
					ops->map_pages(d, 0x40000 + i * SZ_4K,
						       page_to_phys(pages[i]),
						       SZ_4K, 1,
						       IOMMU_READ | IOMMU_WRITE,
						       GFP_KERNEL, &mapped),
					0);
			KUNIT_EXPECT_EQ(test, mapped, SZ_4K);
		}
		ops->iotlb_sync_map(d, 0x40000, 2 * SZ_4K);
		KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);

		/*
		 * UNMAP_DMA: the IOTLB for the range (leaves only: IH set),
		 * then the device TLB at the PASID. A second-level IOTLB
		 * entry is tagged by the domain only; a first-level one by
		 * the PASID too, so each PASID of the domain is named,
		 * PASID_RID2PASID included.
		 */
		test_clear(ctx);
		iommu_iotlb_gather_init(&gather);
		KUNIT_EXPECT_EQ(test,
				ops->unmap_pages(d, 0x40000, SZ_4K, 2, &gather),
				2 * SZ_4K);
		ops->iotlb_sync(d, &gather);
		i = 0;
		if (fl) {
			exp[i++] = (struct test_exp){ .type = T_PIOTLB,
				.gran = 3, .did = did, .pasid = PASID_RID2PASID,
				.addr = 0x40000, .am = 1, .ih = true };
			exp[i++] = (struct test_exp){ .type = T_PIOTLB,
				.gran = 3, .did = did, .pasid = pasid,
				.addr = 0x40000, .am = 1, .ih = true };
		} else {
			exp[i++] = (struct test_exp){ .type = T_IOTLB,
				.gran = 3, .did = did, .addr = 0x40000,
				.am = 1 };
		}
		exp[i++] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
					      .pasid = pasid, .addr = 0x40000,
					      .am = 1 };
		test_expect_descs(test, ctx, exp, i);
		KUNIT_EXPECT_EQ(test, ops->iova_to_phys(d, 0x40000), 0);

		/* The group leaves the container: the PASID's teardown */
		test_remove_expect(test, ctx, td, did, pasid, fl);

		/* Detached: an unmap reaches no IOMMU */
		mapped = 0;
		KUNIT_ASSERT_EQ(test,
				ops->map_pages(d, 0x40000,
					       page_to_phys(pages[0]), SZ_4K, 1,
					       IOMMU_READ, GFP_KERNEL, &mapped),
				0);
		test_clear(ctx);
		iommu_iotlb_gather_init(&gather);
		ops->unmap_pages(d, 0x40000, SZ_4K, 1, &gather);
		ops->iotlb_sync(d, &gather);
		KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
		intel_iommu_domain_free(d);
	}
	for (i = 0; i < 2; i++)
		__free_page(pages[i]);
}

/*
 * A first-level paging domain at a PASID: an entry with supervisor
 * requests over the domain's page table; its IOTLB invalidations go to
 * PASID_RID2PASID and to each PASID it is attached at.
 */
static void intel_iommu_test_paging_first_level(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[1];
	struct dmar_domain *paging;
	struct test_exp exp[4];
	struct pasid_entry *pte;
	const u32 pasid = 42;
	u16 did;
	int i;

	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, pasid), 0);
	did = test_did(ctx, paging);
	pte = test_entry(td, pasid);
	KUNIT_EXPECT_EQ(test, pte->val[0] & 1, 1);
	KUNIT_EXPECT_EQ(test, (pte->val[0] >> 6) & 7, 1);	/* PGTT: FL */
	KUNIT_EXPECT_EQ(test, pte->val[1] & 0xffff, did);
	KUNIT_EXPECT_EQ(test, pte->val[2] & 1, 1);		/* SRE */
	KUNIT_EXPECT_EQ(test, pte->val[2] & VTD_PAGE_MASK,
			(u64)virt_to_phys(paging->pgd));
	KUNIT_EXPECT_EQ(test, (pte->val[2] >> 2) & 3, 0);	/* 4-level */
	/* ...and nothing else: supervisor requests, WPE, NXE */
	KUNIT_EXPECT_EQ(test, pte->val[0],
			1 | ((u64)ctx->iommu.agaw << 2) | (1ULL << 6));
	KUNIT_EXPECT_EQ(test, pte->val[1], (u64)did | BIT_ULL(23));
	KUNIT_EXPECT_EQ(test, pte->val[2],
			(u64)virt_to_phys(paging->pgd) | 1 | BIT_ULL(4) |
			BIT_ULL(5));
	for (i = 3; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, pte->val[i], 0, "qword %d", i);

	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, paging, 0x20, 2, 0, 0);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = PASID_RID2PASID, .addr = 0x20000,
				    .am = 1 };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = 0x20000, .am = 1 };
	test_expect_descs(test, ctx, exp, 2);

	test_remove(td, pasid);
	test_expect_free_entry(test, td, pasid);
	intel_iommu_domain_free(&paging->domain);
}

/*
 * A first-level paging domain at a PASID of a device with ATS: an unaligned
 * range is flushed as the naturally aligned block that holds all of it, in
 * the IOTLB (PASID 0 and the PASID) and in the device TLB at the PASID; past
 * MAMV the IOTLB is flushed for the whole PASID. A second-level domain gets
 * the same block.
 */
static void intel_iommu_test_unaligned_range(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[0];
	struct dmar_domain *paging;
	struct test_exp exp[4];
	const u32 pasid = 42;
	u16 did, sid = test_sid(td);

	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, pasid), 0);
	did = test_did(ctx, paging);

	/* Two pages from pfn 3: pfns 3 and 4, in the block of pfns 0-7 */
	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, paging, 3, 2, 0, 0);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = PASID_RID2PASID, .addr = 0,
				    .am = 3 };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = pasid, .addr = 0, .am = 3 };
	exp[2] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0, .am = 3 };
	test_expect_descs(test, ctx, exp, 3);

	/* Three pages from pfn 0x1ff: 0x1ff to 0x201, the block 0-0x3ff */
	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, paging, 0x1ff, 3, 0, 0);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = PASID_RID2PASID };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 2, .did = did,
				    .pasid = pasid };
	exp[2] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0,
				    .am = TEST_MAMV + 1 };
	test_expect_descs(test, ctx, exp, 3);

	test_remove(td, pasid);
	intel_iommu_domain_free(&paging->domain);

	/* Second level, at no PASID of any device: the IOTLB by domain ID */
	paging = test_paging_domain(test, false);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, pasid), 0);
	did = test_did(ctx, paging);
	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, paging, 3, 2, 0, 0);
	exp[0] = (struct test_exp){ .type = T_IOTLB, .gran = 3, .did = did,
				    .addr = 0, .am = 3 };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = sid,
				    .pasid = pasid, .addr = 0, .am = 3 };
	test_expect_descs(test, ctx, exp, 2);
	test_remove(td, pasid);
	intel_iommu_domain_free(&paging->domain);
}

/*
 * Forcing snooping on a first-level domain at a PASID sets PGSNP (bit 88)
 * in the entry, under iommu->lock, while it walks the domain's lists under
 * the domain's lock; attaching the domain took iommu->lock for its domain
 * ID. The two locks nest one way only: lockdep (x86_64 guest) stays quiet.
 */
static void intel_iommu_test_force_snooping_lock_order(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[1];
	struct dmar_domain *paging;
	const u32 pasid = 7;

	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, pasid), 0);
	KUNIT_EXPECT_EQ(test, (test_entry(td, pasid)->val[1] >> 24) & 1, 0);

	KUNIT_EXPECT_TRUE(test, intel_iommu_enforce_cache_coherency(&paging->domain));
	KUNIT_EXPECT_TRUE(test, paging->force_snooping);
	KUNIT_EXPECT_EQ(test, (test_entry(td, pasid)->val[1] >> 24) & 1, 1);

	/* A second attach and a detach take iommu->lock again */
	KUNIT_ASSERT_EQ(test, test_set(paging, td, pasid + 1), 0);
	test_remove(td, pasid + 1);
	test_remove(td, pasid);
	intel_iommu_domain_free(&paging->domain);
}

#define TEST_NR_SVA		40

/* A bound process of intel_iommu_test_sva_shared_did() */
struct test_proc {
	struct mm_struct	*mm;
	struct page		*page;
	unsigned long		addr;
	struct dmar_domain	*domain;
};

/*
 * On an IOMMU with 16 domain IDs (two of them reserved), far more processes
 * than IDs are bound: every SVA domain has the one SVA domain ID of the
 * IOMMU, and an invalidation of one of them reaches its PASID only. The ID
 * goes back with the last SVA domain; paging domains keep their own IDs,
 * and one that finds none free is refused without a trace.
 */
static void intel_iommu_test_sva_shared_did(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct intel_iommu *iommu = &ctx->iommu;
	struct test_dev *td = &ctx->d[1];
	struct dmar_domain *paging, *refused;
	DECLARE_BITMAP(taken, 16);
	struct test_exp exp[1];
	struct test_proc *p, extra;
	u16 did;
	int i;

	p = kunit_kcalloc(test, TEST_NR_SVA, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);

	/* ND = 0: 16 domain IDs */
	bitmap_free(iommu->domain_ids);
	iommu->cap &= ~7ULL;
	KUNIT_ASSERT_EQ(test, cap_ndoms(iommu->cap), 16);
	KUNIT_ASSERT_EQ(test, iommu_init_domains(iommu), 0);

	for (i = 0; i < TEST_NR_SVA; i++) {
		p[i].mm = iommu_test_mm_create(test, &p[i].addr, &p[i].page, 1);
		p[i].domain = test_sva_domain(test, p[i].mm);
		KUNIT_ASSERT_EQ_MSG(test, test_set(p[i].domain, td, 100 + i), 0,
				    "process %d", i);
	}
	did = test_did(ctx, p[0].domain);
	for (i = 1; i < TEST_NR_SVA; i++)
		KUNIT_EXPECT_EQ(test, test_did(ctx, p[i].domain), did);
	KUNIT_EXPECT_EQ(test, bitmap_weight(iommu->domain_ids, 16), 3);

	/* A paging domain still gets an ID of its own */
	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, 99), 0);
	KUNIT_EXPECT_NE(test, test_did(ctx, paging), did);

	test_clear(ctx);
	test_invalidate(p[7].domain, p[7].addr, p[7].addr + PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = did,
				    .pasid = 107, .addr = p[7].addr, .am = 0 };
	test_expect_descs(test, ctx, exp, 1);

	/*
	 * Every ID taken: a new paging domain is refused with -ENOSPC and
	 * leaves nothing behind, while SVA domains still bind.
	 */
	bitmap_complement(taken, iommu->domain_ids, 16);
	bitmap_or(iommu->domain_ids, iommu->domain_ids, taken, 16);
	refused = test_paging_domain(test, true);
	test_clear(ctx);
	KUNIT_EXPECT_EQ(test, test_set(refused, td, 98), -ENOSPC);
	KUNIT_EXPECT_NULL(test, xa_load(&td->info.pasids, 98));
	KUNIT_EXPECT_EQ(test, test_entry(td, 98)->val[0] & 1, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&refused->dev_pasids));
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	intel_iommu_domain_free(&refused->domain);
	extra.mm = iommu_test_mm_create(test, &extra.addr, &extra.page, 1);
	extra.domain = test_sva_domain(test, extra.mm);
	KUNIT_EXPECT_EQ(test, test_set(extra.domain, td, 97), 0);
	KUNIT_EXPECT_EQ(test, test_did(ctx, extra.domain), did);
	test_remove(td, 97);
	test_sva_domain_free(extra.domain);
	iommu_test_mm_put(extra.mm, &extra.page, 1);
	bitmap_andnot(iommu->domain_ids, iommu->domain_ids, taken, 16);

	for (i = 0; i < TEST_NR_SVA; i++) {
		test_remove(td, 100 + i);
		/* Held until the last SVA domain goes */
		KUNIT_EXPECT_EQ(test, test_bit(did, iommu->domain_ids),
				i < TEST_NR_SVA - 1);
		test_sva_domain_free(p[i].domain);
		iommu_test_mm_put(p[i].mm, &p[i].page, 1);
	}
	test_remove(td, 99);
	intel_iommu_domain_free(&paging->domain);
	KUNIT_EXPECT_EQ(test, iommu->sva_did_users, 0);
}

/* The last user of an mm goes, in a thread of its own */
struct test_exit {
	struct mm_struct	*mm;
	struct page		**pages;
	bool			started;	/* READ_ONCE/WRITE_ONCE */
	struct completion	done;
};

static int test_exit_thread(void *data)
{
	struct test_exit *e = data;

	WRITE_ONCE(e->started, true);
	iommu_test_mm_put(e->mm, e->pages, TEST_NR_PAGES);
	complete(&e->done);
	return 0;
}

/*
 * The notifier's release() walks the attachments under the domain's lock,
 * which remove_dev_pasid() takes to unlink one before the device, and its
 * PASID table, can go: while the lock is held elsewhere, release() clears
 * no entry; once it is dropped, release() does.
 */
static void intel_iommu_test_sva_release_excludes_removal(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct test_dev *td = &ctx->d[1];
	struct test_exit e = { .pages = pages };
	struct task_struct *task;
	struct dmar_domain *domain;
	unsigned int cpu, other;
	bool present, done;
	unsigned long addr, flags;
	const u32 pasid = 11;
	int ms;

	/* This thread on one CPU, the exiting one on another */
	cpu = cpumask_first(cpu_online_mask);
	other = cpumask_next(cpu, cpu_online_mask);
	KUNIT_ASSERT_LT(test, other, nr_cpu_ids);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)),
			0);
	e.mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, e.mm);
	KUNIT_ASSERT_EQ(test, test_set(domain, td, pasid), 0);
	init_completion(&e.done);
	task = kthread_create(test_exit_thread, &e, "vtd-test-exit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	kthread_bind(task, other);

	spin_lock_irqsave(&domain->lock, flags);
	wake_up_process(task);
	/* Give it the time to reach release(), on the other CPU */
	for (ms = 0; ms < 2000 && !READ_ONCE(e.started); ms++)
		mdelay(1);
	mdelay(100);
	present = test_entry(td, pasid)->val[0] & 1;
	done = completion_done(&e.done);
	spin_unlock_irqrestore(&domain->lock, flags);
	wait_for_completion(&e.done);
	set_cpus_allowed_ptr(current, cpu_possible_mask);

	KUNIT_EXPECT_TRUE(test, READ_ONCE(e.started));
	KUNIT_EXPECT_TRUE(test, present);
	KUNIT_EXPECT_FALSE(test, done);
	KUNIT_EXPECT_EQ(test, test_entry(td, pasid)->val[0] & 1, 0);

	test_remove(td, pasid);
	test_expect_free_entry(test, td, pasid);
	test_sva_domain_free(domain);
}

/* What cannot be attached leaves no entry, no record and no domain ID */
static void intel_iommu_test_refusals(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct dmar_domain *sva, *paging;
	struct mm_struct *mm, *dead;
	unsigned long addr;
	const u32 pasid = 11;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	paging = test_paging_domain(test, false);
	test_clear(ctx);
	ctx->watch = NULL;

	/* PASID_RID2PASID is the DMA API's; the table ends at 1 << 20 */
	KUNIT_EXPECT_EQ(test, test_set(sva, &ctx->d[0], 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, test_set(paging, &ctx->d[0], 1U << TEST_PASID_BITS),
			-EINVAL);
	/* The PASID capability is off */
	KUNIT_EXPECT_EQ(test, test_set(sva, &ctx->d[2], pasid), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, test_set(paging, &ctx->d[2], pasid), -EOPNOTSUPP);
	/* An IOMMU that cannot walk the CPU's page tables */
	ctx->iommu.flags &= ~VTD_FLAG_SVM_CAPABLE;
	KUNIT_EXPECT_EQ(test, test_set(sva, &ctx->d[0], pasid), -EOPNOTSUPP);
	ctx->iommu.flags |= VTD_FLAG_SVM_CAPABLE;
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->d[0].info.pasids));
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->d[2].info.pasids));
	KUNIT_EXPECT_PTR_EQ(test, test_entry(&ctx->d[0], pasid), NULL);
	KUNIT_EXPECT_PTR_EQ(test, test_entry(&ctx->d[2], pasid), NULL);
	KUNIT_EXPECT_FALSE(test, sva->notifier.ops);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);

	/* A PASID that has a domain */
	KUNIT_ASSERT_EQ(test, test_set(sva, &ctx->d[0], pasid), 0);
	KUNIT_EXPECT_EQ(test, test_set(paging, &ctx->d[0], pasid), -EBUSY);
	test_expect_sva_entry(test, ctx, test_entry(&ctx->d[0], pasid), mm,
			      test_did(ctx, sva));
	KUNIT_EXPECT_TRUE(test, list_empty(&paging->dev_pasids));
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&paging->iommu_array,
					  ctx->iommu.seq_id), NULL);
	test_remove(&ctx->d[0], pasid);

	/* The domain of an mm without users */
	test_clear(ctx);
	dead = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, dead);
	mmgrab(dead);
	mmput(dead);
	sva->domain.mm = dead;
	KUNIT_EXPECT_EQ(test, test_set(sva, &ctx->d[1], pasid), -ESRCH);
	sva->domain.mm = mm;
	mmdrop(dead);

	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->d[1].info.pasids));

	/*
	 * SVA: a device without ATS is refused (intel_iommu_test_sva_refusals
	 * has every reason, and enables SVA where nothing lacks)
	 */
	KUNIT_EXPECT_EQ(test, intel_iommu_enable_sva(&ctx->d[1].pdev.dev),
			-ENXIO);

	intel_iommu_domain_free(&paging->domain);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * Walk the first-level tables from an entry's FLPTPTR, in the paging mode
 * its FLPM gives, as the IOMMU does: return the physical address of @va,
 * or 0 for a fault.
 */
static phys_addr_t test_walk_first_level(const struct pasid_entry *pte,
					 unsigned long va)
{
	int level = ((pte->val[2] >> 2) & 3) == 1 ? 5 : 4;
	u64 table = pte->val[2] & VTD_PAGE_MASK;
	const u64 addr_mask = GENMASK_ULL(51, 12);

	for (; level > 0; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 e = ((u64 *)phys_to_virt(table))[(va >> shift) & 511];

		if (!(e & 1))
			return 0;
		/* PS: a large page at the PDPE or PDE */
		if (level > 1 && level < 4 && (e & BIT_ULL(7)))
			return (e & addr_mask & ~((1ULL << shift) - 1)) |
			       (va & ((1UL << shift) - 1));
		table = e & addr_mask;
	}
	return table | (va & ~PAGE_MASK);
}

/*
 * A walk of the written entry reaches the pages the CPU's tables map, and
 * faults for what the mm does not map.
 */
static void intel_iommu_test_sva_walk(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct page *pages[TEST_NR_PAGES];
	struct dmar_domain *domain;
	struct pasid_entry *pte;
	struct mm_struct *mm;
	const u32 pasid = 0xfffff;
	unsigned long addr;
	int i;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(domain, &ctx->d[1], pasid), 0);
	pte = test_entry(&ctx->d[1], pasid);

	for (i = 0; i < TEST_NR_PAGES; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    test_walk_first_level(pte, addr + i * PAGE_SIZE + 8),
				    page_to_phys(pages[i]) + 8, "page %d", i);
	KUNIT_EXPECT_EQ(test, test_walk_first_level(pte, addr - PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, test_walk_first_level(pte, addr +
				TEST_NR_PAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, test_walk_first_level(pte, 0x1000), 0);

	/* After munmap() the walk faults there too */
	kthread_use_mm(mm);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	kthread_unuse_mm(mm);
	KUNIT_EXPECT_EQ(test, test_walk_first_level(pte, addr), 0);
	KUNIT_EXPECT_EQ(test, test_walk_first_level(pte, addr + PAGE_SIZE),
			page_to_phys(pages[1]));

	test_remove(&ctx->d[1], pasid);
	test_sva_domain_free(domain);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/* A page request descriptor (VT-d 7.5.1.1), as the IOMMU writes it */
static void test_prq_put(struct test_ctx *ctx, unsigned int i, u16 rid,
			 bool pasid_present, u32 pasid, u64 addr, bool rd,
			 bool wr, bool lpig, u16 prg_index)
{
	u64 *req = (u64 *)ctx->iommu.prq + 4 * i;

	req[0] = 1 | ((u64)pasid_present << 8) | ((u64)rid << 16) |
		 ((u64)pasid << 32);
	req[1] = (u64)rd | ((u64)wr << 1) | ((u64)lpig << 2) |
		 ((u64)prg_index << 3) | (addr & VTD_PAGE_MASK);
	req[2] = 0;
	req[3] = 0;
}

static void test_expect_pgrp(struct kunit *test, const struct test_desc *t,
			     u16 rid, bool pasid_present, u32 pasid,
			     unsigned int code, u16 prg_index)
{
	KUNIT_EXPECT_EQ(test, t->qw[0] & 0xf, T_PGRP);
	KUNIT_EXPECT_EQ(test, (t->qw[0] >> 4) & 1, pasid_present);
	KUNIT_EXPECT_EQ(test, (t->qw[0] >> 5) & 1, 0);		/* PDP */
	KUNIT_EXPECT_EQ(test, (t->qw[0] >> 12) & 0xf, code);
	KUNIT_EXPECT_EQ(test, (t->qw[0] >> 16) & 0xffff, rid);
	KUNIT_EXPECT_EQ(test, (t->qw[0] >> 32) & 0xfffff, pasid);
	KUNIT_EXPECT_EQ(test, (t->qw[1] >> 2) & 1, 1);		/* LPIG */
	KUNIT_EXPECT_EQ(test, (t->qw[1] >> 3) & 0x1ff, prg_index);
}

/*
 * The page request thread: what no device can take is answered invalid
 * with a page group response when the request is the last of its group,
 * and not at all otherwise; stop markers get no answer; the queue head
 * moves to the tail. Page responses from the IOPF path go back as page
 * group responses with the device's requester ID.
 */
static void intel_iommu_test_page_requests(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *td = &ctx->d[0];
	struct iommu_fault_event evt = {};
	struct iommu_page_response msg = {};
	const u16 nobody = PCI_DEVID(0x42, PCI_DEVFN(1, 0));
	const u64 noncanonical = 1ULL << 62;

	/* Requester IDs on a bus that does not exist: nobody takes them */
	test_prq_put(ctx, 0, nobody, true, 0x55, 0x1000, true, false, true, 7);
	test_prq_put(ctx, 1, nobody, true, 0x55, 0x2000, true, false, false, 8);
	test_prq_put(ctx, 2, nobody, true, 0x56, 0, false, false, true, 9);
	test_prq_put(ctx, 3, nobody, false, 0, 0x3000, false, true, true, 10);
	test_prq_put(ctx, 4, nobody, true, 0x57, noncanonical, true, false,
		     true, 11);
	writeq(0, ctx->iommu.reg + DMAR_PQH_REG);
	writeq(5 * 32, ctx->iommu.reg + DMAR_PQT_REG);

	test_clear(ctx);
	KUNIT_EXPECT_EQ(test, intel_svm_test_prq_thread(&ctx->iommu),
			IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, readq(ctx->iommu.reg + DMAR_PQH_REG), 5 * 32);
	KUNIT_EXPECT_TRUE(test, completion_done(&ctx->iommu.prq_complete));
	KUNIT_ASSERT_EQ(test, ctx->nr_descs, 3);
	test_expect_pgrp(test, &ctx->descs[0], nobody, true, 0x55,
			 QI_RESP_INVALID, 7);
	test_expect_pgrp(test, &ctx->descs[1], nobody, false, 0,
			 QI_RESP_INVALID, 10);
	test_expect_pgrp(test, &ctx->descs[2], nobody, true, 0x57,
			 QI_RESP_INVALID, 11);

	/* Nothing new: nothing handled */
	test_clear(ctx);
	KUNIT_EXPECT_EQ(test, intel_svm_test_prq_thread(&ctx->iommu), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);

	/* The answer of the IOPF path to the last request of a group */
	evt.fault.type = IOMMU_FAULT_PAGE_REQ;
	evt.fault.prm.flags = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
			      IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE;
	evt.fault.prm.pasid = 0x55;
	evt.fault.prm.grpid = 3;
	msg.code = IOMMU_PAGE_RESP_SUCCESS;
	test_clear(ctx);
	KUNIT_EXPECT_EQ(test, intel_svm_page_response(&td->pdev.dev, &evt,
						      &msg), 0);
	KUNIT_ASSERT_EQ(test, ctx->nr_descs, 1);
	test_expect_pgrp(test, &ctx->descs[0], test_sid(td), true, 0x55,
			 QI_RESP_SUCCESS, 3);

	/* A request without PASID cannot be answered here */
	evt.fault.prm.flags &= ~IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
	test_clear(ctx);
	KUNIT_EXPECT_EQ(test, intel_svm_page_response(&td->pdev.dev, &evt,
						      &msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
}

static u16 test_did2(struct test_ctx *ctx, struct dmar_domain *domain)
{
	return domain_id_iommu(domain, &ctx->iommu2);
}

/*
 * One SVA domain at one PASID of two devices behind two IOMMUs (the core
 * gives each IOMMU its own SVA domain, the driver does not rely on it):
 * each IOMMU gets the domain ID of SVA domains on it, its PASID-based IOTLB
 * invalidation on its own queue, and each device its device-TLB one. Every
 * notifier call reaches both; the removal of one device leaves the other.
 */
static void intel_iommu_test_sva_two_iommus(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *ta = &ctx->d[0], *tb = &ctx->d[TEST_OTHER_DEV];
	struct page *pages[TEST_NR_PAGES];
	struct dmar_domain *domain;
	struct test_exp exp[8];
	struct mm_struct *mm;
	const u32 pasid = 5;
	unsigned long addr;
	u16 dida, didb;
	unsigned int n;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	domain = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(domain, ta, pasid), 0);
	KUNIT_ASSERT_EQ(test, test_set(domain, tb, pasid), 0);
	dida = test_did(ctx, domain);
	didb = test_did2(ctx, domain);
	KUNIT_EXPECT_EQ(test, dida, ctx->iommu.sva_did);
	KUNIT_EXPECT_EQ(test, didb, ctx->iommu2.sva_did);
	KUNIT_EXPECT_TRUE(test, test_bit(didb, ctx->iommu2.domain_ids));
	test_expect_sva_entry(test, ctx, test_entry(ta, pasid), mm, dida);
	test_expect_sva_entry(test, ctx, test_entry(tb, pasid), mm, didb);

	test_clear(ctx);
	test_invalidate(domain, addr, addr + PAGE_SIZE);
	n = 0;
	exp[n++] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = didb,
				      .pasid = pasid, .addr = addr,
				      .other = true };
	exp[n++] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = dida,
				      .pasid = pasid, .addr = addr };
	exp[n++] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(tb),
				      .pasid = pasid, .addr = addr,
				      .other = true };
	exp[n++] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(ta),
				      .pasid = pasid, .addr = addr };
	test_expect_descs(test, ctx, exp, n);

	/* The first device goes: the second IOMMU still gets everything */
	test_remove(ta, pasid);
	test_clear(ctx);
	test_invalidate(domain, addr, addr + PAGE_SIZE);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = didb,
				    .pasid = pasid, .addr = addr,
				    .other = true };
	exp[1] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(tb),
				    .pasid = pasid, .addr = addr,
				    .other = true };
	test_expect_descs(test, ctx, exp, 2);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&domain->iommu_array,
					  ctx->iommu.seq_id), NULL);

	test_remove(tb, pasid);
	test_expect_free_entry(test, tb, pasid);
	test_sva_domain_free(domain);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * A first-level paging domain at PASIDs of devices behind two IOMMUs: a
 * flush on one IOMMU names, with that IOMMU's domain ID, PASID 0 and the
 * PASIDs of its own devices only; the other IOMMU's PASID would be the wrong
 * domain ID on the wrong queue. Device TLBs are reached through their own
 * IOMMU.
 */
static void intel_iommu_test_paging_two_iommus(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *ta = &ctx->d[1], *tb = &ctx->d[TEST_OTHER_DEV];
	struct dmar_domain *paging;
	struct test_exp exp[4];
	const u32 pa = 7, pb = 9;
	u16 dida, didb;

	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, test_set(paging, ta, pa), 0);
	KUNIT_ASSERT_EQ(test, test_set(paging, tb, pb), 0);
	dida = test_did(ctx, paging);
	didb = test_did2(ctx, paging);
	KUNIT_EXPECT_EQ(test, test_entry(tb, pb)->val[1] & 0xffff, didb);

	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu, paging, 0x20, 1, 0, 0);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = dida,
				    .pasid = PASID_RID2PASID, .addr = 0x20000 };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = dida,
				    .pasid = pa, .addr = 0x20000 };
	exp[2] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(tb),
				    .pasid = pb, .addr = 0x20000,
				    .other = true };
	test_expect_descs(test, ctx, exp, 3);

	test_clear(ctx);
	iommu_flush_iotlb_psi(&ctx->iommu2, paging, 0x20, 1, 0, 0);
	exp[0] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = didb,
				    .pasid = PASID_RID2PASID, .addr = 0x20000,
				    .other = true };
	exp[1] = (struct test_exp){ .type = T_PIOTLB, .gran = 3, .did = didb,
				    .pasid = pb, .addr = 0x20000,
				    .other = true };
	exp[2] = (struct test_exp){ .type = T_DEVTLB, .did = test_sid(tb),
				    .pasid = pb, .addr = 0x20000,
				    .other = true };
	test_expect_descs(test, ctx, exp, 3);

	test_remove(tb, pb);
	test_remove(ta, pa);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&paging->iommu_array,
					  ctx->iommu2.seq_id), NULL);
	KUNIT_EXPECT_FALSE(test, test_bit(didb, ctx->iommu2.domain_ids));
	intel_iommu_domain_free(&paging->domain);
}

/*
 * The enable paths, on a PCI function with ATS, PASID and PRI: what
 * intel_iommu_probe_device() reads of it, then the first attach's
 * iommu_enable_pci_caps() enables PASID before ATS (PCIe forbids changing
 * PASID while ATS is on), resets PRI and enables it with the PRQ's depth
 * capped by the function, and enables ATS with the IOMMU's page size; the
 * device-TLB invalidations then carry the queue depth read from the ATS
 * capability and, with DIT, the function's own source ID as PFSID.
 * dev_enable_feat() takes IOPF with PRI alone, SVA with all three as far as
 * this kernel goes; iommu_disable_dev_iotlb() turns ATS, PRI and PASID off
 * in that order. A function without PRI is refused IOPF and SVA, and its
 * configuration space is not touched.
 */
static void intel_iommu_test_pci_caps(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct device_domain_info *info;
	int pasid_at, ats_at, pri_at;
	struct iommu_test_pci *tp;
	struct dmar_domain *paging;
	struct pci_dev *pdev;
	struct device *dev;
	u16 pfsid;
	u64 qw0;

	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, info);
	iommu_test_pci_init(test, tp, "intel-iommu-kunit-pci", PCI_DEVFN(4, 1));
	/* ATS: an invalidation queue of TEST_QDEP, page-aligned requests */
	tp->cfg[IOMMU_TEST_ATS_CAP + PCI_ATS_CAP] = TEST_QDEP |
						    PCI_ATS_CAP_PAGE_ALIGNED;
	pdev = &tp->pdev;
	dev = &pdev->dev;
	info->dev = dev;
	info->iommu = &ctx->iommu;
	info->devfn = pdev->devfn;
	xa_init(&info->pasids);
	tp->iommu.iommu_dev = &ctx->iommu.iommu;
	tp->iommu.priv = info;

	/* As intel_iommu_probe_device() reads the function */
	KUNIT_EXPECT_TRUE(test, pci_ats_supported(pdev));
	KUNIT_EXPECT_EQ(test, pci_pasid_features(pdev),
			PCI_PASID_CAP_EXEC | PCI_PASID_CAP_PRIV);
	KUNIT_EXPECT_TRUE(test, pci_pri_supported(pdev));
	info->ats_supported = 1;
	info->pasid_supported = pci_pasid_features(pdev) | 1;
	info->pri_supported = 1;

	/* The first attach of the DMA domain */
	paging = test_paging_domain(test, false);
	info->domain = paging;
	iommu_enable_pci_caps(info);
	KUNIT_EXPECT_TRUE(test, info->pasid_enabled);
	KUNIT_EXPECT_TRUE(test, info->pri_enabled);
	KUNIT_EXPECT_TRUE(test, info->ats_enabled);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(tp, IOMMU_TEST_PASID_CAP +
						  PCI_PASID_CTRL),
			PCI_PASID_CTRL_ENABLE | PCI_PASID_CTRL_EXEC |
			PCI_PASID_CTRL_PRIV);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(tp, IOMMU_TEST_PRI_CAP +
						  PCI_PRI_CTRL),
			PCI_PRI_CTRL_ENABLE);
	KUNIT_EXPECT_EQ(test, tp->cfg[IOMMU_TEST_PRI_CAP + PCI_PRI_ALLOC_REQ],
			min_t(u32, IOMMU_TEST_PRI_MAX_REQS, PRQ_DEPTH));
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(tp, IOMMU_TEST_ATS_CAP +
						  PCI_ATS_CTRL),
			PCI_ATS_CTRL_ENABLE |
			PCI_ATS_CTRL_STU(VTD_PAGE_SHIFT - PCI_ATS_MIN_STU));
	pasid_at = iommu_test_pci_write_index(tp, IOMMU_TEST_PASID_CAP +
					      PCI_PASID_CTRL);
	pri_at = iommu_test_pci_write_index(tp, IOMMU_TEST_PRI_CAP +
					    PCI_PRI_CTRL);
	ats_at = iommu_test_pci_write_index(tp, IOMMU_TEST_ATS_CAP +
					    PCI_ATS_CTRL);
	KUNIT_EXPECT_GE(test, pasid_at, 0);
	KUNIT_EXPECT_GT(test, ats_at, pasid_at);
	/* PRI is reset (a first write of its control) before its allocation */
	KUNIT_EXPECT_LT(test, pri_at,
			iommu_test_pci_write_index(tp, IOMMU_TEST_PRI_CAP +
						   PCI_PRI_ALLOC_REQ));
	KUNIT_EXPECT_GE(test, pri_at, 0);
	KUNIT_EXPECT_EQ(test, info->ats_qdep, TEST_QDEP);
	pfsid = pci_dev_id(pdev);
	KUNIT_EXPECT_EQ(test, info->pfsid, pfsid);

	/* A device-TLB invalidation at a PASID, with what was read */
	test_clear(ctx);
	intel_flush_dev_iotlb_pasid(info, 3, 0x5000, 0);
	{
		struct test_exp exp[] = {
			{ .type = T_DEVTLB, .did = pci_dev_id(pdev), .pasid = 3,
			  .addr = 0x5000 },
		};

		test_expect_descs(test, ctx, exp, ARRAY_SIZE(exp));
	}
	qw0 = ctx->descs[0].qw[0];
	KUNIT_EXPECT_EQ(test, ((qw0 >> 12) & 0xf) | ((qw0 >> 52) << 4), pfsid);

	/* IOPF needs PRI; SVA all three, and an IOMMU that can do it */
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_enable_feat(dev,
							  IOMMU_DEV_FEAT_IOPF),
			0);
	ctx->iommu.flags &= ~VTD_FLAG_SVM_CAPABLE;
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_enable_feat(dev,
							  IOMMU_DEV_FEAT_SVA),
			-ENODEV);
	ctx->iommu.flags |= VTD_FLAG_SVM_CAPABLE;
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_enable_feat(dev,
							  IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_TRUE(test, tp->iommu.iopf_param);
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_disable_feat(dev,
							   IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_FALSE(test, tp->iommu.iopf_param);
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_disable_feat(dev,
							   IOMMU_DEV_FEAT_IOPF),
			0);

	/* Off: ATS first, then PRI, then PASID */
	tp->nr_writes = 0;
	iommu_disable_dev_iotlb(info);
	KUNIT_EXPECT_FALSE(test, info->ats_enabled);
	KUNIT_EXPECT_FALSE(test, info->pri_enabled);
	KUNIT_EXPECT_FALSE(test, info->pasid_enabled);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(tp, IOMMU_TEST_ATS_CAP +
						  PCI_ATS_CTRL) &
			PCI_ATS_CTRL_ENABLE, 0);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(tp, IOMMU_TEST_PRI_CAP +
						  PCI_PRI_CTRL), 0);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(tp, IOMMU_TEST_PASID_CAP +
						  PCI_PASID_CTRL), 0);
	ats_at = iommu_test_pci_write_index(tp, IOMMU_TEST_ATS_CAP +
					    PCI_ATS_CTRL);
	pri_at = iommu_test_pci_write_index(tp, IOMMU_TEST_PRI_CAP +
					    PCI_PRI_CTRL);
	pasid_at = iommu_test_pci_write_index(tp, IOMMU_TEST_PASID_CAP +
					      PCI_PASID_CTRL);
	KUNIT_EXPECT_GE(test, ats_at, 0);
	KUNIT_EXPECT_GT(test, pri_at, ats_at);
	KUNIT_EXPECT_GT(test, pasid_at, pri_at);

	/*
	 * A function without PRI, PASID and ATS on as far as the driver
	 * knows: refused for PRI, its configuration untouched
	 */
	info->pri_supported = 0;
	info->pasid_enabled = 1;
	info->ats_enabled = 1;
	iommu_test_pci_set_caps(tp, true, true, false);
	tp->nr_writes = 0;
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_enable_feat(dev,
							  IOMMU_DEV_FEAT_IOPF),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_enable_feat(dev,
							  IOMMU_DEV_FEAT_SVA),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tp->nr_writes, 0);
	info->pasid_enabled = 0;
	info->ats_enabled = 0;

	intel_iommu_domain_free(&paging->domain);
	dev->iommu = NULL;
	put_device(dev);
}

#define TEST_ECAP_DT	BIT_ULL(2)
#define TEST_ECAP_PRS	BIT_ULL(29)
#define TEST_ECAP_PASID	BIT_ULL(40)
#define TEST_ECAP_PDS	BIT_ULL(42)
#define TEST_ECAP_SMTS	BIT_ULL(43)
#define TEST_ECAP_FLTS	BIT_ULL(47)
#define TEST_ECAP_SMPWC	BIT_ULL(48)

/* SVA on the function of @info, with the IOMMU's ecap set to @ecap */
static int test_enable_sva_ecap(struct device_domain_info *info, u64 ecap)
{
	struct intel_iommu *iommu = info->iommu;
	u64 saved = iommu->ecap;
	int ret;

	iommu->ecap = ecap;
	iommu->flags &= ~VTD_FLAG_SVM_CAPABLE;
	intel_svm_check(iommu);
	ret = intel_iommu_dev_enable_feat(info->dev, IOMMU_DEV_FEAT_SVA);
	iommu->ecap = saved;
	iommu->flags &= ~VTD_FLAG_SVM_CAPABLE;
	intel_svm_check(iommu);
	return ret;
}

/*
 * Why SVA, or IOPF, is refused: each missing piece, of the IOMMU or of the
 * PCI function, gives the errno of its kind (Documentation/iommu/sva.rst)
 * and one sva_unavailable event naming it; a capability that the function
 * has but that is off is "disabled" (-EACCES), one that it lacks "lacks"
 * (-ENXIO). A refusal writes nothing to the function and enables nothing.
 * With every piece there SVA is enabled, on x86 too, and disabled again.
 */
static void intel_iommu_test_sva_refusals(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct intel_iommu *iommu = &ctx->iommu;
	const u64 ecap = iommu->ecap;
	struct device_domain_info *info;
	struct iommu_test_refusals *r;
	struct iommu_test_pci *tp;
	struct dmar_domain *paging;
	struct pci_dev *pdev;
	struct device *dev;
	int ret;

	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, info);
	iommu_test_pci_init(test, tp, "intel-iommu-kunit-refused",
			    PCI_DEVFN(4, 2));
	tp->cfg[IOMMU_TEST_ATS_CAP + PCI_ATS_CAP] = TEST_QDEP |
						    PCI_ATS_CAP_PAGE_ALIGNED;
	pdev = &tp->pdev;
	dev = &pdev->dev;
	info->dev = dev;
	info->iommu = iommu;
	info->devfn = pdev->devfn;
	xa_init(&info->pasids);
	tp->iommu.iommu_dev = &iommu->iommu;
	r = iommu_test_refusals_watch(test, dev);

	/* No driver state: no IOMMU translates the function */
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "no IOMMU",
			   "translating the device");
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENODEV, "no IOMMU",
			   "translating the device");

	tp->iommu.priv = info;
	info->ats_supported = 1;
	info->pasid_supported = pci_pasid_features(pdev) | 1;
	info->pri_supported = 1;
	paging = test_paging_domain(test, false);
	info->domain = paging;
	iommu_enable_pci_caps(info);
	KUNIT_ASSERT_TRUE(test, info->pasid_enabled);
	KUNIT_ASSERT_TRUE(test, info->pri_enabled);
	KUNIT_ASSERT_TRUE(test, info->ats_enabled);
	tp->nr_writes = 0;

	/* Everything there: IOPF is possible, and SVA, with no refusal */
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, 0, "", "");
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, 0, "", "");
	KUNIT_EXPECT_TRUE(test, tp->iommu.iopf_param);
	KUNIT_EXPECT_EQ(test, intel_iommu_dev_disable_feat(dev,
							   IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_FALSE(test, tp->iommu.iopf_param);

	/* What the IOMMU lacks to walk the CPU's tables, in that order */
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_SMTS);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "scalable mode");
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_PASID);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "PASIDs (ECAP.PASID)");
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_FLTS);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "first-level translation (ECAP.FLTS)");
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_SMPWC);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "snooped page walks (ECAP.SMPWC)");
	/* ... and for ATS and page requests */
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_DT);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "device-TLBs (ECAP.DT)");
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_PRS);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "page requests (ECAP.PRS, ECAP.PDS)");
	ret = test_enable_sva_ecap(info, ecap & ~TEST_ECAP_PDS);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "page requests (ECAP.PRS, ECAP.PDS)");
	iommu->ecap = ecap & ~TEST_ECAP_SMTS;
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "scalable mode");
	iommu->ecap = ecap;

	/* The function's capabilities: off, then absent */
	info->pasid_enabled = 0;
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -EACCES, "device has disabled",
			   "PASID");
	iommu_test_pci_set_caps(tp, true, false, true);
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks", "PASID");
	iommu_test_pci_set_caps(tp, true, true, true);
	info->pasid_enabled = 1;

	info->ats_enabled = 0;
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -EACCES, "device has disabled", "ATS");
	/* The function has ATS, the IOMMU's ATSR not its root port */
	info->ats_supported = 0;
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "ATS at the device's root port (ATSR)");
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "ATS at the device's root port (ATSR)");
	iommu_test_pci_set_caps(tp, false, true, true);
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks", "ATS");
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks", "ATS");
	iommu_test_pci_set_caps(tp, true, true, true);
	info->ats_supported = 1;
	info->ats_enabled = 1;

	info->pri_enabled = 0;
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -EACCES, "device has disabled", "PRI");
	info->pri_supported = 0;
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -EACCES, "device has disabled", "PRI");
	iommu_test_pci_set_caps(tp, true, true, false);
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks", "PRI");
	ret = intel_iommu_dev_enable_feat(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks", "PRI");
	iommu_test_pci_set_caps(tp, true, true, true);
	info->pri_supported = 1;
	info->pri_enabled = 1;

	/* Nothing was written to the function, nothing enabled */
	KUNIT_EXPECT_EQ(test, tp->nr_writes, 0);
	KUNIT_EXPECT_FALSE(test, tp->iommu.iopf_param);
	KUNIT_EXPECT_FALSE(test, tp->iommu.fault_param);

	iommu_disable_dev_iotlb(info);
	intel_iommu_domain_free(&paging->domain);
	dev->iommu = NULL;
	put_device(dev);
}

/*
 * A first-level paging domain with 5-level tables: on an IOMMU whose second
 * level reaches 57 bits and that walks 5-level first-level tables, the entry
 * says FLPM 5-level, AW 5-level, and points at the domain's own top table.
 * Without first-level 5-level support the attach is refused and leaves
 * nothing: no entry, no record, no domain ID.
 */
static void intel_iommu_test_paging_5level(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct intel_iommu *iommu = &ctx->iommu;
	struct test_dev *td = &ctx->d[1];
	u64 cap = iommu->cap;
	int agaw = iommu->agaw;
	struct dmar_domain *paging;
	struct pasid_entry *pte;
	const u32 pasid = 21;
	u16 did;
	int ret;

	/* SAGAW 4- and 5-level, MGAW 57 bits */
	iommu->cap = (cap & ~GENMASK_ULL(21, 8)) | (0xcULL << 8) |
		     (56ULL << 16);
	iommu->agaw = iommu_calculate_agaw(iommu);
	KUNIT_ASSERT_EQ(test, agaw_to_level(iommu->agaw), 5);

	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, agaw_to_level(paging->agaw), 5);
	KUNIT_ASSERT_EQ(test, test_set(paging, td, pasid), 0);
	did = test_did(ctx, paging);
	pte = test_entry(td, pasid);
	KUNIT_EXPECT_EQ(test, pte->val[0],
			1 | ((u64)iommu->agaw << 2) | (1ULL << 6));
	KUNIT_EXPECT_EQ(test, pte->val[1], (u64)did | BIT_ULL(23));
	KUNIT_EXPECT_EQ(test, pte->val[2],
			(u64)virt_to_phys(paging->pgd) | 1 | (1ULL << 2) |
			BIT_ULL(4) | BIT_ULL(5));
	test_remove(td, pasid);
	test_expect_free_entry(test, td, pasid);

	/* An IOMMU without 5-level first-level tables: refused */
	iommu->cap &= ~BIT_ULL(60);
	test_clear(ctx);
	ret = test_set(paging, td, pasid);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&td->info.pasids));
	KUNIT_EXPECT_TRUE(test, list_empty(&paging->dev_pasids));
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&paging->iommu_array,
					  iommu->seq_id), NULL);
	test_expect_free_entry(test, td, pasid);
	/* Wrongly accepted: gone again, so that the other cases can run */
	if (!ret)
		test_remove(td, pasid);

	intel_iommu_domain_free(&paging->domain);
	iommu->cap = cap;
	iommu->agaw = agaw;
}

/*
 * An IOMMU whose scalable-mode page walks do not snoop (SMPWC clear, C set):
 * intel_svm_check() leaves it without SVA, since the CPU never flushes its
 * page tables for a device, so an SVA domain is refused there and leaves
 * nothing. A paging domain may go there, but its entry says no page-walk
 * snooping (PWSNP clear), and a domain shared with a snooping IOMMU stops
 * being coherent (its table writes from then on are flushed) until it
 * leaves that IOMMU.
 * C alone does not decide for scalable mode: C clear with SMPWC set keeps
 * SVA, snooping walks and a coherent domain.
 */
static void intel_iommu_test_non_coherent(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_dev *ta = &ctx->d[1], *tb = &ctx->d[TEST_OTHER_DEV];
	struct intel_iommu *iommu2 = &ctx->iommu2;
	struct page *pages[TEST_NR_PAGES];
	struct dmar_domain *paging, *sva;
	u64 ecap = iommu2->ecap;
	const u32 pa = 7, pb = 9;
	struct mm_struct *mm;
	unsigned long addr;
	int ret;

	iommu2->ecap &= ~BIT_ULL(48);
	iommu2->flags = 0;
	intel_svm_check(iommu2);
	KUNIT_EXPECT_FALSE(test, iommu2->flags & VTD_FLAG_SVM_CAPABLE);

	/* No SVA behind it: refused, nothing written or recorded */
	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	test_clear(ctx);
	ret = test_set(sva, tb, pb);
	KUNIT_EXPECT_EQ(test, ret, -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&tb->info.pasids));
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&sva->iommu_array, iommu2->seq_id),
			    NULL);
	test_expect_free_entry(test, tb, pb);
	if (!ret)
		test_remove(tb, pb);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);

	/* A paging domain: coherent on the first IOMMU, not once on both */
	paging = test_paging_domain(test, true);
	KUNIT_ASSERT_EQ(test, test_set(paging, ta, pa), 0);
	KUNIT_EXPECT_TRUE(test, paging->iommu_coherency);
	KUNIT_EXPECT_EQ(test, test_entry(ta, pa)->val[1],
			(u64)test_did(ctx, paging) | BIT_ULL(23));
	KUNIT_ASSERT_EQ(test, test_set(paging, tb, pb), 0);
	KUNIT_EXPECT_FALSE(test, paging->iommu_coherency);
	KUNIT_EXPECT_EQ(test, test_entry(tb, pb)->val[1],
			(u64)test_did2(ctx, paging));
	KUNIT_EXPECT_EQ(test, test_entry(ta, pa)->val[1],
			(u64)test_did(ctx, paging) | BIT_ULL(23));
	test_remove(tb, pb);
	KUNIT_EXPECT_TRUE(test, paging->iommu_coherency);

	/* C clear, SMPWC set: scalable mode walks snoop all the same */
	iommu2->ecap = ecap & ~BIT_ULL(0);
	iommu2->flags = 0;
	intel_svm_check(iommu2);
	KUNIT_EXPECT_TRUE(test, iommu2->flags & VTD_FLAG_SVM_CAPABLE);
	KUNIT_ASSERT_EQ(test, test_set(paging, tb, pb), 0);
	KUNIT_EXPECT_TRUE(test, paging->iommu_coherency);
	KUNIT_EXPECT_EQ(test, test_entry(tb, pb)->val[1],
			(u64)test_did2(ctx, paging) | BIT_ULL(23));
	test_remove(tb, pb);
	test_remove(ta, pa);
	intel_iommu_domain_free(&paging->domain);

	iommu2->ecap = ecap;
	iommu2->flags |= VTD_FLAG_SVM_CAPABLE;
}

/* The page request thread's lookup of a requester ID: the fake function */
static struct pci_dev *test_rid_to_pdev(struct intel_iommu *iommu, u16 rid)
{
	struct test_ctx *ctx = container_of(iommu, struct test_ctx, iommu);

	if (!ctx->pci || pci_dev_id(&ctx->pci->pdev) != rid)
		return NULL;
	return pci_dev_get(&ctx->pci->pdev);
}

static int test_fault_handler(struct iommu_fault *fault, void *data)
{
	struct test_ctx *ctx = data;

	if (ctx->nr_faults < ARRAY_SIZE(ctx->faults))
		ctx->faults[ctx->nr_faults] = *fault;
	ctx->nr_faults++;
	return ctx->fault_ret;
}

/* Put @n requests in the fake queue after those already consumed */
static void test_prq_run(struct kunit *test, struct test_ctx *ctx,
			 unsigned int first, unsigned int n)
{
	writeq(first * 32, ctx->iommu.reg + DMAR_PQH_REG);
	writeq((first + n) * 32, ctx->iommu.reg + DMAR_PQT_REG);
	test_clear(ctx);
	ctx->nr_faults = 0;
	KUNIT_EXPECT_EQ(test, intel_svm_test_prq_thread(&ctx->iommu),
			IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, readq(ctx->iommu.reg + DMAR_PQH_REG),
			(first + n) * 32);
}

/*
 * Page requests the whole way, from a PCI function with PRI that the
 * thread finds by its requester ID: each request reaches the function's
 * fault handler with its PASID, group, address, access and flags (the
 * function wants the PASID in responses); nothing is answered until the
 * handler's owner answers the last request of the group, which goes back
 * once as a page group response to that requester ID with the PASID and
 * the code given; a stop marker reaches nobody. A request the handler
 * refuses, or a request of a function without a handler, is answered
 * invalid by the thread itself.
 */
static void intel_iommu_test_prq_whole_way(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct iommu_page_response msg = {
		.argsz		= sizeof(msg),
		.version	= IOMMU_PAGE_RESP_VERSION_1,
		.flags		= IOMMU_PAGE_RESP_PASID_VALID,
		.pasid		= 0x55,
		.grpid		= 7,
		.code		= IOMMU_PAGE_RESP_SUCCESS,
	};
	const u32 want = IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
			 IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID;
	struct device_domain_info *info;
	struct iommu_test_pci *tp;
	struct device *dev;
	u16 rid;

	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	KUNIT_ASSERT_NOT_NULL(test, info);
	iommu_test_pci_init(test, tp, "intel-iommu-kunit-prq", PCI_DEVFN(5, 2));
	dev = &tp->pdev.dev;
	rid = pci_dev_id(&tp->pdev);
	info->dev = dev;
	info->iommu = &ctx->iommu;
	info->devfn = tp->pdev.devfn;
	xa_init(&info->pasids);
	tp->iommu.iommu_dev = &ctx->iommu.iommu;
	tp->iommu.priv = info;
	ctx->pci = tp;
	ctx->iommu.test_rid_to_pdev = test_rid_to_pdev;
	KUNIT_ASSERT_EQ(test, iommu_register_device_fault_handler(dev,
								  test_fault_handler,
								  ctx), 0);

	/* A read, then a write that ends group 7; a stop marker */
	test_prq_put(ctx, 0, rid, true, 0x55, 0x7000, true, false, false, 7);
	test_prq_put(ctx, 1, rid, true, 0x55, 0x8000, false, true, true, 7);
	test_prq_put(ctx, 2, rid, true, 0x55, 0, false, false, true, 8);
	test_prq_run(test, ctx, 0, 3);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 0);
	KUNIT_ASSERT_EQ(test, ctx->nr_faults, 2);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].type, IOMMU_FAULT_PAGE_REQ);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.pasid, 0x55);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.grpid, 7);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.addr, 0x7000);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.perm, IOMMU_FAULT_PERM_READ);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.flags, want);
	KUNIT_EXPECT_EQ(test, ctx->faults[1].prm.pasid, 0x55);
	KUNIT_EXPECT_EQ(test, ctx->faults[1].prm.grpid, 7);
	KUNIT_EXPECT_EQ(test, ctx->faults[1].prm.addr, 0x8000);
	KUNIT_EXPECT_EQ(test, ctx->faults[1].prm.perm, IOMMU_FAULT_PERM_WRITE);
	KUNIT_EXPECT_EQ(test, ctx->faults[1].prm.flags,
			want | IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);

	/* The answer, once */
	test_clear(ctx);
	KUNIT_EXPECT_EQ(test, iommu_page_response(dev, &msg), 0);
	KUNIT_ASSERT_EQ(test, ctx->nr_descs, 1);
	test_expect_pgrp(test, &ctx->descs[0], rid, true, 0x55,
			 QI_RESP_SUCCESS, 7);
	KUNIT_EXPECT_EQ(test, iommu_page_response(dev, &msg), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->nr_descs, 1);

	/* Refused by the handler: answered invalid, nothing left pending */
	ctx->fault_ret = -ENOMEM;
	test_prq_put(ctx, 3, rid, true, 0x56, 0x9000, true, true, true, 9);
	test_prq_run(test, ctx, 3, 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 1);
	KUNIT_ASSERT_EQ(test, ctx->nr_descs, 1);
	test_expect_pgrp(test, &ctx->descs[0], rid, true, 0x56,
			 QI_RESP_INVALID, 9);
	ctx->fault_ret = 0;

	/* No handler: answered invalid */
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(dev), 0);
	test_prq_put(ctx, 4, rid, true, 0x57, 0xa000, true, false, true, 10);
	test_prq_run(test, ctx, 4, 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 0);
	KUNIT_ASSERT_EQ(test, ctx->nr_descs, 1);
	test_expect_pgrp(test, &ctx->descs[0], rid, true, 0x57,
			 QI_RESP_INVALID, 10);

	ctx->iommu.test_rid_to_pdev = NULL;
	ctx->pci = NULL;
	dev->iommu = NULL;
	put_device(dev);
}

static struct kunit_case intel_iommu_test_cases[] = {
	KUNIT_CASE(intel_iommu_test_sva_entry),
	KUNIT_CASE(intel_iommu_test_sva_beside_identity),
	KUNIT_CASE(intel_iommu_test_sva_caching_mode),
	KUNIT_CASE(intel_iommu_test_paging_caching_mode),
	KUNIT_CASE(intel_iommu_test_sva_invalidate),
	KUNIT_CASE(intel_iommu_test_sva_invalidate_kva),
	KUNIT_CASE(intel_iommu_test_sva_release),
	KUNIT_CASE(intel_iommu_test_sva_release_excludes_removal),
	KUNIT_CASE(intel_iommu_test_two_pasids),
	KUNIT_CASE(intel_iommu_test_paging_first_level),
	KUNIT_CASE(intel_iommu_test_dma_domain_pasid),
	KUNIT_CASE(intel_iommu_test_unmanaged_pasid_type1),
	KUNIT_CASE(intel_iommu_test_unaligned_range),
	KUNIT_CASE(intel_iommu_test_force_snooping_lock_order),
	KUNIT_CASE(intel_iommu_test_sva_shared_did),
	KUNIT_CASE(intel_iommu_test_refusals),
	KUNIT_CASE(intel_iommu_test_sva_walk),
	KUNIT_CASE(intel_iommu_test_page_requests),
	KUNIT_CASE(intel_iommu_test_prq_whole_way),
	KUNIT_CASE(intel_iommu_test_sva_two_iommus),
	KUNIT_CASE(intel_iommu_test_paging_two_iommus),
	KUNIT_CASE(intel_iommu_test_pci_caps),
	KUNIT_CASE(intel_iommu_test_sva_refusals),
	KUNIT_CASE(intel_iommu_test_paging_5level),
	KUNIT_CASE(intel_iommu_test_non_coherent),
	{}
};

static struct kunit_suite intel_iommu_test_suite = {
	.name = "intel-iommu",
	.init = intel_iommu_test_init,
	.exit = intel_iommu_test_exit,
	.test_cases = intel_iommu_test_cases,
};

/*
 * The machine's devices behind VT-d. Enabling SVA must fail with the errno
 * of the first thing missing (an IOMMU able to walk the CPU's tables, then
 * PASID, ATS and PRI on the device; never a refusal of x86's) and one
 * sva_unavailable event that names it with the words of that errno; a bind
 * must then be refused; neither may leave anything behind.
 */
static void intel_iommu_test_machine_no_sva(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	struct mm_struct *mm;
	int tried = 0;

	mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, mm);
	for_each_pci_dev(pdev) {
		struct device *dev = &pdev->dev;
		struct device_domain_info *info;
		struct iommu_test_refusals *r;
		struct iommu_sva *handle;
		int ret;

		if (!dev->iommu || !dev->iommu->iommu_dev ||
		    dev_iommu_ops(dev) != &intel_iommu_ops)
			continue;
		info = dev_iommu_priv_get(dev);
		tried++;
		r = iommu_test_refusals_watch(test, dev);
		ret = iommu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA);
		kunit_info(test, "%s: %s mode, PASID %d ATS %d PRI %d: %d %s %s\n",
			   dev_name(dev),
			   sm_supported(info->iommu) ? "scalable" : "legacy",
			   info->pasid_enabled, info->ats_enabled,
			   info->pri_enabled, ret, r->prefix, r->piece);

		KUNIT_EXPECT_LT(test, ret, 0);
		KUNIT_EXPECT_EQ(test, r->n, 1U);
		KUNIT_EXPECT_EQ(test, r->err, ret);
		KUNIT_EXPECT_TRUE(test, iommu_test_refusal_says(ret, r->prefix));
		if (!(info->iommu->flags & VTD_FLAG_SVM_CAPABLE)) {
			KUNIT_EXPECT_EQ(test, ret, -ENODEV);
			KUNIT_EXPECT_STREQ(test, r->piece,
					   intel_svm_lacks(info->iommu));
		}
		KUNIT_EXPECT_NE(test, ret, -EPERM);
		KUNIT_EXPECT_FALSE(test, dev->iommu->sva_enabled);
		handle = iommu_sva_bind_device(dev, mm, NULL);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(handle), -ENODEV);
		KUNIT_EXPECT_EQ(test, mm->pasid, IOMMU_PASID_INVALID);
		KUNIT_EXPECT_TRUE(test, xa_empty(&info->pasids));
	}
	mmput(mm);
	if (!tried)
		kunit_skip(test, "no PCI device behind VT-d");
}

static struct kunit_case intel_iommu_machine_test_cases[] = {
	KUNIT_CASE(intel_iommu_test_machine_no_sva),
	{}
};

static struct kunit_suite intel_iommu_machine_test_suite = {
	.name = "intel-iommu-machine",
	.test_cases = intel_iommu_machine_test_cases,
};

kunit_test_suites(&intel_iommu_test_suite, &intel_iommu_machine_test_suite);
