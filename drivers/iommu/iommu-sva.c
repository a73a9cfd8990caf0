// SPDX-License-Identifier: GPL-2.0
/*
 * The SVA layer of the IOMMU core: the global PASID space, SVA domains and
 * the SVA API (iommu_sva_bind_device() and its kin).
 *
 * It sits on top of the PASID-attach API of iommu.c
 * (iommu_attach_device_pasid() and its kin), which knows nothing of SVA
 * beyond forwarding IOMMU_DEV_FEAT_SVA here.
 *
 * Glossary:
 *   PASID        a Process Address Space ID, the tag of a device's DMA
 *                that selects an address space; 0 is IOMMU_NO_PASID
 *   SVA domain   an IOMMU_DOMAIN_SVA domain: one mm as one IOMMU sees it
 *   handle       a struct iommu_sva: the binds of one device to one mm
 */
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>
#include <linux/xarray.h>
#include <linux/sched/mm.h>

#include <trace/events/iommu.h>

#include "iommu-sva.h"

/*
 * The global PASID space.
 *
 * One number space for all IOMMUs, so that an mm has the same PASID on
 * every device it is bound to (x86 ENQCMD puts mm->pasid in the DMA it
 * issues). PASID 0 is IOMMU_NO_PASID and never allocated.
 *
 * iommu_global_pasids maps each allocated PASID to its owner:
 *   struct iommu_sva_mm   the PASID of an mm: allocated at the mm's first
 *                         bind, freed only when the mm itself is freed
 *                         (mm_pasid_drop() from __mmdrop()), so it never
 *                         changes while the process lives and cannot be
 *                         reused while a device may still hold it;
 *   a value entry         a PASID from iommu_alloc_global_pasid(), for
 *                         users that attach other domains to PASIDs; the
 *                         value is the caller's return address without
 *                         its bit 0 (see iommu_pasid_kernel_owner()), to
 *                         tell who owns it (iommu_global_pasid_owner()).
 *
 * The xarray's own lock protects it. iommu_sva_pasid_lock serialises giving
 * an mm its PASID; once given, mm->pasid does not change while the mm has
 * users, and is read without the lock. Lock order: iommu_sva_pasid_lock,
 * then the xarray's lock.
 */
static DEFINE_XARRAY_ALLOC1(iommu_global_pasids);

/*
 * A value entry holds BITS_PER_LONG - 1 bits: drop bit 0 of the address,
 * which then still lies in the caller (a return address follows a call
 * instruction of at least two bytes).
 */
static void *iommu_pasid_kernel_owner(unsigned long caller)
{
	return xa_mk_value(caller >> 1);
}

static unsigned long iommu_pasid_kernel_caller(void *owner)
{
	return xa_to_value(owner) << 1;
}

static int iommu_pasid_alloc(void *owner, ioasid_t min, ioasid_t max,
			     ioasid_t *pasid)
{
	u32 id;
	int ret;

	ret = xa_alloc(&iommu_global_pasids, &id, owner, XA_LIMIT(min, max),
		       GFP_KERNEL);
	/* xa_alloc() says -EBUSY for a full range */
	if (ret == -EBUSY)
		return -ENOSPC;
	if (!ret)
		*pasid = id;
	return ret;
}

/**
 * iommu_alloc_global_pasid() - Allocate a PASID for a device's own use
 * @dev: the device that will use it
 *
 * Allocates from the global PASID space a PASID that @dev can use, for
 * attaching a domain other than SVA with iommu_attach_device_pasid(). The
 * caller must undo this with iommu_free_global_pasid().
 *
 * Context: Process context; may sleep.
 * Return: the PASID, in [1, max_pasids of @dev); IOMMU_PASID_INVALID if
 * @dev cannot use PASIDs, none is free below its limit, or memory ran out.
 */
ioasid_t iommu_alloc_global_pasid(struct device *dev)
{
	ioasid_t pasid;

	if (!dev->iommu || dev->iommu->max_pasids <= 1)
		return IOMMU_PASID_INVALID;

	if (iommu_pasid_alloc(iommu_pasid_kernel_owner(_RET_IP_), 1,
			      dev->iommu->max_pasids - 1, &pasid))
		return IOMMU_PASID_INVALID;
	return pasid;
}
EXPORT_SYMBOL_GPL(iommu_alloc_global_pasid);

/**
 * iommu_free_global_pasid() - Free a PASID from iommu_alloc_global_pasid()
 * @pasid: the PASID; no domain may still be attached at it
 *
 * Context: Any context that may take a spinlock.
 */
void iommu_free_global_pasid(ioasid_t pasid)
{
	void *owner;

	xa_lock(&iommu_global_pasids);
	owner = xa_load(&iommu_global_pasids, pasid);
	/* Not allocated, or the PASID of an mm */
	if (!WARN_ON(!xa_is_value(owner)))
		__xa_erase(&iommu_global_pasids, pasid);
	xa_unlock(&iommu_global_pasids);
}
EXPORT_SYMBOL_GPL(iommu_free_global_pasid);

#ifdef CONFIG_IOMMU_SVA
/*
 * Every bind and unbind holds iommu_sva_lock for reading, and
 * iommu_sva_set_feature() holds it for writing: a device cannot lose SVA
 * while one of its binds is under way, and a disable sees every handle.
 * What a bind or unbind changes belongs to its mm and is under the mm's
 * iommu_sva_mm::lock, so that binds of different mms run in parallel.
 */
static DECLARE_RWSEM(iommu_sva_lock);
static DEFINE_MUTEX(iommu_sva_pasid_lock);

/**
 * struct iommu_sva_mm - The global PASID space's record of an mm
 * @mm: the mm; not a counted reference: the record goes in mm_pasid_drop(),
 *      before the mm is freed
 * @lock: serialises the binds and unbinds of the mm: protects @domains,
 *        the handles of those domains (iommu_domain::sva_handles and each
 *        iommu_sva) and their attach and detach at the mm's PASID
 * @domains: the mm's SVA domains, one per IOMMU it is bound through, linked
 *           by iommu_domain::sva_next. Each holds an mmgrab() reference, so
 *           the list is empty when the record goes.
 * @tgid: the process whose bind gave the mm its PASID, if the mm was its
 *        own, else 0; only shown (iommu_global_pasid_owner())
 * @comm: that process's name then
 */
struct iommu_sva_mm {
	struct mm_struct *mm;
	struct mutex lock;		/* see above */
	struct list_head domains;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
};

static int __iommu_sva_alloc_pasid(struct mm_struct *mm, ioasid_t min,
				   ioasid_t max)
{
	struct iommu_sva_mm *sva_mm;
	ioasid_t pasid;
	int ret;

	lockdep_assert_held(&iommu_sva_pasid_lock);
	/* Is a PASID already associated with this mm? */
	if (pasid_valid(mm->pasid))
		return mm->pasid < min || mm->pasid > max ? -EOVERFLOW : 0;

	sva_mm = kzalloc(sizeof(*sva_mm), GFP_KERNEL);
	if (!sva_mm)
		return -ENOMEM;
	sva_mm->mm = mm;
	mutex_init(&sva_mm->lock);
	INIT_LIST_HEAD(&sva_mm->domains);
	if (current->mm == mm) {
		sva_mm->tgid = task_tgid_nr(current);
		get_task_comm(sva_mm->comm, current);
	}
	ret = iommu_pasid_alloc(sva_mm, min, max, &pasid);
	if (ret) {
		kfree(sva_mm);
		return ret;
	}
	/*
	 * The record is in iommu_global_pasids before the mm has the PASID:
	 * pairs with the smp_load_acquire() in iommu_sva_alloc_pasid().
	 */
	smp_store_release(&mm->pasid, pasid);
	return 0;
}

/*
 * Give @mm a PASID in [@min, @max] if it has none. A PASID, once given,
 * stays for as long as the mm has users, which the caller holds one of:
 * after the first bind this takes no lock.
 */
static int iommu_sva_alloc_pasid(struct mm_struct *mm, ioasid_t min,
				 ioasid_t max)
{
	/* Pairs with the smp_store_release() in __iommu_sva_alloc_pasid() */
	ioasid_t pasid = smp_load_acquire(&mm->pasid);
	int ret;

	if (min == IOMMU_NO_PASID || max == IOMMU_PASID_INVALID || max < min)
		return -EINVAL;
	if (pasid_valid(pasid))
		return pasid < min || pasid > max ? -EOVERFLOW : 0;

	mutex_lock(&iommu_sva_pasid_lock);
	ret = __iommu_sva_alloc_pasid(mm, min, max);
	mutex_unlock(&iommu_sva_pasid_lock);
	return ret;
}

/*
 * The record of @mm, which has a PASID and which the caller holds a user
 * of, or an SVA domain of (the domain's mmgrab() keeps the record)
 */
static struct iommu_sva_mm *iommu_sva_mm_of(struct mm_struct *mm)
{
	return xa_load(&iommu_global_pasids, mm->pasid);
}

/**
 * mm_pasid_drop() - Free the PASID of an mm that is being freed
 * @mm: the mm, from __mmdrop(): nothing can bind it any more
 *
 * The PASID becomes free for reuse only here, when no SVA domain holds
 * the mm any more (each holds an mmgrab() reference).
 *
 * Context: Any context __mmdrop() runs in; takes the xarray's spinlock.
 */
void mm_pasid_drop(struct mm_struct *mm)
{
	struct iommu_sva_mm *sva_mm;

	if (!pasid_valid(mm->pasid))
		return;

	sva_mm = xa_erase(&iommu_global_pasids, mm->pasid);
	if (!WARN_ON(!sva_mm || xa_is_value(sva_mm) || sva_mm->mm != mm)) {
		WARN_ON(!list_empty(&sva_mm->domains));
		mutex_destroy(&sva_mm->lock);
		kfree(sva_mm);
	}
	mm->pasid = IOMMU_PASID_INVALID;
}

