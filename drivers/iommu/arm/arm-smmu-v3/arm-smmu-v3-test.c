// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the SMMUv3 context descriptors and invalidation commands.
 *
 * A fake SMMU without MMIO: its stream table and CD tables are in memory and
 * its command queue records each command (arm_smmu_device::test_issue_cmdlist)
 * along with a copy of the CD a CFGI_CD names, as the SMMU would read it at
 * that moment. Masters are root devices with one stream each, attached to a
 * stage-1 domain through the driver's attach_dev(). Process address spaces
 * are real mms made with mm_alloc(), populated with vm_mmap() and GUP.
 *
 * This file is included by arm-smmu-v3.c, whose static functions it calls.
 */

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/mmu_context.h>

#include "../../iommu-sva-kunit.h"

#include "../../io-pgtable-arm.h"

#define TEST_NR_CMDS		1024
#define TEST_NR_MASTERS		3
#define TEST_SSID_BITS		4
#define TEST_NR_PAGES		8
/* Commands past a full log: a stream that long never ends, stop the case */
#define TEST_MAX_LOST_CMDS	TEST_NR_CMDS

struct test_cmd {
	u64				cmd[CMDQ_ENT_DWORDS];
	u64				cd[4];	/* CFGI_CD: the CD, words 0-3 */
	u64				ste[2];	/* CFGI_STE: STE words 0-1 */
	bool				linked;	/* test_ctx::watch_ssid listed */
};

struct test_master {
	struct device			*dev;
	struct arm_smmu_master		master;
	struct arm_smmu_stream		stream;
	struct dev_iommu		iommu;
	struct iommu_fwspec		*fwspec;
	struct arm_smmu_domain		*parent;
};

struct test_ctx {
	struct kunit			*test;
	struct arm_smmu_device		smmu;
	struct test_master		m[TEST_NR_MASTERS];
	unsigned int			nr_faults;
	struct iommu_fault		faults[4];
	unsigned int			nr_cmds;
	unsigned int			lost_cmds;
	/* Record whether this SSID is on this domain's invalidation list */
	struct arm_smmu_domain		*watch_domain;
	u32				watch_ssid;
	struct test_cmd			cmds[TEST_NR_CMDS];
};

/* What a recorded command must be; fields not used by @op are ignored */
struct test_exp {
	u8				op;
	u32				sid;
	u32				ssid;
	u16				asid;
	u64				addr;
	u8				size;
};

/* Word @i of the CD at @ssid, 0 if its leaf table is not there yet */
static u64 test_cd_word(struct arm_smmu_domain *parent, u32 ssid, int i)
{
	struct arm_smmu_ctx_desc_cfg *cdcfg = &parent->s1_cfg.cdcfg;
	__le64 *table = cdcfg->cdtab;

	if (parent->s1_cfg.s1fmt == STRTAB_STE_0_S1FMT_64K_L2) {
		table = cdcfg->l1_desc[ssid >> CTXDESC_SPLIT].l2ptr;
		if (!table)
			return 0;
		ssid &= CTXDESC_L2_ENTRIES - 1;
	}
	return le64_to_cpu(READ_ONCE(table[ssid * CTXDESC_CD_DWORDS + i]));
}

static void test_reset_cmds(struct test_ctx *ctx)
{
	ctx->nr_cmds = 0;
	ctx->lost_cmds = 0;
}

/*
 * Whether test_ctx::watch_ssid is on the invalidation list of
 * test_ctx::watch_domain, which arm_smmu_atc_inv_domain() walks. The list is
 * read without devices_lock: the caller may hold it, and the case is the only
 * thread changing it.
 */
static bool test_watch_linked(struct test_ctx *ctx)
{
	struct arm_smmu_pasid *pasid;

	if (!ctx->watch_domain)
		return false;
	list_for_each_entry(pasid, &ctx->watch_domain->pasids, domain_head)
		if (pasid->ssid == ctx->watch_ssid)
			return true;
	return false;
}

/*
 * What the SMMU would read when told to by @rec: the STE a CFGI_STE names,
 * or the CD a CFGI_CD names in the table the master's STE points to (its
 * PASID table, or its own stage-1 domain's). Masters are found by StreamID
 * without streams_mutex: only the case changes the tree, not under it.
 */
static void test_snapshot(struct test_ctx *ctx, struct test_cmd *rec)
{
	u32 sid = FIELD_GET(CMDQ_CFGI_0_SID, rec->cmd[0]);
	u32 ssid = FIELD_GET(CMDQ_CFGI_0_SSID, rec->cmd[0]);
	struct arm_smmu_domain *parent;
	struct arm_smmu_master *master;
	struct rb_node *node;
	__le64 *ste;
	int k;

	switch (FIELD_GET(CMDQ_0_OP, rec->cmd[0])) {
	case CMDQ_OP_CFGI_STE:
		if (sid >= 1 << ctx->smmu.sid_bits)
			return;
		ste = arm_smmu_get_step_for_sid(&ctx->smmu, sid);
		for (k = 0; k < 2; k++)
			rec->ste[k] = le64_to_cpu(READ_ONCE(ste[k]));
		return;
	case CMDQ_OP_CFGI_CD:
		node = rb_find(&sid, &ctx->smmu.streams,
			       arm_smmu_streams_cmp_key);
		if (!node)
			return;
		master = rb_entry(node, struct arm_smmu_stream, node)->master;
		parent = master->pasid_table ?: master->domain;
		if (!parent || parent->stage != ARM_SMMU_DOMAIN_S1 ||
		    !parent->s1_cfg.cdcfg.cdtab)
			return;
		for (k = 0; k < 4; k++)
			rec->cd[k] = test_cd_word(parent, ssid, k);
		return;
	}
}

static int test_issue_cmdlist(struct arm_smmu_device *smmu, u64 *cmds,
			      int n, bool sync)
{
	struct test_ctx *ctx = container_of(smmu, struct test_ctx, smmu);
	int i;

	for (i = 0; i < n + sync; i++) {
		struct test_cmd *rec;

		if (ctx->nr_cmds == TEST_NR_CMDS) {
			bool runaway = ++ctx->lost_cmds == TEST_MAX_LOST_CMDS;

			/*
			 * A driver loop that never ends would hang the guest:
			 * abort the case inside the driver instead. What the
			 * case holds leaks, but the other cases still run.
			 * The log starts again for the exit handler.
			 */
			if (runaway)
				test_reset_cmds(ctx);
			KUNIT_ASSERT_FALSE_MSG(ctx->test, runaway,
					       "runaway command stream: %u commands",
					       TEST_NR_CMDS + TEST_MAX_LOST_CMDS);
			continue;
		}
		rec = &ctx->cmds[ctx->nr_cmds++];
		memset(rec, 0, sizeof(*rec));
		rec->linked = test_watch_linked(ctx);
		if (i == n) {
			rec->cmd[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_CMD_SYNC);
			continue;
		}
		memcpy(rec->cmd, &cmds[i * CMDQ_ENT_DWORDS], sizeof(rec->cmd));
		test_snapshot(ctx, rec);
	}
	return 0;
}

static const char *test_op_name(u8 op)
{
	switch (op) {
	case CMDQ_OP_CFGI_STE:		return "CFGI_STE";
	case CMDQ_OP_CFGI_CD:		return "CFGI_CD";
	case CMDQ_OP_CFGI_CD_ALL:	return "CFGI_CD_ALL";
	case CMDQ_OP_TLBI_NH_ASID:	return "TLBI_NH_ASID";
	case CMDQ_OP_TLBI_NH_VA:	return "TLBI_NH_VA";
	case CMDQ_OP_ATC_INV:		return "ATC_INV";
	case CMDQ_OP_CMD_SYNC:		return "CMD_SYNC";
	default:			return "other";
	}
}

/* The commands recorded since the last reset are exactly @exp[0..@n) */
static void test_expect_cmds(struct kunit *test, struct test_ctx *ctx,
			     const struct test_exp *exp, unsigned int n)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ctx->lost_cmds, 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, n);
	for (i = 0; i < min(n, ctx->nr_cmds); i++) {
		u64 *cmd = ctx->cmds[i].cmd;
		u8 op = FIELD_GET(CMDQ_0_OP, cmd[0]);

		KUNIT_EXPECT_STREQ_MSG(test, test_op_name(op),
				       test_op_name(exp[i].op), "command %u", i);
		if (op != exp[i].op)
			continue;
		switch (op) {
		case CMDQ_OP_CFGI_CD:
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_CFGI_0_SSID,
							    cmd[0]),
					    exp[i].ssid, "command %u", i);
			fallthrough;
		case CMDQ_OP_CFGI_STE:
			KUNIT_EXPECT_TRUE(test, cmd[1] & CMDQ_CFGI_1_LEAF);
			fallthrough;
		case CMDQ_OP_CFGI_CD_ALL:
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_CFGI_0_SID,
							    cmd[0]),
					    exp[i].sid, "command %u", i);
			break;
		case CMDQ_OP_TLBI_NH_ASID:
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_TLBI_0_ASID,
							    cmd[0]),
					    exp[i].asid, "command %u", i);
			break;
		case CMDQ_OP_TLBI_NH_VA:
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_TLBI_0_ASID,
							    cmd[0]),
					    exp[i].asid, "command %u", i);
			KUNIT_EXPECT_EQ_MSG(test, cmd[1] & CMDQ_TLBI_1_VA_MASK,
					    exp[i].addr, "command %u", i);
			break;
		case CMDQ_OP_ATC_INV:
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_ATC_0_SID,
							    cmd[0]),
					    exp[i].sid, "command %u", i);
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_ATC_0_SSID,
							    cmd[0]),
					    exp[i].ssid, "command %u", i);
			KUNIT_EXPECT_EQ_MSG(test, !!(cmd[0] & CMDQ_0_SSV),
					    !!exp[i].ssid, "command %u", i);
			KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(CMDQ_ATC_1_SIZE,
							    cmd[1]),
					    exp[i].size, "command %u", i);
			KUNIT_EXPECT_EQ_MSG(test, cmd[1] & CMDQ_ATC_1_ADDR_MASK,
					    exp[i].addr, "command %u", i);
			break;
		}
	}
	test_reset_cmds(ctx);
}

/*
 * Give a stage-1 domain another ASID, as arm_smmu_share_asid() does.
 * Returns -EBUSY if @asid is taken.
 */
static int test_move_asid(struct arm_smmu_domain *smmu_domain, u16 asid)
{
	struct arm_smmu_ctx_desc *cd = &smmu_domain->s1_cfg.cd;
	int ret;

	mutex_lock(&arm_smmu_asid_lock);
	ret = xa_insert(&arm_smmu_asid_xa, asid, cd, GFP_KERNEL);
	if (!ret) {
		xa_erase(&arm_smmu_asid_xa, cd->asid);
		cd->asid = asid;
		arm_smmu_write_ctx_desc(smmu_domain, 0, cd);
	}
	mutex_unlock(&arm_smmu_asid_lock);
	return ret;
}

/* A domain as the core's __iommu_domain_alloc() makes it */
static struct iommu_domain *test_domain_alloc(struct kunit *test,
					      unsigned int type)
{
	struct iommu_domain *domain = arm_smmu_domain_alloc(type);

	KUNIT_ASSERT_NOT_NULL(test, domain);
	domain->type = type;
	if (!domain->ops)
		domain->ops = arm_smmu_ops.default_domain_ops;
	return domain;
}

/* invalidate_range() of one page at @addr, for one ATS master at @ssid */
static void test_expect_inv_page(struct kunit *test, struct test_ctx *ctx,
				 u16 asid, u64 addr, u32 sid, u32 ssid)
{
	struct test_exp exp[] = {
		{ .op = CMDQ_OP_TLBI_NH_VA, .asid = asid, .addr = addr },
		{ CMDQ_OP_CMD_SYNC },
		{ CMDQ_OP_ATC_INV, sid, ssid, .addr = addr },
		{ CMDQ_OP_CMD_SYNC },
	};

	test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
}

/*
 * The mm calls invalidate_range() with the page table lock held
 * (ptep_clear_flush_notify() and the like): so does every case, and with
 * CONFIG_DEBUG_ATOMIC_SLEEP a callback that may sleep is reported.
 */
static DEFINE_SPINLOCK(test_ptl);

static void test_mn_invalidate(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long start, unsigned long end)
{
	spin_lock(&test_ptl);
	mn->ops->invalidate_range(mn, mm, start, end);
	spin_unlock(&test_ptl);
}

static int arm_smmu_test_init(struct kunit *test)
{
	struct arm_smmu_device *smmu;
	struct test_ctx *ctx;
	int i, ret;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	ctx->test = test;

	smmu = &ctx->smmu;
	smmu->dev = root_device_register("arm-smmu-v3-kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(smmu->dev));
	/* CD tables come from dmam_alloc_coherent(): plain memory */
	smmu->dev->coherent_dma_mask = DMA_BIT_MASK(48);
	smmu->dev->dma_coherent = true;
	smmu->features = ARM_SMMU_FEAT_TRANS_S1 | ARM_SMMU_FEAT_COHERENCY |
			 ARM_SMMU_FEAT_ATS;
	smmu->options = ARM_SMMU_OPT_SKIP_PREFETCH;
	smmu->asid_bits = 16;
	smmu->ssid_bits = TEST_SSID_BITS;
	smmu->sid_bits = 3;
	smmu->ias = 48;
	smmu->oas = 48;
	smmu->pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G;
	smmu->strtab_cfg.strtab = kunit_kcalloc(test, 1 << smmu->sid_bits,
						STRTAB_STE_DWORDS << 3,
						GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, smmu->strtab_cfg.strtab);
	smmu->test_issue_cmdlist = test_issue_cmdlist;
	smmu->iommu.ops = &arm_smmu_ops;
	smmu->streams = RB_ROOT;
	mutex_init(&smmu->streams_mutex);

	for (i = 0; i < TEST_NR_MASTERS; i++) {
		struct test_master *m = &ctx->m[i];
		char name[32];

		snprintf(name, sizeof(name), "arm-smmu-v3-kunit-m%d", i);
		m->dev = root_device_register(name);
		KUNIT_ASSERT_FALSE(test, IS_ERR(m->dev));
		m->master.smmu = smmu;
		m->master.dev = m->dev;
		m->master.streams = &m->stream;
		m->master.num_streams = 1;
		m->master.ssid_bits = TEST_SSID_BITS;
		INIT_LIST_HEAD(&m->master.pasids);
		m->stream.id = i + 1;
		m->stream.master = &m->master;
		m->fwspec = kunit_kzalloc(test, sizeof(*m->fwspec), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m->fwspec);
		m->iommu.fwspec = m->fwspec;
		m->iommu.priv = &m->master;
		m->iommu.iommu_dev = &smmu->iommu;
		mutex_init(&m->iommu.lock);
		m->dev->iommu = &m->iommu;
		KUNIT_ASSERT_NULL(test, rb_find_add(&m->stream.node,
						    &smmu->streams,
						    arm_smmu_streams_cmp_node));

		m->parent = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
		ret = arm_smmu_attach_dev(&m->parent->domain, m->dev);
		KUNIT_ASSERT_EQ(test, ret, 0);
		/*
		 * Keep out of the way of the CPU's ASIDs, which a test mm may
		 * have: only arm_smmu_test_sva_asid_share() wants to share.
		 */
		ret = test_move_asid(m->parent, 0xfff0 + i);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}
	test_reset_cmds(ctx);
	return 0;
}

static void arm_smmu_test_exit(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < TEST_NR_MASTERS; i++) {
		struct test_master *m = &ctx->m[i];

		if (IS_ERR_OR_NULL(m->dev))
			continue;
		/* There is no PCI function to disable ATS on */
		m->master.ats_enabled = false;
		arm_smmu_detach_dev(&m->master);
		if (m->parent)
			arm_smmu_domain_free(&m->parent->domain);
		if (m->stream.master)
			rb_erase(&m->stream.node, &ctx->smmu.streams);
		m->dev->iommu = NULL;
		root_device_unregister(m->dev);
	}
	if (!IS_ERR_OR_NULL(ctx->smmu.dev))
		root_device_unregister(ctx->smmu.dev);
}

