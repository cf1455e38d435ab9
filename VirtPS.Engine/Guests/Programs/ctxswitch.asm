; ctxswitch: yield in a loop; with two processes each yield is a context switch. Defines: ITER.
default rel
start:
    mov rbx, ITER
.loop:
    mov eax, 3              ; yield
    syscall
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