/*
 * SVA through domains
 *
 * For drivers that implement iommu_ops::remove_dev_pasid the core owns the
 * objects of a bind:
 *
 *   mm --(mm->pasid)--> struct iommu_sva_mm --domains--> SVA domain, one
 *   per IOMMU the mm is bound through --sva_handles--> struct iommu_sva,
 *   one per device, counting its binds in ->users
 *
 * A domain is attached at mm->pasid of each device that has a handle on
 * it. The last unbind of a device detaches it; the last handle of a
 * domain frees the domain, which drops its mmgrab() of the mm. The mm's
 * PASID outlives all of that and goes only with the mm.
 *
 * A handle holds a reference to its device, which may be released before
 * the last unbind (a driver that lets a bond outlive its device): the core
 * then detached the PASID at release, and the unbind only frees.
 *
 * The mm's iommu_sva_mm::lock protects all of it, with iommu_sva_lock
 * held for reading; iommu_sva_lock held for writing also excludes every
 * change, and protects the devices' sva_enabled. Lock order:
 * iommu_sva_lock, then an mm's lock (never two of them), then
 * group->mutex (taken by attach and detach), then driver locks;
 * iommu_sva_pasid_lock and iommu_sva_kva_lock are taken inside the mm's
 * lock or iommu_sva_lock and take none of the others. The fault path takes
 * none of them: detach waits for it with group->mutex held.
 */

/*
 * The kernel half of SVA page tables.
 *
 * On x86 an SVA PASID entry points the IOMMU at the mm's pgd, whose upper
 * half maps the kernel. The IOMMU may cache paging-structure entries from
 * that half, and the kernel frees page tables of its own addresses without
 * asking the IOMMU (a huge vmap replacing a table, memory hot-remove): a
 * device could then walk a page that was reused for anything. The
 * architecture code that frees those tables (CONFIG_DEFERRED_KERNEL_PGTABLE_FREE)
 * first asks iommu_sva_kernel_tables_walked() and, if some SVA domain may
 * cache them, calls iommu_sva_flush_kernel_range() between clearing the
 * entry and freeing the page.
 *
 * iommu_sva_kva_domains lists the SVA domains whose driver can flush
 * (iommu_domain_ops::invalidate_kva). A domain joins it when allocated,
 * before anything is attached (so before its IOMMU can walk the mm), and
 * leaves it in iommu_sva_domain_free(), after its last detach (which
 * flushed its PASIDs) and before it is freed: a flush never reaches a freed
 * domain. iommu_sva_kva_lock, a mutex taken inside an mm's lock and
 * inside whatever lock the freeing code holds (mem_hotplug_lock), protects
 * the list; the flush calls the drivers under it. iommu_sva_kva_nr counts
 * the list for the lockless question.
 */
static DEFINE_MUTEX(iommu_sva_kva_lock);
static LIST_HEAD(iommu_sva_kva_domains);
static atomic_t iommu_sva_kva_nr = ATOMIC_INIT(0);

static void iommu_sva_kva_join(struct iommu_domain *domain)
{
	if (!IS_ENABLED(CONFIG_DEFERRED_KERNEL_PGTABLE_FREE) ||
	    !domain->ops->invalidate_kva)
		return;

	mutex_lock(&iommu_sva_kva_lock);
	list_add_tail(&domain->sva_kva_next, &iommu_sva_kva_domains);
	atomic_inc(&iommu_sva_kva_nr);
	mutex_unlock(&iommu_sva_kva_lock);
	/*
	 * Pairs with the one in iommu_sva_kernel_tables_walked(): a table
	 * whose entry is cleared from now on is flushed from this domain,
	 * and one freed without a flush had its entry cleared before the
	 * attach that follows lets the IOMMU walk the mm.
	 */
	smp_mb();
}

static void iommu_sva_kva_leave(struct iommu_domain *domain)
{
	if (list_empty(&domain->sva_kva_next))
		return;

	mutex_lock(&iommu_sva_kva_lock);
	list_del_init(&domain->sva_kva_next);
	atomic_dec(&iommu_sva_kva_nr);
	mutex_unlock(&iommu_sva_kva_lock);
}

/**
 * iommu_sva_kernel_tables_walked() - Whether an IOMMU may cache kernel tables
 *
 * Context: Any context.
 * Return: true if an SVA domain that may cache the kernel half of its mm's
 * page tables exists. For the code that frees a page table of kernel
 * addresses once no entry points to it any more: after false, no such
 * domain was attached since the entry was cleared and the page can be
 * freed at once; after true, iommu_sva_flush_kernel_range() comes first.
 */
bool iommu_sva_kernel_tables_walked(void)
{
	/* Orders the caller's clearing of the entry before the read */
	smp_mb();
	return atomic_read(&iommu_sva_kva_nr);
}

/**
 * iommu_sva_flush_kernel_range() - Make the IOMMUs forget kernel page tables
 * @start: the first kernel address whose tables are being freed
 * @end: the address after the last one
 *
 * Every SVA domain that may cache the kernel half of its mm's page tables
 * drops what it may hold for [@start, @end) on every PASID it is attached
 * at, paging-structure caches and device TLBs included. The caller cleared
 * the entries that point to the tables first, and frees them after.
 *
 * Context: Process context; may sleep. Takes iommu_sva_kva_lock, then the
 * drivers' locks.
 */