/* An SVA domain as the core makes it */
static struct arm_smmu_domain *test_sva_domain(struct kunit *test,
					       struct mm_struct *mm)
{
	struct iommu_domain *domain = test_domain_alloc(test, IOMMU_DOMAIN_SVA);

	mmgrab(mm);
	domain->mm = mm;
	return to_smmu_domain(domain);
}

static void test_sva_domain_free(struct arm_smmu_domain *smmu_domain)
{
	struct mm_struct *mm = smmu_domain->domain.mm;

	smmu_domain->domain.ops->free(&smmu_domain->domain);
	mmdrop(mm);
}

static int test_set(struct arm_smmu_domain *smmu_domain, struct test_master *m,
		    ioasid_t ssid)
{
	return smmu_domain->domain.ops->set_dev_pasid(&smmu_domain->domain,
						      m->dev, ssid);
}

static void test_remove(struct test_master *m, ioasid_t ssid)
{
	arm_smmu_ops.remove_dev_pasid(m->dev, ssid);
}

/* The CD table of @m's SSIDs: its PASID table, or its own domain's */
static struct arm_smmu_domain *test_cd_parent(struct test_master *m)
{
	return m->master.pasid_table ?: m->master.domain;
}

/* Write order of a new CD: words 1-3 and CFGI_CD, then word 0, CFGI_CD */
static void test_expect_cd_publish(struct kunit *test, struct test_ctx *ctx,
				   struct test_master *m, u32 ssid)
{
	struct test_exp exp[] = {
		{ CMDQ_OP_CFGI_CD, m->stream.id, ssid },
		{ CMDQ_OP_CMD_SYNC },
		{ CMDQ_OP_CFGI_CD, m->stream.id, ssid },
		{ CMDQ_OP_CMD_SYNC },
	};
	int k;

	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, ARRAY_SIZE(exp));
	/* When the SMMU is first told to look, V is still clear */
	KUNIT_EXPECT_EQ(test, ctx->cmds[0].cd[0], 0);
	for (k = 1; k < 4; k++) {
		KUNIT_EXPECT_EQ(test, ctx->cmds[0].cd[k],
				test_cd_word(test_cd_parent(m), ssid, k));
		KUNIT_EXPECT_EQ(test, ctx->cmds[2].cd[k],
				test_cd_word(test_cd_parent(m), ssid, k));
	}
	/* ...then word 0 appears whole, with V */
	KUNIT_EXPECT_EQ(test, ctx->cmds[2].cd[0],
			test_cd_word(test_cd_parent(m), ssid, 0));
	KUNIT_EXPECT_TRUE(test, ctx->cmds[2].cd[0] & CTXDESC_CD_0_V);
	test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
}

static void test_expect_cd_removed(struct kunit *test, struct test_ctx *ctx,
				   struct test_master *m, u32 ssid, u16 asid)
{
	struct test_exp exp[] = {
		{ CMDQ_OP_CFGI_CD, m->stream.id, ssid },
		{ CMDQ_OP_CMD_SYNC },
		{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = asid },
		{ CMDQ_OP_CMD_SYNC },
		{ CMDQ_OP_ATC_INV, m->stream.id, ssid, .size = ATC_INV_SIZE_ALL },
		{ CMDQ_OP_CMD_SYNC },
	};

	KUNIT_EXPECT_EQ(test, test_cd_word(test_cd_parent(m), ssid, 0), 0);
	KUNIT_ASSERT_GE(test, ctx->nr_cmds, 1);
	KUNIT_EXPECT_EQ(test, ctx->cmds[0].cd[0], 0);
	test_expect_cmds(test, ctx, exp,
			 m->master.ats_enabled ? 6 : 4);
}

static void arm_smmu_test_sva_cd(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva;
	struct mm_struct *mm;
	unsigned long addr;
	u64 tcr = read_sysreg(tcr_el1);
	u64 reg, cd0, parange;
	u16 asid;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);

	KUNIT_ASSERT_EQ(test, test_set(sva, m, 1), 0);
	test_expect_cd_publish(test, ctx, m, 1);

	cd0 = test_cd_word(m->parent, 1, 0);
	asid = FIELD_GET(CTXDESC_CD_0_ASID, cd0);
	/* The CPU's ASID, pinned, owned by the mm's shared CD */
	KUNIT_EXPECT_EQ(test, asid, sva->sva_cd->asid);
	KUNIT_EXPECT_EQ(test, refcount_read(&mm->context.pinned), 1);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&arm_smmu_asid_xa, asid),
			    sva->sva_cd);
	KUNIT_EXPECT_EQ(test, asid & ~1, ASID(mm) & ~1);

	/* Translation parameters: those the CPU uses for TTBR0 */
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_T0SZ, cd0),
			(tcr & TCR_T0SZ_MASK) >> TCR_T0SZ_OFFSET);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_T0SZ, cd0),
			64 - vabits_actual);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_TG0, cd0),
			(tcr & TCR_TG0_MASK) >> TCR_TG0_SHIFT);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_IRGN0, cd0),
			(tcr & TCR_IRGN0_MASK) >> TCR_IRGN0_SHIFT);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_ORGN0, cd0),
			(tcr & TCR_ORGN0_MASK) >> TCR_ORGN0_SHIFT);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_SH0, cd0),
			(tcr & TCR_SH0_MASK) >> TCR_SH0_SHIFT);
	reg = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	parange = cpuid_feature_extract_unsigned_field(reg,
						       ID_AA64MMFR0_EL1_PARANGE_SHIFT);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_IPS, cd0), parange);
	KUNIT_EXPECT_FALSE(test, cd0 & CTXDESC_CD_0_TCR_EPD0);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_TCR_EPD1);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_AA64);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_R);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_A);
	/* Shared ASID: takes part in broadcast TLB maintenance */
	KUNIT_EXPECT_FALSE(test, cd0 & CTXDESC_CD_0_ASET);
	KUNIT_EXPECT_FALSE(test, cd0 & CTXDESC_CD_0_S);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_V);
	/* ...and nothing else: TBI0, HA, HD, ENDI, EPD0, S and RES0 clear */
	reg = FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, 64 - vabits_actual) |
	      FIELD_PREP(CTXDESC_CD_0_TCR_TG0,
			 (tcr & TCR_TG0_MASK) >> TCR_TG0_SHIFT) |
	      FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, ARM_LPAE_TCR_RGN_WBWA) |
	      FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, ARM_LPAE_TCR_RGN_WBWA) |
	      FIELD_PREP(CTXDESC_CD_0_TCR_SH0, ARM_LPAE_TCR_SH_IS) |
	      FIELD_PREP(CTXDESC_CD_0_TCR_IPS, parange) |
	      FIELD_PREP(CTXDESC_CD_0_ASID, asid) |
	      CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_AA64 |
	      CTXDESC_CD_0_R | CTXDESC_CD_0_A | CTXDESC_CD_0_V;
	KUNIT_EXPECT_EQ(test, cd0, reg);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 1, 1),
			virt_to_phys(mm->pgd) & CTXDESC_CD_1_TTB0_MASK);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 1, 2), 0);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 1, 3),
			read_sysreg(mair_el1));
	/* SSID 0 is still the master's own domain */
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_ASID,
					test_cd_word(m->parent, 0, 0)),
			m->parent->s1_cfg.cd.asid);

	/* Unbind without release */
	test_remove(m, 1);
	test_expect_cd_removed(test, ctx, m, 1, asid);
	test_sva_domain_free(sva);
	KUNIT_EXPECT_NULL(test, xa_load(&arm_smmu_asid_xa, asid));
	KUNIT_EXPECT_EQ(test, refcount_read(&mm->context.pinned), 0);

	/* The notifier is gone: the exit of the mm sends nothing */
	mmu_notifier_synchronize();
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
}

static void arm_smmu_test_paging_cd(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct io_pgtable_cfg *cfg;
	struct arm_smmu_domain *pd;
	struct iommu_domain *domain;
	u64 cd0, exp0;

	domain = test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED);
	pd = to_smmu_domain(domain);

	/* Finalised on first use: CD 0 of its own table, then ours */
	KUNIT_ASSERT_EQ(test, test_set(pd, m, 2), 0);
	test_reset_cmds(ctx);
	cfg = &io_pgtable_ops_to_pgtable(pd->pgtbl_ops)->cfg;
	cd0 = test_cd_word(m->parent, 2, 0);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_ASID, cd0),
			pd->s1_cfg.cd.asid);
	KUNIT_EXPECT_NE(test, pd->s1_cfg.cd.asid, m->parent->s1_cfg.cd.asid);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_T0SZ, cd0),
			64 - cfg->ias);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_TG0, cd0),
			ARM_LPAE_TCR_TG0_4K);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_IRGN0, cd0),
			ARM_LPAE_TCR_RGN_WBWA);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_ORGN0, cd0),
			ARM_LPAE_TCR_RGN_WBWA);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_SH0, cd0),
			ARM_LPAE_TCR_SH_IS);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_IPS, cd0),
			ARM_LPAE_TCR_PS_48_BIT);
	KUNIT_EXPECT_FALSE(test, cd0 & CTXDESC_CD_0_TCR_EPD0);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_TCR_EPD1);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_AA64);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_R);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_A);
	/* A private ASID: no broadcast TLB maintenance */
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_ASET);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_V);
	/* ...and nothing else */
	exp0 = FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, 64 - cfg->ias) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_TG0, ARM_LPAE_TCR_TG0_4K) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, ARM_LPAE_TCR_RGN_WBWA) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, ARM_LPAE_TCR_RGN_WBWA) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_SH0, ARM_LPAE_TCR_SH_IS) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_IPS, ARM_LPAE_TCR_PS_48_BIT) |
	       FIELD_PREP(CTXDESC_CD_0_ASID, pd->s1_cfg.cd.asid) |
	       CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_AA64 |
	       CTXDESC_CD_0_R | CTXDESC_CD_0_A | CTXDESC_CD_0_ASET |
	       CTXDESC_CD_0_V;
	KUNIT_EXPECT_EQ(test, cd0, exp0);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 2, 2), 0);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 2, 1),
			cfg->arm_lpae_s1_cfg.ttbr & CTXDESC_CD_1_TTB0_MASK);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 2, 3),
			cfg->arm_lpae_s1_cfg.mair);

	/* Again on an ATS master: a flush of the domain reaches its ATC */
	test_remove(m, 2);
	test_reset_cmds(ctx);
	m->master.ats_enabled = true;
	KUNIT_ASSERT_EQ(test, test_set(pd, m, 2), 0);
	test_expect_cd_publish(test, ctx, m, 2);
	arm_smmu_tlb_inv_context(pd);
	{
		struct test_exp exp[] = {
			{ .op = CMDQ_OP_TLBI_NH_ASID,
			  .asid = pd->s1_cfg.cd.asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, m->stream.id, 2,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
		};

		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}

	test_remove(m, 2);
	test_expect_cd_removed(test, ctx, m, 2, pd->s1_cfg.cd.asid);
	arm_smmu_domain_free(domain);
}

/* What cannot be attached at a PASID fails cleanly, writing nothing */
static void arm_smmu_test_refusals(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m0 = &ctx->m[0], *m1 = &ctx->m[1];
	struct iommu_domain *id, *pd;

	id = test_domain_alloc(test, IOMMU_DOMAIN_IDENTITY);
	KUNIT_EXPECT_EQ(test, id->ops->set_dev_pasid(id, m0->dev, 1), -EINVAL);
	arm_smmu_domain_free(id);

	/* Stage 2 (here for nesting) has no CD either */
	ctx->smmu.features |= ARM_SMMU_FEAT_TRANS_S2;
	ctx->smmu.vmid_bits = 8;
	set_bit(0, ctx->smmu.vmid_map);
	pd = test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED);
	KUNIT_ASSERT_EQ(test, arm_smmu_enable_nesting(pd), 0);
	KUNIT_EXPECT_EQ(test, pd->ops->set_dev_pasid(pd, m0->dev, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, to_smmu_domain(pd)->stage, ARM_SMMU_DOMAIN_NESTED);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	KUNIT_EXPECT_EQ(test, test_cd_word(m0->parent, 1, 0), 0);
	arm_smmu_domain_free(pd);	/* flushes the VMID */
	ctx->smmu.features &= ~ARM_SMMU_FEAT_TRANS_S2;
	test_reset_cmds(ctx);

	pd = test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED);
	/* Beyond the CD table */
	KUNIT_EXPECT_EQ(test, pd->ops->set_dev_pasid(pd, m0->dev,
						     1 << TEST_SSID_BITS),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pd->ops->set_dev_pasid(pd, m0->dev, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);

	/* A domain of one master at an SSID, then the master can't move */
	KUNIT_ASSERT_EQ(test, pd->ops->set_dev_pasid(pd, m0->dev, 3), 0);
	test_reset_cmds(ctx);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m1->parent->domain,
						  m0->dev), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, m0->master.domain, m0->parent);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	test_remove(m0, 3);
	test_reset_cmds(ctx);

	/* A shared master domain would show the CD to the other master */
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&m0->parent->domain,
						  m1->dev), 0);
	test_reset_cmds(ctx);
	KUNIT_EXPECT_EQ(test, pd->ops->set_dev_pasid(pd, m0->dev, 3), -EBUSY);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	KUNIT_EXPECT_EQ(test, test_cd_word(m0->parent, 3, 0), 0);
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&m1->parent->domain,
						  m1->dev), 0);
	arm_smmu_domain_free(pd);
}

