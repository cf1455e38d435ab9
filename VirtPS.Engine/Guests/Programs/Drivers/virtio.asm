; The virtio-pci driver core shared by the virtio-blk and virtio-net drivers: finding the transport's structures through
; the vendor capabilities (virtio 1.2, 4.1.4), the initialization sequence (3.1.1) and split-virtqueue setup (2.7).
; A driver keeps one device struct (VD_*) per device and one queue struct (VQ_*) per virtqueue, in its own data.
; Only IO BARs are handled: the transport here puts every structure in BAR 0, an IO BAR (4.1.4.1 allows it).

; device struct: PCI config address, the port of each structure, the IRQ, the negotiated features
VD_CFG      equ 0
VD_COMMON   equ 8
VD_NOTIFY   equ 16
VD_NOTIFY_MUL equ 24
VD_ISR      equ 32
VD_DEVICE   equ 40
VD_IRQ      equ 48
VD_FEATURES equ 56
VD_SIZEOF   equ 64
; queue struct: size, the three areas (physical = kernel virtual: identity-mapped), its notify port and index, the
; driver's shadow of avail.idx, the next used entry to reap, and whether EVENT_IDX is in force
VQ_SIZE     equ 0
VQ_DESC     equ 8
VQ_AVAIL    equ 16
VQ_USED     equ 24
VQ_NOTIFY   equ 32
VQ_INDEX    equ 40
VQ_AVAIL_IDX equ 48
VQ_LAST_USED equ 56
VQ_EVENT_IDX equ 64
VQ_SIZEOF   equ 72
; struct virtio_pci_common_cfg (4.1.4.3)
VIRTIO_DEVICE_FEATURE_SELECT equ 0x00
VIRTIO_DEVICE_FEATURE equ 0x04
VIRTIO_DRIVER_FEATURE_SELECT equ 0x08
VIRTIO_DRIVER_FEATURE equ 0x0C
VIRTIO_DEVICE_STATUS equ 0x14
VIRTIO_QUEUE_SELECT equ 0x16
VIRTIO_QUEUE_SIZE equ 0x18
VIRTIO_QUEUE_ENABLE equ 0x1C
VIRTIO_QUEUE_NOTIFY_OFF equ 0x1E
VIRTIO_QUEUE_DESC equ 0x20
VIRTIO_QUEUE_DRIVER equ 0x28
VIRTIO_QUEUE_DEVICE equ 0x30
; device status bits (2.1)
VIRTIO_ACKNOWLEDGE equ 1
VIRTIO_DRIVER equ 2
VIRTIO_DRIVER_OK equ 4
VIRTIO_FEATURES_OK equ 8
VIRTIO_FAILED equ 128
; feature bits (6) and ring flags (2.7.5, 2.7.7, 2.7.10)
VIRTIO_F_INDIRECT_DESC equ 28
VIRTIO_F_EVENT_IDX equ 29
VIRTIO_F_VERSION_1 equ 32
VIRTQ_DESC_F_NEXT equ 1
VIRTQ_DESC_F_WRITE equ 2
VIRTQ_DESC_F_INDIRECT equ 4
VIRTQ_AVAIL_F_NO_INTERRUPT equ 1
VIRTQ_USED_F_NO_NOTIFY equ 1
VIRTQ_MAX   equ 128             ; a queue's three areas then fit one 4 KiB frame

; virtio_find(rdi = device struct, esi = config address of the function) -> eax 0, or -1 if a structure is missing.
; Reads BAR 0 and the IRQ, walks the capability list for cap_vndr 9 (struct virtio_pci_cap) and turns on IO space and
; bus mastering; under PARAVIRT also Interrupt Disable (that build polls).
virtio_find:
    push rbx
    push r12
    push r13
    mov rbx, rdi
    mov r12d, esi
    mov [rbx + VD_CFG], r12
    xor eax, eax
    mov [rbx + VD_COMMON], rax
    mov [rbx + VD_NOTIFY], rax
    mov [rbx + VD_ISR], rax
    mov [rbx + VD_DEVICE], rax
    lea edi, [r12 + 0x3C]
    call pci_read32
    movzx eax, al
    mov [rbx + VD_IRQ], rax
    lea edi, [r12 + 0x10]
    call pci_read32
    test al, 1                  ; bit 0: an IO BAR
    jz .fail
    and eax, 0xFFFC
    mov r13d, eax               ; BAR 0's port base
    lea edi, [r12 + 0x34]
    call pci_read32
    movzx eax, al
