; ptemod: mprotect the data page read-only, then writable again, then write to it. Defines: ITER.
default rel
USER_DATA equ 0x40100000
start:
    mov rbx, ITER
.loop:
    mov eax, 5              ; mprotect(USER_DATA, 4096, read)
    mov edi, USER_DATA
    mov esi, 4096
    mov edx, 1
    syscall
    mov eax, 5              ; mprotect(USER_DATA, 4096, read|write)
    mov edi, USER_DATA
    mov esi, 4096
    mov edx, 3
    syscall
    mov edi, USER_DATA
    mov [rdi], rbx
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