/* Two masters, one ATS-enabled, share an SVA domain at SSID 3 */
static void arm_smmu_test_sva_invalidate(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *ma = &ctx->m[0], *mb = &ctx->m[1];
	struct iommu_test_invalidations *inv;
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva;
	struct mmu_notifier *mn;
	struct test_exp *exp;
	struct mm_struct *mm;
	unsigned long addr, start;
	unsigned int i, n, first;
	u16 asid;

	exp = kunit_kcalloc(test, CMDQ_MAX_TLBI_OPS + 8, sizeof(*exp),
			    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	mn = &sva->mmu_notifier;

	ma->master.ats_enabled = true;
	KUNIT_ASSERT_EQ(test, test_set(sva, ma, 3), 0);
	KUNIT_ASSERT_EQ(test, test_set(sva, mb, 3), 0);
	test_reset_cmds(ctx);
	asid = sva->sva_asid;

	/*
	 * Three pages in a 16 KiB aligned block: ATC span of 4 pages; the
	 * event names each master and SSID it reaches
	 */
	inv = iommu_test_invalidations_watch(test, ma->dev, mb->dev);
	start = 0x40000000UL;
	test_mn_invalidate(mn, mm, start, start + 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, inv->n, 2U);
	first = inv->ev[0].dev == ma->dev ? 0 : 1;
	iommu_test_expect_invalidation(test, inv, first, ma->dev, 3, start,
				       start + 3 * PAGE_SIZE);
	iommu_test_expect_invalidation(test, inv, !first, mb->dev, 3, start,
				       start + 3 * PAGE_SIZE);
	for (i = 0; i < 3; i++)
		exp[i] = (struct test_exp){ .op = CMDQ_OP_TLBI_NH_VA,
					    .asid = asid,
					    .addr = start + i * PAGE_SIZE };
	exp[3] = (struct test_exp){ .op = CMDQ_OP_CMD_SYNC };
	exp[4] = (struct test_exp){ CMDQ_OP_ATC_INV, ma->stream.id, 3,
				    .addr = start, .size = 2 };
	exp[5] = (struct test_exp){ .op = CMDQ_OP_CMD_SYNC };
	test_expect_cmds(test, ctx, exp, 6);

	/* One page short of the threshold: still one TLBI per page */
	n = CMDQ_MAX_TLBI_OPS - 1;
	test_mn_invalidate(mn, mm, start, start + n * PAGE_SIZE);
	for (i = 0; i < n; i++)
		exp[i] = (struct test_exp){ .op = CMDQ_OP_TLBI_NH_VA,
					    .asid = asid,
					    .addr = start + i * PAGE_SIZE };
	exp[n] = (struct test_exp){ .op = CMDQ_OP_CMD_SYNC };
	exp[n + 1] = (struct test_exp){ CMDQ_OP_ATC_INV, ma->stream.id, 3,
					.addr = start,
					.size = ilog2(roundup_pow_of_two(n)) };
	exp[n + 2] = (struct test_exp){ .op = CMDQ_OP_CMD_SYNC };
	test_expect_cmds(test, ctx, exp, n + 3);

	/* At the threshold: one TLBI for the ASID, the whole ATC */
	exp[0] = (struct test_exp){ .op = CMDQ_OP_TLBI_NH_ASID, .asid = asid };
	exp[1] = (struct test_exp){ .op = CMDQ_OP_CMD_SYNC };
	exp[2] = (struct test_exp){ CMDQ_OP_ATC_INV, ma->stream.id, 3,
				    .size = ATC_INV_SIZE_ALL };
	exp[3] = (struct test_exp){ .op = CMDQ_OP_CMD_SYNC };
	test_mn_invalidate(mn, mm, start,
			   start + CMDQ_MAX_TLBI_OPS * PAGE_SIZE);
	test_expect_cmds(test, ctx, exp, 4);

	/* The whole address space */
	test_mn_invalidate(mn, mm, 0, TASK_SIZE);
	test_expect_cmds(test, ctx, exp, 4);

	/* With range invalidation, a large range stays by address */
	ctx->smmu.features |= ARM_SMMU_FEAT_RANGE_INV;
	test_mn_invalidate(mn, mm, start, start + SZ_64M);
	KUNIT_EXPECT_GE(test, ctx->nr_cmds, 4);
	KUNIT_EXPECT_LE(test, ctx->nr_cmds, 8);
	for (i = 0; i + 3 < ctx->nr_cmds; i++) {
		u64 *cmd = ctx->cmds[i].cmd;

		KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, cmd[0]),
				CMDQ_OP_TLBI_NH_VA);
		KUNIT_EXPECT_NE(test, FIELD_GET(CMDQ_TLBI_0_SCALE, cmd[0]) +
				FIELD_GET(CMDQ_TLBI_0_NUM, cmd[0]), 0);
	}
	ctx->smmu.features &= ~ARM_SMMU_FEAT_RANGE_INV;
	test_reset_cmds(ctx);

	/* A real unmap reaches the SMMU through the notifier */
	kthread_use_mm(mm);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr + PAGE_SIZE, PAGE_SIZE), 0);
	kthread_unuse_mm(mm);
	n = 0;
	for (i = 0; i < ctx->nr_cmds; i++) {
		u64 *cmd = ctx->cmds[i].cmd;

		if (FIELD_GET(CMDQ_0_OP, cmd[0]) == CMDQ_OP_TLBI_NH_VA &&
		    FIELD_GET(CMDQ_TLBI_0_ASID, cmd[0]) == asid &&
		    (cmd[1] & CMDQ_TLBI_1_VA_MASK) == addr + PAGE_SIZE)
			n++;
	}
	KUNIT_EXPECT_GE(test, n, 1);
	test_reset_cmds(ctx);

	test_remove(mb, 3);
	test_expect_cd_removed(test, ctx, mb, 3, asid);
	/* Only the ATS master is left: its invalidations stay */
	test_mn_invalidate(mn, mm, start, start + PAGE_SIZE);
	test_expect_inv_page(test, ctx, asid, start, ma->stream.id, 3);
	test_remove(ma, 3);
	test_expect_cd_removed(test, ctx, ma, 3, asid);
	test_sva_domain_free(sva);

	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/* The process exits while bound, then the driver unbinds */
static void arm_smmu_test_sva_release(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva;
	struct mm_struct *mm;
	unsigned long addr;
	u64 cd[4];
	u16 asid;
	int k;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	m->master.ats_enabled = true;
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 4), 0);
	test_reset_cmds(ctx);
	asid = sva->sva_asid;
	for (k = 0; k < 4; k++)
		cd[k] = test_cd_word(m->parent, 4, k);

	/* exit_mmap() calls release() */
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	{
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_CD, m->stream.id, 4 },
			{ CMDQ_OP_CMD_SYNC },
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, m->stream.id, 4,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
		};

		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}
	/* Still valid, walks disabled, nothing else changed */
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 4, 0),
			cd[0] | CTXDESC_CD_0_TCR_EPD0);
	for (k = 1; k < 4; k++)
		KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 4, k), cd[k]);
	KUNIT_EXPECT_TRUE(test, sva->sva_released);

	/* No new attachment of an exited mm */
	KUNIT_EXPECT_EQ(test, test_set(sva, &ctx->m[1], 4), -ESRCH);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	KUNIT_EXPECT_EQ(test, test_cd_word(ctx->m[1].parent, 4, 0), 0);

	/* The unbind clears the CD once and frees everything once */
	test_remove(m, 4);
	test_expect_cd_removed(test, ctx, m, 4, asid);
	test_sva_domain_free(sva);
	KUNIT_EXPECT_NULL(test, xa_load(&arm_smmu_asid_xa, asid));
	mmu_notifier_synchronize();
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
}

/* One master, two processes at two SSIDs */
static void arm_smmu_test_sva_two_pasids(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[2];
	struct page *pages[2][TEST_NR_PAGES];
	struct arm_smmu_domain *sva[2];
	struct mm_struct *mm[2];
	unsigned long addr[2];
	struct mmu_notifier *mn;
	int i;

	m->master.ats_enabled = true;
	for (i = 0; i < 2; i++) {
		mm[i] = iommu_test_mm_create(test, &addr[i], pages[i],
					     TEST_NR_PAGES);
		sva[i] = test_sva_domain(test, mm[i]);
		test_reset_cmds(ctx);
		KUNIT_ASSERT_EQ(test, test_set(sva[i], m, 5 + i), 0);
		test_expect_cd_publish(test, ctx, m, 5 + i);
		KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, 5 + i, 1),
				virt_to_phys(mm[i]->pgd) &
				CTXDESC_CD_1_TTB0_MASK);
	}
	KUNIT_EXPECT_NE(test, sva[0]->sva_asid, sva[1]->sva_asid);

	/* An invalidation of one mm only reaches its own SSID */
	mn = &sva[1]->mmu_notifier;
	test_mn_invalidate(mn, mm[1], addr[1], addr[1] + PAGE_SIZE);
	test_expect_inv_page(test, ctx, sva[1]->sva_asid, addr[1],
			     m->stream.id, 6);

	test_remove(m, 5);
	test_expect_cd_removed(test, ctx, m, 5, sva[0]->sva_asid);
	KUNIT_EXPECT_TRUE(test, test_cd_word(m->parent, 6, 0) &
			  CTXDESC_CD_0_V);
	test_remove(m, 6);
	test_expect_cd_removed(test, ctx, m, 6, sva[1]->sva_asid);
	for (i = 0; i < 2; i++) {
		test_sva_domain_free(sva[i]);
		iommu_test_mm_put(mm[i], pages[i], TEST_NR_PAGES);
	}
}

/* The CPU ASID of the mm is in use by a private domain, which moves */
static void arm_smmu_test_sva_asid_share(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[1];
	struct arm_smmu_ctx_desc *pcd = &m->parent->s1_cfg.cd;
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva;
	struct mm_struct *mm;
	unsigned long addr;
	u16 mm_asid;
	int ret;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	mm_asid = arm64_mm_context_get(mm);
	arm64_mm_context_put(mm);
	KUNIT_ASSERT_NE(test, mm_asid, 0);

	/* Give the master's domain the mm's ASID */
	ret = test_move_asid(m->parent, mm_asid);
	if (ret) {
		iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
		kunit_skip(test, "ASID %u is used by the real SMMU", mm_asid);
	}
	test_reset_cmds(ctx);

	sva = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 1), 0);
	KUNIT_EXPECT_EQ(test, sva->sva_asid, mm_asid);
	KUNIT_EXPECT_NE(test, pcd->asid, mm_asid);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&arm_smmu_asid_xa, pcd->asid), pcd);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_ASID,
					test_cd_word(m->parent, 0, 0)),
			pcd->asid);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_ASID,
					test_cd_word(m->parent, 1, 0)),
			mm_asid);
	{
		/* CD 0 updated in place, old ASID flushed, then CD 1 */
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_CD, m->stream.id, 0 },
			{ CMDQ_OP_CMD_SYNC },
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = mm_asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD, m->stream.id, 1 },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD, m->stream.id, 1 },
			{ CMDQ_OP_CMD_SYNC },
		};

		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}

	test_remove(m, 1);
	test_expect_cd_removed(test, ctx, m, 1, mm_asid);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * Walk the stage-1 tables the way the SMMU would from a CD: TTB0, T0SZ and
 * TG0 of the CD only. Returns the output address or -EFAULT.
 */
static s64 test_s1_walk(const u64 *cd, u64 va)
{
	unsigned int t0sz = FIELD_GET(CTXDESC_CD_0_TCR_T0SZ, cd[0]);
	unsigned int tg = FIELD_GET(CTXDESC_CD_0_TCR_TG0, cd[0]);
	unsigned int ias = 64 - t0sz, g, bits, shift, levels, lvl;
	u64 table = cd[1] & CTXDESC_CD_1_TTB0_MASK;

	if (!(cd[0] & CTXDESC_CD_0_V) || (cd[0] & CTXDESC_CD_0_TCR_EPD0))
		return -EFAULT;
	switch (tg) {
	case ARM_LPAE_TCR_TG0_4K:
		g = 12;
		break;
	case ARM_LPAE_TCR_TG0_16K:
		g = 14;
		break;
	case ARM_LPAE_TCR_TG0_64K:
		g = 16;
		break;
	default:
		return -EINVAL;
	}
	if (ias > 48 || va >> ias)
		return -EFAULT;

	bits = g - 3;
	levels = DIV_ROUND_UP(ias - g, bits);
	shift = g + (levels - 1) * bits;
	for (lvl = 0; lvl < levels; lvl++, shift -= bits) {
		u64 idx = (va >> shift) & (BIT_ULL(min(bits, ias - shift)) - 1);
		u64 desc = le64_to_cpu(READ_ONCE(((__le64 *)
						  phys_to_virt(table))[idx]));
		bool last = lvl == levels - 1;

		if (!(desc & 1))
			return -EFAULT;
		if (last || (desc & 3) == 1) {
			/* Page or block: AF set and accessible to EL0 */
			if (last && (desc & 3) != 3)
				return -EFAULT;
			if (!(desc & BIT(10)) || !(desc & BIT(6)))
				return -EFAULT;
			return (desc & GENMASK_ULL(47, shift)) |
			       (va & (BIT_ULL(shift) - 1));
		}
		table = desc & GENMASK_ULL(47, g);
	}
	return -EFAULT;
}

/* Where the CPU's MMU translates @va, for EL0 reads, in the current mm */
static s64 test_cpu_at(u64 va)
{
	u64 par;

	preempt_disable();
	asm volatile("at s1e0r, %0" : : "r" (va));
	isb();
	par = read_sysreg_par();
	preempt_enable();
	if (par & SYS_PAR_EL1_F)
		return -EFAULT;
	return (par & GENMASK_ULL(47, 12)) | (va & ~PAGE_MASK);
}

static void arm_smmu_test_sva_walk(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva;
	struct mm_struct *mm;
	unsigned long addr;
	u64 cd[4];
	int i, k;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 1), 0);
	for (k = 0; k < 4; k++)
		cd[k] = test_cd_word(m->parent, 1, k);

	kthread_use_mm(mm);
	for (i = 0; i < TEST_NR_PAGES; i++) {
		u64 va = addr + i * PAGE_SIZE + 8 * i;

		KUNIT_EXPECT_EQ_MSG(test, test_s1_walk(cd, va),
				    (s64)page_to_phys(pages[i]) + 8 * i,
				    "page %d", i);
		KUNIT_EXPECT_EQ_MSG(test, test_s1_walk(cd, va),
				    test_cpu_at(va), "page %d", i);
	}
	/* Not mapped: below, above, and a hole made by munmap() */
	KUNIT_EXPECT_EQ(test, test_s1_walk(cd, addr - PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, test_s1_walk(cd, addr + SZ_2M + SZ_1G), -EFAULT);
	KUNIT_EXPECT_EQ(test, test_s1_walk(cd, BIT_ULL(vabits_actual)),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, vm_munmap(addr + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, test_s1_walk(cd, addr + 2 * PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, test_cpu_at(addr + 2 * PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, test_s1_walk(cd, addr + 3 * PAGE_SIZE),
			(s64)page_to_phys(pages[3]));
	kthread_unuse_mm(mm);

	/* After release, EPD0 stops the walk */
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	for (k = 0; k < 4; k++)
		cd[k] = test_cd_word(m->parent, 1, k);
	KUNIT_EXPECT_EQ(test, test_s1_walk(cd, addr), -EFAULT);

	test_remove(m, 1);
	test_sva_domain_free(sva);
}

static int test_fault_handler(struct iommu_fault *fault, void *data)
{
	struct test_ctx *ctx = data;

	if (ctx->nr_faults < ARRAY_SIZE(ctx->faults))
		ctx->faults[ctx->nr_faults] = *fault;
	ctx->nr_faults++;
	return 0;
}

static void test_expect_pri_resp(struct kunit *test, struct test_ctx *ctx,
				 u32 sid, u32 ssid, u16 grpid, u8 resp)
{
	u64 *cmd = ctx->cmds[0].cmd;

	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 1);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, cmd[0]), CMDQ_OP_PRI_RESP);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_PRI_0_SID, cmd[0]), sid);
	KUNIT_EXPECT_EQ(test, !!(cmd[0] & CMDQ_0_SSV), !!ssid);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_PRI_0_SSID, cmd[0]), ssid);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_PRI_1_GRPID, cmd[1]), grpid);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]), resp);
	test_reset_cmds(ctx);
}

