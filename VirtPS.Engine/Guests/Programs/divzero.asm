; divzero: DIV by zero; the kernel's #DE handler skips the DIV and resumes. Defines: ITER.
default rel
start:
    mov rbx, ITER
.loop:
    xor edx, edx
    mov eax, 1
    xor ecx, ecx
    div rcx
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
