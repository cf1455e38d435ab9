; cr8wr: the kernel writes CR8 (the task priority) once per iteration. Defines: ITER.
default rel
start:
    mov rbx, ITER
.loop:
    mov eax, 9              ; setcr8
    mov rdi, rbx
    and edi, 1
    syscall
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
