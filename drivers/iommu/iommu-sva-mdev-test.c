// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test mediated devices for the VFIO PASID selftests: a mock device created
 * with IOMMU_SVA_TEST_DEV_MDEV (iommu-sva-selftest.c) is an mdev parent,
 * whose mediated devices are VFIO devices isolated by a PASID of the parent
 * (vfio_register_pasid_iommu_dev()). Each has a tiny DMA engine that moves
 * data between the device's own memory and the container's IOVAs, as DMA of
 * the parent tagged with the device's PASID through the mock IOMMU. It is
 * what a vendor driver of PASID-capable hardware does, in the fewest lines
 * (compare samples/vfio-mdev/mdpy.c for the emulated form), so that the
 * selftests drive VFIO type1 only through the VFIO uAPI, as QEMU and DPDK
 * do. Test-only, see CONFIG_IOMMU_SVA_MDEV_TEST; the interface is in
 * iommu-sva-test.h.
 *
 * Lifetimes and locking: the VFIO core calls open_device and close_device
 * under the device set's lock, and read, write and ioctl only between the
 * two. mdev_dma::lock protects the registers, the device's memory and the
 * DMA's state; the DMA runs in a work item that takes it for one page at a
 * time. close_device stops the DMA and waits for the work, so once it
 * returns the device makes no DMA with its PASID, which stays attached
 * until the device's group leaves its container. The parent's driver is
 * removed, with its mediated devices (mdev_unregister_parent()), before
 * the mock device goes.
 */
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/mdev.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "iommu-sva-test.h"

struct mdev_dma_parent {
	struct mdev_parent parent;
	struct mdev_type type;
	struct mdev_type *typep;	/* the list of types: one */
};

struct mdev_dma {
	struct vfio_device vdev;
	struct device *parent;		/* the mock device */
	struct work_struct work;
	/* Protects what follows */
	struct mutex lock;
	struct iommu_sva_test_mdev_regs regs;
	bool stop;			/* close_device: end the DMA */
	u8 *buf;			/* IOMMU_SVA_TEST_MDEV_BUF_SIZE */
};

static struct mdev_dma *to_mdev_dma(struct vfio_device *vdev)
{
	return container_of(vdev, struct mdev_dma, vdev);
}

/* One page of the DMA; false when it ended, with @regs.status set */
static bool mdev_dma_page(struct mdev_dma *md)
{
	struct iommu_sva_test_mdev_regs *regs = &md->regs;
	u32 pasid = vfio_device_pasid(&md->vdev);
	size_t n;
	int rc;

	if (md->stop) {
		regs->status = -ECANCELED;
		return false;
	}
	if (regs->done == regs->length) {
		regs->status = 0;
		return false;
	}
	n = min_t(u64, regs->length - regs->done,
		  PAGE_SIZE - offset_in_page(regs->iova + regs->done));
	if (pasid == IOMMU_PASID_INVALID)
		rc = -ENODEV;
	else
		rc = iommu_sva_mock_dma(md->parent, pasid,
					regs->iova + regs->done,
					md->buf + regs->done, n,
					regs->flags & IOMMU_SVA_TEST_MDEV_WRITE);
	if (rc) {
		regs->status = rc;
		return false;
	}
	regs->done += n;
	return true;
}

static void mdev_dma_work(struct work_struct *work)
{
	struct mdev_dma *md = container_of(work, struct mdev_dma, work);
	bool more;

	do {
		/* Not written while the DMA runs */
		u32 delay = READ_ONCE(md->regs.delay_us);

		if (delay)
			usleep_range(delay, delay + 10);
		mutex_lock(&md->lock);
		more = mdev_dma_page(md);
		mutex_unlock(&md->lock);
	} while (more);
}

static int mdev_dma_open(struct vfio_device *vdev)
{
	struct mdev_dma *md = to_mdev_dma(vdev);

	mutex_lock(&md->lock);
	memset(&md->regs, 0, sizeof(md->regs));
	md->regs.pasid = vfio_device_pasid(vdev);
	md->stop = false;
	mutex_unlock(&md->lock);
	return 0;
}

static void mdev_dma_close(struct vfio_device *vdev)
{
	struct mdev_dma *md = to_mdev_dma(vdev);

	mutex_lock(&md->lock);
	md->stop = true;
	mutex_unlock(&md->lock);
	/* No DMA with the PASID once this returns */
	flush_work(&md->work);
}