void iommu_sva_flush_kernel_range(unsigned long start, unsigned long end)
{
	struct iommu_domain *domain;

	might_sleep();
	mutex_lock(&iommu_sva_kva_lock);
	list_for_each_entry(domain, &iommu_sva_kva_domains, sva_kva_next)
		domain->ops->invalidate_kva(domain, start, end);
	mutex_unlock(&iommu_sva_kva_lock);
}

/*
 * On x86 an IOMMU that walks an SVA mm's page tables walks the kernel's half
 * too: it may have SVA only if the kernel flushes it before freeing page
 * tables of its own addresses. A driver whose IOMMU never walks that half
 * says so with iommu_ops::sva_no_kernel_tables.
 */
static bool iommu_sva_kva_needed(const struct iommu_ops *ops)
{
	return IS_ENABLED(CONFIG_X86) && !ops->sva_no_kernel_tables;
}

/*
 * Whether @dev has a handle. A search, not a count in dev->iommu, which
 * goes when the device is released while handles may remain.
 */
static bool iommu_sva_dev_bound(struct device *dev)
{
	struct iommu_domain *domain;
	struct iommu_sva_mm *sva_mm;
	struct iommu_sva *handle;
	unsigned long pasid;
	bool bound = false;

	lockdep_assert_held_write(&iommu_sva_lock);
	/* As in iommu_global_pasid_owner(): the records stay while locked */
	xa_lock(&iommu_global_pasids);
	xa_for_each(&iommu_global_pasids, pasid, sva_mm) {
		if (xa_is_value(sva_mm))
			continue;
		list_for_each_entry(domain, &sva_mm->domains, sva_next)
			list_for_each_entry(handle, &domain->sva_handles, next)
				bound |= handle->dev == dev;
	}
	xa_unlock(&iommu_global_pasids);
	return bound;
}

/**
 * iommu_sva_set_feature() - Enable or disable IOMMU_DEV_FEAT_SVA
 * @dev: the device, whose driver attaches SVA domains
 * @enable: what to do
 *
 * Context: Process context; may sleep. Takes iommu_sva_lock for writing:
 * waits for the binds and unbinds under way.
 * Return: 0, -EBUSY to disable while binds remain, or the driver's error.
 */
int iommu_sva_set_feature(struct device *dev, bool enable)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	int ret = -ENODEV;

	if (enable && iommu_sva_kva_needed(ops) &&
	    !IS_ENABLED(CONFIG_DEFERRED_KERNEL_PGTABLE_FREE))
		return iommu_sva_refuse(dev, IOMMU_SVA_NOT_BUILT,
					"CONFIG_DEFERRED_KERNEL_PGTABLE_FREE");

	down_write(&iommu_sva_lock);
	if (!enable && iommu_sva_dev_bound(dev))
		ret = -EBUSY;
	else if (enable && ops->dev_enable_feat)
		ret = ops->dev_enable_feat(dev, IOMMU_DEV_FEAT_SVA);
	else if (!enable && ops->dev_disable_feat)
		ret = ops->dev_disable_feat(dev, IOMMU_DEV_FEAT_SVA);
	if (!ret)
		dev->iommu->sva_enabled = enable;
	up_write(&iommu_sva_lock);
	return ret;
}

/*
 * Whether a fault at @addr of @vma, for a write if @write, is no more than
 * a page to allocate and map, which the IOPF queue may do where a request
 * is reported: a private anonymous VMA, not registered with userfaultfd,
 * that has its anon_vma already if the fault writes (anon_vma_prepare()
 * may wait for the lock of a neighbour's, which reclaim holds across mmu
 * notifiers), and nothing at @addr in the page table yet: no swap or
 * migration entry to wait for, no page to copy on write (whose mmu
 * notifiers may wait for other devices), no transparent huge page to
 * allocate and clear. The caller holds the mmap_lock, under which the page
 * table stays. An entry that appears between this and the fault (the CPU
 * maps the zero page, a migration starts) is faulted as it is: rare, and
 * iommu_report_device_fault() says what keeps that from deadlocking.
 */
static bool iommu_sva_fault_is_fresh(struct vm_area_struct *vma,
				     unsigned long addr, bool write)
{
	bool thp = hugepage_vma_check(vma, vma->vm_flags, false, true, true) &&
		   transhuge_vma_suitable(vma, addr);
	pgd_t *pgd, pgdval;
	p4d_t *p4d, p4dval;
	pud_t *pud, pudval;
	pmd_t *pmd, pmdval;
	pte_t *pte;
	bool none;

	if (!vma_is_anonymous(vma) || userfaultfd_armed(vma) ||
	    (write && !READ_ONCE(vma->anon_vma)))
		return false;
	pgd = pgd_offset(vma->vm_mm, addr);
	pgdval = READ_ONCE(*pgd);
	if (pgd_none(pgdval))
		return !thp;
	if (pgd_bad(pgdval))
		return false;
	p4d = p4d_offset(pgd, addr);
	p4dval = READ_ONCE(*p4d);
	if (p4d_none(p4dval))
		return !thp;
	if (p4d_bad(p4dval))
		return false;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval))
		return !thp;
	if (!pud_present(pudval) || pud_leaf(pudval) || pud_bad(pudval))
		return false;
	pmd = pmd_offset(pud, addr);
	pmdval = READ_ONCE(*pmd);
	if (pmd_none(pmdval))
		return !thp;
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval))
		return false;
	pte = pte_offset_map(pmd, addr);
	none = pte_none(ptep_get(pte));
	pte_unmap(pte);
	return none;
}

