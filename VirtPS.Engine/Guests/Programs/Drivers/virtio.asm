; The virtio-pci driver core shared by the virtio-blk and virtio-net drivers: finding the transport's structures through
; the vendor capabilities (virtio 1.2, 4.1.4), the initialization sequence (3.1.1) and split-virtqueue setup (2.7).
; @@DATA@@
