# SPDX-License-Identifier: GPL-2.0
"""The architectures the series is built and booted for, and the x86_64
guest's other VT-d modes.

One frozen dataclass per QEMU setup, with keyword fields, as kunit_tool's
qemu_configs/*.py: what to build (the kernel image), how to cross-compile,
how QEMU boots it and how long it may take.
"""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Arch:
    """One architecture of the test kernels.

    name:            the harness's name, also the prefix of its checks
    karch:           ARCH= of the kernel's make
    cross:           CROSS_COMPILE= ('' for a native build)
    image:           the kernel image, relative to the object directory
    qemu:            the QEMU command up to the IOMMU device (the value
                     after the first '-device' is the IOMMU; a BootMode
                     replaces it)
    console:         console= of the kernel command line
    timeout:         seconds the guest may run (SVA_BOOT_TIMEOUT overrides)
    client_dirs:     in-tree users of the SVA API (and what depends on
                     them): their warnings are linted, sparse checks them
    client_modules:  the modules those directories must build
    """
    name: str
    karch: str
    cross: str
    image: str
    qemu: tuple
    console: str
    timeout: int
    client_dirs: tuple
    client_modules: tuple


# VFIO's in-tree users of the core and type1 (common.config)
VFIO_CLIENT_DIRS = ('drivers/vfio/pci/', 'samples/vfio-mdev/')
VFIO_CLIENT_MODULES = ('drivers/vfio/pci/vfio-pci.ko',
                       'drivers/vfio/pci/vfio-pci-core.ko',
                       'samples/vfio-mdev/mtty.ko',
                       'samples/vfio-mdev/mdpy.ko')

ARCHES = {
    'x86_64': Arch(
        name='x86_64', karch='x86_64', cross='',
        image='arch/x86/boot/bzImage',
        qemu=('qemu-system-x86_64', '-machine', 'q35', '-cpu', 'max',
              '-device', 'intel-iommu,intremap=on,x-scalable-mode=on,'
              'x-pasid-mode=on,caching-mode=on'),
        console='ttyS0', timeout=600,
        client_dirs=('drivers/dma/idxd/', 'drivers/misc/uacce/') +
        VFIO_CLIENT_DIRS,
        # uacce is built in, for the test accelerator (common.config)
        client_modules=('drivers/dma/idxd/idxd.ko',
                        'drivers/dma/idxd/idxd_bus.ko') +
        VFIO_CLIENT_MODULES),
    'arm64': Arch(
        name='arm64', karch='arm64', cross='aarch64-linux-gnu-',
        image='arch/arm64/boot/Image',
        qemu=('qemu-system-aarch64', '-machine', 'virt,iommu=smmuv3',
              '-cpu', 'cortex-a57'),
        console='ttyAMA0', timeout=300,
        client_dirs=('drivers/misc/uacce/', 'drivers/crypto/hisilicon/') +
        VFIO_CLIENT_DIRS,
        client_modules=('drivers/crypto/hisilicon/hisi_qm.ko',
                        'drivers/crypto/hisilicon/zip/hisi_zip.ko') +
        VFIO_CLIENT_MODULES),
}


def make_env(arch):
    a = ARCHES[arch]
    return {'ARCH': a.karch, 'CROSS_COMPILE': a.cross}


def cc_for(arch):
    return ARCHES[arch].cross + 'gcc'


@dataclass(frozen=True, kw_only=True)
class BootMode:
    """A second configuration of a guest's IOMMU, booted after the main one.

    NAME is the suffix of its checks (x86_64-NAME/) and its console log;
    IOMMU replaces the arch's QEMU IOMMU device; CMDLINE is added to the
    kernel command line (sva_mode=NAME tells the guest init which checks
    apply); DEVICES are QEMU options added before the disk, and DISK is
    added to the virtio disk's device options. A mode runs only the
    machine checks and the VT-d machine KUnit suite, no kselftests.
    """
    name: str
    iommu: str
    cmdline: str
    devices: tuple = ()
    disk: str = ''


X86_MODES = {
    # VT-d in legacy mode: the driver must still probe and translate, and
    # refuse SVA. The fake IOMMUs' suite runs here too: it must not depend
    # on the machine's mode (intel_iommu_sm).
    'legacy': BootMode(
        name='legacy', iommu='intel-iommu,intremap=on,caching-mode=on',
        cmdline=' intel_iommu=on,sm_off iommu.strict=1 sva_mode=legacy'
        ' kunit.filter_glob=intel-iommu*'),
    # Scalable mode with first-stage translation (QEMU 10's x-flts): DMA
    # domains use first-level tables, so the disk's DMA goes through the
    # RID_PASID entry the series writes, and QEMU's model processes the
    # PASID-based IOTLB and device-TLB invalidations (ATS on the disk,
    # device-iotlb on the IOMMU). No caching mode: QEMU keeps what it
    # walked until the driver invalidates it. QEMU 10.0 refuses
    # device-iotlb with x-pasid-mode ("PASID based device IOTLB is not
    # supported"), so this IOMMU reports no PASID support. A virtio device
    # is PCI Express, and so can have an ATS capability, only behind a
    # PCIe port, not on the root bus.
    'flts': BootMode(
        name='flts', iommu='intel-iommu,intremap=on,x-scalable-mode=on,'
        'x-flts=on,device-iotlb=on',
        cmdline=' intel_iommu=on,sm_on iommu.strict=1 sva_mode=flts'
        ' kunit.filter_glob=intel-iommu-machine',
        devices=('-device', 'pcie-root-port,id=rp0,bus=pcie.0,chassis=1'),
        disk=',bus=rp0,ats=on'),
}