/*
 * Resolve one page request on @mm, of which the caller holds a reference
 * with mmget(): fault the page in if the VMA allows the access. With
 * @nowait, only where iommu_sva_fault_is_fresh() and the mmap_lock can be
 * had without waiting, the allocation doing no I/O (memalloc_noio); and
 * should the page be locked or under I/O after all, FAULT_FLAG_RETRY_NOWAIT
 * makes the fault return VM_FAULT_RETRY with the lock still held.
 * Return: 0 if the page is present, -EFAULT to answer the request invalid,
 * -EAGAIN if @nowait and the request is for the IOPF workqueue: it would
 * wait, or the fault failed, which the workqueue's attempt decides.
 */
static int iommu_sva_fault_mm(const struct iommu_fault_page_request *prm,
			      struct mm_struct *mm, bool nowait)
{
	unsigned int fault_flags = FAULT_FLAG_REMOTE;
	unsigned int access_flags = 0, noio;
	struct vm_area_struct *vma;
	int rc = -EFAULT;
	vm_fault_t ret;

	if (nowait && !mmap_read_trylock(mm))
		return -EAGAIN;
	if (nowait)
		fault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;
	else
		mmap_read_lock(mm);

	vma = vma_lookup(mm, prm->addr);
	if (!vma)
		/* Unmapped area */
		goto out_unlock;

	if (prm->perm & IOMMU_FAULT_PERM_READ)
		access_flags |= VM_READ;

	if (prm->perm & IOMMU_FAULT_PERM_WRITE) {
		access_flags |= VM_WRITE;
		fault_flags |= FAULT_FLAG_WRITE;
	}

	if (prm->perm & IOMMU_FAULT_PERM_EXEC) {
		access_flags |= VM_EXEC;
		fault_flags |= FAULT_FLAG_INSTRUCTION;
	}

	if (!(prm->perm & IOMMU_FAULT_PERM_PRIV))
		fault_flags |= FAULT_FLAG_USER;

	if (access_flags & ~vma->vm_flags)
		/* Access fault */
		goto out_unlock;

	if (!nowait) {
		ret = handle_mm_fault(vma, prm->addr, fault_flags, NULL);
		if (!(ret & VM_FAULT_ERROR))
			rc = 0;
		goto out_unlock;
	}

	rc = -EAGAIN;
	if (!iommu_sva_fault_is_fresh(vma, prm->addr,
				      fault_flags & FAULT_FLAG_WRITE))
		goto out_unlock;
	/*
	 * With FAULT_FLAG_RETRY_NOWAIT the fault may return VM_FAULT_RETRY
	 * but keeps the lock, so it never returns VM_FAULT_COMPLETED either.
	 */
	noio = memalloc_noio_save();
	ret = handle_mm_fault(vma, prm->addr, fault_flags, NULL);
	memalloc_noio_restore(noio);
	if (!(ret & (VM_FAULT_RETRY | VM_FAULT_ERROR)))
		rc = 0;

out_unlock:
	mmap_read_unlock(mm);
	return rc;
}

/*
 * The fault handler of SVA domains, called from the IOPF workqueue for a
 * page request on a PASID that the SVA domain @data is attached at: fault
 * the page in on the domain's mm if the VMA allows the access; answer
 * invalid otherwise, and once the mm has exited. Takes the mm's mmap_lock.
 */
static enum iommu_page_response_code
iommu_sva_handle_iopf(struct iommu_fault *fault, void *data)
{
	struct iommu_domain *domain = data;
	struct mm_struct *mm = domain->mm;
	int ret;

	/* The domain's mmgrab() keeps the mm_struct itself valid. */
	if (!mmget_not_zero(mm))
		return IOMMU_PAGE_RESP_INVALID;

	ret = iommu_sva_fault_mm(&fault->prm, mm, false);
	mmput(mm);
	return ret ? IOMMU_PAGE_RESP_INVALID : IOMMU_PAGE_RESP_SUCCESS;
}

