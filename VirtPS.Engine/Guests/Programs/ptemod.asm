; ptemod: the kernel rewrites the PTE of the data page ITER times in one system call, then INVLPGs it once
; (Adams & Agesen's "ptemod"); the process then writes the page, which must still be writable.
; Defines: ITER (even, so the page ends writable).
default rel
USER_DATA equ 0x40100000
start:
    mov qword [USER_DATA], 1    ; the page is in use before the kernel edits its PTE
    mov eax, 11             ; ptemod(USER_DATA, ITER)
    mov edi, USER_DATA
    mov rsi, ITER
    syscall
    mov [USER_DATA], rax
    xor eax, eax
    syscall
