; keys: echoes the keys typed on the guest's keyboard to its console, one character at a time, until ITER characters
; have been echoed or Escape is pressed, then prints "keys: done". It waits as long as no key comes (each empty read
; yields in the kernel), so it ends only when given its keys: Send-VInput, to the guest with the input focus. With no
; keyboard (kbd_read gives -1) it prints "keys: no keyboard" and exits. Defines: ITER.
default rel
BUF equ 0x40100000                  ; the process's data page
start:
    mov rbx, ITER
.read:
    mov eax, 19                     ; kbd_read(buf, 1)
    mov edi, BUF
    mov esi, 1
    syscall
    test rax, rax
    js .nokbd
    jz .read
    mov eax, BUF
    cmp byte [rax], 27              ; Escape
    je .done
    mov eax, 1                      ; write(buf, 1): the echo
    mov edi, BUF
    mov esi, 1
    syscall
    dec rbx
    jnz .read
.done:
    mov eax, 1
    lea rdi, [msg_done]
    mov esi, msg_done_end - msg_done
    syscall
    xor eax, eax                    ; exit
    syscall
.nokbd:
    mov eax, 1
    lea rdi, [msg_none]
    mov esi, msg_none_end - msg_none
    syscall
    xor eax, eax
    syscall
msg_done: db 10, "keys: done", 10
msg_done_end:
msg_none: db "keys: no keyboard", 10
msg_none_end:
