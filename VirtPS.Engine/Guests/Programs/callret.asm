; callret: the kernel makes ITER call/ret pairs in one system call (Adams & Agesen's "call/ret": kernel
; code, where a software VMM runs translated). Defines: ITER.
default rel
start:
    mov eax, 10             ; callret(ITER)
    mov rdi, ITER
    syscall
    xor eax, eax
    syscall
