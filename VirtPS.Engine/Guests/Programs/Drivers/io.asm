; Device discovery and interrupt dispatch for the built-in kernel's drivers.
; Each driver file (io_blk.asm, io_net.asm, io_input.asm) has code, then a line "; @@DATA@@", then its mutable data;
; Guests/Kernel.cs splices the code in before the kernel's read-only data and the data into its data page.
; Driver calling convention (System V): rax, rcx, rdx, rsi, rdi, r8-r11 may be clobbered; rbx, rbp, r12-r15 are kept.
; Interrupts: IRQ n is vector IRQ_VECTOR + n; io_irq(rdi = irq) asks every driver, as on a shared line.
; PCI: configuration mechanism #1 (ports 0xCF8 address, 0xCFC data; PCI Local Bus Specification 3.0, 3.2.2.3.2).

; io_init: probes every function 0 on PCI bus 0, then the legacy (ISA) parts
io_init:
    push rbx
    xor ebx, ebx                    ; device number
.scan:
    mov edi, ebx
    shl edi, 11
    or edi, 0x80000000              ; enable, bus 0, device rbx, function 0, register 0
    call pci_read32
    cmp ax, 0xFFFF
    je .next                        ; no device: the bus floats to all ones
    mov esi, eax                    ; vendor (low 16) and device (high 16)
    mov edi, ebx
    shl edi, 11
    or edi, 0x80000000
    push rsi
    push rdi
    call blk_pci_probe
    pop rdi
    pop rsi
    call net_pci_probe
.next:
    inc ebx
    cmp ebx, 32
    jb .scan
    call ata_probe
    call ne2k_probe
    call kbd_init
    pop rbx
    ret

; pci_read32(edi = config address with the register in bits 7:2) -> eax
pci_read32:
    mov eax, edi
    and eax, ~3
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    ret

; pci_write32(edi = config address, esi = value)
pci_write32:
    mov eax, edi
    and eax, ~3
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    mov eax, esi
    out dx, eax
    ret

; io_irq(rdi = irq): every driver checks its own device
io_irq:
    push rbx
    mov rbx, rdi
    call blk_irq
    mov rdi, rbx
    call net_irq
    mov rdi, rbx
    call kbd_irq
    pop rbx
    ret

isr_irq0:  push 0
    push IRQ_VECTOR + 0
    jmp isr_common
isr_irq1:  push 0
    push IRQ_VECTOR + 1
    jmp isr_common
isr_irq2:  push 0
    push IRQ_VECTOR + 2
    jmp isr_common
isr_irq3:  push 0
    push IRQ_VECTOR + 3
    jmp isr_common
isr_irq4:  push 0
    push IRQ_VECTOR + 4
    jmp isr_common
isr_irq5:  push 0
    push IRQ_VECTOR + 5
    jmp isr_common
isr_irq6:  push 0
    push IRQ_VECTOR + 6
    jmp isr_common
isr_irq7:  push 0
    push IRQ_VECTOR + 7
    jmp isr_common
isr_irq8:  push 0
    push IRQ_VECTOR + 8
    jmp isr_common
isr_irq9:  push 0
    push IRQ_VECTOR + 9
    jmp isr_common
isr_irq10: push 0
    push IRQ_VECTOR + 10
    jmp isr_common
isr_irq11: push 0
    push IRQ_VECTOR + 11
    jmp isr_common
isr_irq12: push 0
    push IRQ_VECTOR + 12
    jmp isr_common
isr_irq13: push 0
    push IRQ_VECTOR + 13
    jmp isr_common
isr_irq14: push 0
    push IRQ_VECTOR + 14
    jmp isr_common
isr_irq15: push 0
    push IRQ_VECTOR + 15
    jmp isr_common
; @@DATA@@