/**
 * iommu_sva_handle_iopf_nowait() - Resolve a page request where it is reported
 * @domain: the domain attached at the request's PASID
 * @fault: the page request
 *
 * The IOPF queue calls this before it queues a group, so that a first
 * touch of an anonymous page, the commonest request, is answered without
 * a hop to the workqueue and back. It does only that: a page to allocate
 * without I/O and map where nothing was, for a write in a VMA that has its
 * anon_vma (iommu_sva_fault_is_fresh()), the mmap_lock taken with a
 * trylock. Anything else (a page to swap in, to read from a file, to copy
 * on write, a migration to wait for, a transparent huge page, a VMA
 * registered with userfaultfd, a busy mmap_lock) is left to the workqueue,
 * where a slow request holds up neither the IOMMU driver's fault thread,
 * nor the locks it holds, nor the other devices behind the IOMMU. So is a
 * request on any domain but an SVA domain of this file.
 *
 * Context: Process context: the IOMMU driver's fault thread, or whoever
 * reports, with dev->iommu->lock and the driver's own locks held;
 * dev->iommu->lock keeps @domain attached. May sleep to allocate memory,
 * with GFP_NOIO. The mm reference is dropped with mmput_async(), to keep
 * the teardown of a whole address space, should this be the last one, out
 * of the fault thread and its locks.
 * Return: 0 if the page was made present, -EFAULT to answer the request
 * invalid (no VMA, an access the VMA does not allow, an mm that exited),
 * -EAGAIN to queue it.
 */
int iommu_sva_handle_iopf_nowait(struct iommu_domain *domain,
				 struct iommu_fault *fault)
{
	struct mm_struct *mm = domain->mm;
	int ret;

	if (domain->iopf_handler != iommu_sva_handle_iopf)
		return -EAGAIN;
	if (!mmget_not_zero(mm))
		return -EFAULT;
	ret = iommu_sva_fault_mm(&fault->prm, mm, true);
	mmput_async(mm);
	return ret;
}

static struct iommu_domain *iommu_sva_domain_alloc(struct device *dev,
						   struct mm_struct *mm)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *domain;

	lockdep_assert_held(&iommu_sva_mm_of(mm)->lock);
	domain = ops->domain_alloc(IOMMU_DOMAIN_SVA);
	if (!domain)
		return ERR_PTR(-ENOMEM);

	domain->type = IOMMU_DOMAIN_SVA;
	domain->owner = ops;
	if (!domain->ops)
		domain->ops = ops->default_domain_ops;
	if (iommu_sva_kva_needed(ops) && !domain->ops->invalidate_kva) {
		/* A driver without the flush that x86 needs */
		iommu_domain_free(domain);
		return ERR_PTR(iommu_sva_refuse(dev, IOMMU_SVA_NOT_BUILT,
						"the IOMMU driver's kernel-range invalidation"));
	}
	domain->iopf_handler = iommu_sva_handle_iopf;
	domain->fault_data = domain;
	/* Pairs with the mmdrop() in iommu_sva_domain_free() */
	mmgrab(mm);
	domain->mm = mm;
	domain->sva_iommu = dev->iommu->iommu_dev;
	INIT_LIST_HEAD(&domain->sva_handles);
	INIT_LIST_HEAD(&domain->sva_next);
	INIT_LIST_HEAD(&domain->sva_kva_next);
	iommu_sva_kva_join(domain);
	return domain;
}

/*
 * Free @domain. Its mmgrab() of the mm, which keeps the mm's record and
 * with it the lock the caller holds, is left to the caller to drop with
 * mmdrop() once that lock is released.
 */
static void iommu_sva_domain_free(struct iommu_domain *domain)
{
	lockdep_assert_held(&iommu_sva_mm_of(domain->mm)->lock);
	list_del(&domain->sva_next);
	/* Before the domain goes: see iommu_sva_kva_domains */
	iommu_sva_kva_leave(domain);
	iommu_domain_free(domain);
}

static struct iommu_sva *iommu_sva_handle_find(struct iommu_domain *domain,
					       struct device *dev)
{
	struct iommu_sva *handle;

	lockdep_assert_held(&iommu_sva_mm_of(domain->mm)->lock);
	list_for_each_entry(handle, &domain->sva_handles, next)
		if (handle->dev == dev)
			return handle;
	return NULL;
}

static struct iommu_domain *
iommu_sva_mm_domain_find(struct iommu_sva_mm *sva_mm,
			 struct iommu_device *iommu)
{
	struct iommu_domain *domain;

	lockdep_assert_held(&sva_mm->lock);
	list_for_each_entry(domain, &sva_mm->domains, sva_next)
		if (domain->sva_iommu == iommu)
			return domain;
	return NULL;
}

