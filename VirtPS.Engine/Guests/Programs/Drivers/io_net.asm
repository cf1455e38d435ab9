; Network drivers: virtio-net over virtio-pci (paravirtual and passthrough) and an NE2000 (emulated), with the
; kernel's own ARP (RFC 826), IPv4 (RFC 791, header checksum of RFC 1071), ICMP echo (RFC 792) and UDP (RFC 768).
; One NIC per kernel: the first virtio-net function on PCI bus 0, else an NE2000 at 0x300.
; The address: the boot command line (BootInfo at 0x7000) carries "ip=a.b.c.d/prefix", as Linux's ip= parameter
; carries a static client address; without it the NIC is driven but the syscalls refuse (-1). The NE2000, an ISA card,
; is probed only when the command line has "ether=" (Linux's parameter for ISA Ethernet cards).
; Only on-link destinations (no router): ARP resolves the destination itself.
; Syscalls (16-18):
;   16 net_ping(rdi = IPv4 address, rsi = count) -> sent << 32 | replies received; -1 with no NIC or address
;   17 net_udp(rdi = IPv4 address, rsi = port, rdx = count, r10 = payload bytes, at most 1472) -> datagrams sent
;   18 net_serve(rdi = polls) -> frames handled meanwhile: the native build waits that many loop turns with interrupts
;      on (net_irq handles the frames), the PARAVIRT build polls the NIC that many times
;   An address below 65536 is a host number on the kernel's own subnet (192.168.1.0/24 and 101 -> 192.168.1.101).
; Receive: every frame is handled in the receive path, interrupt or poll: ARP requests for our address are answered,
; echo requests are answered with echo replies the kernel builds, echo replies to our own pings are matched, UDP is
; counted (a discard sink). Native build: the NIC interrupts on receive and net_irq acknowledges it (NE2000 ISR write
; back, virtio ISR read); a syscall runs with interrupts off and polls. PARAVIRT build: no device interrupts (NE2000
; IMR = 0, PCI Interrupt Disable), the syscalls poll.
; virtio-net is driven through the virtio-pci core of Drivers/virtio.asm (the VD_* device and VQ_* queue structs, as the
; virtio-blk driver does): capabilities, negotiation, both queues, descriptors, kicks, used buffers and the ISR.

NET_NE2K    equ 1
NET_VIRTIO  equ 2
NE2K_BASE   equ 0x300
NE2K_IRQ    equ 10
NE2K_TXPAGE equ 0x40            ; transmit buffer: pages 0x40-0x45 (1536 bytes)
NE2K_PSTART equ 0x46            ; receive ring: pages 0x46-0x7F
NE2K_PSTOP  equ 0x80
VNET_QSIZE  equ 8
VNET_BUF    equ 2048
VNET_HDR    equ 12              ; struct virtio_net_hdr with VIRTIO_F_VERSION_1 (virtio 1.2, 5.1.6)
VIRTIO_NET_DEVICE equ 0x10411AF4    ; vendor 0x1AF4, device 0x1040 + 1
VIRTIO_NET_F_MAC equ 5
NET_POLLS   equ 20000           ; polls a ping or an ARP request waits for its answer
NET_ARP_TRIES equ 16
NET_ARP_SLOTS equ 8
NET_ICMP_ID equ 0x5056          ; echo identifier "VP" (its bytes as they sit in memory)
NET_UDP_SPORT equ 0x409C        ; source port 40000, big-endian as a little-endian word
NET_PING_DATA equ 56            ; bytes of echo data, as ping sends

; net_pci_probe(edi = config address of the slot, esi = vendor | device << 16): takes the first virtio-net function,
; through the virtio-pci core (Drivers/virtio.asm): its structures found by their capabilities, features negotiated
; (VERSION_1 and VIRTIO_NET_F_MAC, no offloads), receiveq 0 and transmitq 1 set up
net_pci_probe:
    cmp esi, VIRTIO_NET_DEVICE
    jne .no
    cmp qword [net_kind], 0
    jne .no
    push rbx
    push r12
    lea rbx, [vnet_dev]
    mov esi, edi                    ; the function's config address
    mov rdi, rbx
    call virtio_find
    test eax, eax
    jnz .out
    cmp qword [rbx + VD_DEVICE], 0  ; the MAC is in the device configuration
    je .out
    mov rdi, rbx
    mov rsi, (1 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_NET_F_MAC)
    call virtio_negotiate
    test eax, eax
    jnz .out
    mov rdi, rbx
    xor esi, esi
    lea rdx, [vnet_rxq]
    mov ecx, VNET_QSIZE
    call virtio_queue_setup
    test eax, eax
    jnz .out
    mov rdi, rbx
    mov esi, 1
    lea rdx, [vnet_txq]
    mov ecx, VNET_QSIZE
    call virtio_queue_setup
    test eax, eax
    jnz .out
    mov rax, [vnet_txq + VQ_AVAIL]  ; transmitq: one buffer at a time, no interrupts wanted
    mov word [rax], VIRTQ_AVAIL_F_NO_INTERRUPT
%ifdef PARAVIRT
    mov rax, [vnet_rxq + VQ_AVAIL]  ; this build polls receiveq too
    mov word [rax], VIRTQ_AVAIL_F_NO_INTERRUPT
%endif
    ; receiveq: VNET_QSIZE device-writable buffers of VNET_BUF bytes (two to a frame), all made available
    xor r12d, r12d
.rxbuf:
    test r12d, 1
    jnz .second
    call alloc_frame
    jmp .have
.second:
    lea rdx, [vnet_rxbufs]
    mov rax, [rdx + r12*8 - 8]
    add rax, VNET_BUF
.have:
    lea rdx, [vnet_rxbufs]
    mov [rdx + r12*8], rax
    push rax
    lea rdi, [vnet_rxq]
    mov esi, r12d
    call vq_desc
    pop rcx
    mov [rax], rcx                  ; addr
    mov dword [rax + 8], VNET_BUF
    mov word [rax + 12], VIRTQ_DESC_F_WRITE
    lea rdi, [vnet_rxq]
    mov esi, r12d
    call vq_push
    inc r12d
    cmp r12d, VNET_QSIZE
    jb .rxbuf
    ; the MAC address (device configuration, struct virtio_net_config.mac)
    xor r12d, r12d
.mac:
    mov rdx, [rbx + VD_DEVICE]
    add edx, r12d
    in al, dx
    lea rdx, [net_mac]
    mov [rdx + r12], al
    inc r12d
    cmp r12d, 6
    jb .mac
    mov rax, [rbx + VD_IRQ]
    mov [net_irqno], rax
    call net_buffers
    mov rdi, rbx
    call virtio_driver_ok
    lea rdi, [vnet_rxq]             ; receive buffers are there: publish them and notify receiveq
    xor esi, esi
    call vq_kick
    mov qword [net_kind], NET_VIRTIO
    lea rsi, [msg_net_virtio]
    call net_announce
.out:
    pop r12
    pop rbx
.no:
    ret

; vnet_send(ecx = frame bytes at [net_txbuf] + VNET_HDR): one chain (header and frame) in descriptor 0, a kick, then
; the wait for the device to use it
vnet_send:
    push rbx
    mov ebx, ecx
    lea rdi, [vnet_txq]
    xor esi, esi
    call vq_desc
    mov rcx, [net_txbuf]
    mov [rax], rcx
    add ebx, VNET_HDR
    mov [rax + 8], ebx
    mov word [rax + 12], 0
    lea rdi, [vnet_txq]
    movzx ebx, word [rdi + VQ_AVAIL_IDX]    ; avail.idx before this chain
    xor esi, esi
    call vq_push
    lea rdi, [vnet_txq]
    mov esi, ebx
    call vq_kick                    ; unless the device said VIRTQ_USED_F_NO_NOTIFY
    mov ebx, NET_POLLS
.poll:
    lea rdi, [vnet_txq]
    call vq_used_ready
    test eax, eax
    jnz .reap
    dec ebx
    jnz .poll
    jmp .done
.reap:
    lea rdi, [vnet_txq]
    call vq_pop_used
    lea rdi, [vnet_txq]
    call vq_used_ready
    test eax, eax
    jnz .reap
.done:
    pop rbx
    ret

; vnet_poll: every used receive buffer is handled and given back
vnet_poll:
    push rbx
    push r12
.loop:
    lea rdi, [vnet_rxq]
    call vq_used_ready
    test eax, eax
    jz .done
    lea rdi, [vnet_rxq]
    call vq_pop_used                ; id: the descriptor, so the buffer; len: header and frame
    mov r12d, eax
    and r12d, VNET_QSIZE - 1
    mov ecx, edx
    sub ecx, VNET_HDR
    jbe .back
    lea rdx, [vnet_rxbufs]
    mov rsi, [rdx + r12*8]
    add rsi, VNET_HDR
    call net_input
.back:
    lea rdi, [vnet_rxq]
    movzx ebx, word [rdi + VQ_AVAIL_IDX]
    mov esi, r12d
    call vq_push
    lea rdi, [vnet_rxq]
    mov esi, ebx
    call vq_kick
    jmp .loop
.done:
    pop r12
    pop rbx
    ret

; ne2k_probe: an ISA card cannot be enumerated, so, as Linux is told by its ether= parameter ("ether=10,0x300,eth0"), the
; command line says one is there; then an NE2000 at its factory setting (0x300, IRQ 10, the only one this driver takes) if
; the command register reads as reset leaves it (stopped, remote DMA aborted). No blind port probing otherwise.
ne2k_probe:
    cmp qword [net_kind], 0
    jne .none
    lea rdi, [net_opt_ether]
    call net_cmdline
    test rsi, rsi
    jz .none
    mov dx, NE2K_BASE + 0x1F        ; reading the reset port resets the board
    in al, dx
    mov dx, NE2K_BASE
    in al, dx
    cmp al, 0x21
    jne .no
    push rbx
    ; DP8390D initialization procedure
    mov al, 0x21                    ; page 0, stop, abort remote DMA
    out dx, al
    mov dx, NE2K_BASE + 0x0E
    mov al, 0x49                    ; DCR: word-wide, normal operation, FIFO threshold 8 bytes
    out dx, al
    mov dx, NE2K_BASE + 0x0A
    xor eax, eax
    out dx, al                      ; RBCR0/1 = 0
    inc dx
    out dx, al
    mov dx, NE2K_BASE + 0x0C
    mov al, 0x04                    ; RCR: our address and broadcast
    out dx, al
    inc dx
    xor eax, eax                    ; TCR: normal
    out dx, al
    mov dx, NE2K_BASE + 0x01
    mov al, NE2K_PSTART
    out dx, al
    inc dx
    mov al, NE2K_PSTOP
    out dx, al
    inc dx
    mov al, NE2K_PSTART             ; BNRY
    out dx, al
    inc dx
    mov al, NE2K_TXPAGE             ; TPSR
    out dx, al
    mov dx, NE2K_BASE + 0x07
    mov al, 0xFF                    ; ISR: clear all
    out dx, al
    ; the station address from the PROM: remote read of 12 bytes, each byte doubled
    mov dx, NE2K_BASE + 0x08
    xor eax, eax
    out dx, al
    inc dx
    out dx, al
    inc dx
    mov al, 12
    out dx, al
    inc dx
    xor eax, eax
    out dx, al
    mov dx, NE2K_BASE
    mov al, 0x0A                    ; remote read, start
    out dx, al
    xor ebx, ebx
    mov dx, NE2K_BASE + 0x10
.prom:
    in al, dx
    lea rcx, [net_mac]
    mov [rcx + rbx], al
    in al, dx
    inc ebx
    cmp ebx, 6
    jb .prom
    mov dx, NE2K_BASE + 0x07
    mov al, 0x40                    ; RDC
    out dx, al
    ; page 1: PAR0-5, CURR, MAR0-7
    mov dx, NE2K_BASE
    mov al, 0x61
    out dx, al
    xor ebx, ebx
.par:
    lea rcx, [net_mac]
    mov al, [rcx + rbx]
    lea edx, [rbx + NE2K_BASE + 1]
    out dx, al
    inc ebx
    cmp ebx, 6
    jb .par
    mov dx, NE2K_BASE + 0x07
    mov al, NE2K_PSTART + 1         ; CURR
    out dx, al
    xor eax, eax
    mov ebx, 8
.mar:
    lea edx, [rbx + NE2K_BASE]
    out dx, al
    inc ebx
    cmp ebx, 16
    jb .mar
    mov qword [ne2k_next], NE2K_PSTART + 1
    mov dx, NE2K_BASE
    mov al, 0x22                    ; page 0, start
    out dx, al
    mov dx, NE2K_BASE + 0x0F
%ifdef PARAVIRT
    xor eax, eax                    ; IMR: no interrupts, this build polls
%else
    mov al, 0x01                    ; IMR: packet received
%endif
    out dx, al
    mov qword [net_io], NE2K_BASE
    mov qword [net_irqno], NE2K_IRQ
    mov qword [net_kind], NET_NE2K
    call net_buffers
    lea rsi, [msg_net_ne2k]
    call net_announce
    pop rbx
.no:
.none:
    ret

; ne2k_send(ecx = frame bytes at [net_txbuf] + VNET_HDR): remote write into the transmit pages, then TXP
ne2k_send:
    push rbx
    mov ebx, ecx
    lea eax, [rbx + 1]
    and eax, ~1
    mov dx, NE2K_BASE + 0x0A        ; RBCR: the bytes, even (word transfers)
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    mov dx, NE2K_BASE + 0x08        ; RSAR = the transmit page
    xor eax, eax
    out dx, al
    inc dx
    mov al, NE2K_TXPAGE
    out dx, al
    mov dx, NE2K_BASE
    mov al, 0x12                    ; remote write, start
    out dx, al
    mov rsi, [net_txbuf]
    add rsi, VNET_HDR
    lea ecx, [rbx + 1]
    shr ecx, 1
    mov dx, NE2K_BASE + 0x10
.word:
    mov ax, [rsi]
    out dx, ax
    add rsi, 2
    dec ecx
    jnz .word
    mov dx, NE2K_BASE + 0x07
    mov al, 0x40                    ; RDC
    out dx, al
    mov dx, NE2K_BASE + 0x04
    mov al, NE2K_TXPAGE
    out dx, al
    inc dx                          ; TBCR0/1
    mov eax, ebx
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    mov dx, NE2K_BASE
    mov al, 0x26                    ; transmit, start, abort remote DMA
    out dx, al
    mov dx, NE2K_BASE + 0x07
    mov ecx, NET_POLLS
.wait:
    in al, dx
    test al, 0x0A                   ; PTX or TXE
    jnz .sent
    dec ecx
    jnz .wait
.sent:
    mov al, 0x0A
    out dx, al
    pop rbx
    ret

; ne2k_poll: takes every frame out of the receive ring (CURR is where the card writes next)
ne2k_poll:
    push rbx
    push r12
.loop:
    mov dx, NE2K_BASE
    mov al, 0x62                    ; page 1 for CURR
    out dx, al
    mov dx, NE2K_BASE + 0x07
    in al, dx
    mov bl, al
    mov dx, NE2K_BASE
    mov al, 0x22
    out dx, al
    movzx eax, bl
    cmp rax, [ne2k_next]
    je .done
    ; the 4-byte header: receive status, next page, byte count (with the header)
    mov rax, [ne2k_next]
    shl eax, 8
    mov ecx, 4
    call ne2k_read_setup
    mov dx, NE2K_BASE + 0x10
    in ax, dx
    movzx r12d, ax
    shr r12d, 8                     ; next page
    in ax, dx
    movzx ebx, ax
    sub ebx, 4                      ; the frame's bytes
    mov dx, NE2K_BASE + 0x07
    mov al, 0x40
    out dx, al
    cmp ebx, 14
    jb .skip
    cmp ebx, 1514
    ja .skip
    mov rax, [ne2k_next]
    shl eax, 8
    add eax, 4
    lea ecx, [rbx + 1]
    and ecx, ~1
    call ne2k_read_setup
    mov rsi, [net_rxbuf]
    lea ecx, [rbx + 1]
    shr ecx, 1
    mov dx, NE2K_BASE + 0x10
.word:
    in ax, dx
    mov [rsi], ax
    add rsi, 2
    dec ecx
    jnz .word
    mov dx, NE2K_BASE + 0x07
    mov al, 0x40
    out dx, al
.skip:
    mov [ne2k_next], r12
    lea eax, [r12 - 1]              ; BNRY: the page before the next packet
    cmp eax, NE2K_PSTART
    jae .bnry
    mov eax, NE2K_PSTOP - 1
.bnry:
    mov dx, NE2K_BASE + 0x03
    out dx, al
    cmp ebx, 14
    jb .loop
    cmp ebx, 1514
    ja .loop
    mov rsi, [net_rxbuf]
    mov ecx, ebx
    call net_input
    jmp .loop
.done:
    pop r12
    pop rbx
    ret

; ne2k_read_setup(eax = buffer address, ecx = bytes): starts a remote read
ne2k_read_setup:
    push rax
    mov dx, NE2K_BASE + 0x0A
    mov eax, ecx
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    pop rax
    mov dx, NE2K_BASE + 0x08
    out dx, al
    inc dx
    mov al, ah
    out dx, al
    mov dx, NE2K_BASE
    mov al, 0x0A
    out dx, al
    ret

; net_irq(rdi = irq): acknowledges our NIC's interrupt and handles what it received
net_irq:
    cmp qword [net_kind], 0
    je .no
    cmp rdi, [net_irqno]
    jne .no
    inc qword [net_irqs]
    cmp qword [net_kind], NET_NE2K
    je .ne2k
    lea rdi, [vnet_dev]             ; reading the ISR status acknowledges (virtio 1.2, 4.1.4.5)
    call virtio_isr
    jmp vnet_poll
.ne2k:
    mov dx, NE2K_BASE + 0x07
    in al, dx
    out dx, al                      ; writing the bits back clears them
    jmp ne2k_poll
.no:
    ret

; net_poll: handles every frame the NIC holds
net_poll:
    cmp qword [net_kind], NET_VIRTIO
    je vnet_poll
    cmp qword [net_kind], NET_NE2K
    jne .no
    mov dx, NE2K_BASE + 0x07
    in al, dx
    test al, 0x11                   ; PRX or OVW
    jz .no
    and al, 0x11
    out dx, al                      ; cleared before the ring is drained: a frame arriving later sets it again
    jmp ne2k_poll
.no:
    ret

; net_send(ecx = frame bytes at [net_txbuf] + VNET_HDR): pads to Ethernet's 60-byte minimum and transmits
net_send:
    cmp ecx, 60
    jae .sized
    mov rdi, [net_txbuf]
    lea rdi, [rdi + rcx + VNET_HDR]
    mov edx, 60
    sub edx, ecx
    mov ecx, edx
    xor eax, eax
    rep stosb
    mov ecx, 60
.sized:
    inc qword [net_frames_out]
    cmp qword [net_kind], NET_NE2K
    je ne2k_send
    jmp vnet_send

; net_buffers: the transmit buffer (header space, then the frame) and the NE2000's receive copy
net_buffers:
    call alloc_frame
    mov [net_txbuf], rax
    call alloc_frame
    mov [net_rxbuf], rax
    call net_config
    ret

; net_config: "ip=a.b.c.d/prefix" from the boot command line
net_config:
    lea rdi, [net_opt_ip]
    call net_cmdline
    test rsi, rsi
    jz .no
    xor r8d, r8d
    mov r9d, 4
.octet:
    call net_parse_dec
    shl r8d, 8
    or r8d, eax
    dec r9d
    jz .prefix
    cmp byte [rsi], '.'
    jne .no
    inc rsi
    jmp .octet
.prefix:
    mov ecx, 24
    cmp byte [rsi], '/'
    jne .mask
    inc rsi
    call net_parse_dec
    mov ecx, eax
.mask:
    xor eax, eax
    test ecx, ecx
    jz .set
    mov eax, 0xFFFFFFFF
    neg ecx
    add ecx, 32
    shl eax, cl
.set:
    bswap eax
    mov [net_mask], eax
    bswap r8d
    mov [net_ip], r8d
.no:
    ret

; net_cmdline(rdi = "name=", zero-terminated) -> rsi = the option's value on the boot command line (BootInfo: magic at
; 0x7000, the command line's address at 0x7010), or 0. Memory reads only.
net_cmdline:
    mov eax, 0x7000
    xor esi, esi
    cmp dword [rax], 0x42535056
    jne .none
    mov rsi, [rax + 0x10]
.scan:
    cmp byte [rsi], 0
    je .none
    xor ecx, ecx
.cmp:
    mov al, [rdi + rcx]
    test al, al
    jz .found
    cmp al, [rsi + rcx]
    jne .next
    inc ecx
    jmp .cmp
.next:
    inc rsi
    jmp .scan
.found:
    add rsi, rcx
    ret
.none:
    xor esi, esi
    ret

; net_parse_dec(rsi = text) -> eax = the decimal number there, rsi past its digits
net_parse_dec:
    xor eax, eax
.digit:
    movzx edx, byte [rsi]
    sub edx, '0'
    cmp edx, 9
    ja .done
    imul eax, eax, 10
    add eax, edx
    inc rsi
    jmp .digit
.done:
    ret

; net_announce(rsi = the NIC's name): "virtps: net: <name> mac 2:56:50:0:0:1" (hex bytes)
net_announce:
    push rbx
    call puts
    xor ebx, ebx
.byte:
    lea rcx, [net_mac]
    movzx eax, byte [rcx + rbx]
    call puthex
    inc ebx
    cmp ebx, 6
    je .eol
    mov al, ':'
    call putc
    jmp .byte
.eol:
    mov al, 10
    call putc
    pop rbx
    ret

; net_sum(rsi = bytes, ecx = count, eax = a partial sum) -> eax = their 16-bit one's-complement sum, folded (RFC 1071).
; Words are added as they sit in memory: the sum is byte-order independent (RFC 1071, 2(B)), so the result is stored back
; as it is. Clobbers rcx, rdx, rsi.
net_sum:
    mov edx, eax
.words:
    cmp ecx, 2
    jb .tail
    movzx eax, word [rsi]
    add rdx, rax
    add rsi, 2
    sub ecx, 2
    jmp .words
.tail:
    test ecx, ecx
    jz .fold
    movzx eax, byte [rsi]
    add rdx, rax
.fold:
    mov rax, rdx
    shr rax, 16
    jz .done
    and edx, 0xFFFF
    add rdx, rax
    jmp .fold
.done:
    mov eax, edx
    ret

; net_csum(rsi, ecx, eax) -> eax = the checksum to store: the complement of net_sum (0 when verifying a good one)
net_csum:
    call net_sum
    not eax
    and eax, 0xFFFF
    ret

; net_eth(rdi = frame, rsi = destination MAC, eax = EtherType as stored): Ethernet II header from our MAC
net_eth:
    mov ecx, [rsi]
    mov [rdi], ecx
    mov cx, [rsi + 4]
    mov [rdi + 4], cx
    mov ecx, [net_mac]
    mov [rdi + 6], ecx
    mov cx, [net_mac + 4]
    mov [rdi + 10], cx
    mov [rdi + 12], ax
    ret

; net_ipv4(rdi = frame, edx = destination address as stored, ecx = payload bytes, eax = protocol): IPv4 header at 14
net_ipv4:
    mov byte [rdi + 14], 0x45       ; version 4, 5 words
    mov byte [rdi + 15], 0
    mov [rdi + 23], al
    lea eax, [rcx + 20]
    rol ax, 8
    mov [rdi + 16], ax              ; total length
    inc qword [net_ipid]
    mov rax, [net_ipid]
    rol ax, 8
    mov [rdi + 18], ax
    mov word [rdi + 20], 0x0040     ; don't fragment
    mov byte [rdi + 22], 64         ; TTL
    mov word [rdi + 24], 0
    mov eax, [net_ip]
    mov [rdi + 26], eax
    mov [rdi + 30], edx
    lea rsi, [rdi + 14]
    mov ecx, 20
    xor eax, eax
    call net_csum
    mov [rdi + 24], ax
    ret

; net_frame -> rdi = where the next frame is built ([net_txbuf] past the virtio-net header space)
net_frame:
    mov rdi, [net_txbuf]
    add rdi, VNET_HDR
    ret

; net_input(rsi = frame, ecx = bytes): the receive path
net_input:
    push rbx
    push r12
    push r13
    mov rbx, rsi
    mov r12d, ecx
    inc qword [net_frames_in]
    cmp r12d, 14
    jb .out
    mov ax, [rbx + 12]
    cmp ax, 0x0608                  ; ARP
    je .arp
    cmp ax, 0x0008                  ; IPv4
    je .ip
    jmp .out
.arp:
    cmp r12d, 42
    jb .out
    cmp dword [rbx + 14], 0x00080100    ; Ethernet, IPv4
    jne .out
    cmp word [rbx + 18], 0x0406         ; 6-byte and 4-byte addresses
    jne .out
    mov eax, [rbx + 38]                 ; RFC 826: only a packet for our address is merged and answered
    cmp eax, [net_ip]
    jne .out
    mov edi, [rbx + 28]
    lea rsi, [rbx + 22]
    call net_arp_learn
    cmp word [rbx + 20], 0x0100         ; a request
    jne .out
    call net_frame
    lea rsi, [rbx + 22]
    mov eax, 0x0608
    call net_eth
    mov dword [rdi + 14], 0x00080100
    mov dword [rdi + 18], 0x02000406    ; reply
    mov eax, [net_mac]
    mov [rdi + 22], eax
    mov ax, [net_mac + 4]
    mov [rdi + 26], ax
    mov eax, [net_ip]
    mov [rdi + 28], eax
    mov eax, [rbx + 22]
    mov [rdi + 32], eax
    mov ax, [rbx + 26]
    mov [rdi + 36], ax
    mov eax, [rbx + 28]
    mov [rdi + 38], eax
    mov ecx, 42
    call net_send
    jmp .out
.ip:
    cmp r12d, 34
    jb .out
    cmp byte [rbx + 14], 0x45       ; IPv4 without options: all this stack sends or answers
    jne .out
    mov eax, [rbx + 30]
    cmp eax, [net_ip]
    jne .out
    lea rsi, [rbx + 14]
    mov ecx, 20
    xor eax, eax
    call net_csum
    test eax, eax
    jnz .bad
    movzx r13d, word [rbx + 16]
    rol r13w, 8                     ; total length
    cmp r13d, 28
    jb .bad
    lea eax, [r12 - 14]
    cmp r13d, eax
    ja .bad
    cmp byte [rbx + 23], 1
    je .icmp
    cmp byte [rbx + 23], 17
    jne .out
    inc qword [net_udp_rx]
    jmp .out
.icmp:
    lea rsi, [rbx + 34]
    lea ecx, [r13 - 20]
    xor eax, eax
    call net_csum
    test eax, eax
    jnz .bad
    cmp byte [rbx + 34], 8          ; echo request
    je .echo
    cmp byte [rbx + 34], 0          ; echo reply
    jne .out
    cmp word [rbx + 38], NET_ICMP_ID
    jne .out
    movzx eax, word [rbx + 40]
    rol ax, 8
    cmp rax, [net_want_seq]
    jne .out
    mov qword [net_got], 1
    jmp .out
.echo:
    ; the reply (RFC 792): the request's data back, addresses swapped, type 0, checksums recomputed
    call net_frame
    push rdi
    lea rsi, [rbx + 14]
    add rdi, 14
    mov ecx, r13d
    rep movsb
    pop rdi
    lea rsi, [rbx + 6]
    mov eax, 0x0008
    call net_eth
    mov byte [rdi + 34], 0
    mov word [rdi + 36], 0
    lea rsi, [rdi + 34]
    lea ecx, [r13 - 20]
    xor eax, eax
    call net_csum
    mov [rdi + 36], ax
    mov edx, [rbx + 26]
    lea ecx, [r13 - 20]
    mov eax, 1
    call net_ipv4
    inc qword [net_echo_served]
    lea ecx, [r13 + 14]
    call net_send
    jmp .out
.bad:
    inc qword [net_bad]
.out:
    pop r13
    pop r12
    pop rbx
    ret

; net_arp_learn(edi = address, rsi = its MAC): into the cache (a new address takes a free slot, else slot 0)
net_arp_learn:
    lea rdx, [net_arp]
    xor ecx, ecx
.find:
    cmp word [rdx + 10], 0
    je .use
    cmp [rdx], edi
    je .use
    add rdx, 16
    inc ecx
    cmp ecx, NET_ARP_SLOTS
    jb .find
    lea rdx, [net_arp]
.use:
    mov [rdx], edi
    mov eax, [rsi]
    mov [rdx + 4], eax
    mov ax, [rsi + 4]
    mov [rdx + 8], ax
    mov word [rdx + 10], 1
    ret

; net_arp_lookup(edi = address) -> rax = its MAC in the cache, or 0
net_arp_lookup:
    lea rax, [net_arp]
    xor ecx, ecx
.find:
    cmp word [rax + 10], 0
    je .none
    cmp [rax], edi
    je .hit
    add rax, 16
    inc ecx
    cmp ecx, NET_ARP_SLOTS
    jb .find
.none:
    xor eax, eax
    ret
.hit:
    add rax, 4
    ret

; net_resolve(edi = address) -> rax = its MAC, asking by ARP request (broadcast) until answered, or 0
net_resolve:
    push rbx
    push r12
    push r13
    mov ebx, edi
    mov r12d, NET_ARP_TRIES
.try:
    mov edi, ebx
    call net_arp_lookup
    test rax, rax
    jnz .done
    dec r12d
    js .done
    call net_frame
    lea rsi, [net_broadcast]
    mov eax, 0x0608
    call net_eth
    mov dword [rdi + 14], 0x00080100
    mov dword [rdi + 18], 0x01000406    ; request
    mov eax, [net_mac]
    mov [rdi + 22], eax
    mov ax, [net_mac + 4]
    mov [rdi + 26], ax
    mov eax, [net_ip]
    mov [rdi + 28], eax
    mov dword [rdi + 32], 0
    mov word [rdi + 36], 0
    mov [rdi + 38], ebx
    mov ecx, 42
    call net_send
    mov r13d, NET_POLLS
.wait:
    call net_poll
    mov edi, ebx
    call net_arp_lookup
    test rax, rax
    jnz .done
    dec r13d
    jnz .wait
    jmp .try
.done:
    pop r13
    pop r12
    pop rbx
    ret

; net_target(rdi = address, or a host number on our subnet) -> eax = the address as stored (network byte order)
net_target:
    mov eax, edi
    cmp rdi, 0x10000
    jae .full
    mov ecx, [net_ip]
    and ecx, [net_mask]
    bswap ecx
    or eax, ecx
.full:
    bswap eax
    ret

; net_ready -> ZF clear if a NIC with an address is there
net_ready:
    cmp qword [net_kind], 0
    je .no
    cmp dword [net_ip], 0
.no:
    ret

; 16 net_ping(rdi = address, rsi = count) -> sent << 32 | replies
sys_net_ping:
    call net_ready
    je .fail
    test rsi, rsi
    jz .fail
    mov r12, rsi
    call net_target
    mov r13d, eax
    xor r14d, r14d
    xor r15d, r15d
    mov edi, r13d
    call net_resolve
    test rax, rax
    jz .done
    mov rbx, rax
.echo:
    cmp r14, r12
    jae .done
    inc r14
    mov [net_want_seq], r14
    mov qword [net_got], 0
    call net_frame
    mov rsi, rbx
    mov eax, 0x0008
    call net_eth
    mov word [rdi + 34], 0x0008     ; type 8 (echo request), code 0
    mov word [rdi + 36], 0
    mov word [rdi + 38], NET_ICMP_ID
    mov eax, r14d
    rol ax, 8
    mov [rdi + 40], ax
    xor ecx, ecx
.data:
    lea eax, [rcx + 0x10]
    mov [rdi + 42 + rcx], al
    inc ecx
    cmp ecx, NET_PING_DATA
    jb .data
    lea rsi, [rdi + 34]
    mov ecx, 8 + NET_PING_DATA
    xor eax, eax
    call net_csum
    mov [rdi + 36], ax
    mov edx, r13d
    mov ecx, 8 + NET_PING_DATA
    mov eax, 1
    call net_ipv4
    mov ecx, 14 + 20 + 8 + NET_PING_DATA
    call net_send
    mov ebp, NET_POLLS
.wait:
    call net_poll
    cmp qword [net_got], 0
    jne .got
    dec ebp
    jnz .wait
    jmp .echo
.got:
    inc r15
    jmp .echo
.done:
    mov rax, r14
    shl rax, 32
    or rax, r15
    ret
.fail:
    mov rax, -1
    ret

; 17 net_udp(rdi = address, rsi = port, rdx = count, r10 = payload bytes) -> datagrams sent
sys_net_udp:
    call net_ready
    je .fail
    cmp r10, 1472
    ja .fail
    test rsi, rsi
    jz .fail
    cmp rsi, 0xFFFF
    ja .fail
    mov r12, rdx
    mov r14d, esi
    rol r14w, 8                     ; destination port as stored
    mov r15, r10
    call net_target
    mov r13d, eax
    xor ebp, ebp
    mov edi, r13d
    call net_resolve
    test rax, rax
    jz .done
    mov rbx, rax
.datagram:
    cmp rbp, r12
    jae .done
    call net_frame
    mov rsi, rbx
    mov eax, 0x0008
    call net_eth
    mov word [rdi + 34], NET_UDP_SPORT
    mov [rdi + 36], r14w
    lea eax, [r15 + 8]
    rol ax, 8
    mov [rdi + 38], ax              ; UDP length
    mov word [rdi + 40], 0
    xor ecx, ecx
.data:
    cmp rcx, r15
    jae .filled
    lea eax, [rcx + rbp]
    mov [rdi + 42 + rcx], al
    inc ecx
    jmp .data
.filled:
    mov edx, r13d
    lea ecx, [r15 + 8]
    mov eax, 17
    call net_ipv4
    ; the checksum covers the pseudo-header (source, destination, zero and protocol, UDP length), header and data
    lea rsi, [rdi + 26]
    mov ecx, 8
    xor eax, eax
    call net_sum
    add eax, 0x1100                 ; zero, protocol 17
    movzx ecx, word [rdi + 38]
    add eax, ecx
    lea rsi, [rdi + 34]
    lea ecx, [r15 + 8]
    call net_csum
    test eax, eax
    jnz .sum
    mov eax, 0xFFFF                 ; RFC 768: a computed zero is sent as all ones
.sum:
    mov [rdi + 40], ax
    lea ecx, [r15 + 14 + 20 + 8]
    call net_send
    inc rbp
    call net_poll                   ; answer whatever came meanwhile (ARP)
    jmp .datagram
.done:
    mov rax, rbp
    ret
.fail:
    mov rax, -1
    ret

; 18 net_serve(rdi = polls) -> frames handled meanwhile
sys_net_serve:
    call net_ready
    je .fail
    test rdi, rdi
    jz .fail
    mov r12, rdi
    mov r13, [net_frames_in]
%ifdef PARAVIRT
.poll:
    call net_poll
    dec r12
    jnz .poll
%else
    ; interrupts on while the kernel waits: frames are handled by net_irq, as they arrive
    sti
.spin:
    dec r12
    jnz .spin
    cli
    call net_poll                   ; a frame whose interrupt is still pending
%endif
    mov rax, [net_frames_in]
    sub rax, r13
    ret
.fail:
    mov rax, -1
    ret

msg_net_ne2k:   db "virtps: net: NE2000 at 0x300 irq 10, mac ", 0
msg_net_virtio: db "virtps: net: virtio-net, mac ", 0
net_opt_ip:     db "ip=", 0
net_opt_ether:  db "ether=", 0
net_broadcast:  db 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
; @@DATA@@
align 8
net_kind:       dq 0            ; 0 none, NET_NE2K, NET_VIRTIO
net_io:         dq 0            ; the NE2000's port base
net_irqno:      dq -1
net_txbuf:      dq 0            ; a frame: VNET_HDR bytes of virtio_net_hdr (zero), then the frame
net_rxbuf:      dq 0            ; the NE2000's frame, copied out of its ring
net_ipid:       dq 0
net_want_seq:   dq 0            ; the echo sequence number a ping waits for, and whether its reply came
net_got:        dq 0
net_frames_in:  dq 0
net_frames_out: dq 0
net_udp_rx:     dq 0
net_echo_served: dq 0
net_irqs:       dq 0
net_bad:        dq 0            ; frames for us whose checksums failed
ne2k_next:      dq 0            ; the ring page the next frame starts at
vnet_dev:       times VD_SIZEOF / 8 dq 0
vnet_rxq:       times VQ_SIZEOF / 8 dq 0    ; receiveq 0
vnet_txq:       times VQ_SIZEOF / 8 dq 0    ; transmitq 1
vnet_rxbufs:    times VNET_QSIZE dq 0
net_ip:         dd 0            ; our address and mask as stored in packets (network byte order)
net_mask:       dd 0
net_mac:        times 8 db 0
net_arp:        times NET_ARP_SLOTS * 16 db 0   ; address (4), MAC (6), valid (2), pad
