; Block drivers: virtio-blk over virtio-pci (paravirtual and passthrough) and ATA PIO (emulated).
; blk_pci_probe(edi = PCI config address of function 0, esi = vendor | device << 16); ata_probe; blk_irq(rdi = irq)
blk_pci_probe:
    ret
ata_probe:
    ret
blk_irq:
    ret
; 12 blk_info -> sectors of the disk (0: none)
sys_blk_info:
    xor eax, eax
    ret
; 13 blk_read(rdi = lba, rsi = user buffer, rdx = sectors) -> 0, or -1
sys_blk_read:
; 14 blk_write(rdi = lba, rsi = user buffer, rdx = sectors) -> 0, or -1
sys_blk_write:
; 15 blk_flush -> 0, or -1
sys_blk_flush:
    mov rax, -1
    ret
; @@DATA@@