/* PRI page requests and stalls reach the IOPF path with their SSID */
static void arm_smmu_test_page_requests(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *mp = &ctx->m[0], *mn = &ctx->m[1], *ms = &ctx->m[2];
	struct iommu_page_response msg = {
		.argsz		= sizeof(msg),
		.version	= IOMMU_PAGE_RESP_VERSION_1,
	};
	u64 evt[EVTQ_ENT_DWORDS] = { };
	struct iommu_fault *f;
	int ret;

	/* There is no PCI function to enable PRI on */
	mp->master.pri_enabled = true;
	mp->master.prg_resp_needs_ssid = true;
	ms->master.stall_enabled = true;
	ret = iommu_register_device_fault_handler(mp->dev, test_fault_handler,
						  ctx);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ret = iommu_register_device_fault_handler(ms->dev, test_fault_handler,
						  ctx);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* A group of two requests at SSID 5 */
	evt[0] = FIELD_PREP(PRIQ_0_SID, mp->stream.id) |
		 FIELD_PREP(PRIQ_0_SSID, 5) | PRIQ_0_SSID_V |
		 PRIQ_0_PERM_READ | PRIQ_0_PERM_WRITE;
	evt[1] = FIELD_PREP(PRIQ_1_PRG_IDX, 7) | 0x1234000;
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	evt[0] |= PRIQ_0_PRG_LAST;
	evt[1] = FIELD_PREP(PRIQ_1_PRG_IDX, 7) | 0x1235000;
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	KUNIT_ASSERT_EQ(test, ctx->nr_faults, 2);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	f = &ctx->faults[0];
	KUNIT_EXPECT_EQ(test, f->type, IOMMU_FAULT_PAGE_REQ);
	KUNIT_EXPECT_EQ(test, f->prm.flags,
			IOMMU_FAULT_PAGE_REQUEST_PASID_VALID |
			IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID);
	KUNIT_EXPECT_EQ(test, f->prm.pasid, 5);
	KUNIT_EXPECT_EQ(test, f->prm.grpid, 7);
	KUNIT_EXPECT_EQ(test, f->prm.perm,
			IOMMU_FAULT_PERM_READ | IOMMU_FAULT_PERM_WRITE);
	KUNIT_EXPECT_EQ(test, f->prm.addr, 0x1234000);
	f = &ctx->faults[1];
	KUNIT_EXPECT_TRUE(test, f->prm.flags &
			  IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE);
	KUNIT_EXPECT_EQ(test, f->prm.addr, 0x1235000);

	/* The answer to the group: one PRI_RESP with the SSID */
	msg.flags = IOMMU_PAGE_RESP_PASID_VALID;
	msg.pasid = 5;
	msg.grpid = 7;
	msg.code = IOMMU_PAGE_RESP_SUCCESS;
	KUNIT_EXPECT_EQ(test, iommu_page_response(mp->dev, &msg), 0);
	test_expect_pri_resp(test, ctx, mp->stream.id, 5, 7, PRI_RESP_SUCC);

	/* No master, or one without PRI: denied at once */
	ctx->nr_faults = 0;
	evt[0] = FIELD_PREP(PRIQ_0_SID, 6) | FIELD_PREP(PRIQ_0_SSID, 2) |
		 PRIQ_0_SSID_V | PRIQ_0_PERM_READ | PRIQ_0_PRG_LAST;
	evt[1] = FIELD_PREP(PRIQ_1_PRG_IDX, 1);
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	test_expect_pri_resp(test, ctx, 6, 2, 1, PRI_RESP_DENY);
	evt[0] = FIELD_PREP(PRIQ_0_SID, mn->stream.id) | PRIQ_0_PERM_READ |
		 PRIQ_0_PRG_LAST;
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	test_expect_pri_resp(test, ctx, mn->stream.id, 0, 1, PRI_RESP_DENY);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 0);

	/* A stalled transaction at SSID 9, answered invalid: RESUME abort */
	evt[0] = FIELD_PREP(EVTQ_0_ID, EVT_ID_TRANSLATION_FAULT) |
		 FIELD_PREP(EVTQ_0_SID, ms->stream.id) |
		 FIELD_PREP(EVTQ_0_SSID, 9) | EVTQ_0_SSV;
	evt[1] = EVTQ_1_STALL | EVTQ_1_RnW | FIELD_PREP(EVTQ_1_STAG, 3);
	evt[2] = 0x5000;
	KUNIT_EXPECT_EQ(test, arm_smmu_handle_evt(&ctx->smmu, evt), 0);
	KUNIT_ASSERT_EQ(test, ctx->nr_faults, 1);
	f = &ctx->faults[0];
	KUNIT_EXPECT_EQ(test, f->type, IOMMU_FAULT_PAGE_REQ);
	KUNIT_EXPECT_EQ(test, f->prm.flags,
			IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE |
			IOMMU_FAULT_PAGE_REQUEST_PASID_VALID);
	KUNIT_EXPECT_EQ(test, f->prm.pasid, 9);
	KUNIT_EXPECT_EQ(test, f->prm.grpid, 3);
	KUNIT_EXPECT_EQ(test, f->prm.perm, IOMMU_FAULT_PERM_READ);
	KUNIT_EXPECT_EQ(test, f->prm.addr, 0x5000);
	msg.pasid = 9;
	msg.grpid = 3;
	msg.code = IOMMU_PAGE_RESP_INVALID;
	KUNIT_EXPECT_EQ(test, iommu_page_response(ms->dev, &msg), 0);
	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 1);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, ctx->cmds[0].cmd[0]),
			CMDQ_OP_RESUME);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_RESUME_0_SID,
					ctx->cmds[0].cmd[0]), ms->stream.id);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_RESUME_0_RESP,
					ctx->cmds[0].cmd[0]),
			CMDQ_RESUME_0_RESP_ABORT);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_RESUME_1_STAG,
					ctx->cmds[0].cmd[1]), 3);

	/* Every fault was answered: nothing pending */
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(mp->dev), 0);
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(ms->dev), 0);
	mp->master.pri_enabled = false;
	ms->master.stall_enabled = false;
}

/* A 2-level CD table: the leaf is allocated and linked before the CD */
static void arm_smmu_test_sva_cd_2lvl(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[2];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva, *old = m->parent;
	struct arm_smmu_ctx_desc_cfg *cdcfg;
	struct mm_struct *mm;
	unsigned long addr;
	u32 ssid = CTXDESC_L2_ENTRIES + 6;
	u64 l1;

	ctx->smmu.features |= ARM_SMMU_FEAT_2_LVL_CDTAB;
	ctx->smmu.ssid_bits = 12;
	m->master.ssid_bits = 12;
	arm_smmu_detach_dev(&m->master);
	m->parent = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	arm_smmu_domain_free(&old->domain);
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			0);
	KUNIT_ASSERT_EQ(test, test_move_asid(m->parent, 0xfff8), 0);
	cdcfg = &m->parent->s1_cfg.cdcfg;
	KUNIT_ASSERT_EQ(test, m->parent->s1_cfg.s1fmt,
			STRTAB_STE_0_S1FMT_64K_L2);
	KUNIT_EXPECT_NULL(test, cdcfg->l1_desc[1].l2ptr);
	test_reset_cmds(ctx);

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, ssid), 0);

	/* The new L1 descriptor, then the CD itself */
	KUNIT_ASSERT_NOT_NULL(test, cdcfg->l1_desc[1].l2ptr);
	l1 = le64_to_cpu(cdcfg->cdtab[1]);
	KUNIT_EXPECT_TRUE(test, l1 & CTXDESC_L1_DESC_V);
	KUNIT_EXPECT_EQ(test, l1 & CTXDESC_L1_DESC_L2PTR_MASK,
			cdcfg->l1_desc[1].l2ptr_dma);
	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 6);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, ctx->cmds[0].cmd[0]),
			CMDQ_OP_CFGI_CD);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_CFGI_0_SSID, ctx->cmds[0].cmd[0]),
			ssid);
	/* An invalid L1 descriptor can be cached: not a leaf invalidation */
	KUNIT_EXPECT_FALSE(test, ctx->cmds[0].cmd[1] & CMDQ_CFGI_1_LEAF);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, ctx->cmds[1].cmd[0]),
			CMDQ_OP_CMD_SYNC);
	memmove(ctx->cmds, ctx->cmds + 2, 4 * sizeof(ctx->cmds[0]));
	ctx->nr_cmds = 4;
	test_expect_cd_publish(test, ctx, m, ssid);
	KUNIT_EXPECT_EQ(test, test_cd_word(m->parent, ssid, 1),
			virt_to_phys(mm->pgd) & CTXDESC_CD_1_TTB0_MASK);

	test_remove(m, ssid);
	test_expect_cd_removed(test, ctx, m, ssid, sva->sva_asid);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	ctx->smmu.features &= ~ARM_SMMU_FEAT_2_LVL_CDTAB;
	ctx->smmu.ssid_bits = TEST_SSID_BITS;
}

/* A Stop Marker is no page request: it is neither reported nor answered */
static void arm_smmu_test_pri_stop_marker(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *mp = &ctx->m[0], *mn = &ctx->m[1];
	struct iommu_page_response msg = {
		.argsz		= sizeof(msg),
		.version	= IOMMU_PAGE_RESP_VERSION_1,
		.flags		= IOMMU_PAGE_RESP_PASID_VALID,
		.pasid		= 5,
		.grpid		= 7,
		.code		= IOMMU_PAGE_RESP_INVALID,
	};
	u64 evt[PRIQ_ENT_DWORDS] = { };
	int ret;

	mp->master.pri_enabled = true;
	ret = iommu_register_device_fault_handler(mp->dev, test_fault_handler,
						  ctx);
	KUNIT_ASSERT_EQ(test, ret, 0);

	/* Last, no read or write, with a PASID: SSID 5 is done with */
	evt[0] = FIELD_PREP(PRIQ_0_SID, mp->stream.id) |
		 FIELD_PREP(PRIQ_0_SSID, 5) | PRIQ_0_SSID_V | PRIQ_0_PRG_LAST;
	evt[1] = FIELD_PREP(PRIQ_1_PRG_IDX, 7);
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);

	/* Nor is one denied on the way for requests nobody takes */
	evt[0] = FIELD_PREP(PRIQ_0_SID, mn->stream.id) |
		 FIELD_PREP(PRIQ_0_SSID, 5) | PRIQ_0_SSID_V | PRIQ_0_PRG_LAST;
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);

	/* A marker taken for a request is still pending: answer it to go */
	if (ctx->nr_faults)
		iommu_page_response(mp->dev, &msg);
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(mp->dev), 0);
	mp->master.pri_enabled = false;
}

/*
 * An SMMU with PRI and no stalls has an IOPF queue: its PRI masters are
 * IOPF-capable, and enabling SVA on one adds it to the queue. The fake has no
 * PCI function with PRI; a master with stalls takes the same path.
 */
static void arm_smmu_test_iopf_queue_pri_no_stalls(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct arm_smmu_device *smmu = &ctx->smmu;
	struct test_master *m = &ctx->m[2];

	smmu->features |= ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI;
	KUNIT_ASSERT_EQ(test, arm_smmu_init_queues(smmu), 0);
	KUNIT_ASSERT_NOT_NULL(test, smmu->evtq.iopf);

	m->master.stall_enabled = true;
	KUNIT_ASSERT_EQ(test, arm_smmu_dev_enable_feature(m->dev,
							  IOMMU_DEV_FEAT_IOPF),
			0);
	KUNIT_ASSERT_EQ(test, arm_smmu_dev_enable_feature(m->dev,
							  IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_NOT_NULL(test, m->iommu.iopf_param);
	KUNIT_EXPECT_NOT_NULL(test, m->iommu.fault_param);

	KUNIT_EXPECT_EQ(test, arm_smmu_dev_disable_feature(m->dev,
							   IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_NULL(test, m->iommu.iopf_param);
	KUNIT_EXPECT_NULL(test, m->iommu.fault_param);
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_disable_feature(m->dev,
							   IOMMU_DEV_FEAT_IOPF),
			0);
	m->master.stall_enabled = false;
}

/*
 * remove_dev_pasid(): the SSID stays on the domain's invalidation list until
 * its CD is cleared and its TLB and ATC entries are gone, so that no
 * concurrent invalidation skips the ATC while the CD is still valid.
 */
static void arm_smmu_test_remove_dev_pasid_unlinks_last(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct arm_smmu_domain *pd;
	unsigned int i;

	pd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	m->master.ats_enabled = true;
	KUNIT_ASSERT_EQ(test, test_set(pd, m, 2), 0);
	test_reset_cmds(ctx);

	ctx->watch_domain = pd;
	ctx->watch_ssid = 2;
	test_remove(m, 2);
	ctx->watch_domain = NULL;
	for (i = 0; i < ctx->nr_cmds; i++)
		KUNIT_EXPECT_TRUE_MSG(test, ctx->cmds[i].linked,
				      "command %u (%s) after SSID 2 left the list",
				      i, test_op_name(FIELD_GET(CMDQ_0_OP,
							ctx->cmds[i].cmd[0])));
	test_expect_cd_removed(test, ctx, m, 2, pd->s1_cfg.cd.asid);
	KUNIT_EXPECT_TRUE(test, list_empty(&pd->pasids));
	KUNIT_EXPECT_EQ(test, atomic_read(&pd->nr_ats_masters), 0);
	arm_smmu_domain_free(&pd->domain);
}

/*
 * With range invalidation, a range up to ULONG_MAX (the whole address space,
 * as clear_refs flushes it) is one invalidation of the ASID.
 */
static void arm_smmu_test_sva_invalidate_ulong_max(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sva;
	struct mmu_notifier *mn;
	struct mm_struct *mm;
	unsigned long addr;
	u16 asid;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	mn = &sva->mmu_notifier;
	m->master.ats_enabled = true;
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 3), 0);
	test_reset_cmds(ctx);
	asid = sva->sva_asid;

	ctx->smmu.features |= ARM_SMMU_FEAT_RANGE_INV;
	/*
	 * Not under the lock: a stream that never ends aborts the case from
	 * inside the driver, which must not leave test_ptl held.
	 */
	mn->ops->invalidate_range(mn, mm, 0, ULONG_MAX);
	ctx->smmu.features &= ~ARM_SMMU_FEAT_RANGE_INV;
	{
		struct test_exp exp[] = {
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, m->stream.id, 3,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
		};

		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}

	test_remove(m, 3);
	test_expect_cd_removed(test, ctx, m, 3, asid);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * A stage-1 domain whose CD table holds a PASID CD of one master takes no
 * other master, and a refused attach leaves that master where it was. The
 * sharing check of arm_smmu_attach_pasid() itself holds without
 * arm_smmu_pasid_check() before it.
 */
static void arm_smmu_test_attach_refused_pasid_cds(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m0 = &ctx->m[0], *m1 = &ctx->m[1];
	struct arm_smmu_domain *pd;
	__le64 ste[STRTAB_STE_DWORDS];

	pd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, test_set(pd, m0, 3), 0);
	KUNIT_EXPECT_EQ(test, m0->parent->nr_pasid_cds, 1);
	memcpy(ste, arm_smmu_get_step_for_sid(&ctx->smmu, m1->stream.id),
	       sizeof(ste));
	test_reset_cmds(ctx);

	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m0->parent->domain,
						  m1->dev), -EBUSY);
	/* m1 is still in its own domain, with the same STE */
	KUNIT_EXPECT_PTR_EQ(test, m1->master.domain, m1->parent);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&m0->parent->devices));
	KUNIT_EXPECT_TRUE(test, list_is_singular(&m1->parent->devices));
	KUNIT_EXPECT_EQ(test, memcmp(ste, arm_smmu_get_step_for_sid(&ctx->smmu,
								    m1->stream.id),
				     sizeof(ste)), 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);

	/* Once the PASID is gone the domain can be shared again */
	test_remove(m0, 3);
	KUNIT_EXPECT_EQ(test, m0->parent->nr_pasid_cds, 0);
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&m0->parent->domain,
						  m1->dev), 0);
	test_reset_cmds(ctx);

	/* ...and then holds no PASID CD, even past the early check */
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_pasid(pd, &m0->master, 3,
						    &pd->s1_cfg.cd), -EBUSY);
	KUNIT_EXPECT_EQ(test, test_cd_word(m0->parent, 3, 0), 0);
	KUNIT_EXPECT_EQ(test, m0->parent->nr_pasid_cds, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pd->pasids));
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);

	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&m1->parent->domain,
						  m1->dev), 0);
	arm_smmu_domain_free(&pd->domain);
}

/*
 * release_device() of a master that still has a domain at an SSID: the CD
 * is cleared and no list of any domain keeps an entry of the freed master.
 */
