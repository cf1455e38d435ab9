; pgfault: mmap ITER pages and touch each once: one demand fault per page. Defines: ITER.
default rel
start:
    mov eax, 4              ; mmap
    mov rdi, ITER * 4096
    syscall
    mov rbx, ITER
.loop:
    mov byte [rax], 1
    add rax, 4096
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
