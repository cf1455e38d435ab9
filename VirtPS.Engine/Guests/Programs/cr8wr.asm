; cr8wr: the kernel writes CR8 (the task priority) ITER times in one system call (Adams & Agesen's
; "cr8wr"). Defines: ITER.
default rel
start:
    mov eax, 9              ; setcr8(0, ITER)
    xor edi, edi
    mov rsi, ITER
    syscall
    xor eax, eax
    syscall
