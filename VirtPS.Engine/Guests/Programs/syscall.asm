; syscall: getpid in a loop, then one write. Defines: ITER.
default rel
start:
    mov rbx, ITER
.loop:
    mov eax, 2              ; getpid
    syscall
    dec rbx
    jnz .loop
    mov eax, 1              ; write
    lea rdi, [msg]
    mov esi, msg_end - msg
    syscall
    xor eax, eax            ; exit
    syscall
msg: db "syscall: done", 10
msg_end:
