// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test accelerator for the SVA selftests: a uacce device on each mock
 * device created with IOMMU_SVA_TEST_DEV_ACCEL (iommu-sva-selftest.c),
 * whose queues run copy and fill jobs addressed by the virtual addresses
 * of the process that opened them, as DMA with the queue's PASID through
 * the mock IOMMU. It is a uacce parent driver as a hardware one is (compare
 * drivers/crypto/hisilicon/qm.c), so that the selftests run uacce's open,
 * mmap, release and removal paths, with their binds and unbinds, as the
 * user-space libraries of accelerators do. Test-only, see
 * CONFIG_IOMMU_SVA_ACCEL_TEST; the interface is in iommu-sva-test.h.
 *
 * Lifetimes and locking: uacce calls get_queue and put_queue under the
 * uacce device's mutex, and every other queue op only between the two. A
 * queue's jobs run in a work item, from the doorbell until the ring is
 * empty or the queue stops; stop_queue waits for it, so after stop_queue
 * (which uacce calls before it unbinds, also on removal) the queue makes
 * no DMA with its PASID. The ring page is the queue's, and a user mapping
 * of it holds a page reference of its own: on removal, put_queue frees the
 * queue with the mapping still there, zapped by uacce_remove().
 */
#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uacce.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "iommu-sva-test.h"

struct accel {
	struct uacce_device *uacce;
	unsigned int queues;		/* open ones, under uacce->mutex */
};

struct accel_queue {
	struct uacce_queue *q;
	struct device *dev;		/* the mock device */
	struct page *ring_page;
	struct iommu_sva_test_ring *ring;
	void *buf;			/* a page the jobs move data through */
	struct work_struct work;
	u32 tail;			/* the work's own, copied to the ring */
	/* Protects @started against the doorbell and the work */
	spinlock_t lock;
	bool started;
};

static bool accel_queue_started(struct accel_queue *aq)
{
	bool started;

	spin_lock(&aq->lock);
	started = aq->started;
	spin_unlock(&aq->lock);
	return started;
}

/* Run @job, a copy the process cannot change under us. */
static int accel_run_job(struct accel_queue *aq,
			 const struct iommu_sva_test_job *job)
{
	u32 pasid = aq->q->pasid;
	u64 done;
	int rc;

	if (!job->length || job->length > IOMMU_SVA_TEST_MAX_DMA)
		return -EINVAL;
	if (job->op == IOMMU_SVA_TEST_JOB_FILL)
		memset(aq->buf, (u8)job->value, PAGE_SIZE);
	else if (job->op != IOMMU_SVA_TEST_JOB_COPY)
		return -EINVAL;

	for (done = 0; done < job->length; done += PAGE_SIZE) {
		size_t n = min_t(u64, job->length - done, PAGE_SIZE);

		if (!accel_queue_started(aq))
			return -ECANCELED;
		if (job->op == IOMMU_SVA_TEST_JOB_COPY) {
			rc = iommu_sva_mock_dma(aq->dev, pasid, job->src + done,
						aq->buf, n, false);
			if (rc)
				return rc;
		}
		rc = iommu_sva_mock_dma(aq->dev, pasid, job->dst + done,
					aq->buf, n, true);
		if (rc)
			return rc;
	}
	return 0;
}

static void accel_work(struct work_struct *work)
{
	struct accel_queue *aq = container_of(work, struct accel_queue, work);
	struct iommu_sva_test_ring *ring = aq->ring;

	/*
	 * The tail in the ring is only a copy of ours, for user space to
	 * read. A head further ahead than the ring holds is ignored.
	 */
	for (;;) {
		struct iommu_sva_test_job *slot =
			&ring->jobs[aq->tail % IOMMU_SVA_TEST_ACCEL_JOBS];
		struct iommu_sva_test_job job;
		u32 pending;

		/* Acquire: the jobs up to head were written before it */
		pending = smp_load_acquire(&ring->head) - aq->tail;
		if (!pending || pending > IOMMU_SVA_TEST_ACCEL_JOBS ||
		    !accel_queue_started(aq))
			break;

		memcpy(&job, slot, sizeof(job));
		WRITE_ONCE(slot->result, accel_run_job(aq, &job));
		WRITE_ONCE(aq->tail, aq->tail + 1);
		/* Release: the result is written before the job is done */
		smp_store_release(&ring->tail, aq->tail);
		wake_up_interruptible(&aq->q->wait);
	}
}

static int accel_get_available_instances(struct uacce_device *uacce)
{
	struct accel *accel = uacce->priv;

	return IOMMU_SVA_TEST_ACCEL_QUEUES - READ_ONCE(accel->queues);
}

static int accel_get_queue(struct uacce_device *uacce, unsigned long pasid,
			   struct uacce_queue *q)
{
	struct accel *accel = uacce->priv;
	struct accel_queue *aq;

	lockdep_assert_held(&uacce->mutex);
	if (accel->queues == IOMMU_SVA_TEST_ACCEL_QUEUES)
		return -EBUSY;

