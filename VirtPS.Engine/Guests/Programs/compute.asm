; compute: arithmetic in a loop, no kernel entry until exit. Defines: ITER.
default rel
start:
    mov rcx, ITER
    xor eax, eax
.loop:
    add rax, rcx
    imul rax, rax, 3
    xor rax, rcx
    dec rcx
    jnz .loop
    xor eax, eax            ; exit
    syscall
