; Input: the i8042 keyboard and mouse controller (ports 0x60 data, 0x64 status and command; IRQ 1 keyboard, IRQ 12 mouse).
; The controller translates the keyboard's scancodes to set 1 (command byte XLAT); this driver turns set 1 into ASCII
; (US layout with Shift and Caps Lock; Enter is 10, Backspace 8, Tab 9, Escape 27; keys that type nothing are dropped)
; in a 256-byte ring that sys_kbd_read empties. The mouse's 3-byte packets are summed into kbd_mouse_x/y.
; Native build: one byte per interrupt, IRQ 1 or IRQ 12 (the status register's AUXB says whose byte it is).
; PARAVIRT build: Xen would bounce a device interrupt to the one event callback this kernel has, its tick, so the
; controller's interrupts stay off and sys_kbd_read polls the status register instead.
KBD_DATA    equ 0x60
KBD_STATUS  equ 0x64
KBD_OBF     equ 0x01                ; status: output buffer full
KBD_IBF     equ 0x02                ; status: input buffer full (the controller has not taken the last write)
KBD_AUXB    equ 0x20                ; status: the output buffer holds a mouse byte
KBD_RING    equ 256
KBD_TRIES   equ 1000                ; status polls before a reply is given up on
%ifdef PARAVIRT
KBD_CONFIG  equ 0x44                ; command byte: XLAT, SYS; both ports on, interrupts off
%else
KBD_CONFIG  equ 0x47                ; command byte: XLAT, SYS, INT2 (IRQ 12), INT (IRQ 1); both ports on
%endif

; kbd_init: finds the controller (a floating bus reads 0xFF) and sets it up: ports off, stale bytes dropped, the mouse
; told to report (its acknowledgement read with the keyboard port still off, so typed-ahead keys cannot come first),
; then the command byte that turns the keyboard port and the interrupts on
kbd_init:
    in al, KBD_STATUS
    cmp al, 0xFF
    je .none
    mov al, 0xAD                    ; keyboard port off
    call kbd_command
    mov al, 0xA7                    ; mouse port off
    call kbd_command
.flush:
    in al, KBD_STATUS
    test al, KBD_OBF
    jz .flushed
    in al, KBD_DATA
    jmp .flush
.flushed:
    mov al, 0x60                    ; command byte: mouse port on, keyboard port off, interrupts off
    call kbd_command
    mov al, 0x54
    call kbd_data
    mov al, 0xD4                    ; to the mouse: enable data reporting
    call kbd_command
    mov al, 0xF4
    call kbd_data
    call kbd_reply                  ; its ACK (0xFA)
    mov al, 0x60
    call kbd_command
    mov al, KBD_CONFIG
    call kbd_data
    mov qword [kbd_present], 1
.none:
    ret

; kbd_command(al = controller command) / kbd_data(al = byte for port 0x60): each waits until the input buffer is empty
kbd_command:
    mov ah, al
    call kbd_wait_write
    mov al, ah
    out KBD_STATUS, al
    ret
kbd_data:
    mov ah, al
    call kbd_wait_write
    mov al, ah
    out KBD_DATA, al
    ret
kbd_wait_write:                     ; keeps ah
    mov ecx, KBD_TRIES
.poll:
    in al, KBD_STATUS
    test al, KBD_IBF
    jz .ready
    dec ecx
    jnz .poll
.ready:
    ret

; kbd_reply -> al = the next byte from the controller (0xFF if none came)
kbd_reply:
    mov ecx, KBD_TRIES
.poll:
    in al, KBD_STATUS
    test al, KBD_OBF
    jnz .got
    dec ecx
    jnz .poll
    mov al, 0xFF
    ret
.got:
    in al, KBD_DATA
    ret

; kbd_irq(rdi = irq): IRQ 1 or 12, if there is a byte, takes it
kbd_irq:
    cmp edi, 1
    je kbd_take
    cmp edi, 12
    je kbd_take
    ret

; kbd_take: one byte from the output buffer, if one is there, to the keyboard or mouse path
kbd_take:
    cmp qword [kbd_present], 0
    je .none
    in al, KBD_STATUS
    test al, KBD_OBF
    jz .none
    mov cl, al
    in al, KBD_DATA
    test cl, KBD_AUXB
    jnz kbd_mouse_byte
    jmp kbd_scancode
.none:
    ret

%ifdef PARAVIRT
; kbd_poll: takes every byte the controller has
kbd_poll:
    cmp qword [kbd_present], 0
    je .done
.next:
    in al, KBD_STATUS
    test al, KBD_OBF
    jz .done
    call kbd_take
    jmp .next
.done:
    ret
%endif

; kbd_scancode(al = set 1 byte): Shift and Caps Lock change state; a key that types puts its character in the ring
kbd_scancode:
    movzx eax, al
    cmp eax, 0xE0
    je .extended
    cmp qword [kbd_e0], 0
    jne .after_e0
    mov ecx, eax
    and ecx, 0x7F
    test eax, 0x80
    jnz .release
    cmp ecx, 0x2A                   ; left Shift
    je .shift_down
    cmp ecx, 0x36                   ; right Shift
    je .shift_down
    cmp ecx, 0x3A                   ; Caps Lock
    je .caps
    cmp ecx, kbd_map_shift - kbd_map
    jae .done
    lea rdx, [kbd_map]
    cmp qword [kbd_shift], 0
    je .map
    lea rdx, [kbd_map_shift]
.map:
    movzx eax, byte [rdx + rcx]
    test eax, eax
    jz .done
    cmp qword [kbd_caps], 0         ; Caps Lock swaps the case of letters only
    je .put
    mov ecx, eax
    or ecx, 0x20
    cmp ecx, 'a'
    jb .put
    cmp ecx, 'z'
    ja .put
    xor eax, 0x20
.put:
    mov rcx, [kbd_tail]
    mov rdx, rcx
    sub rdx, [kbd_head]
    cmp rdx, KBD_RING
    jae .overrun
    and ecx, KBD_RING - 1
    lea rdx, [kbd_ring]
    mov [rdx + rcx], al
    inc qword [kbd_tail]
    ret
.overrun:
    inc qword [kbd_overruns]
    ret
.release:
    cmp ecx, 0x2A
    je .shift_up
    cmp ecx, 0x36
    je .shift_up
    ret
.shift_down:
    mov qword [kbd_shift], 1
    ret
.shift_up:
    mov qword [kbd_shift], 0
    ret
.caps:
    xor qword [kbd_caps], 1
    ret
.extended:                          ; the next byte is an extended key (arrows, Home, right Ctrl, ...): none types
    mov qword [kbd_e0], 1
    ret
.after_e0:
    mov qword [kbd_e0], 0
.done:
    ret

; kbd_mouse_byte(al): a packet is flags (bit 3 always set: a byte without it is out of step, dropped), then X, then Y,
; 9-bit deltas whose sign bits are in the flags
kbd_mouse_byte:
    movzx eax, al
    mov rcx, [kbd_mouse_at]
    lea rdx, [kbd_mouse_pkt]
    test ecx, ecx
    jnz .store
    test eax, 0x08
    jz .done
.store:
    mov [rdx + rcx], al
    inc ecx
    mov [kbd_mouse_at], rcx
    cmp ecx, 3
    jb .done
    mov qword [kbd_mouse_at], 0
    inc qword [kbd_mouse_packets]
    movzx ecx, byte [rdx]
    movzx eax, byte [rdx + 1]
    test ecx, 0x10
    jz .xpos
    sub rax, 256
.xpos:
    add [kbd_mouse_x], rax
    movzx eax, byte [rdx + 2]
    test ecx, 0x20
    jz .ypos
    sub rax, 256
.ypos:
    add [kbd_mouse_y], rax
    and ecx, 7
    mov [kbd_mouse_buttons], rcx
.done:
    ret

; 19 kbd_read(rdi = user buffer, rsi = most bytes) -> rax = bytes read; 0 if none has come yet (the CPU was yielded to
; the other processes first, so a reader polling in a loop lets them run); -1 with no keyboard or a bad buffer
sys_kbd_read:
    cmp qword [kbd_present], 0
    je .fail
    test rsi, rsi
    jz .fail
    mov rax, USER_CODE
    cmp rdi, rax
    jb .fail
    mov rax, USER_END
    cmp rsi, rax
    ja .fail
    lea rdx, [rdi + rsi]
    cmp rdx, rax
    ja .fail
%ifdef PARAVIRT
    push rdi
    push rsi
    call kbd_poll
    pop rsi
    pop rdi
%endif
    mov rax, [kbd_tail]
    sub rax, [kbd_head]
    jnz .copy
    xor edi, edi                    ; nothing yet: yield
    call schedule
    xor eax, eax
    ret
.copy:
    cmp rax, rsi
    jbe .count
    mov rax, rsi
.count:
    mov r8, rax
    lea r9, [kbd_ring]
.byte:
    mov rcx, [kbd_head]
    and ecx, KBD_RING - 1
    mov dl, [r9 + rcx]
    mov [rdi], dl
    inc rdi
    inc qword [kbd_head]
    dec r8
    jnz .byte
    ret
.fail:
    mov rax, -1
    ret

; set 1 make code -> ASCII, unshifted and with Shift (0: the key types nothing)
kbd_map:
    db 0, 27, "1234567890-=", 8, 9                  ; 0x00-0x0F
    db "qwertyuiop[]", 10, 0                        ; 0x10-0x1D (0x1D: Ctrl)
    db "asdfghjkl;", 0x27, 0x60, 0, 0x5C            ; 0x1E-0x2B (0x2A: left Shift)
    db "zxcvbnm,./", 0, "*", 0, " "                 ; 0x2C-0x39 (0x36: right Shift, 0x38: Alt)
kbd_map_shift:
    db 0, 27, "!@#$%^&*()_+", 8, 9
    db "QWERTYUIOP{}", 10, 0
    db "ASDFGHJKL:", 0x22, "~", 0, "|"
    db "ZXCVBNM<>?", 0, "*", 0, " "
; @@DATA@@
align 8
kbd_present:    dq 0            ; 1 once kbd_init found the controller
kbd_head:       dq 0            ; ring: bytes taken out so far
kbd_tail:       dq 0            ; ring: bytes put in so far
kbd_overruns:   dq 0            ; characters dropped on a full ring
kbd_shift:      dq 0
kbd_caps:       dq 0
kbd_e0:         dq 0            ; an 0xE0 prefix came: the next code is an extended key's
kbd_mouse_at:   dq 0            ; bytes of the packet so far
kbd_mouse_packets: dq 0
kbd_mouse_x:    dq 0            ; the sum of the packets' deltas (right and up positive)
kbd_mouse_y:    dq 0
kbd_mouse_buttons: dq 0
kbd_mouse_pkt:  times 8 db 0
kbd_ring:       times KBD_RING db 0