static void arm_smmu_test_release_with_pasids(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct arm_smmu_domain *parent, *pd;
	struct arm_smmu_master *master;
	struct iommu_fwspec *fwspec;
	struct dev_iommu *param;
	struct device *dev;

	dev = root_device_register("arm-smmu-v3-kunit-release");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	fwspec = kunit_kzalloc(test, struct_size(fwspec, ids, 1), GFP_KERNEL);
	param = kunit_kzalloc(test, sizeof(*param), GFP_KERNEL);
	/* What arm_smmu_probe_device() allocates, release_device() frees */
	master = kzalloc(sizeof(*master), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fwspec);
	KUNIT_ASSERT_NOT_NULL(test, param);
	KUNIT_ASSERT_NOT_NULL(test, master);
	master->streams = kcalloc(1, sizeof(*master->streams), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, master->streams);
	fwspec->num_ids = 1;
	fwspec->ids[0] = TEST_NR_MASTERS + 1;
	master->smmu = &ctx->smmu;
	master->dev = dev;
	master->num_streams = 1;
	master->ssid_bits = TEST_SSID_BITS;
	INIT_LIST_HEAD(&master->pasids);
	master->streams[0].id = fwspec->ids[0];
	master->streams[0].master = master;
	KUNIT_ASSERT_NULL(test, rb_find_add(&master->streams[0].node,
					    &ctx->smmu.streams,
					    arm_smmu_streams_cmp_node));
	param->fwspec = fwspec;
	param->priv = master;
	param->iommu_dev = &ctx->smmu.iommu;
	mutex_init(&param->lock);
	dev->iommu = param;

	parent = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&parent->domain, dev), 0);
	pd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, pd->domain.ops->set_dev_pasid(&pd->domain, dev, 3),
			0);
	KUNIT_ASSERT_NE(test, test_cd_word(parent, 3, 0), 0);
	test_reset_cmds(ctx);

	arm_smmu_release_device(dev);
	dev->iommu = NULL;

	KUNIT_EXPECT_EQ(test, test_cd_word(parent, 3, 0), 0);
	KUNIT_EXPECT_EQ(test, parent->nr_pasid_cds, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&parent->devices));
	/* An entry left here points to the freed master: don't free pd then */
	KUNIT_ASSERT_TRUE(test, list_empty(&pd->pasids));
	arm_smmu_domain_free(&pd->domain);
	arm_smmu_domain_free(&parent->domain);
	root_device_unregister(dev);
}

/* The registers of a fake PRIQ, and the master whose page requests it takes */
struct test_priq {
	u32				*regs;
	struct iommu_group		*group;
	struct iommu_domain		*domain;
	u32				prod;
};

static enum iommu_page_response_code
test_iopf_handler(struct iommu_fault *fault, void *data)
{
	struct test_ctx *ctx = data;

	if (ctx->nr_faults < ARRAY_SIZE(ctx->faults))
		ctx->faults[ctx->nr_faults] = *fault;
	ctx->nr_faults++;
	return IOMMU_PAGE_RESP_SUCCESS;
}

/*
 * An SMMU with PRI whose PRIQ is memory, written by test_priq_push(). Master
 * @m is a PRI master with IOPF and SVA enabled, alone in an IOMMU group,
 * with a paging domain at SSID 5 whose fault handler is test_iopf_handler().
 * The fake has no PCI function with PRI: the master has stalls while IOPF
 * and SVA are enabled and disabled, and PRI in between.
 */
static void test_priq_setup(struct kunit *test, struct test_ctx *ctx,
			    struct test_master *m, struct test_priq *pq)
{
	struct arm_smmu_device *smmu = &ctx->smmu;

	pq->regs = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pq->regs);
	smmu->page1 = (__force void __iomem *)pq->regs;
	smmu->features |= ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI;
	smmu->priq.q.llq.max_n_shift = 3;
	KUNIT_ASSERT_EQ(test, arm_smmu_init_queues(smmu), 0);

	m->master.stall_enabled = true;
	KUNIT_ASSERT_EQ(test, arm_smmu_dev_enable_feature(m->dev,
							  IOMMU_DEV_FEAT_IOPF),
			0);
	KUNIT_ASSERT_EQ(test, arm_smmu_dev_enable_feature(m->dev,
							  IOMMU_DEV_FEAT_SVA),
			0);
	m->master.stall_enabled = false;
	m->master.pri_enabled = true;
	m->master.prg_resp_needs_ssid = true;

	pq->group = iommu_group_alloc();
	KUNIT_ASSERT_FALSE(test, IS_ERR(pq->group));
	KUNIT_ASSERT_EQ(test, iommu_group_add_device(pq->group, m->dev), 0);
	m->iommu.max_pasids = 1 << TEST_SSID_BITS;

	pq->domain = test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED);
	pq->domain->owner = &arm_smmu_ops;
	pq->domain->iopf_handler = test_iopf_handler;
	pq->domain->fault_data = ctx;
	KUNIT_ASSERT_EQ(test, iommu_attach_device_pasid(pq->domain, m->dev, 5),
			0);
	test_reset_cmds(ctx);
}

static void test_priq_teardown(struct test_ctx *ctx, struct test_master *m,
			       struct test_priq *pq)
{
	iommu_detach_device_pasid(pq->domain, m->dev, 5);
	arm_smmu_domain_free(pq->domain);
	iommu_group_remove_device(m->dev);
	iommu_group_put(pq->group);
	m->master.pri_enabled = false;
	m->master.prg_resp_needs_ssid = false;
	m->master.stall_enabled = true;
	arm_smmu_dev_disable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	arm_smmu_dev_disable_feature(m->dev, IOMMU_DEV_FEAT_IOPF);
	m->master.stall_enabled = false;
	ctx->smmu.features &= ~(ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI);
	ctx->smmu.page1 = NULL;
	test_reset_cmds(ctx);
}

/* The SMMU writes a page request of @m at SSID 5 into the PRIQ */
static void test_priq_push(struct test_ctx *ctx, struct test_master *m,
			   struct test_priq *pq, u16 grpid, bool last, u64 addr)
{
	struct arm_smmu_queue *q = &ctx->smmu.priq.q;
	u32 wrp_idx = (1U << (q->llq.max_n_shift + 1)) - 1;
	u64 evt[PRIQ_ENT_DWORDS] = { };

	evt[0] = FIELD_PREP(PRIQ_0_SID, m->stream.id) |
		 FIELD_PREP(PRIQ_0_SSID, 5) | PRIQ_0_SSID_V | PRIQ_0_PERM_READ;
	if (last)
		evt[0] |= PRIQ_0_PRG_LAST;
	evt[1] = FIELD_PREP(PRIQ_1_PRG_IDX, grpid) | addr;
	queue_write(Q_ENT(q, pq->prod), evt, PRIQ_ENT_DWORDS);
	pq->prod = (pq->prod & Q_OVERFLOW_FLAG) | ((pq->prod + 1) & wrp_idx);
	WRITE_ONCE(pq->regs[ARM_SMMU_PRIQ_PROD / 4], pq->prod);
}

/* The PRI_RESP commands recorded since the last reset */
static unsigned int test_count_pri_resp(struct test_ctx *ctx, u16 grpid,
					u8 resp)
{
	unsigned int i, n = 0;

	for (i = 0; i < ctx->nr_cmds; i++) {
		u64 *cmd = ctx->cmds[i].cmd;

		if (FIELD_GET(CMDQ_0_OP, cmd[0]) == CMDQ_OP_PRI_RESP &&
		    FIELD_GET(CMDQ_PRI_1_GRPID, cmd[1]) == grpid &&
		    FIELD_GET(CMDQ_PRI_1_RESP, cmd[1]) == resp &&
		    FIELD_GET(CMDQ_PRI_0_SSID, cmd[0]) == 5)
			n++;
	}
	return n;
}

/*
 * A PRIQ overflow: the SMMU dropped the last request of group 7 and answered
 * it itself. The request of the group queued before is discarded, so that
 * the device's next group 7 is handled alone, not merged with it.
 */
static void arm_smmu_test_priq_overflow_discards_partial(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[2];
	struct test_priq pq = { };

	test_priq_setup(test, ctx, m, &pq);

	test_priq_push(ctx, m, &pq, 7, false, 0x1000);
	arm_smmu_priq_thread(0, &ctx->smmu);
	iopf_queue_flush_dev(m->dev);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 0);

	/* Full: the last request of group 7 is lost */
	pq.prod ^= Q_OVERFLOW_FLAG;
	WRITE_ONCE(pq.regs[ARM_SMMU_PRIQ_PROD / 4], pq.prod);
	arm_smmu_priq_thread(0, &ctx->smmu);
	/* The overflow is acknowledged */
	KUNIT_EXPECT_EQ(test, READ_ONCE(pq.regs[ARM_SMMU_PRIQ_CONS / 4]),
			pq.prod);

	/* A new group 7 of one request */
	test_priq_push(ctx, m, &pq, 7, true, 0x2000);
	arm_smmu_priq_thread(0, &ctx->smmu);
	iopf_queue_flush_dev(m->dev);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 1);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.addr, 0x2000);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.pasid, 5);
	KUNIT_EXPECT_EQ(test, test_count_pri_resp(ctx, 7, PRI_RESP_SUCC), 1);

	test_priq_teardown(ctx, m, &pq);
}

/*
 * remove_dev_pasid() leaves no request of the SSID in the PRIQ: one written
 * before the detach, which the IRQ thread has not seen, is handled then. The
 * SSID has no domain by that time, so it is denied, not handled.
 */
static void arm_smmu_test_remove_dev_pasid_drains_priq(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[2];
	struct test_priq pq = { };

	test_priq_setup(test, ctx, m, &pq);

	test_priq_push(ctx, m, &pq, 9, true, 0x3000);
	iommu_detach_device_pasid(pq.domain, m->dev, 5);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pq.regs[ARM_SMMU_PRIQ_CONS / 4]),
			pq.prod);
	KUNIT_EXPECT_EQ(test, test_count_pri_resp(ctx, 9, PRI_RESP_DENY), 1);
	KUNIT_EXPECT_EQ(test, ctx->nr_faults, 0);

	/* Already detached: teardown's detach finds nothing */
	test_priq_teardown(ctx, m, &pq);
}

/* A PCI function with ATS, PASID and PRI, behind the fake SMMU */
#define TEST_PCI_SID		6

struct test_pci {
	struct iommu_test_pci		pci;
	/* As arm_smmu_probe_device() makes it: release_device() frees it */
	struct arm_smmu_master		*master;
};

static void test_pci_init(struct kunit *test, struct test_ctx *ctx,
			  struct test_pci *tp)
{
	struct arm_smmu_master *master;
	struct iommu_fwspec *fwspec;

	master = kzalloc(sizeof(*master), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, master);
	master->streams = kcalloc(1, sizeof(*master->streams), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, master->streams);
	tp->master = master;
	iommu_test_pci_init(test, &tp->pci, "arm-smmu-v3-kunit-pci",
			    PCI_DEVFN(1, 0));

	fwspec = kunit_kzalloc(test, struct_size(fwspec, ids, 1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fwspec);
	fwspec->flags = IOMMU_FWSPEC_PCI_RC_ATS;
	fwspec->num_ids = 1;
	fwspec->ids[0] = TEST_PCI_SID;
	tp->pci.iommu.fwspec = fwspec;
	tp->pci.iommu.priv = master;
	tp->pci.iommu.iommu_dev = &ctx->smmu.iommu;
	tp->pci.iommu.max_pasids = 1 << TEST_SSID_BITS;

	master->smmu = &ctx->smmu;
	master->dev = &tp->pci.pdev.dev;
	master->num_streams = 1;
	INIT_LIST_HEAD(&master->pasids);
	master->streams[0].id = TEST_PCI_SID;
	master->streams[0].master = master;
	KUNIT_ASSERT_NULL(test, rb_find_add(&master->streams[0].node,
					    &ctx->smmu.streams,
					    arm_smmu_streams_cmp_node));
}

/*
 * A PCI master goes the way arm_smmu_probe_device(), attach_dev(),
 * enable_feature() and release_device() take it: PASID is enabled first;
 * ATS is enabled with the SMMU's smallest granule once the STE allows
 * translated requests; PRI is reset and enabled with a bounded number of
 * requests when IOPF is enabled; its page requests at a PASID reach the
 * fault handler and are answered with a PRI_RESP that carries the PASID
 * (the function requires it); an SSID attached to the master gets its ATC
 * invalidated when it goes; and release_device() disables PRI, then ATS,
 * then PASID (PCIe: PASID must not change while ATS is enabled).
 */
static void arm_smmu_test_pci_master(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct iommu_page_response msg = {
		.argsz		= sizeof(msg),
		.version	= IOMMU_PAGE_RESP_VERSION_1,
		.flags		= IOMMU_PAGE_RESP_PASID_VALID,
		.pasid		= 3,
		.grpid		= 5,
		.code		= IOMMU_PAGE_RESP_SUCCESS,
	};
	struct arm_smmu_domain *parent, *pd;
	struct arm_smmu_master *master;
	u64 evt[PRIQ_ENT_DWORDS] = { };
	struct device *dev;
	struct test_pci *tp;
	int pasid_on, ats_on, pri_off;
	__le64 *ste;

	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	test_pci_init(test, ctx, tp);
	master = tp->master;
	dev = &tp->pci.pdev.dev;

	/* probe_device() */
	KUNIT_ASSERT_EQ(test, arm_smmu_enable_pasid(master), 0);
	KUNIT_EXPECT_EQ(test, master->ssid_bits, TEST_SSID_BITS);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_PASID_CAP + PCI_PASID_CTRL),
			PCI_PASID_CTRL_ENABLE | PCI_PASID_CAP_EXEC |
			PCI_PASID_CAP_PRIV);

	/* attach_dev(): the STE says EATS, then ATS on, then the ATC clean */
	parent = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&parent->domain, dev), 0);
	KUNIT_ASSERT_EQ(test, test_move_asid(parent, 0xfff7), 0);
	KUNIT_EXPECT_TRUE(test, master->ats_enabled);
	ste = arm_smmu_get_step_for_sid(&ctx->smmu, TEST_PCI_SID);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_EATS,
					le64_to_cpu(ste[1])),
			STRTAB_STE_1_EATS_TRANS);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL),
			PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(12 - PCI_ATS_MIN_STU));
	KUNIT_EXPECT_EQ(test, atomic_read(&parent->nr_ats_masters), 1);
	pasid_on = iommu_test_pci_write_index(&tp->pci, IOMMU_TEST_PASID_CAP + PCI_PASID_CTRL);
	ats_on = iommu_test_pci_write_index(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL);
	KUNIT_EXPECT_GE(test, pasid_on, 0);
	KUNIT_EXPECT_GT(test, ats_on, pasid_on);
	test_reset_cmds(ctx);

	/* A paging domain at SSID 3: its ATC entries go with it */
	pd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, pd->domain.ops->set_dev_pasid(&pd->domain, dev, 3),
			0);
	test_reset_cmds(ctx);
	arm_smmu_ops.remove_dev_pasid(dev, 3);
	{
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_CD, TEST_PCI_SID, 3 },
			{ CMDQ_OP_CMD_SYNC },
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = pd->s1_cfg.cd.asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, TEST_PCI_SID, 3,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
		};

		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}
	arm_smmu_domain_free(&pd->domain);

	/* IOPF: PRI reset, then enabled with at most 32 requests */
	ctx->smmu.features |= ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI;
	KUNIT_ASSERT_EQ(test, arm_smmu_init_queues(&ctx->smmu), 0);
	tp->pci.nr_writes = 0;
	KUNIT_ASSERT_EQ(test, arm_smmu_dev_enable_feature(dev,
							  IOMMU_DEV_FEAT_IOPF),
			0);
	KUNIT_EXPECT_TRUE(test, master->pri_enabled);
	KUNIT_EXPECT_TRUE(test, master->prg_resp_needs_ssid);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_write_index(&tp->pci, IOMMU_TEST_PRI_CAP +
						   PCI_PRI_CTRL), 0);
	KUNIT_EXPECT_EQ(test, tp->pci.cfg[IOMMU_TEST_PRI_CAP + PCI_PRI_ALLOC_REQ],
			min(IOMMU_TEST_PRI_MAX_REQS, ARM_SMMU_PRI_REQS));
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_PRI_CAP + PCI_PRI_CTRL),
			PCI_PRI_CTRL_ENABLE);
	/* SVA goes on and off over it */
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_enable_feature(dev,
							  IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_NOT_NULL(test, tp->pci.iommu.iopf_param);
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_disable_feature(dev,
							   IOMMU_DEV_FEAT_SVA),
			0);

	/* A page request at PASID 3, answered through PRI_RESP with it */
	test_reset_cmds(ctx);
	KUNIT_ASSERT_EQ(test, iommu_register_device_fault_handler(dev,
								  test_fault_handler,
								  ctx), 0);
	evt[0] = FIELD_PREP(PRIQ_0_SID, TEST_PCI_SID) |
		 FIELD_PREP(PRIQ_0_SSID, 3) | PRIQ_0_SSID_V |
		 PRIQ_0_PERM_WRITE | PRIQ_0_PRG_LAST;
	evt[1] = FIELD_PREP(PRIQ_1_PRG_IDX, 5) | 0x7000;
	arm_smmu_handle_ppr(&ctx->smmu, evt);
	KUNIT_ASSERT_EQ(test, ctx->nr_faults, 1);
	KUNIT_EXPECT_EQ(test, ctx->faults[0].prm.pasid, 3);
	KUNIT_EXPECT_TRUE(test, ctx->faults[0].prm.flags &
			  IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	KUNIT_EXPECT_EQ(test, iommu_page_response(dev, &msg), 0);
	test_expect_pri_resp(test, ctx, TEST_PCI_SID, 3, 5, PRI_RESP_SUCC);
	KUNIT_EXPECT_EQ(test, iommu_unregister_device_fault_handler(dev), 0);

	/*
	 * release_device() with IOPF still enabled: PRI off first, then ATS,
	 * and PASID last.
	 */
	tp->pci.nr_writes = 0;
	arm_smmu_release_device(dev);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_PRI_CAP + PCI_PRI_CTRL), 0);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL) &
			PCI_ATS_CTRL_ENABLE, 0);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_PASID_CAP + PCI_PASID_CTRL),
			0);
	pri_off = iommu_test_pci_write_index(&tp->pci, IOMMU_TEST_PRI_CAP + PCI_PRI_CTRL);
	ats_on = iommu_test_pci_write_index(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL);
	pasid_on = iommu_test_pci_write_index(&tp->pci, IOMMU_TEST_PASID_CAP + PCI_PASID_CTRL);
	KUNIT_EXPECT_GE(test, pri_off, 0);
	KUNIT_EXPECT_GT(test, ats_on, pri_off);
	KUNIT_EXPECT_GT(test, pasid_on, ats_on);
	KUNIT_EXPECT_EQ(test, atomic_read(&parent->nr_ats_masters), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&parent->devices));

	ctx->smmu.features &= ~(ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI);
	arm_smmu_domain_free(&parent->domain);
	dev->iommu = NULL;
	put_device(dev);
}

