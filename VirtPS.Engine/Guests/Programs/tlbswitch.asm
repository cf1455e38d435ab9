; tlbswitch: each process mmaps PAGES pages of its own, then ITER times sweeps them (every STRIDE-th page) and
; yields: with two or more processes each sweep starts right after a context switch (a CR3 load).
; Defines: ITER, PAGES, STRIDE.
default rel
start:
    mov eax, 4              ; mmap
    mov rdi, PAGES * 4096
    syscall
    mov r12, rax
    mov rbx, ITER
.sweep:
    mov rsi, r12
    mov rcx, (PAGES + STRIDE - 1) / STRIDE
.touch:
    add qword [rsi], 1
    add rsi, STRIDE * 4096
    dec rcx
    jnz .touch
    mov eax, 3              ; yield
    syscall
    dec rbx
    jnz .sweep
    xor eax, eax            ; exit
    syscall