.cap:
    and eax, 0xFC
    jz .done
    push rax
    lea edi, [r12 + rax]
    call pci_read32             ; cap_vndr, cap_next, cap_len, cfg_type
    mov esi, eax
    pop rcx                     ; this capability's offset
    cmp sil, 9
    jne .next
    push rsi
    push rcx
    lea edi, [r12 + rcx + 4]
    call pci_read32             ; bar
    pop rcx
    pop rsi
    test al, al
    jnz .next                   ; only BAR 0 is placed
    push rsi
    push rcx
    lea edi, [r12 + rcx + 8]
    call pci_read32             ; offset
    pop rcx
    pop rsi
    add eax, r13d
    mov edx, esi
    shr edx, 24                 ; cfg_type
    cmp edx, 1
    jne .notcommon
    mov [rbx + VD_COMMON], rax
    jmp .next
.notcommon:
    cmp edx, 2
    jne .notnotify
    mov [rbx + VD_NOTIFY], rax
    push rsi
    push rcx
    lea edi, [r12 + rcx + 16]
    call pci_read32             ; notify_off_multiplier (struct virtio_pci_notify_cap)
    mov [rbx + VD_NOTIFY_MUL], rax
    pop rcx
    pop rsi
    jmp .next
.notnotify:
    cmp edx, 3
    jne .notisr
    mov [rbx + VD_ISR], rax
    jmp .next
.notisr:
    cmp edx, 4
    jne .next
    mov [rbx + VD_DEVICE], rax
.next:
    mov eax, esi
    shr eax, 8
    movzx eax, al               ; cap_next
    jmp .cap
.done:
    cmp qword [rbx + VD_COMMON], 0
    je .fail
    cmp qword [rbx + VD_NOTIFY], 0
    je .fail
    cmp qword [rbx + VD_ISR], 0
    je .fail
    lea edi, [r12 + 4]
    call pci_read32
%ifdef PARAVIRT
    mov esi, 0x405              ; IO space, bus master, Interrupt Disable (status half written 0: its bits are RW1C)
%else
    mov esi, 0x005              ; IO space, bus master; INTx on
%endif
    lea edi, [r12 + 4]
    call pci_write32
    xor eax, eax
    jmp .out
.fail:
    mov eax, -1
.out:
    pop r13
    pop r12
    pop rbx
    ret

; virtio_status(rdi = device) -> al = device_status
virtio_status:
    mov rdx, [rdi + VD_COMMON]
    add edx, VIRTIO_DEVICE_STATUS
    in al, dx
    ret

; virtio_set_status(rdi = device, esi = status byte)
virtio_set_status:
    mov rdx, [rdi + VD_COMMON]
    add edx, VIRTIO_DEVICE_STATUS
    mov eax, esi
    out dx, al
    ret

; virtio_negotiate(rdi = device, rsi = features the driver understands) -> eax 0, or -1 (status FAILED).
; 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the device's features, write the subset, FEATURES_OK, re-read it.
virtio_negotiate:
    push rbx
    push r12
    push r13
    mov rbx, rdi
    mov r12, rsi
    xor esi, esi
    call virtio_set_status      ; reset
.reset:
    mov rdi, rbx
    call virtio_status
    test al, al
    jnz .reset                  ; 4.1.4.3.2: wait until it reads back 0
    mov rdi, rbx
    mov esi, VIRTIO_ACKNOWLEDGE
    call virtio_set_status
    mov rdi, rbx
    mov esi, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER
    call virtio_set_status
    mov rdx, [rbx + VD_COMMON]  ; device features, high half then low half
    mov eax, 1
    out dx, eax
    add edx, VIRTIO_DEVICE_FEATURE
    in eax, dx
    mov r13d, eax
    shl r13, 32
    mov rdx, [rbx + VD_COMMON]
    xor eax, eax
    out dx, eax
    add edx, VIRTIO_DEVICE_FEATURE
    in eax, dx
    or r13, rax
    and r13, r12                ; accept only what both understand
    bt r13, VIRTIO_F_VERSION_1
    jnc .failed                 ; a legacy-only device is not driven here
    mov [rbx + VD_FEATURES], r13
    mov rdx, [rbx + VD_COMMON]
    add edx, VIRTIO_DRIVER_FEATURE_SELECT
    xor eax, eax
    out dx, eax
    add edx, VIRTIO_DRIVER_FEATURE - VIRTIO_DRIVER_FEATURE_SELECT
    mov eax, r13d
    out dx, eax
    sub edx, VIRTIO_DRIVER_FEATURE - VIRTIO_DRIVER_FEATURE_SELECT
    mov eax, 1
    out dx, eax
    add edx, VIRTIO_DRIVER_FEATURE - VIRTIO_DRIVER_FEATURE_SELECT
    mov rax, r13
    shr rax, 32
    out dx, eax
    mov rdi, rbx
    mov esi, VIRTIO_ACKNOWLEDGE | VIRTIO_DRIVER | VIRTIO_FEATURES_OK
    call virtio_set_status
    mov rdi, rbx
    call virtio_status
    test al, VIRTIO_FEATURES_OK
    jz .failed                  ; the device refused the subset
    xor eax, eax
    jmp .out