/* IOPF, then SVA, enabled on @dev's master and off again: both succeed */
static void test_sva_on_off(struct kunit *test, struct device *dev,
			    struct iommu_test_refusals *r)
{
	int ret;

	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, 0, "", "");
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, 0, "", "");
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_disable_feature(dev,
							   IOMMU_DEV_FEAT_SVA),
			0);
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_disable_feature(dev,
							   IOMMU_DEV_FEAT_IOPF),
			0);
}

/*
 * Why SVA, or IOPF, is refused: each missing piece, of the SMMU or of the
 * master, gives the errno of its kind (Documentation/iommu/sva.rst) and
 * one sva_unavailable event naming it; a PCI capability that the function
 * has but that is off is "disabled" (-EACCES), one that it lacks "lacks"
 * (-ENXIO); SVA on a master that could report faults but whose driver did
 * not enable IOPF first is the caller's error (-EINVAL). A refusal enables
 * nothing and writes nothing to the function.
 */
static void arm_smmu_test_sva_refusals(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct arm_smmu_device *smmu = &ctx->smmu;
	struct test_master *m = &ctx->m[2];
	struct arm_smmu_master *master = &m->master;
	const u32 features = smmu->features | ARM_SMMU_FEAT_SVA |
			     ARM_SMMU_FEAT_PRI | ARM_SMMU_FEAT_STALLS;
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	unsigned int parange, asidbits;
	struct iommu_test_refusals *r, *rp;
	struct arm_smmu_master *pmaster;
	struct test_pci *tp;
	struct device *dev;
	int ret;

	smmu->features = features;
	KUNIT_ASSERT_EQ(test, arm_smmu_init_queues(smmu), 0);
	r = iommu_test_refusals_watch(test, m->dev);

	/* What the SMMU lacks to share the CPU's tables, in that order */
	smmu->features = features & ~(ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_TRANS_S1 |
				      ARM_SMMU_FEAT_COHERENCY);
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "stage-1 translation");
	smmu->features |= ARM_SMMU_FEAT_TRANS_S1;
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "coherent table walks (COHACC)");
	smmu->features |= ARM_SMMU_FEAT_COHERENCY | ARM_SMMU_FEAT_VAX;
	smmu->pgsize_bitmap &= ~PAGE_SIZE;
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "the CPU's page size");
	smmu->pgsize_bitmap |= PAGE_SIZE;
	/* Smaller than any CPU's, where the CPU has more than the minimum */
	parange = cpuid_feature_extract_unsigned_field(mmfr0,
						       ID_AA64MMFR0_EL1_PARANGE_SHIFT);
	asidbits = cpuid_feature_extract_unsigned_field(mmfr0,
							ID_AA64MMFR0_EL1_ASIDBITS_SHIFT);
	if (parange) {
		smmu->oas = 31;
		ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
		iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
				   "the CPUs' physical address size");
	}
	smmu->oas = 52;
	if (asidbits) {
		smmu->asid_bits = 8;
		ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
		iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
				   "the CPUs' ASID size");
	}
	smmu->asid_bits = 16;
	/* Nothing lacking that SVA needs, yet not found so at probe */
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "shared page tables");
	KUNIT_EXPECT_TRUE(test, arm_smmu_sva_supported(smmu));
	smmu->features = features;

	smmu->ssid_bits = 0;
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "SubstreamIDs");
	smmu->ssid_bits = TEST_SSID_BITS;
	master->ssid_bits = 0;
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks",
			   "SubstreamIDs (pasid-num-bits)");
	master->ssid_bits = TEST_SSID_BITS;

	/* A platform master reports faults by stalls alone */
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENXIO, "device lacks",
			   "stalls (dma-can-stall)");
	smmu->features &= ~ARM_SMMU_FEAT_STALLS;
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks", "stalls");
	smmu->features = features;
	master->num_streams = 2;
	master->stall_enabled = true;
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, r, ret, -ENODEV, "IOMMU lacks",
			   "faults of a master with several StreamIDs");
	master->num_streams = 1;
	/* It could report faults: its driver must enable IOPF before SVA */
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, -EINVAL, "driver did not enable",
			   "IOMMU_DEV_FEAT_IOPF");
	KUNIT_EXPECT_FALSE(test, master->sva_enabled);
	test_sva_on_off(test, m->dev, r);
	master->stall_enabled = false;
	/* One that cannot report faults has SVA without IOPF */
	ret = arm_smmu_dev_enable_feature(m->dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, r, ret, 0, "", "");
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_disable_feature(m->dev,
							   IOMMU_DEV_FEAT_SVA),
			0);

	/* A PCI function reports faults by PRI, which needs ATS */
	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	test_pci_init(test, ctx, tp);
	pmaster = tp->master;
	dev = &tp->pci.pdev.dev;
	rp = iommu_test_refusals_watch(test, dev);
	KUNIT_ASSERT_EQ(test, arm_smmu_enable_pasid(pmaster), 0);
	/* As attach_dev() would have it with ATS on */
	pmaster->ats_enabled = true;
	tp->pci.nr_writes = 0;

	smmu->features = features & ~ARM_SMMU_FEAT_PRI;
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -ENODEV, "IOMMU lacks", "PRI");
	smmu->features = features & ~ARM_SMMU_FEAT_ATS;
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -ENODEV, "IOMMU lacks", "ATS");
	smmu->features = features;
	/* pci=noats: the capability is there, the PCI core did not take it */
	pmaster->ats_enabled = false;
	tp->pci.pdev.ats_cap = 0;
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -EACCES, "device has disabled",
			   "ATS");
	iommu_test_pci_set_caps(&tp->pci, false, true, true);
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -ENXIO, "device lacks", "ATS");
	pmaster->ats_enabled = true;
	iommu_test_pci_set_caps(&tp->pci, true, true, false);
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -ENXIO, "device lacks", "PRI");
	/* A function with PRI that the PCI core did not take */
	iommu_test_pci_set_caps(&tp->pci, true, true, true);
	tp->pci.pdev.pri_cap = 0;
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -EACCES, "device has disabled",
			   "PRI");
	/* PRI possible, SVA without IOPF: the driver's error */
	iommu_test_pci_set_caps(&tp->pci, true, true, true);
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, rp, ret, -EINVAL, "driver did not enable",
			   "IOMMU_DEV_FEAT_IOPF");

	/* No PASID: the function's is off, or it has none */
	pmaster->ssid_bits = 0;
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, rp, ret, -EACCES, "device has disabled",
			   "PASID");
	iommu_test_pci_set_caps(&tp->pci, true, false, true);
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA);
	iommu_test_refused(test, rp, ret, -ENXIO, "device lacks", "PASID");
	iommu_test_pci_set_caps(&tp->pci, true, true, true);
	pmaster->ssid_bits = TEST_SSID_BITS;

	/* Nothing was written to the function, nothing enabled */
	KUNIT_EXPECT_EQ(test, tp->pci.nr_writes, 0);
	KUNIT_EXPECT_FALSE(test, pmaster->iopf_enabled);
	KUNIT_EXPECT_FALSE(test, pmaster->sva_enabled);
	KUNIT_EXPECT_NULL(test, tp->pci.iommu.iopf_param);
	KUNIT_EXPECT_EQ(test, r->n, 0U);

	/*
	 * PRI busy with page requests outstanding (not stopped): not a
	 * refusal, the PCI core's -EBUSY, and PRI stays off
	 */
	tp->pci.cfg[IOMMU_TEST_PRI_CAP + PCI_PRI_STATUS + 1] &=
		~(PCI_PRI_STATUS_STOPPED >> 8);
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_EQ(test, rp->n, 0U);
	tp->pci.cfg[IOMMU_TEST_PRI_CAP + PCI_PRI_STATUS + 1] |=
		PCI_PRI_STATUS_STOPPED >> 8;
	/*
	 * A VF, which has PRI through its PF: its own, here, whose PRI is
	 * off. PRI that cannot be enabled is disabled.
	 */
	tp->pci.pdev.is_virtfn = 1;
#ifdef CONFIG_PCI_IOV
	tp->pci.pdev.physfn = &tp->pci.pdev;
#endif
	ret = arm_smmu_dev_enable_feature(dev, IOMMU_DEV_FEAT_IOPF);
	iommu_test_refused(test, rp, ret, -EACCES, "device has disabled",
			   "PRI");
	tp->pci.pdev.is_virtfn = 0;
#ifdef CONFIG_PCI_IOV
	tp->pci.pdev.physfn = NULL;
#endif
	KUNIT_EXPECT_FALSE(test, tp->pci.pdev.pri_enabled);
	KUNIT_EXPECT_FALSE(test, pmaster->iopf_enabled);
	KUNIT_EXPECT_NULL(test, tp->pci.iommu.iopf_param);

	pmaster->ats_enabled = false;
	arm_smmu_release_device(dev);
	dev->iommu = NULL;
	put_device(dev);
	smmu->features &= ~(ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI |
			    ARM_SMMU_FEAT_STALLS);
}

static u64 test_ste_word(struct test_ctx *ctx, struct test_master *m, int i)
{
	__le64 *ste = ctx->smmu.strtab_cfg.strtab;

	return le64_to_cpu(ste[m->stream.id * STRTAB_STE_DWORDS + i]);
}

/*
 * A master with stalls gets a stage-1 domain that stalls: its STE leaves
 * S1STALLD clear and every CD of its table has S, its own at SSID 0 and an
 * SVA one at a PASID; the same SVA domain at a master without stalls has S
 * clear. A master without stalls cannot join the stalling domain, and stays
 * where it was.
 */
static void arm_smmu_test_stall_domain(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0], *other = &ctx->m[1];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *sd, *sva;
	struct mm_struct *mm;
	unsigned long addr;
	u64 cd0;

	ctx->smmu.features |= ARM_SMMU_FEAT_STALLS;
	m->master.stall_enabled = true;
	sd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&sd->domain, m->dev), 0);
	KUNIT_EXPECT_TRUE(test, sd->stall_enabled);
	KUNIT_EXPECT_FALSE(test, test_ste_word(ctx, m, 1) &
			   STRTAB_STE_1_S1STALLD);
	KUNIT_EXPECT_TRUE(test, test_cd_word(sd, 0, 0) & CTXDESC_CD_0_S);

	/* Rewritten for another reason, the STE of a master without stalls */
	test_reset_cmds(ctx);
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&other->parent->domain,
						  other->dev), 0);
	KUNIT_EXPECT_TRUE(test, test_ste_word(ctx, other, 1) &
			  STRTAB_STE_1_S1STALLD);
	KUNIT_EXPECT_FALSE(test, test_cd_word(other->parent, 0, 0) &
			   CTXDESC_CD_0_S);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&sd->domain, other->dev),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, other->master.domain, other->parent);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&sd->devices));

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	test_reset_cmds(ctx);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 1), 0);
	cd0 = test_cd_word(sd, 1, 0);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_V);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_S);
	KUNIT_ASSERT_EQ(test, test_set(sva, other, 1), 0);
	cd0 = test_cd_word(other->parent, 1, 0);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_V);
	KUNIT_EXPECT_FALSE(test, cd0 & CTXDESC_CD_0_S);

	test_remove(other, 1);
	test_remove(m, 1);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);

	m->master.stall_enabled = false;
	ctx->smmu.features &= ~ARM_SMMU_FEAT_STALLS;
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			0);
	arm_smmu_domain_free(&sd->domain);
}

/*
 * An SMMU whose walks do not snoop the CPU caches cannot walk the CPU's
 * page tables: SVA is not supported. Its paging domains say so in their
 * CDs: non-cacheable walks, outer shareable.
 */
static void arm_smmu_test_non_coherent(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct arm_smmu_device *smmu = &ctx->smmu;
	struct test_master *m = &ctx->m[0];
	unsigned long features = smmu->features;
	struct io_pgtable_cfg *cfg;
	struct arm_smmu_domain *pd;
	u64 cd0;

	/* Whatever the CPU's PA size and VA bits, only coherency is missing */
	smmu->oas = 52;
	smmu->features |= ARM_SMMU_FEAT_VAX;
	KUNIT_EXPECT_TRUE(test, arm_smmu_sva_supported(smmu));
	smmu->features &= ~ARM_SMMU_FEAT_COHERENCY;
	KUNIT_EXPECT_FALSE(test, arm_smmu_sva_supported(smmu));

	/* Non-coherent tables are written through the DMA API */
	smmu->dev->dma_mask = &smmu->dev->coherent_dma_mask;
	pd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	KUNIT_ASSERT_EQ(test, test_set(pd, m, 2), 0);
	cfg = &io_pgtable_ops_to_pgtable(pd->pgtbl_ops)->cfg;
	KUNIT_EXPECT_FALSE(test, cfg->coherent_walk);
	cd0 = test_cd_word(m->parent, 2, 0);
	KUNIT_EXPECT_TRUE(test, cd0 & CTXDESC_CD_0_V);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_IRGN0, cd0),
			ARM_LPAE_TCR_RGN_NC);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_ORGN0, cd0),
			ARM_LPAE_TCR_RGN_NC);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_TCR_SH0, cd0),
			ARM_LPAE_TCR_SH_OS);
	test_remove(m, 2);
	arm_smmu_domain_free(&pd->domain);

	smmu->dev->dma_mask = NULL;
	smmu->features = features;
	smmu->oas = 48;
}

