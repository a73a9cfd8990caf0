/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the SVA layer (iommu-sva.c) and the I/O page fault queue
 * (io-pgfault.c) give the IOMMU core and drivers
 */
#ifndef _IOMMU_SVA_H
#define _IOMMU_SVA_H

struct device;

bool iommu_global_pasid_owner(unsigned long *pasid, char *buf, size_t size);

#ifdef CONFIG_IOMMU_SVA
int iommu_sva_set_feature(struct device *dev, bool enable);
#else
static inline int iommu_sva_set_feature(struct device *dev, bool enable)
{
	return -ENODEV;
}
#endif

/* I/O Page fault */
struct device;
struct iommu_fault;
struct iommu_fault_page_request;
struct iopf_queue;

struct iommu_domain *iommu_fault_domain(struct device *dev, ioasid_t pasid);
int iommu_sva_handle_iopf_nowait(struct iommu_domain *domain,
				 struct iommu_fault *fault);

#ifdef CONFIG_IOMMU_SVA
int iommu_queue_iopf(struct iommu_fault *fault, void *cookie);

int iopf_queue_add_device(struct iopf_queue *queue, struct device *dev);
int iopf_queue_remove_device(struct iopf_queue *queue,
			     struct device *dev);
int iopf_queue_flush_dev(struct device *dev);
void iopf_queue_discard_dev_pasid(struct device *dev, ioasid_t pasid);
void iopf_queue_discard_group(struct device *dev,
			      struct iommu_fault_page_request *prm);
struct iopf_queue *iopf_queue_alloc(const char *name);
void iopf_queue_free(struct iopf_queue *queue);
int iopf_queue_discard_partial(struct iopf_queue *queue);

#else /* CONFIG_IOMMU_SVA */
static inline int iommu_queue_iopf(struct iommu_fault *fault, void *cookie)
{
	return -ENODEV;
}

static inline int iopf_queue_add_device(struct iopf_queue *queue,
					struct device *dev)
{
	return -ENODEV;
}

static inline int iopf_queue_remove_device(struct iopf_queue *queue,
					   struct device *dev)
{
	return -ENODEV;
}

static inline int iopf_queue_flush_dev(struct device *dev)
{
	return -ENODEV;
}

static inline void iopf_queue_discard_dev_pasid(struct device *dev,
						ioasid_t pasid)
{
}

static inline void
iopf_queue_discard_group(struct device *dev,
			 struct iommu_fault_page_request *prm)
{
}

static inline struct iopf_queue *iopf_queue_alloc(const char *name)
{
	return NULL;
}

static inline void iopf_queue_free(struct iopf_queue *queue)
{
}

static inline int iopf_queue_discard_partial(struct iopf_queue *queue)
{
	return -ENODEV;
}
#endif /* CONFIG_IOMMU_SVA */
#endif /* _IOMMU_SVA_H */