/* A write of @val to the register at @off */
static int mdev_dma_write_reg(struct mdev_dma *md, size_t off, u64 val,
			      size_t size)
{
	struct iommu_sva_test_mdev_regs *regs = &md->regs;

	lockdep_assert_held(&md->lock);
	if (regs->status == IOMMU_SVA_TEST_MDEV_BUSY)
		return -EBUSY;
	switch (off) {
	case offsetof(struct iommu_sva_test_mdev_regs, iova):
		if (size != sizeof(regs->iova))
			return -EINVAL;
		regs->iova = val;
		return 0;
	case offsetof(struct iommu_sva_test_mdev_regs, length):
		regs->length = val;
		return 0;
	case offsetof(struct iommu_sva_test_mdev_regs, flags):
		if (val & ~IOMMU_SVA_TEST_MDEV_WRITE)
			return -EINVAL;
		regs->flags = val;
		return 0;
	case offsetof(struct iommu_sva_test_mdev_regs, delay_us):
		if (val > IOMMU_SVA_TEST_MDEV_DELAY_MAX)
			return -EINVAL;
		regs->delay_us = val;
		return 0;
	case offsetof(struct iommu_sva_test_mdev_regs, doorbell):
		if (val != 1)
			return -EINVAL;
		regs->done = 0;
		if (!regs->length || regs->length > IOMMU_SVA_TEST_MDEV_BUF_SIZE) {
			regs->status = -EINVAL;
			return 0;
		}
		regs->status = IOMMU_SVA_TEST_MDEV_BUSY;
		schedule_work(&md->work);
		return 0;
	}
	/* The read-only registers */
	return -EINVAL;
}

static ssize_t mdev_dma_rw(struct vfio_device *vdev, char __user *ubuf,
			   size_t count, loff_t *ppos, bool write)
{
	struct mdev_dma *md = to_mdev_dma(vdev);
	loff_t pos = *ppos;
	u64 val = 0;
	int rc = 0;

	if (pos < 0 || pos >= IOMMU_SVA_TEST_MDEV_REGION_SIZE ||
	    count > IOMMU_SVA_TEST_MDEV_REGION_SIZE - pos)
		return -EINVAL;

	mutex_lock(&md->lock);
	if (pos >= IOMMU_SVA_TEST_MDEV_BUF) {
		u8 *p = md->buf + pos - IOMMU_SVA_TEST_MDEV_BUF;

		if (md->regs.status == IOMMU_SVA_TEST_MDEV_BUSY)
			rc = -EBUSY;
		else if (write ? copy_from_user(p, ubuf, count) :
				 copy_to_user(ubuf, p, count))
			rc = -EFAULT;
	} else if (pos + count > sizeof(md->regs)) {
		rc = -EINVAL;
	} else if (write) {
		/* One register, 4 or 8 bytes, at a time */
		if ((count != 4 && count != 8) || pos % count)
			rc = -EINVAL;
		else if (copy_from_user(&val, ubuf, count))
			rc = -EFAULT;
		else
			rc = mdev_dma_write_reg(md, pos, val, count);
	} else if (copy_to_user(ubuf, (u8 *)&md->regs + pos, count)) {
		rc = -EFAULT;
	}
	mutex_unlock(&md->lock);
	if (rc)
		return rc;
	*ppos += count;
	return count;
}

static ssize_t mdev_dma_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	return mdev_dma_rw(vdev, buf, count, ppos, false);
}

static ssize_t mdev_dma_write(struct vfio_device *vdev, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	return mdev_dma_rw(vdev, (char __user *)buf, count, ppos, true);
}

static long mdev_dma_ioctl(struct vfio_device *vdev, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PLATFORM;
		info.num_regions = 1;
		info.num_irqs = 0;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index != 0)
			return -EINVAL;
		info.offset = 0;
		info.size = IOMMU_SVA_TEST_MDEV_REGION_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		info.cap_offset = 0;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_RESET:
		mdev_dma_close(vdev);
		return mdev_dma_open(vdev);
	}
	return -ENOTTY;
}

