; Block drivers: virtio-blk over virtio-pci (paravirtual and passthrough) and ATA PIO (emulated).
; blk_pci_probe(edi = PCI config address of function 0, esi = vendor | device << 16); ata_probe; blk_irq(rdi = irq)
; One disk is driven: the first virtio-blk function found, else the ATA disk. Transfers are requests of 4 KiB (8
; sectors) through BLK_BATCH kernel frames (bounce buffers: DMA wants physical addresses, the user buffer has virtual
; ones), copied to or from the user buffer with the process's CR3 active. A system call's requests go to the device in
; batches of up to BLK_BATCH: virtio-blk makes them all available, then decides one notification for the batch.
BLK_NONE    equ 0
BLK_VIRTIO  equ 1
BLK_ATA     equ 2
BLK_BATCH   equ 16              ; requests per batch: 64 KiB
BLK_REQ_SECTORS equ 8
BLK_QUEUE   equ 64              ; entries: BLK_BATCH chains of 3 descriptors fit without indirect descriptors
; virtio-blk (virtio 1.2, 5.2): struct virtio_blk_req header {le32 type, le32 reserved, le64 sector}, data, u8 status
VIRTIO_BLK_T_IN equ 0
VIRTIO_BLK_T_OUT equ 1
VIRTIO_BLK_T_FLUSH equ 4
VIRTIO_BLK_F_FLUSH equ 9
VIRTIO_BLK_DEVICE equ 0x10421AF4    ; vendor 0x1AF4, device 0x1040 + 2
; the request frame: headers (16 bytes each) at 0, status bytes at 256, indirect tables (3 descriptors each) at 512
BLK_HDR     equ 0
BLK_STATUS  equ 256
BLK_ITABLE  equ 512
; ATA (T13 ATA8-ACS; the primary channel's ports as on the PC/AT)
ATA_DATA    equ 0x1F0
ATA_COUNT   equ 0x1F2
ATA_LBA_LO  equ 0x1F3
ATA_LBA_MID equ 0x1F4
ATA_LBA_HI  equ 0x1F5
ATA_DEVICE  equ 0x1F6
ATA_CMD     equ 0x1F7           ; Command on write, Status on read
ATA_CTRL    equ 0x3F6           ; Device Control: bit 1 nIEN
ATA_BSY     equ 0x80
ATA_DF      equ 0x20
ATA_DRQ     equ 0x08
ATA_ERR     equ 0x01
ATA_READ_SECTORS equ 0x20
ATA_READ_SECTORS_EXT equ 0x24
ATA_WRITE_SECTORS equ 0x30
ATA_WRITE_SECTORS_EXT equ 0x34
ATA_FLUSH_CACHE equ 0xE7
ATA_IDENTIFY equ 0xEC
BLK_SPIN    equ 1000000         ; polls before a device is given up on

blk_pci_probe:
    cmp qword [blk_kind], BLK_NONE
    jne .ret
    cmp esi, VIRTIO_BLK_DEVICE
    jne .ret
    push rbx
    lea rbx, [blk_dev]
    mov esi, edi                ; the function's config address
    mov rdi, rbx
    call virtio_find
    test eax, eax
    jnz .out
    mov rdi, rbx
    mov rsi, (1 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_F_EVENT_IDX) | (1 << VIRTIO_F_INDIRECT_DESC) | (1 << VIRTIO_BLK_F_FLUSH)
    call virtio_negotiate
    test eax, eax
    jnz .out
    mov rdi, rbx
    xor esi, esi
    lea rdx, [blk_vq]
    mov ecx, BLK_QUEUE
    call virtio_queue_setup
    test eax, eax
    jnz .out
    mov rdx, [rbx + VD_DEVICE]  ; capacity, le64 at 0 of struct virtio_blk_config (5.2.4)
    add edx, 4
    in eax, dx
    mov ecx, eax
    shl rcx, 32
    sub edx, 4
    in eax, dx
    or rax, rcx
    mov [blk_sectors], rax
    call blk_alloc
    mov rdi, rbx
    call virtio_driver_ok
    mov qword [blk_kind], BLK_VIRTIO
.out:
    pop rbx
.ret:
    ret

; blk_alloc: the request frame and the bounce frames
blk_alloc:
    push rbx
    call alloc_frame
    mov [blk_req], rax
    xor ebx, ebx
.frame:
    call alloc_frame
    lea rcx, [blk_bounce]
    mov [rcx + rbx*8], rax
    inc ebx
    cmp ebx, BLK_BATCH
    jb .frame
    pop rbx
    ret

; ata_probe: IDENTIFY DEVICE on the primary channel's device 0 (unless a virtio disk was found)
ata_probe:
    cmp qword [blk_kind], BLK_NONE
    jne .ret
    mov dx, ATA_CMD
    in al, dx
    cmp al, 0xFF
    je .ret                     ; no device drives the bus: it floats to all ones
    push rbx
%ifdef PARAVIRT
    mov al, 2                   ; nIEN: this build polls
%else
    xor eax, eax
%endif
    mov dx, ATA_CTRL
    out dx, al
    mov al, 0xA0                ; device 0
    mov dx, ATA_DEVICE
    out dx, al
    mov al, ATA_IDENTIFY
    mov dx, ATA_CMD
    out dx, al
    in al, dx
    test al, al
    jz .out                     ; status 0: no device
    call ata_wait
    test al, ATA_ERR | ATA_DF
    jnz .out
    test al, ATA_DRQ
    jz .out
    call blk_alloc
    mov rdi, [blk_bounce]
    mov dx, ATA_DATA
    mov ecx, 256
    rep insw
    mov rbx, [blk_bounce]
    mov eax, [rbx + 120]        ; words 60-61: LBA28 capacity
    test word [rbx + 166], 1 << 10
    jz .lba28
    mov rax, [rbx + 200]        ; words 100-103: LBA48 capacity (word 83 bit 10: 48-bit Address)
.lba28:
    mov [blk_sectors], rax
    mov qword [blk_kind], BLK_ATA
.out:
    pop rbx
.ret:
    ret

; ata_wait -> al = status once BSY is clear (0xFF after BLK_SPIN polls)
ata_wait:
    mov ecx, BLK_SPIN
    mov dx, ATA_CMD
.poll:
    in al, dx
    test al, ATA_BSY
    jz .ret
    dec ecx
    jnz .poll
    mov al, 0xFF
.ret:
    ret

; blk_irq(rdi = irq): acknowledge the disk's interrupt: virtio by reading the ISR byte, ATA by reading Status
blk_irq:
    cmp qword [blk_kind], BLK_VIRTIO
    jne .ata
    cmp rdi, [blk_dev + VD_IRQ]
    jne .ret
    lea rdi, [blk_dev]
    jmp virtio_isr
.ata:
    cmp qword [blk_kind], BLK_ATA
    jne .ret
    cmp edi, 14
    jne .ret
    mov dx, ATA_CMD
    in al, dx
.ret:
    ret

; 12 blk_info -> sectors of the disk (0: none)
sys_blk_info:
    mov rax, [blk_sectors]
    ret

; 13 blk_read(rdi = lba, rsi = user buffer, rdx = sectors) -> 0, or -1
sys_blk_read:
    xor ecx, ecx
    jmp blk_transfer
; 14 blk_write(rdi = lba, rsi = user buffer, rdx = sectors) -> 0, or -1
sys_blk_write:
    mov ecx, 1
; blk_transfer(rdi = lba, rsi = user buffer, rdx = sectors, ecx = 1 to write): batches of up to BLK_BATCH requests
blk_transfer:
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov r12, rdi                ; lba
    mov r13, rsi                ; user buffer
    mov r14, rdx                ; sectors left
    mov r15d, ecx               ; direction
    cmp qword [blk_kind], BLK_NONE
    je .fail
    mov rax, [blk_sectors]      ; the range lies on the disk
    cmp r14, rax
    ja .fail
    sub rax, r14
    cmp r12, rax
    ja .fail
    mov rax, USER_CODE          ; and the buffer in user space
    cmp r13, rax
    jb .fail
    mov rax, r14
    shl rax, 9
    add rax, r13
    jc .fail
    mov rcx, USER_END
    cmp rax, rcx
    ja .fail
.batch:
    test r14, r14
    jz .ok
    mov ebx, BLK_BATCH * BLK_REQ_SECTORS
    cmp r14, rbx
    cmovb rbx, r14              ; sectors in this batch
    test r15d, r15d
    jz .io
    mov rdi, r13                ; a write: the user's bytes into the bounce frames first
    mov rsi, rbx
    mov edx, 1
    call blk_copy
.io:
    mov edi, r15d
    mov rsi, r12
    mov rdx, rbx
    cmp qword [blk_kind], BLK_VIRTIO
    jne .ata
    call vblk_batch
    jmp .done
.ata:
    call ata_batch
.done:
    test eax, eax
    jnz .fail
    test r15d, r15d
    jnz .next
    mov rdi, r13                ; a read: the bounce frames out to the user
    mov rsi, rbx
    xor edx, edx
    call blk_copy
.next:
    add r12, rbx
    sub r14, rbx
    mov rax, rbx
    shl rax, 9
    add r13, rax
    jmp .batch
.ok:
    xor eax, eax
    jmp .out
.fail:
    mov rax, -1
.out:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    ret

; blk_copy(rdi = user buffer, rsi = sectors, edx = 1: user -> bounce, 0: bounce -> user)
blk_copy:
    lea r8, [blk_bounce]
    mov r9, rsi
    shl r9, 6                   ; quadwords
    mov r10d, edx
    mov r11, rdi
.frame:
    test r9, r9
    jz .ret
    mov ecx, 512
    cmp r9, rcx
    cmovb rcx, r9
    sub r9, rcx
    test r10d, r10d
    jz .out
    mov rsi, r11
    mov rdi, [r8]
    jmp .copy
.out:
    mov rsi, [r8]
    mov rdi, r11
.copy:
    lea r11, [r11 + rcx*8]
    rep movsq
    add r8, 8
    jmp .frame
.ret:
    ret

; vblk_req(edi = slot, esi = type, rdx = sector, ecx = data bytes (0: none)) -> eax = head of the request's chain.
; One chain per request: header (device-readable), data (device-writable for IN), status (device-writable); through an
; indirect table when VIRTIO_F_INDIRECT_DESC was negotiated (one ring descriptor per request), else three descriptors.
vblk_req:
    push rbx
    push r12
    mov r8, [blk_req]
    mov r9d, edi
    mov r10d, ecx
    mov r11d, esi
    mov rax, r9                 ; header
    shl rax, 4
    add rax, r8
    mov [rax], r11d
    mov dword [rax + 4], 0
    mov [rax + 8], rdx
    mov rbx, rax
    mov byte [r8 + BLK_STATUS + r9], 0xFF   ; overwritten by the device: 0 OK, 1 IOERR, 2 UNSUPP
    bt qword [blk_dev + VD_FEATURES], VIRTIO_F_INDIRECT_DESC
    jnc .direct
    imul rdi, r9, 48            ; the request's indirect table
    lea rdi, [r8 + BLK_ITABLE + rdi]
    xor r12d, r12d              ; first free entry in it
    jmp .build
.direct:
    lea rdi, [blk_vq]           ; three ring descriptors: 3*slot ..
    imul esi, r9d, 3
    call vq_desc
    mov rdi, rax
    imul r12d, r9d, 3
.build:
    ; rdi = where the chain's descriptors go, r12 = index of the first (the next-fields count from it)
    mov [rdi], rbx
    mov dword [rdi + 8], 16
    mov word [rdi + 12], VIRTQ_DESC_F_NEXT
    lea eax, [r12 + 1]
    mov [rdi + 14], ax
    add rdi, 16
    inc r12d
    test r10d, r10d
    jz .status
    lea rax, [blk_bounce]
    mov rax, [rax + r9*8]
    mov [rdi], rax
    mov [rdi + 8], r10d
    mov eax, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE
    cmp r11d, VIRTIO_BLK_T_IN
    je .dir
    mov eax, VIRTQ_DESC_F_NEXT  ; the device reads the data of an OUT
.dir:
    mov [rdi + 12], ax
    lea eax, [r12 + 1]
    mov [rdi + 14], ax
    add rdi, 16
    inc r12d
.status:
    lea rax, [r8 + BLK_STATUS + r9]
    mov [rdi], rax
    mov dword [rdi + 8], 1
    mov word [rdi + 12], VIRTQ_DESC_F_WRITE
    mov word [rdi + 14], 0
    bt qword [blk_dev + VD_FEATURES], VIRTIO_F_INDIRECT_DESC
    jnc .head3
    lea rdi, [blk_vq]           ; ring descriptor slot -> the table
    mov esi, r9d
    call vq_desc
    inc r12d
    shl r12d, 4                 ; the table's length: its entries * 16
    imul rcx, r9, 48
    lea rcx, [r8 + BLK_ITABLE + rcx]
    mov [rax], rcx
    mov [rax + 8], r12d
    mov word [rax + 12], VIRTQ_DESC_F_INDIRECT
    mov word [rax + 14], 0
    mov eax, r9d
    jmp .out
.head3:
    imul eax, r9d, 3
.out:
    pop r12
    pop rbx
    ret

; vblk_batch(edi = 1 to write, rsi = lba, rdx = sectors, at most BLK_BATCH * 8) -> eax 0, or -1.
; Every request made available, used_event set at the last one (EVENT_IDX: one interrupt for the batch), one kick
; as the device asks; the device completes within the kick; each status byte is checked.
vblk_batch:
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov r12, rsi                ; sector
    mov r13, rdx                ; sectors left
    mov r14d, VIRTIO_BLK_T_IN
    test edi, edi
    jz .typed
    mov r14d, VIRTIO_BLK_T_OUT
.typed:
    xor r15d, r15d              ; requests
    movzx ebx, word [blk_vq + VQ_AVAIL_IDX]   ; avail.idx before the batch
.req:
    test r13, r13
    jz .made
    mov ecx, BLK_REQ_SECTORS
    cmp r13, rcx
    cmovb rcx, r13
    sub r13, rcx
    push rcx
    shl ecx, 9
    mov edi, r15d
    mov esi, r14d
    mov rdx, r12
    call vblk_req
    lea rdi, [blk_vq]
    mov esi, eax
    call vq_push
    pop rcx
    add r12, rcx
    inc r15d
    jmp .req
.made:
    mov edi, r15d
    jmp vblk_submit

; vblk_flush -> eax 0, or -1 (VIRTIO_BLK_T_FLUSH, when negotiated; without it every write is already stable, 5.2.6.2)
vblk_flush:
    push rbx
    push r12
    push r13
    push r14
    push r15
    bt qword [blk_dev + VD_FEATURES], VIRTIO_BLK_F_FLUSH
    jnc vblk_submit.ok
    movzx ebx, word [blk_vq + VQ_AVAIL_IDX]
    xor edi, edi
    mov esi, VIRTIO_BLK_T_FLUSH
    xor edx, edx
    xor ecx, ecx
    call vblk_req
    lea rdi, [blk_vq]
    mov esi, eax
    call vq_push
    mov edi, 1

; vblk_submit(edi = requests made available, ebx = avail.idx before them; the caller's five registers pushed):
; used_event, kick, wait for the used ring, check every status
vblk_submit:
    mov r15d, edi
    lea rdi, [blk_vq]
    mov esi, [blk_vq + VQ_LAST_USED]
    lea esi, [rsi + r15 - 1]    ; used_event: the last request's used entry
    call vq_set_used_event
    lea rdi, [blk_vq]
    mov esi, ebx
    call vq_kick
    mov r14d, eax               ; notified?
    mov r12d, BLK_SPIN
.wait:
    lea rdi, [blk_vq]
    call vq_used_ready
    cmp eax, r15d
    jae .reap
    test r14d, r14d
    jnz .spin
    lea rdi, [blk_vq]           ; the device did not ask to be told, yet nothing moved: tell it anyway
    call vq_notify
    mov r14d, 1
.spin:
    pause
    dec r12d
    jnz .wait
    jmp .fail
.reap:
    xor r13d, r13d              ; errors
.pop:
    test r15d, r15d
    jz .checked
    lea rdi, [blk_vq]
    call vq_pop_used
    bt qword [blk_dev + VD_FEATURES], VIRTIO_F_INDIRECT_DESC
    jc .slot
    xor edx, edx                ; a 3-descriptor chain's head is 3 * slot
    mov ecx, 3
    div ecx
.slot:
    cmp eax, BLK_BATCH
    jae .bad
    mov rcx, [blk_req]
    cmp byte [rcx + BLK_STATUS + rax], 0
    je .popped
.bad:
    inc r13d
.popped:
    dec r15d
    jmp .pop
.checked:
    test r13d, r13d
    jnz .fail
.ok:
    xor eax, eax
    jmp .out
.fail:
    mov eax, -1
.out:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    ret

; ata_batch(edi = 1 to write, rsi = lba, rdx = sectors) -> eax 0, or -1: one command per 8-sector request
ata_batch:
    push rbx
    push r12
    push r13
    push r14
    mov r12d, edi
    mov r13, rsi
    mov r14, rdx
    xor ebx, ebx                ; request = bounce frame
.req:
    test r14, r14
    jz .ok
    mov edx, BLK_REQ_SECTORS
    cmp r14, rdx
    cmovb rdx, r14
    sub r14, rdx
    push rdx
    mov edi, r12d
    mov rsi, r13
    lea rcx, [blk_bounce]
    mov rcx, [rcx + rbx*8]
    call ata_rw
    pop rdx
    test eax, eax
    jnz .fail
    add r13, rdx
    inc ebx
    jmp .req
.ok:
    xor eax, eax
    jmp .out
.fail:
    mov eax, -1
.out:
    pop r14
    pop r13
    pop r12
    pop rbx
    ret

; ata_rw(edi = 1 to write, rsi = lba, edx = sectors (1-8), rcx = buffer) -> eax 0, or -1.
; READ/WRITE SECTORS, or the EXT forms past LBA 2^28 (48-bit: each register written twice, high byte first); PIO:
; per sector wait for BSY clear and DRQ, then 256 words by REP INSW or REP OUTSW.
ata_rw:
    push rbx
    push r12
    push r13
    push r14
    mov r12d, edi
    mov r13, rsi
    mov r14d, edx
    mov rbx, rcx
    call ata_wait
    test al, ATA_BSY
    jnz .fail
    lea rax, [r13 + r14]
    cmp rax, 0x0FFFFFFF
    ja .ext
    mov rax, r13
    shr rax, 24
    and al, 0x0F
    or al, 0xE0                 ; LBA, device 0, LBA bits 27:24
    mov dx, ATA_DEVICE
    out dx, al
    mov eax, r14d
    mov dx, ATA_COUNT
    out dx, al
    call .lba
    mov al, ATA_READ_SECTORS
    test r12d, r12d
    jz .cmd
    mov al, ATA_WRITE_SECTORS
    jmp .cmd
.ext:
    mov al, 0x40
    mov dx, ATA_DEVICE
    out dx, al
    xor eax, eax                ; count 15:8
    mov dx, ATA_COUNT
    out dx, al
    mov rax, r13
    shr rax, 24
    mov dx, ATA_LBA_LO
    out dx, al
    shr rax, 8
    mov dx, ATA_LBA_MID
    out dx, al
    shr rax, 8
    mov dx, ATA_LBA_HI
    out dx, al
    mov eax, r14d
    mov dx, ATA_COUNT
    out dx, al
    call .lba
    mov al, ATA_READ_SECTORS_EXT
    test r12d, r12d
    jz .cmd
    mov al, ATA_WRITE_SECTORS_EXT
.cmd:
    mov dx, ATA_CMD
    out dx, al
.sector:
    call ata_wait
    test al, ATA_ERR | ATA_DF | ATA_BSY
    jnz .fail
    test al, ATA_DRQ
    jz .fail
    mov dx, ATA_DATA
    mov ecx, 256
    test r12d, r12d
    jnz .out_words
    mov rdi, rbx
    rep insw
    jmp .moved
.out_words:
    mov rsi, rbx
    rep outsw
.moved:
    add rbx, 512
    dec r14d
    jnz .sector
    test r12d, r12d
    jz .ok
    call ata_wait               ; the last sector written: the command's end
    test al, ATA_ERR | ATA_DF | ATA_BSY
    jnz .fail
.ok:
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
.lba:                           ; LBA 23:0 into LBA Low, Mid, High
    mov rax, r13
    mov dx, ATA_LBA_LO
    out dx, al
    shr rax, 8
    mov dx, ATA_LBA_MID
    out dx, al
    shr rax, 8
    mov dx, ATA_LBA_HI
    out dx, al
    ret

; 15 blk_flush -> 0, or -1
sys_blk_flush:
    cmp qword [blk_kind], BLK_VIRTIO
    je vblk_flush
    cmp qword [blk_kind], BLK_ATA
    jne .fail
    call ata_wait
    test al, ATA_BSY
    jnz .fail
    mov al, ATA_FLUSH_CACHE
    mov dx, ATA_CMD
    out dx, al
    call ata_wait
    test al, ATA_ERR | ATA_DF | ATA_BSY
    jnz .fail
    xor eax, eax
    ret
.fail:
    mov rax, -1
    ret
; @@DATA@@
blk_kind:    dq 0               ; BLK_NONE, BLK_VIRTIO or BLK_ATA
blk_sectors: dq 0
blk_req:     dq 0               ; the request frame (headers, status bytes, indirect tables)
blk_bounce:  times BLK_BATCH dq 0
blk_dev:     times VD_SIZEOF / 8 dq 0
blk_vq:      times VQ_SIZEOF / 8 dq 0
