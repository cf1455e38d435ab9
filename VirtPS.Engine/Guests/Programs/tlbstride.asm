; tlbstride: mmap PAGES pages, then sweep them ITER times, adding to the first quadword of every STRIDE-th page:
; one TLB lookup per page touched, so a working set beyond the TLB's reach walks on every touch.
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
    dec rbx
    jnz .sweep
    xor eax, eax            ; exit
    syscall