	aq = kzalloc(sizeof(*aq), GFP_KERNEL);
	if (!aq)
		return -ENOMEM;
	aq->buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	aq->ring_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!aq->buf || !aq->ring_page) {
		if (aq->ring_page)
			__free_page(aq->ring_page);
		kfree(aq->buf);
		kfree(aq);
		return -ENOMEM;
	}
	aq->ring = page_address(aq->ring_page);
	aq->q = q;
	aq->dev = uacce->parent;
	spin_lock_init(&aq->lock);
	INIT_WORK(&aq->work, accel_work);
	q->priv = aq;
	WRITE_ONCE(accel->queues, accel->queues + 1);
	return 0;
}

static void accel_put_queue(struct uacce_queue *q)
{
	struct accel *accel = q->uacce->priv;
	struct accel_queue *aq = q->priv;

	lockdep_assert_held(&q->uacce->mutex);
	/* Stopped before (uacce_put_queue()), so the work is done */
	__free_page(aq->ring_page);
	kfree(aq->buf);
	kfree(aq);
	q->priv = NULL;
	WRITE_ONCE(accel->queues, accel->queues - 1);
}

static int accel_start_queue(struct uacce_queue *q)
{
	struct accel_queue *aq = q->priv;

	spin_lock(&aq->lock);
	aq->started = true;
	spin_unlock(&aq->lock);
	return 0;
}

/* Stop, and wait for the jobs running: no DMA with the PASID after this */
static void accel_stop_queue(struct uacce_queue *q)
{
	struct accel_queue *aq = q->priv;

	spin_lock(&aq->lock);
	aq->started = false;
	spin_unlock(&aq->lock);
	cancel_work_sync(&aq->work);
}

static int accel_is_q_updated(struct uacce_queue *q)
{
	struct accel_queue *aq = q->priv;

	return READ_ONCE(aq->tail) == READ_ONCE(aq->ring->head);
}

static int accel_mmap(struct uacce_queue *q, struct vm_area_struct *vma,
		      struct uacce_qfile_region *qfr)
{
	struct accel_queue *aq = q->priv;

	/* A private copy would not be the ring the accelerator reads */
	if (qfr->type != UACCE_QFRT_DUS || !(vma->vm_flags & VM_SHARED) ||
	    vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	return vm_insert_page(vma, vma->vm_start, aq->ring_page);
}

static long accel_ioctl(struct uacce_queue *q, unsigned int cmd,
			unsigned long arg)
{
	struct accel_queue *aq = q->priv;
	bool started;

	switch (cmd) {
	case IOMMU_SVA_TEST_ACCEL_DOORBELL:
		spin_lock(&aq->lock);
		started = aq->started;
		if (started)
			queue_work(system_unbound_wq, &aq->work);
		spin_unlock(&aq->lock);
		return started ? 0 : -EINVAL;
	case IOMMU_SVA_TEST_ACCEL_PASID:
		return put_user(q->pasid, (u32 __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct uacce_ops accel_uacce_ops = {
	.get_available_instances = accel_get_available_instances,
	.get_queue = accel_get_queue,
	.put_queue = accel_put_queue,
	.start_queue = accel_start_queue,
	.stop_queue = accel_stop_queue,
	.is_q_updated = accel_is_q_updated,
	.mmap = accel_mmap,
	.ioctl = accel_ioctl,
};

static int accel_probe(struct device *dev)
{
	struct uacce_interface interface = {
		.name = IOMMU_SVA_TEST_ACCEL_NAME,
		.flags = UACCE_DEV_SVA,
		.ops = &accel_uacce_ops,
	};
	struct uacce_device *uacce;
	struct accel *accel;
	int rc;

	accel = kzalloc(sizeof(*accel), GFP_KERNEL);
	if (!accel)
		return -ENOMEM;
	uacce = uacce_alloc(dev, &interface);
	if (IS_ERR(uacce)) {
		kfree(accel);
		return PTR_ERR(uacce);
	}
	/*
	 * Jobs address process memory: without SVA there is nothing to do.
	 * uacce said why SVA is off; the driver core says no more for this.
	 */
	if (!(uacce->flags & UACCE_DEV_SVA)) {
		rc = -ENODEV;
		goto err_remove;
	}
	uacce->priv = accel;
	uacce->algs = "copy\nfill";
	uacce->api_ver = IOMMU_SVA_TEST_ACCEL_API;
	uacce->qf_pg_num[UACCE_QFRT_DUS] = 1;
	accel->uacce = uacce;
	rc = uacce_register(uacce);
	if (rc)
		goto err_remove;
	dev_set_drvdata(dev, accel);
	return 0;

err_remove:
	uacce_remove(uacce);
	kfree(accel);
	return rc;
}

/* The device goes: uacce stops, puts and unbinds every queue still open */
static int accel_remove(struct device *dev)
{
	struct accel *accel = dev_get_drvdata(dev);

	uacce_remove(accel->uacce);
	kfree(accel);
	return 0;
}

static struct device_driver accel_driver = {
	.name = IOMMU_SVA_TEST_ACCEL_DRIVER,
	.probe = accel_probe,
	.remove = accel_remove,
	.suppress_bind_attrs = true,
};

static int __init accel_init(void)
{
	return iommu_sva_mock_driver_register(&accel_driver, 0);
}

/* After the mock driver's initcall, which the Makefile links first */
device_initcall(accel_init);