/*
 * A domain belongs to the SMMU it was finalised on: a master of another
 * SMMU cannot attach it, at no PASID (-ENXIO) and, for an SVA domain, at a
 * PASID (-EINVAL; the core gives each IOMMU its own SVA domain). Nothing is
 * written: no command, no CD, and the master keeps its domain.
 */
static void arm_smmu_test_domain_of_another_smmu(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0], *other = &ctx->m[1];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_device *smmu2;
	struct arm_smmu_domain *sva;
	struct mm_struct *mm;
	unsigned long addr;
	int ret;

	smmu2 = kunit_kzalloc(test, sizeof(*smmu2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, smmu2);
	smmu2->dev = ctx->smmu.dev;

	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 1), 0);
	test_reset_cmds(ctx);

	/* The other master now sits behind a second SMMU */
	other->master.smmu = smmu2;
	ret = test_set(sva, other, 1);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain,
						  other->dev), -ENXIO);
	other->master.smmu = &ctx->smmu;
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	KUNIT_EXPECT_EQ(test, test_cd_word(other->parent, 1, 0), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&other->master.pasids));
	KUNIT_EXPECT_PTR_EQ(test, other->master.domain, other->parent);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&sva->pasids));

	/* Wrongly accepted: gone again, so that the other cases can run */
	if (!ret)
		test_remove(other, 1);
	test_remove(m, 1);
	test_sva_domain_free(sva);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
}

/*
 * SSID 0 of every STE a CFGI_STE made the SMMU read since the last reset
 * was untranslated, with the incoming shareability: a bypass STE, or a
 * stage-1 one whose S1DSS bypasses. Returns how many there were.
 */
static unsigned int test_expect_ssid0_bypass(struct kunit *test,
					     struct test_ctx *ctx)
{
	unsigned int i, n = 0;

	for (i = 0; i < ctx->nr_cmds; i++) {
		u64 *ste = ctx->cmds[i].ste;

		if (FIELD_GET(CMDQ_0_OP, ctx->cmds[i].cmd[0]) !=
		    CMDQ_OP_CFGI_STE)
			continue;
		n++;
		KUNIT_EXPECT_TRUE_MSG(test, ste[0] & STRTAB_STE_0_V,
				      "command %u", i);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(STRTAB_STE_1_SHCFG, ste[1]),
				    STRTAB_STE_1_SHCFG_INCOMING, "command %u", i);
		if (FIELD_GET(STRTAB_STE_0_CFG, ste[0]) ==
		    STRTAB_STE_0_CFG_BYPASS)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(STRTAB_STE_0_CFG, ste[0]),
				    STRTAB_STE_0_CFG_S1_TRANS, "command %u", i);
		KUNIT_EXPECT_EQ_MSG(test, FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]),
				    STRTAB_STE_1_S1DSS_BYPASS, "command %u", i);
	}
	return n;
}

/* @m leaves its stage-1 domain for a new identity domain, returned */
static struct arm_smmu_domain *test_identity(struct kunit *test,
					     struct test_master *m)
{
	struct iommu_domain *id = test_domain_alloc(test, IOMMU_DOMAIN_IDENTITY);

	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(id, m->dev), 0);
	KUNIT_ASSERT_EQ(test, to_smmu_domain(id)->stage,
			ARM_SMMU_DOMAIN_BYPASS);
	return to_smmu_domain(id);
}

/*
 * A paging domain finalised for @master, as its first set_dev_pasid() would:
 * the CMD_SYNCs of its own CD 0 (in a table no STE points to) are not left
 * among the commands a case expects.
 */
static struct arm_smmu_domain *test_paging_domain(struct kunit *test,
						  struct arm_smmu_master *master)
{
	struct arm_smmu_domain *pd;
	struct test_ctx *ctx = test->priv;

	pd = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_UNMANAGED));
	pd->smmu = master->smmu;
	KUNIT_ASSERT_EQ(test, arm_smmu_domain_finalise(&pd->domain, master), 0);
	test_reset_cmds(ctx);
	return pd;
}

/* @m's STE is the plain bypass one, as attach_dev() writes it */
static void test_expect_bypass_ste(struct kunit *test, struct test_ctx *ctx,
				   struct test_master *m)
{
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 0),
			STRTAB_STE_0_V |
			FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS));
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 1),
			FIELD_PREP(STRTAB_STE_1_SHCFG,
				   STRTAB_STE_1_SHCFG_INCOMING));
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 2), 0);
	KUNIT_EXPECT_NULL(test, m->master.pasid_table);
}

/*
 * The STE of @m, with its PASID table installed: stage 1 through the table,
 * SSID 0 bypassing with the incoming shareability.
 */
static void test_expect_table_ste(struct kunit *test, const u64 *ste,
				  struct arm_smmu_domain *table, bool ats)
{
	KUNIT_ASSERT_NOT_NULL(test, table);
	KUNIT_EXPECT_TRUE(test, ste[0] & STRTAB_STE_0_V);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_0_CFG, ste[0]),
			STRTAB_STE_0_CFG_S1_TRANS);
	KUNIT_EXPECT_EQ(test, ste[0] & STRTAB_STE_0_S1CTXPTR_MASK,
			table->s1_cfg.cdcfg.cdtab_dma);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_0_S1CDMAX, ste[0]),
			table->s1_cfg.s1cdmax);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_0_S1FMT, ste[0]),
			table->s1_cfg.s1fmt);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_S1DSS, ste[1]),
			STRTAB_STE_1_S1DSS_BYPASS);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_SHCFG, ste[1]),
			STRTAB_STE_1_SHCFG_INCOMING);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_EATS, ste[1]),
			ats ? STRTAB_STE_1_EATS_TRANS : 0);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_S1CIR, ste[1]),
			STRTAB_STE_1_S1C_CACHE_WBRA);
}

/*
 * PASIDs beside an identity domain. The first one gives the master a PASID
 * table: its STE goes from bypass to stage 1 with S1DSS=BYPASS (dword 1
 * first, under the live bypass STE, then dword 0), CD 0 left invalid, then
 * the CD is published. A second PASID only publishes its CD; an mm exit
 * quiets the CD in the table. The last PASID removed takes the STE back to
 * bypass, then CFGI_CD_ALL, then the table is freed. SSID 0 is untranslated
 * in every STE the SMMU was told to read.
 */
static void arm_smmu_test_identity_pasid_table(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *id, *pd, *sva, *table;
	u32 sid = m->stream.id;
	struct mm_struct *mm;
	unsigned long addr;
	u64 ste[2], cd[4];
	int k;

	id = test_identity(test, m);
	test_expect_bypass_ste(test, ctx, m);
	test_reset_cmds(ctx);

	pd = test_paging_domain(test, &m->master);
	KUNIT_ASSERT_EQ(test, test_set(pd, m, 1), 0);
	table = m->master.pasid_table;
	KUNIT_ASSERT_NOT_NULL(test, table);
	KUNIT_EXPECT_PTR_EQ(test, m->master.domain, id);
	KUNIT_EXPECT_EQ(test, table->s1_cfg.s1cdmax, TEST_SSID_BITS);
	KUNIT_EXPECT_EQ(test, table->s1_cfg.s1fmt, STRTAB_STE_0_S1FMT_LINEAR);
	KUNIT_EXPECT_EQ(test, test_expect_ssid0_bypass(test, ctx), 2);
	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 8);
	/* Dword 1 changed first, under the bypass STE */
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_0_CFG, ctx->cmds[0].ste[0]),
			STRTAB_STE_0_CFG_BYPASS);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_S1DSS,
					ctx->cmds[0].ste[1]),
			STRTAB_STE_1_S1DSS_BYPASS);
	test_expect_table_ste(test, ctx->cmds[2].ste, table, false);
	KUNIT_EXPECT_EQ(test, ctx->cmds[2].ste[1], ctx->cmds[0].ste[1]);
	ste[0] = test_ste_word(ctx, m, 0);
	ste[1] = test_ste_word(ctx, m, 1);
	KUNIT_EXPECT_EQ(test, ste[0], ctx->cmds[2].ste[0]);
	KUNIT_EXPECT_EQ(test, ste[1], ctx->cmds[2].ste[1]);
	/* The CD, then, in the table the STE points to */
	memmove(ctx->cmds, ctx->cmds + 4, 4 * sizeof(ctx->cmds[0]));
	ctx->nr_cmds = 4;
	test_expect_cd_publish(test, ctx, m, 1);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CTXDESC_CD_0_ASID,
					test_cd_word(table, 1, 0)),
			pd->s1_cfg.cd.asid);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_EQ(test, test_cd_word(table, 0, k), 0);
	KUNIT_EXPECT_EQ(test, table->nr_pasid_cds, 1);
	KUNIT_EXPECT_EQ(test, id->nr_pasid_cds, 0);

	/* A second PASID, of a process: its CD, nothing else */
	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 2), 0);
	KUNIT_EXPECT_PTR_EQ(test, m->master.pasid_table, table);
	test_expect_cd_publish(test, ctx, m, 2);
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 0), ste[0]);
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 1), ste[1]);
	for (k = 0; k < 4; k++)
		cd[k] = test_cd_word(table, 2, k);

	/* The mm exits: its CD in the table is quieted */
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	KUNIT_EXPECT_EQ(test, test_cd_word(table, 2, 0),
			cd[0] | CTXDESC_CD_0_TCR_EPD0);
	test_reset_cmds(ctx);

	/* Not the last PASID: the CD goes, the table and STE stay */
	test_remove(m, 2);
	test_expect_cd_removed(test, ctx, m, 2, sva->sva_asid);
	KUNIT_EXPECT_PTR_EQ(test, m->master.pasid_table, table);
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 0), ste[0]);
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 1), ste[1]);
	test_sva_domain_free(sva);

	/*
	 * The last one: CD, TLB, then the bypass STE, Config first (dword 1
	 * unchanged when the SMMU is first told), then the CD caches.
	 */
	test_remove(m, 1);
	{
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_CD, sid, 1 },
			{ CMDQ_OP_CMD_SYNC },
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = pd->s1_cfg.cd.asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, sid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, sid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD_ALL, sid },
			{ CMDQ_OP_CMD_SYNC },
		};

		KUNIT_ASSERT_EQ(test, ctx->nr_cmds, ARRAY_SIZE(exp));
		KUNIT_EXPECT_EQ(test, ctx->cmds[0].cd[0], 0);
		KUNIT_EXPECT_EQ(test, test_expect_ssid0_bypass(test, ctx), 2);
		KUNIT_EXPECT_EQ(test, ctx->cmds[4].ste[0],
				STRTAB_STE_0_V |
				FIELD_PREP(STRTAB_STE_0_CFG,
					   STRTAB_STE_0_CFG_BYPASS));
		KUNIT_EXPECT_EQ(test, ctx->cmds[4].ste[1], ste[1]);
		KUNIT_EXPECT_EQ(test, ctx->cmds[6].ste[1],
				FIELD_PREP(STRTAB_STE_1_SHCFG,
					   STRTAB_STE_1_SHCFG_INCOMING));
		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}
	test_expect_bypass_ste(test, ctx, m);
	KUNIT_EXPECT_TRUE(test, list_empty(&m->master.pasids));
	KUNIT_EXPECT_TRUE(test, list_empty(&pd->pasids));

	/* Back to a stage-1 domain, as plain as before */
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			0);
	arm_smmu_domain_free(&pd->domain);
	arm_smmu_domain_free(&id->domain);
}

/*
 * What cannot have a PASID beside an identity domain fails with nothing
 * sent and the STE unchanged: an SMMU without stage 1, a master without
 * SubstreamIDs, SSID 0 or beyond the master's SSIDs. With a PASID attached
 * the master cannot change domain; another master joining the identity
 * domain keeps its bypass STE. A first PASID refused late (an exited mm)
 * takes its PASID table away again.
 */
static void arm_smmu_test_identity_pasid_refusals(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[0], *other = &ctx->m[1];
	struct page *pages[TEST_NR_PAGES];
	struct arm_smmu_domain *id, *pd, *sva;
	struct mm_struct *mm;
	unsigned long addr;
	u64 ste[2];

	id = test_identity(test, m);
	pd = test_paging_domain(test, &m->master);

	ctx->smmu.features &= ~ARM_SMMU_FEAT_TRANS_S1;
	KUNIT_EXPECT_EQ(test, test_set(pd, m, 1), -EOPNOTSUPP);
	ctx->smmu.features |= ARM_SMMU_FEAT_TRANS_S1;
	m->master.ssid_bits = 0;
	KUNIT_EXPECT_EQ(test, test_set(pd, m, 1), -EOPNOTSUPP);
	m->master.ssid_bits = TEST_SSID_BITS;
	KUNIT_EXPECT_EQ(test, test_set(pd, m, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, test_set(pd, m, 1 << TEST_SSID_BITS), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);
	test_expect_bypass_ste(test, ctx, m);
	KUNIT_EXPECT_TRUE(test, list_empty(&m->master.pasids));

	KUNIT_ASSERT_EQ(test, test_set(pd, m, 1), 0);
	ste[0] = test_ste_word(ctx, m, 0);
	ste[1] = test_ste_word(ctx, m, 1);
	test_reset_cmds(ctx);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			-EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, m->master.domain, id);
	KUNIT_EXPECT_EQ(test, ctx->nr_cmds, 0);

	/* The other master shares the identity domain, not the table */
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&id->domain, other->dev), 0);
	test_expect_bypass_ste(test, ctx, other);
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 0), ste[0]);
	KUNIT_EXPECT_EQ(test, test_ste_word(ctx, m, 1), ste[1]);
	test_reset_cmds(ctx);

	/* An exited mm, refused after the table was installed for it */
	mm = iommu_test_mm_create(test, &addr, pages, TEST_NR_PAGES);
	sva = test_sva_domain(test, mm);
	KUNIT_ASSERT_EQ(test, test_set(sva, m, 2), 0);
	iommu_test_mm_put(mm, pages, TEST_NR_PAGES);
	KUNIT_ASSERT_TRUE(test, sva->sva_released);
	test_reset_cmds(ctx);
	KUNIT_EXPECT_EQ(test, test_set(sva, other, 2), -ESRCH);
	{
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_STE, other->stream.id },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, other->stream.id },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, other->stream.id },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, other->stream.id },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD_ALL, other->stream.id },
			{ CMDQ_OP_CMD_SYNC },
		};

		KUNIT_EXPECT_EQ(test, test_expect_ssid0_bypass(test, ctx), 4);
		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}
	test_expect_bypass_ste(test, ctx, other);
	KUNIT_EXPECT_TRUE(test, list_empty(&other->master.pasids));
	KUNIT_EXPECT_TRUE(test, list_is_singular(&sva->pasids));

	test_remove(m, 2);
	test_sva_domain_free(sva);
	test_remove(m, 1);
	test_expect_bypass_ste(test, ctx, m);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			0);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&other->parent->domain,
						  other->dev), 0);
	arm_smmu_domain_free(&pd->domain);
	arm_smmu_domain_free(&id->domain);
}

/*
 * A PASID table of two levels (4096 SSIDs): the STE says so, the leaf table
 * comes with its first CD (CFGI_CD of the L1 descriptor, not a leaf), and
 * CFGI_CD_ALL follows the bypass STE when the table goes.
 */
