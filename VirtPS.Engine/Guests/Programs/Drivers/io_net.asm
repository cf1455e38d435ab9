; Network drivers: virtio-net over virtio-pci (paravirtual and passthrough) and an NE2000 (emulated), with the
; kernel's own ARP, IPv4, ICMP and UDP.
net_pci_probe:
    ret
ne2k_probe:
    ret
net_irq:
    ret
; 16 net_ping, 17 net_udp, 18 net_serve
sys_net_ping:
sys_net_udp:
sys_net_serve:
    mov rax, -1
    ret
; @@DATA@@
