// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mock IOMMU driver and mock PASID-capable devices for the SVA selftests
 * (tools/testing/selftests/iommu/). Test-only, see CONFIG_IOMMU_SVA_SELFTEST.
 *
 * Glossary:
 *   mock bus     a bus of its own (IOMMU_SVA_TEST_BUS), claimed with
 *                iommu_device_register_bus() so that the mock IOMMU runs
 *                next to the system's real IOMMU driver
 *   mock device  a struct mock_dev on the mock bus, created and destroyed
 *                by a test process through IOMMU_SVA_TEST_DEV; it lives at
 *                most as long as the file it was created through
 *   mock file    what one open() of IOMMU_SVA_TEST_DEV holds: the devices
 *                created through it
 *
 * Lifetimes: a mock device is published in its file's xarray only once it
 * is registered and has its IOMMU group; it is unregistered when it is
 * destroyed or its file is released, and freed when the last reference to
 * its struct device goes (mock_dev_release()).
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "iommu-sva-test.h"

struct mock_dev {
	struct device dev;
	u32 id;
	u32 max_pasids;
};

static inline struct mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct mock_dev, dev);
}

struct mock_file {
	/* dev_id -> struct mock_dev; the xarray's own lock protects it */
	struct xarray devs;
};

static DEFINE_IDA(mock_dev_ida);
static struct iommu_device mock_iommu;
static struct notifier_block mock_bus_nb;

static ssize_t max_pasids_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_mock_dev(dev)->max_pasids);
}
static DEVICE_ATTR_RO(max_pasids);

static struct attribute *mock_dev_attrs[] = {
	&dev_attr_max_pasids.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mock_dev);

static struct bus_type mock_bus = {
	.name = IOMMU_SVA_TEST_BUS,
	.dev_groups = mock_dev_groups,
};

/*
 * Domains. Every mock device starts in an identity domain; the domain
 * types that translate come with the PASID work.
 */
static int mock_domain_attach_dev(struct iommu_domain *domain,
				  struct device *dev)
{
	return 0;
}

static void mock_domain_free(struct iommu_domain *domain)
{
	kfree(domain);
}

static const struct iommu_domain_ops mock_domain_ops = {
	.attach_dev = mock_domain_attach_dev,
	.free = mock_domain_free,
};

static struct iommu_domain *mock_domain_alloc(unsigned int type)
{
	struct iommu_domain *domain;

	if (type != IOMMU_DOMAIN_IDENTITY)
		return NULL;
	domain = kzalloc(sizeof(*domain), GFP_KERNEL);
	if (!domain)
		return NULL;
	domain->ops = &mock_domain_ops;
	return domain;
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	if (dev->bus != &mock_bus)
		return ERR_PTR(-ENODEV);
	return &mock_iommu;
}

static void mock_release_device(struct device *dev)
{
}

static int mock_def_domain_type(struct device *dev)
{
	return IOMMU_DOMAIN_IDENTITY;
}

static const struct iommu_ops mock_ops = {
	.owner = THIS_MODULE,
	.pgsize_bitmap = PAGE_SIZE,
	.domain_alloc = mock_domain_alloc,
	.probe_device = mock_probe_device,
	.release_device = mock_release_device,
	.device_group = generic_device_group,
	.def_domain_type = mock_def_domain_type,
	.default_domain_ops = &mock_domain_ops,
};

/* Mock devices */
static void mock_dev_release(struct device *dev)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	ida_free(&mock_dev_ida, mdev->id);
	kfree(mdev);
}

static int mock_dev_create(struct mock_file *mfile,
			   struct iommu_sva_test_cmd *cmd)
{
	struct iommu_group *group;
	struct mock_dev *mdev;
	int rc;

