/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process address spaces for the KUnit tests of the IOMMU drivers' SVA
 * code: real mms made with mm_alloc(), populated with vm_mmap() and pinned
 * with GUP, so that a test can check what the driver programs against what
 * the CPU's page tables map.
 */
#ifndef _IOMMU_SVA_KUNIT_H
#define _IOMMU_SVA_KUNIT_H

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

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

#endif /* _IOMMU_SVA_KUNIT_H */