.failed:
    mov rdi, rbx
    mov esi, VIRTIO_FAILED
    call virtio_set_status
    mov eax, -1
.out:
    pop r13
    pop r12
    pop rbx
    ret

; virtio_queue_setup(rdi = device, esi = queue index, rdx = queue struct, ecx = most entries wanted, a power of 2
; no larger than VIRTQ_MAX) -> eax 0, or -1. The descriptor table, available ring and used ring go into one zeroed
; kernel frame at offsets 0, 16*size and the next multiple of 4 after the available ring (2.7: alignments 16, 2, 4).
virtio_queue_setup:
    push rbx
    push r12
    push r13
    push r14
    mov rbx, rdi
    mov r12d, esi
    mov r13, rdx
    mov r14d, ecx
    mov rdx, [rbx + VD_COMMON]
    add edx, VIRTIO_QUEUE_SELECT
    mov eax, r12d
    out dx, ax
    add edx, VIRTIO_QUEUE_SIZE - VIRTIO_QUEUE_SELECT
    in ax, dx
    movzx eax, ax
    test eax, eax
    jz .fail                    ; 0: the queue does not exist
    cmp eax, r14d
    jbe .sized
    mov eax, r14d               ; both are powers of 2, so the smaller is one too
.sized:
    mov [r13 + VQ_SIZE], rax
    out dx, ax
    mov [r13 + VQ_INDEX], r12
    xor eax, eax
    mov [r13 + VQ_AVAIL_IDX], rax
    mov [r13 + VQ_LAST_USED], rax
    mov rax, [rbx + VD_FEATURES]
    shr rax, VIRTIO_F_EVENT_IDX
    and eax, 1
    mov [r13 + VQ_EVENT_IDX], rax
    call alloc_frame
    mov [r13 + VQ_DESC], rax
    mov rcx, [r13 + VQ_SIZE]
    shl rcx, 4
    add rax, rcx
    mov [r13 + VQ_AVAIL], rax
    mov rcx, [r13 + VQ_SIZE]
    lea rax, [rax + rcx*2 + 6 + 3]
    and rax, -4
    mov [r13 + VQ_USED], rax
    mov rdx, [rbx + VD_COMMON]
    add edx, VIRTIO_QUEUE_DESC
    mov rax, [r13 + VQ_DESC]
    call .out64
    mov rdx, [rbx + VD_COMMON]
    add edx, VIRTIO_QUEUE_DRIVER
    mov rax, [r13 + VQ_AVAIL]
    call .out64
    mov rdx, [rbx + VD_COMMON]
    add edx, VIRTIO_QUEUE_DEVICE
    mov rax, [r13 + VQ_USED]
    call .out64
    mov rdx, [rbx + VD_COMMON]  ; the queue's notify address: notify base + queue_notify_off * multiplier (4.1.4.4)
    add edx, VIRTIO_QUEUE_NOTIFY_OFF
    in ax, dx
    movzx eax, ax
    imul eax, [rbx + VD_NOTIFY_MUL]
    add rax, [rbx + VD_NOTIFY]
    mov [r13 + VQ_NOTIFY], rax
    mov rdx, [rbx + VD_COMMON]
    add edx, VIRTIO_QUEUE_ENABLE
    mov eax, 1
    out dx, ax
    xor eax, eax
    jmp .done
.fail:
    mov eax, -1
.done:
    pop r14
    pop r13
    pop r12
    pop rbx
    ret