	if (cmd->dev_create.max_pasids > IOMMU_SVA_TEST_MAX_PASIDS ||
	    cmd->dev_create.__reserved)
		return -EINVAL;

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return -ENOMEM;
	rc = ida_alloc_min(&mock_dev_ida, 1, GFP_KERNEL);
	if (rc < 0) {
		kfree(mdev);
		return rc;
	}
	mdev->id = rc;
	mdev->max_pasids = cmd->dev_create.max_pasids;
	device_initialize(&mdev->dev);
	/* From here on mock_dev_release() frees mdev and its id. */
	mdev->dev.bus = &mock_bus;
	mdev->dev.release = mock_dev_release;
	rc = dev_set_name(&mdev->dev, "mock%u", mdev->id);
	if (rc)
		goto err_put;
	rc = device_add(&mdev->dev);
	if (rc)
		goto err_put;

	/* The bus notifier probed the device into a group of its own. */
	group = iommu_group_get(&mdev->dev);
	if (!group) {
		rc = -ENODEV;
		goto err_del;
	}
	iommu_group_put(group);

	/* Publish once nothing can fail any more. */
	rc = xa_insert(&mfile->devs, mdev->id, mdev, GFP_KERNEL);
	if (rc)
		goto err_del;
	cmd->dev_id = mdev->id;
	return 0;

err_del:
	device_del(&mdev->dev);
err_put:
	put_device(&mdev->dev);
	return rc;
}

static void mock_dev_destroy(struct mock_dev *mdev)
{
	device_unregister(&mdev->dev);
}

static int mock_dev_destroy_id(struct mock_file *mfile, u32 dev_id)
{
	struct mock_dev *mdev = xa_erase(&mfile->devs, dev_id);

	if (!mdev)
		return -ENOENT;
	mock_dev_destroy(mdev);
	return 0;
}

/* The char device */
static int mock_fops_open(struct inode *inode, struct file *filp)
{
	struct mock_file *mfile;

	mfile = kzalloc(sizeof(*mfile), GFP_KERNEL);
	if (!mfile)
		return -ENOMEM;
	xa_init(&mfile->devs);
	filp->private_data = mfile;
	return 0;
}

static int mock_fops_release(struct inode *inode, struct file *filp)
{
	struct mock_file *mfile = filp->private_data;
	struct mock_dev *mdev;
	unsigned long index;

	xa_for_each(&mfile->devs, index, mdev) {
		xa_erase(&mfile->devs, index);
		mock_dev_destroy(mdev);
	}
	xa_destroy(&mfile->devs);
	kfree(mfile);
	return 0;
}

/* The bytes of the union an operation does not use must be zero. */
static size_t mock_cmd_arg_size(u32 op)
{
	switch (op) {
	case IOMMU_SVA_TEST_OP_DEV_CREATE:
		return sizeof_field(struct iommu_sva_test_cmd, dev_create);
	default:
		return 0;
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
	case IOMMU_SVA_TEST_OP_DEV_CREATE:
		rc = mock_dev_create(mfile, &cmd);
		break;
	case IOMMU_SVA_TEST_OP_DEV_DESTROY:
		return mock_dev_destroy_id(mfile, cmd.dev_id);
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	if (copy_to_user((void __user *)arg, &cmd, sizeof(cmd))) {
		/* Undo what the caller cannot learn about. */
		mock_dev_destroy_id(mfile, cmd.dev_id);
		return -EFAULT;
	}
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

static int __init mock_init(void)
{
	int rc;

	rc = bus_register(&mock_bus);
	if (rc)
		return rc;
	rc = iommu_device_sysfs_add(&mock_iommu, NULL, NULL, "%s",
				    IOMMU_SVA_TEST_BUS);
	if (rc)
		goto err_bus;
	rc = iommu_device_register_bus(&mock_iommu, &mock_ops, &mock_bus,
				       &mock_bus_nb);
	if (rc)
		goto err_sysfs;
	rc = misc_register(&mock_misc);
	if (rc)
		goto err_iommu;
	return 0;

err_iommu:
	iommu_device_unregister_bus(&mock_iommu, &mock_bus, &mock_bus_nb);
err_sysfs:
	iommu_device_sysfs_remove(&mock_iommu);
err_bus:
	bus_unregister(&mock_bus);
	return rc;
}
module_init(mock_init);