static void arm_smmu_test_identity_pasid_table_2lvl(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[2];
	struct arm_smmu_domain *id, *pd, *table;
	u32 ssid = CTXDESC_L2_ENTRIES + 6;

	ctx->smmu.features |= ARM_SMMU_FEAT_2_LVL_CDTAB;
	ctx->smmu.ssid_bits = 12;
	m->master.ssid_bits = 12;
	id = test_identity(test, m);
	pd = test_paging_domain(test, &m->master);

	KUNIT_ASSERT_EQ(test, test_set(pd, m, ssid), 0);
	table = m->master.pasid_table;
	KUNIT_ASSERT_NOT_NULL(test, table);
	KUNIT_EXPECT_EQ(test, table->s1_cfg.s1fmt, STRTAB_STE_0_S1FMT_64K_L2);
	KUNIT_EXPECT_EQ(test, table->s1_cfg.s1cdmax, 12);
	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 10);
	test_expect_table_ste(test, ctx->cmds[2].ste, table, false);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, ctx->cmds[4].cmd[0]),
			CMDQ_OP_CFGI_CD);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_CFGI_0_SID, ctx->cmds[4].cmd[0]),
			m->stream.id);
	KUNIT_EXPECT_FALSE(test, ctx->cmds[4].cmd[1] & CMDQ_CFGI_1_LEAF);
	KUNIT_EXPECT_TRUE(test, le64_to_cpu(table->s1_cfg.cdcfg.cdtab[1]) &
			  CTXDESC_L1_DESC_V);
	memmove(ctx->cmds, ctx->cmds + 6, 4 * sizeof(ctx->cmds[0]));
	ctx->nr_cmds = 4;
	test_expect_cd_publish(test, ctx, m, ssid);

	test_remove(m, ssid);
	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 10);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_0_OP, ctx->cmds[8].cmd[0]),
			CMDQ_OP_CFGI_CD_ALL);
	KUNIT_EXPECT_EQ(test, FIELD_GET(CMDQ_CFGI_0_SID, ctx->cmds[8].cmd[0]),
			m->stream.id);
	test_expect_bypass_ste(test, ctx, m);

	ctx->smmu.features &= ~ARM_SMMU_FEAT_2_LVL_CDTAB;
	ctx->smmu.ssid_bits = TEST_SSID_BITS;
	m->master.ssid_bits = TEST_SSID_BITS;
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			0);
	arm_smmu_domain_free(&pd->domain);
	arm_smmu_domain_free(&id->domain);
}

/*
 * A PCI master with ATS, PASID and PRI whose domain is identity: no ATS
 * while its STE bypasses, yet IOPF can be enabled (ATS comes with the first
 * PASID, and page requests need it). The first PASID: STE with EATS, the
 * ATC cleaned at SSID 0, ATS on at the function, then the CD. Invalidations
 * of the PASID's domain reach the ATC at the SSID. The last PASID, here
 * removed by release_device(): the CD, the TLB, the ATC at the SSID, ATS
 * off and the ATC cleaned at SSID 0, then the bypass STE and CFGI_CD_ALL.
 */
static void arm_smmu_test_identity_pci_ats(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct arm_smmu_domain *id, *pd;
	struct arm_smmu_master *master;
	struct device *dev;
	struct test_pci *tp;
	__le64 *ste;

	tp = kunit_kzalloc(test, sizeof(*tp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tp);
	test_pci_init(test, ctx, tp);
	master = tp->master;
	dev = &tp->pci.pdev.dev;
	ste = arm_smmu_get_step_for_sid(&ctx->smmu, TEST_PCI_SID);

	KUNIT_ASSERT_EQ(test, arm_smmu_enable_pasid(master), 0);
	id = to_smmu_domain(test_domain_alloc(test, IOMMU_DOMAIN_IDENTITY));
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&id->domain, dev), 0);
	KUNIT_EXPECT_FALSE(test, master->ats_enabled);
	KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_EATS, le64_to_cpu(ste[1])),
			0);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL) &
			PCI_ATS_CTRL_ENABLE, 0);

	ctx->smmu.features |= ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI;
	KUNIT_ASSERT_EQ(test, arm_smmu_init_queues(&ctx->smmu), 0);
	KUNIT_EXPECT_EQ(test, arm_smmu_dev_enable_feature(dev,
							  IOMMU_DEV_FEAT_IOPF),
			0);
	KUNIT_EXPECT_TRUE(test, master->pri_enabled);
	test_reset_cmds(ctx);

	pd = test_paging_domain(test, master);
	KUNIT_ASSERT_EQ(test, pd->domain.ops->set_dev_pasid(&pd->domain, dev, 3),
			0);
	KUNIT_ASSERT_NOT_NULL(test, master->pasid_table);
	KUNIT_EXPECT_TRUE(test, master->ats_enabled);
	KUNIT_ASSERT_EQ(test, ctx->nr_cmds, 10);
	test_expect_table_ste(test, ctx->cmds[2].ste, master->pasid_table, true);
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL),
			PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(12 - PCI_ATS_MIN_STU));
	KUNIT_EXPECT_EQ(test, atomic_read(&pd->nr_ats_masters), 1);
	{
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_STE, TEST_PCI_SID },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, TEST_PCI_SID },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, TEST_PCI_SID, 0,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD, TEST_PCI_SID, 3 },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD, TEST_PCI_SID, 3 },
			{ CMDQ_OP_CMD_SYNC },
		};

		KUNIT_EXPECT_EQ(test, test_expect_ssid0_bypass(test, ctx), 2);
		KUNIT_EXPECT_TRUE(test, ctx->cmds[8].cd[0] & CTXDESC_CD_0_V);
		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}

	pd->domain.ops->flush_iotlb_all(&pd->domain);
	{
		struct test_exp exp[] = {
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = pd->s1_cfg.cd.asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, TEST_PCI_SID, 3,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
		};

		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}

	/* Released with the PASID still attached, IOPF still enabled */
	tp->pci.nr_writes = 0;
	arm_smmu_release_device(dev);
	{
		struct test_exp exp[] = {
			{ CMDQ_OP_CFGI_CD, TEST_PCI_SID, 3 },
			{ CMDQ_OP_CMD_SYNC },
			{ .op = CMDQ_OP_TLBI_NH_ASID, .asid = pd->s1_cfg.cd.asid },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, TEST_PCI_SID, 3,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_ATC_INV, TEST_PCI_SID, 0,
			  .size = ATC_INV_SIZE_ALL },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, TEST_PCI_SID },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_STE, TEST_PCI_SID },
			{ CMDQ_OP_CMD_SYNC },
			{ CMDQ_OP_CFGI_CD_ALL, TEST_PCI_SID },
			{ CMDQ_OP_CMD_SYNC },
		};

		/* ...and then detach_dev() writes the STE once more */
		KUNIT_ASSERT_GE(test, ctx->nr_cmds, ARRAY_SIZE(exp));
		KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_0_CFG,
						ctx->cmds[8].ste[0]),
				STRTAB_STE_0_CFG_BYPASS);
		KUNIT_EXPECT_EQ(test, FIELD_GET(STRTAB_STE_1_EATS,
						ctx->cmds[10].ste[1]), 0);
		ctx->nr_cmds = ARRAY_SIZE(exp);
		test_expect_cmds(test, ctx, exp, ARRAY_SIZE(exp));
	}
	KUNIT_EXPECT_EQ(test, iommu_test_pci_word(&tp->pci, IOMMU_TEST_ATS_CAP + PCI_ATS_CTRL) &
			PCI_ATS_CTRL_ENABLE, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&pd->nr_ats_masters), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&id->nr_ats_masters), 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pd->pasids));
	KUNIT_EXPECT_TRUE(test, list_empty(&id->devices));

	ctx->smmu.features &= ~(ARM_SMMU_FEAT_SVA | ARM_SMMU_FEAT_PRI);
	arm_smmu_domain_free(&pd->domain);
	arm_smmu_domain_free(&id->domain);
	dev->iommu = NULL;
	put_device(dev);
}

/*
 * A master with stalls beside an identity domain: its PASID table stalls,
 * as its own stage-1 domain would (S in each CD, S1STALLD clear). A master
 * without stalls in the same identity domain has a table of its own that
 * does not (S clear, S1STALLD set); the tables come and go separately.
 */
static void arm_smmu_test_identity_stall(struct kunit *test)
{
	struct test_ctx *ctx = test->priv;
	struct test_master *m = &ctx->m[1], *other = &ctx->m[2];
	struct arm_smmu_domain *id, *pd, *pd2;

	ctx->smmu.features |= ARM_SMMU_FEAT_STALLS;
	m->master.stall_enabled = true;
	id = test_identity(test, m);
	KUNIT_ASSERT_EQ(test, arm_smmu_attach_dev(&id->domain, other->dev), 0);
	pd = test_paging_domain(test, &m->master);
	pd2 = test_paging_domain(test, &other->master);
	KUNIT_ASSERT_EQ(test, test_set(pd, m, 5), 0);
	KUNIT_ASSERT_EQ(test, test_set(pd2, other, 5), 0);
	KUNIT_ASSERT_NOT_NULL(test, m->master.pasid_table);
	KUNIT_ASSERT_NOT_NULL(test, other->master.pasid_table);
	KUNIT_EXPECT_PTR_NE(test, m->master.pasid_table,
			    other->master.pasid_table);
	KUNIT_EXPECT_TRUE(test, test_cd_word(m->master.pasid_table, 5, 0) &
			  CTXDESC_CD_0_S);
	KUNIT_EXPECT_FALSE(test, test_ste_word(ctx, m, 1) &
			   STRTAB_STE_1_S1STALLD);
	/* Its neighbour in the identity domain has no stalls */
	KUNIT_EXPECT_FALSE(test, test_cd_word(other->master.pasid_table, 5, 0) &
			   CTXDESC_CD_0_S);
	KUNIT_EXPECT_TRUE(test, test_ste_word(ctx, other, 1) &
			  STRTAB_STE_1_S1STALLD);
	test_remove(m, 5);
	test_expect_bypass_ste(test, ctx, m);
	KUNIT_EXPECT_NOT_NULL(test, other->master.pasid_table);
	test_remove(other, 5);
	test_expect_bypass_ste(test, ctx, other);

	m->master.stall_enabled = false;
	ctx->smmu.features &= ~ARM_SMMU_FEAT_STALLS;
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&m->parent->domain, m->dev),
			0);
	KUNIT_EXPECT_EQ(test, arm_smmu_attach_dev(&other->parent->domain,
						  other->dev), 0);
	arm_smmu_domain_free(&pd->domain);
	arm_smmu_domain_free(&pd2->domain);
	arm_smmu_domain_free(&id->domain);
}

static struct kunit_case arm_smmu_v3_test_cases[] = {
	KUNIT_CASE(arm_smmu_test_sva_cd),
	KUNIT_CASE(arm_smmu_test_sva_cd_2lvl),
	KUNIT_CASE(arm_smmu_test_paging_cd),
	KUNIT_CASE(arm_smmu_test_refusals),
	KUNIT_CASE(arm_smmu_test_sva_invalidate),
	KUNIT_CASE(arm_smmu_test_sva_release),
	KUNIT_CASE(arm_smmu_test_sva_two_pasids),
	KUNIT_CASE(arm_smmu_test_sva_asid_share),
	KUNIT_CASE(arm_smmu_test_sva_walk),
	KUNIT_CASE(arm_smmu_test_page_requests),
	KUNIT_CASE(arm_smmu_test_pri_stop_marker),
	KUNIT_CASE(arm_smmu_test_iopf_queue_pri_no_stalls),
	KUNIT_CASE(arm_smmu_test_remove_dev_pasid_unlinks_last),
	KUNIT_CASE(arm_smmu_test_sva_invalidate_ulong_max),
	KUNIT_CASE(arm_smmu_test_attach_refused_pasid_cds),
	KUNIT_CASE(arm_smmu_test_release_with_pasids),
	KUNIT_CASE(arm_smmu_test_priq_overflow_discards_partial),
	KUNIT_CASE(arm_smmu_test_remove_dev_pasid_drains_priq),
	KUNIT_CASE(arm_smmu_test_stall_domain),
	KUNIT_CASE(arm_smmu_test_non_coherent),
	KUNIT_CASE(arm_smmu_test_domain_of_another_smmu),
	KUNIT_CASE(arm_smmu_test_pci_master),
	KUNIT_CASE(arm_smmu_test_sva_refusals),
	KUNIT_CASE(arm_smmu_test_identity_pasid_table),
	KUNIT_CASE(arm_smmu_test_identity_pasid_refusals),
	KUNIT_CASE(arm_smmu_test_identity_pasid_table_2lvl),
	KUNIT_CASE(arm_smmu_test_identity_pci_ats),
	KUNIT_CASE(arm_smmu_test_identity_stall),
	{}
};

static struct kunit_suite arm_smmu_v3_test_suite = {
	.name = "arm-smmu-v3",
	.init = arm_smmu_test_init,
	.exit = arm_smmu_test_exit,
	.test_cases = arm_smmu_v3_test_cases,
};

/*
 * The real SMMUs of the machine, if any: an SMMU without SubstreamIDs (QEMU's
 * SMMUv3) gives its masters no PASID, so enabling SVA must fail, saying
 * what the SMMU lacks, a bind must be refused, and neither may leave
 * anything behind.
 */
static void arm_smmu_test_no_ssid_no_sva(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	struct mm_struct *mm;
	int tried = 0;

	mm = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, mm);
	for_each_pci_dev(pdev) {
		struct device *dev = &pdev->dev;
		struct arm_smmu_master *master;
		struct iommu_test_refusals *r;
		struct iommu_sva *handle;

		if (!dev->iommu || !dev->iommu->iommu_dev ||
		    dev_iommu_ops(dev) != &arm_smmu_ops)
			continue;
		master = dev_iommu_priv_get(dev);
		if (master->smmu->ssid_bits)
			continue;
		tried++;
		kunit_info(test, "%s: SMMU %s without SSIDs\n", dev_name(dev),
			   dev_name(master->smmu->dev));

		KUNIT_EXPECT_EQ(test, master->ssid_bits, 0);
		KUNIT_EXPECT_LE(test, dev->iommu->max_pasids, 1);
		r = iommu_test_refusals_watch(test, dev);
		KUNIT_EXPECT_EQ(test, iommu_dev_enable_feature(dev,
							       IOMMU_DEV_FEAT_SVA),
				-ENODEV);
		kunit_info(test, "%s: %s %s\n", dev_name(dev), r->prefix,
			   r->piece);
		KUNIT_EXPECT_EQ(test, r->n, 1U);
		KUNIT_EXPECT_EQ(test, r->err, -ENODEV);
		KUNIT_EXPECT_STREQ(test, r->prefix, "IOMMU lacks");
		if (master->smmu->features & ARM_SMMU_FEAT_SVA)
			KUNIT_EXPECT_STREQ(test, r->piece, "SubstreamIDs");
		KUNIT_EXPECT_FALSE(test, dev->iommu->sva_enabled);
		KUNIT_EXPECT_FALSE(test, master->sva_enabled);

		handle = iommu_sva_bind_device(dev, mm, NULL);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(handle), -ENODEV);
		KUNIT_EXPECT_EQ(test, mm->pasid, IOMMU_PASID_INVALID);
		KUNIT_EXPECT_TRUE(test, list_empty(&master->pasids));
	}
	mmput(mm);
	if (!tried)
		kunit_skip(test, "no PCI device behind an SMMUv3 without SSIDs");
}

static struct kunit_case arm_smmu_v3_machine_test_cases[] = {
	KUNIT_CASE(arm_smmu_test_no_ssid_no_sva),
	{}
};

static struct kunit_suite arm_smmu_v3_machine_test_suite = {
	.name = "arm-smmu-v3-machine",
	.test_cases = arm_smmu_v3_machine_test_cases,
};

kunit_test_suites(&arm_smmu_v3_test_suite, &arm_smmu_v3_machine_test_suite);
