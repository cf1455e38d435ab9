; tlbstride: mmap PAGES pages, then sweep them ITER times, adding to the first quadword of every STRIDE-th page:
; one TLB lookup per page touched, so a working set beyond the TLB's reach walks on every touch.
; With YIELD (the tlbswitch workload) each process yields after every sweep: with two or more processes each
; sweep starts right after a context switch (a CR3 load).
; Defines: ITER, PAGES, STRIDE; YIELD.
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
%ifdef YIELD
    mov eax, 3              ; yield
    syscall
%endif
    dec rbx
    jnz .sweep
    xor eax, eax            ; exit
    syscall