static int mdev_dma_init(struct vfio_device *vdev)
{
	struct mdev_dma *md = to_mdev_dma(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);

	md->buf = kzalloc(IOMMU_SVA_TEST_MDEV_BUF_SIZE, GFP_KERNEL);
	if (!md->buf)
		return -ENOMEM;
	md->parent = mdev->type->parent->dev;
	mutex_init(&md->lock);
	INIT_WORK(&md->work, mdev_dma_work);
	return 0;
}

static void mdev_dma_release(struct vfio_device *vdev)
{
	struct mdev_dma *md = to_mdev_dma(vdev);

	mutex_destroy(&md->lock);
	kfree(md->buf);
	vfio_free_device(vdev);
}

static const struct vfio_device_ops mdev_dma_ops = {
	.name = IOMMU_SVA_TEST_MDEV_DRIVER,
	.init = mdev_dma_init,
	.release = mdev_dma_release,
	.open_device = mdev_dma_open,
	.close_device = mdev_dma_close,
	.read = mdev_dma_read,
	.write = mdev_dma_write,
	.ioctl = mdev_dma_ioctl,
};

static int mdev_dma_probe(struct mdev_device *mdev)
{
	struct mdev_dma *md;
	int rc;

	md = vfio_alloc_device(mdev_dma, vdev, &mdev->dev, &mdev_dma_ops);
	if (IS_ERR(md))
		return PTR_ERR(md);
	rc = vfio_register_pasid_iommu_dev(&md->vdev, md->parent);
	if (rc) {
		vfio_put_device(&md->vdev);
		return rc;
	}
	dev_set_drvdata(&mdev->dev, md);
	return 0;
}

static void mdev_dma_remove(struct mdev_device *mdev)
{
	struct mdev_dma *md = dev_get_drvdata(&mdev->dev);

	/* Waits for the device's files, so close_device has run */
	vfio_unregister_group_dev(&md->vdev);
	vfio_put_device(&md->vdev);
}

static struct mdev_driver mdev_dma_driver = {
	.device_api = VFIO_DEVICE_API_PLATFORM_STRING,
	.max_instances = 8,
	.driver = {
		.name = IOMMU_SVA_TEST_MDEV_DRIVER "-dma",
		.owner = THIS_MODULE,
	},
	.probe = mdev_dma_probe,
	.remove = mdev_dma_remove,
};

/* The driver of the parents, one per mock IOMMU's bus */
static int mdev_dma_parent_probe(struct device *dev)
{
	struct mdev_dma_parent *mp;
	int rc;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return -ENOMEM;
	mp->type.sysfs_name = "dma";
	mp->type.pretty_name = "PASID-isolated DMA engine";
	mp->typep = &mp->type;
	rc = mdev_register_parent(&mp->parent, dev, &mdev_dma_driver,
				  &mp->typep, 1);
	if (rc) {
		kfree(mp);
		return rc;
	}
	dev_set_drvdata(dev, mp);
	return 0;
}

static int mdev_dma_parent_remove(struct device *dev)
{
	struct mdev_dma_parent *mp = dev_get_drvdata(dev);

	/* Removes the mediated devices, each after its files are closed */
	mdev_unregister_parent(&mp->parent);
	kfree(mp);
	return 0;
}

static struct device_driver mdev_dma_parent_drivers[] = {
	{
		.name = IOMMU_SVA_TEST_MDEV_DRIVER,
		.probe = mdev_dma_parent_probe,
		.remove = mdev_dma_parent_remove,
	},
	{
		.name = IOMMU_SVA_TEST_MDEV_DRIVER,
		.probe = mdev_dma_parent_probe,
		.remove = mdev_dma_parent_remove,
	},
};

static int __init mdev_dma_init_driver(void)
{
	unsigned int i;
	int rc;

	rc = mdev_register_driver(&mdev_dma_driver);
	if (rc)
		return rc;
	for (i = 0; i < ARRAY_SIZE(mdev_dma_parent_drivers); i++) {
		rc = iommu_sva_mock_driver_register(&mdev_dma_parent_drivers[i],
						    i);
		if (rc)
			goto err_unregister;
	}
	return 0;

err_unregister:
	while (i--)
		driver_unregister(&mdev_dma_parent_drivers[i]);
	mdev_unregister_driver(&mdev_dma_driver);
	return rc;
}

/* After the mock driver's and mdev's initcalls */
late_initcall(mdev_dma_init_driver);