/**
 * iommu_sva_bind_device() - Bind a process address space to a device
 * @dev: the device
 * @mm: the mm to bind, caller must hold a reference to it
 * @drvdata: not used; kept for the callers of the 6.1 API
 *
 * Create a bond between device and address space, allowing the device to access
 * the mm using the returned PASID. If a bond already exists between @dev and
 * @mm, it is returned and an additional reference is taken. Caller must call
 * iommu_sva_unbind_device() to release each reference.
 *
 * iommu_dev_enable_feature(dev, IOMMU_DEV_FEAT_SVA) must be called first, to
 * initialize the required SVA features.
 *
 * The core gives @mm its PASID if it has none yet, and attaches at that
 * PASID the SVA domain that @mm has on the device's IOMMU, allocating it at
 * the first bind. Devices behind one IOMMU share that domain. There is no
 * SVA without an mm (supervisor SVA).
 *
 * Context: Process context; may sleep. Takes iommu_sva_lock for reading,
 * the mm's SVA lock, then the group's mutex, then driver locks.
 * Return: the handle; on error an ERR_PTR: -ENODEV if SVA is not enabled
 * on @dev or its IOMMU driver attaches no domain at a PASID, -EINVAL for a
 * NULL @mm or for a group of more than one device, -ESRCH if @mm has
 * exited (no user holds it any more), -EOVERFLOW if @mm already has a
 * PASID that @dev cannot use, -EBUSY if another domain is attached at the
 * PASID of @mm on @dev, -ENOSPC if no PASID is free, -ENOMEM, or the
 * driver's error. On error nothing is bound and @mm gets
 * no new PASID unless one was allocated for it that it keeps for later
 * binds.
 */
struct iommu_sva *
iommu_sva_bind_device(struct device *dev, struct mm_struct *mm, void *drvdata)
{
	struct iommu_domain *domain, *new_domain = NULL;
	struct iommu_sva_mm *sva_mm;
	struct iommu_sva *handle;
	int ret;

	if (!dev->iommu || !dev_iommu_ops(dev)->remove_dev_pasid)
		return ERR_PTR(-ENODEV);
	if (!mm)
		return ERR_PTR(-EINVAL);
	/*
	 * The drivers register an mmu_notifier on @mm, which needs a live
	 * mm: refuse one whose last user is gone. Holding a user until the
	 * end also keeps exit_mmap() from running under our feet, and the
	 * mm's PASID and record in place.
	 */
	if (!mmget_not_zero(mm))
		return ERR_PTR(-ESRCH);

	down_read(&iommu_sva_lock);
	if (!dev->iommu->sva_enabled) {
		ret = -ENODEV;
		goto out_unlock;
	}

	ret = iommu_sva_alloc_pasid(mm, 1, dev->iommu->max_pasids - 1);
	if (ret == -EOVERFLOW)
		iommu_sva_refuse(dev, IOMMU_SVA_PASID_RANGE,
				 "the process's PASID %u, beyond its %u",
				 mm->pasid, dev->iommu->max_pasids);
	if (ret)
		goto out_unlock;

	sva_mm = iommu_sva_mm_of(mm);
	mutex_lock(&sva_mm->lock);
	/*
	 * A repeated bind of the same device and mm takes a reference. Only
	 * an SVA domain may be used past the lookup: an SVA domain at our
	 * PASID is our mm's, freed under its lock, which we hold, while a
	 * domain of another type attached at our PASID by someone else may
	 * be freed at any time, so the lookup checks the type under the
	 * pasid_array lock.
	 */
	domain = iommu_get_domain_for_dev_pasid(dev, mm->pasid,
						IOMMU_DOMAIN_SVA);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto out_unlock_mm;
	}
	if (domain) {
		handle = NULL;
		if (domain->mm == mm)
			handle = iommu_sva_handle_find(domain, dev);
		if (!handle) {
			ret = -EBUSY;
			goto out_unlock_mm;
		}
		refcount_inc(&handle->users);
		trace_sva_bind(dev, mm->pasid);
		mutex_unlock(&sva_mm->lock);
		up_read(&iommu_sva_lock);
		mmput(mm);
		return handle;
	}

	handle = kzalloc(sizeof(*handle), GFP_KERNEL);
	if (!handle) {
		ret = -ENOMEM;
		goto out_unlock_mm;
	}

	/* Devices behind one IOMMU share the mm's domain on it. */
	domain = iommu_sva_mm_domain_find(sva_mm, dev->iommu->iommu_dev);
	if (!domain) {
		new_domain = iommu_sva_domain_alloc(dev, mm);
		if (IS_ERR(new_domain)) {
			ret = PTR_ERR(new_domain);
			goto out_free_handle;
		}
		domain = new_domain;
	}

	ret = iommu_attach_device_pasid(domain, dev, mm->pasid);
	if (ret)
		goto out_free_domain;

	/* Publish: nothing can fail any more. */
	if (new_domain)
		list_add(&domain->sva_next, &sva_mm->domains);
	/* Pairs with the put_device() of the last unbind */
	handle->dev = get_device(dev);
	handle->domain = domain;
	/* Dropped by the last iommu_sva_unbind_device() */
	refcount_set(&handle->users, 1);
	list_add(&handle->next, &domain->sva_handles);
	trace_sva_bind(dev, mm->pasid);
	mutex_unlock(&sva_mm->lock);
	up_read(&iommu_sva_lock);
	mmput(mm);
	return handle;

out_free_domain:
	if (new_domain) {
		iommu_sva_domain_free(new_domain);
		/* Not the last: we hold a user of @mm */
		mmdrop(mm);
	}
out_free_handle:
	kfree(handle);
out_unlock_mm:
	mutex_unlock(&sva_mm->lock);