.out64:                         ; a 64-bit register as two 32-bit writes, low half first
    out dx, eax
    add edx, 4
    shr rax, 32
    out dx, eax
    ret

; virtio_driver_ok(rdi = device): 3.1.1 step 8, the device is live
virtio_driver_ok:
    push rdi
    call virtio_status
    pop rdi
    movzx esi, al
    or esi, VIRTIO_DRIVER_OK
    jmp virtio_set_status

; virtio_isr(rdi = device) -> eax = the ISR status byte; reading it acknowledges the interrupt (4.1.4.5)
virtio_isr:
    mov rdx, [rdi + VD_ISR]
    in al, dx
    movzx eax, al
    ret

; vq_desc(rdi = queue, esi = index) -> rax = address of that descriptor (struct virtq_desc, 16 bytes: addr, len, flags, next)
vq_desc:
    mov eax, esi
    shl rax, 4
    add rax, [rdi + VQ_DESC]
    ret

; vq_push(rdi = queue, esi = head of a chain): puts it in the next available-ring slot; the device sees it at vq_kick
vq_push:
    mov rax, [rdi + VQ_AVAIL_IDX]
    mov rcx, [rdi + VQ_SIZE]
    dec ecx
    and ecx, eax
    mov rdx, [rdi + VQ_AVAIL]
    mov [rdx + 4 + rcx*2], si
    inc eax
    mov [rdi + VQ_AVAIL_IDX], ax
    ret

; vq_set_used_event(rdi = queue, esi = used index): with EVENT_IDX, ask for an interrupt once the device has written
; that used entry (used_event, the word after the available ring, 2.7.7)
vq_set_used_event:
    mov rax, [rdi + VQ_AVAIL]
    mov rcx, [rdi + VQ_SIZE]
    mov [rax + 4 + rcx*2], si
    ret

; vq_kick(rdi = queue, esi = avail.idx before this batch) -> eax 1 if the device was notified. Publishes avail.idx,
; then notifies as 2.7.10 says: with EVENT_IDX iff vring_need_event(avail_event, new, old), else unless used.flags
; has VIRTQ_USED_F_NO_NOTIFY. (x86 keeps stores in order: no barrier is needed between the ring and the index.)
vq_kick:
    mov rax, [rdi + VQ_AVAIL_IDX]
    mov rdx, [rdi + VQ_AVAIL]
    mov [rdx + 2], ax
    mov rdx, [rdi + VQ_USED]
    cmp qword [rdi + VQ_EVENT_IDX], 0
    je .flags
    mov rcx, [rdi + VQ_SIZE]
    movzx ecx, word [rdx + 4 + rcx*8]   ; avail_event, after the used ring
    mov r8d, eax
    sub r8d, ecx
    dec r8d
    movzx r8d, r8w              ; (u16)(new - event - 1)
    mov r9d, eax
    sub r9d, esi
    movzx r9d, r9w              ; (u16)(new - old)
    cmp r8d, r9d
    jae .skip
    jmp .notify
.flags:
    test word [rdx], VIRTQ_USED_F_NO_NOTIFY
    jnz .skip
.notify:
    mov rdx, [rdi + VQ_NOTIFY]
    mov rax, [rdi + VQ_INDEX]
    out dx, ax
    mov eax, 1
    ret
.skip:
    xor eax, eax
    ret

; vq_notify(rdi = queue): an unconditional notification
vq_notify:
    mov rdx, [rdi + VQ_NOTIFY]
    mov rax, [rdi + VQ_INDEX]
    out dx, ax
    ret

; vq_used_ready(rdi = queue) -> eax = used entries written and not yet reaped
vq_used_ready:
    mov rdx, [rdi + VQ_USED]
    movzx eax, word [rdx + 2]
    sub eax, [rdi + VQ_LAST_USED]
    movzx eax, ax
    ret

; vq_pop_used(rdi = queue) -> eax = id of the next used element, edx = its len; the caller checked vq_used_ready
vq_pop_used:
    mov rax, [rdi + VQ_LAST_USED]
    mov rcx, [rdi + VQ_SIZE]
    dec ecx
    and ecx, eax
    inc eax
    mov [rdi + VQ_LAST_USED], ax
    mov rdx, [rdi + VQ_USED]
    lea rdx, [rdx + 4 + rcx*8]
    mov eax, [rdx]
    mov edx, [rdx + 4]
    ret
; @@DATA@@
