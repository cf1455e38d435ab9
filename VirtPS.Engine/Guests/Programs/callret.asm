; callret: a recursion DEPTH (64) calls deep, ITER times; no kernel entry until exit. Defines: ITER.
default rel
DEPTH equ 64
start:
    mov rbx, ITER
.loop:
    mov ecx, DEPTH
    call down
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
down:
    dec ecx
    jz .bottom
    call down
.bottom:
    ret