out_unlock:
	up_read(&iommu_sva_lock);
	/*
	 * Pairs with the mmget_not_zero() above; outside the locks, as it
	 * may be the last user and tear the mm down.
	 */
	mmput(mm);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(iommu_sva_bind_device);

/**
 * iommu_sva_unbind_device() - Remove a bond created with iommu_sva_bind_device
 * @handle: the handle returned by iommu_sva_bind_device()
 *
 * Put reference to a bond between device and address space. The device should
 * not be issuing any more transaction for this PASID. All outstanding page
 * requests for this PASID must have been flushed to the IOMMU.
 *
 * The last reference detaches the PASID: when this returns the IOMMU no
 * longer translates it for the device and every fault reported for it has
 * been handled and answered. This waits for the fault handlers, which take
 * the mmap_lock of the bound mm: never call it with that lock held. The
 * last bind of the mm through a domain frees the domain; the mm keeps its
 * PASID.
 *
 * Context: Process context; may sleep. Takes iommu_sva_lock for reading,
 * the mm's SVA lock, then the group's mutex, then driver locks; waits for
 * the I/O page fault queue.
 */
void iommu_sva_unbind_device(struct iommu_sva *handle)
{
	struct iommu_domain *domain = handle->domain;
	struct mm_struct *mm = domain->mm;
	struct device *dev = handle->dev;
	struct iommu_sva_mm *sva_mm;
	bool freed = false;

	might_sleep();
	/* The fault handlers we wait for take it: see above. */
	lockdep_assert_not_held(&mm->mmap_lock);

	down_read(&iommu_sva_lock);
	/* The domain's mmgrab() keeps the record until we mmdrop() below */
	sva_mm = iommu_sva_mm_of(mm);
	mutex_lock(&sva_mm->lock);
	trace_sva_unbind(dev, mm->pasid);
	/* Pairs with the refcount_set() or refcount_inc() of a bind */
	if (!refcount_dec_and_test(&handle->users)) {
		mutex_unlock(&sva_mm->lock);
		up_read(&iommu_sva_lock);
		return;
	}

	list_del(&handle->next);
	/* Does nothing if @dev was released: the core detached it then. */
	iommu_detach_device_pasid(domain, dev, mm->pasid);
	if (list_empty(&domain->sva_handles)) {
		iommu_sva_domain_free(domain);
		freed = true;
	}
	mutex_unlock(&sva_mm->lock);
	up_read(&iommu_sva_lock);
	/* The domain's mmgrab(): may free the mm, its PASID and record */
	if (freed)
		mmdrop(mm);
	put_device(dev);
	kfree(handle);
}
EXPORT_SYMBOL_GPL(iommu_sva_unbind_device);

/**
 * iommu_sva_get_pasid() - The PASID of a bond
 * @handle: the handle returned by iommu_sva_bind_device()
 *
 * Context: Any context.
 * Return: the PASID the device uses to access the bound mm, the same as
 * the mm's own (mm->pasid).
 */
u32 iommu_sva_get_pasid(struct iommu_sva *handle)
{
	return handle->domain->mm->pasid;
}
EXPORT_SYMBOL_GPL(iommu_sva_get_pasid);
#endif /* CONFIG_IOMMU_SVA */

/**
 * iommu_global_pasid_owner() - Describe an allocated PASID and its owner
 * @pasid: in, the lowest PASID to look at; out, the PASID described
 * @buf: where to write the owner, as one line without its newline:
 *       "process <tgid> <comm>" for the PASID of an mm, with the process
 *       whose bind gave it ("process - -" if that was not the mm's own
 *       process), or "kernel <function>" for a PASID of
 *       iommu_alloc_global_pasid(), with the function that called it
 * @size: the size of @buf
 *
 * For debugfs: the answer may be stale as soon as it is given. The
 * function is the one the return address of iommu_alloc_global_pasid()
 * lies in: a caller that tail-calls it shows as its own caller, and one
 * in a module unloaded since as a bare address.
 *
 * Context: Any context that may take a spinlock.
 * Return: true if a PASID at or above *@pasid is allocated; false if none.
 */
bool iommu_global_pasid_owner(unsigned long *pasid, char *buf, size_t size)
{
	void *owner;

	/*
	 * mm_pasid_drop() erases a record under the xarray's lock before it
	 * frees it: one found under the lock stays until we drop it.
	 */
	xa_lock(&iommu_global_pasids);
	owner = xa_find(&iommu_global_pasids, pasid, ULONG_MAX, XA_PRESENT);
	if (xa_is_value(owner)) {
		snprintf(buf, size, "kernel %ps",
			 (void *)iommu_pasid_kernel_caller(owner));
	} else if (owner) {
#ifdef CONFIG_IOMMU_SVA
		struct iommu_sva_mm *sva_mm = owner;

		if (sva_mm->tgid)
			snprintf(buf, size, "process %d %s", sva_mm->tgid,
				 sva_mm->comm);
		else
			snprintf(buf, size, "process - -");
#endif
	}
	xa_unlock(&iommu_global_pasids);
	return owner;
}
