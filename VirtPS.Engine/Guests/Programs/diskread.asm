; diskread: reads the whole disk (blk_info gives its size) in 64 KiB blk_read calls and computes the CRC-32 of every
; byte (IEEE 802.3 polynomial, reflected, 0xEDB88320; initial value 0xFFFFFFFF and final XOR, as zlib's crc32), then
; prints "diskread: <sectors> sectors, crc32=0x<8 lowercase hex digits>". A read that fails prints
; "diskread: read error at sector <n>" instead. ITER is not used: one pass over the disk is the work.
; The CRC is slice-by-8 (Intel's: Kounavis and Berry, 2005): eight 256-entry tables built at start, one 8-byte step
; per 8 table lookups, about 2.6 instructions per byte. Syscalls: mmap, blk_info, one blk_read per 64 KiB, write,
; exit. Page faults: 18 (the buffer's 16 pages are touched at start, then the tables' 2).
default rel
CHUNK   equ 128                 ; sectors per blk_read: 64 KiB
OUT     equ 0x40100000          ; the process's data page: the output line is built there
start:
    mov eax, 4                  ; mmap: the buffer, then the tables (8 x 256 dwords)
    mov edi, CHUNK * 512 + 8192
    syscall
    mov r15, rax                ; buffer
    lea r14, [rax + CHUNK * 512]    ; tables
    mov rdi, r15                ; touch the buffer's pages now, so the kernel's copies never fault
    mov ecx, CHUNK * 512 / 4096
.touch:
    mov byte [rdi], 0
    add rdi, 4096
    dec ecx
    jnz .touch
    ; table 0: the byte-at-a-time table of the reflected polynomial
    xor ecx, ecx
.t0:
    mov eax, ecx
    mov edx, 8
.bit:
    shr eax, 1
    jnc .nox
    xor eax, 0xEDB88320
.nox:
    dec edx
    jnz .bit
    mov [r14 + rcx*4], eax
    inc ecx
    cmp ecx, 256
    jb .t0
    ; table k: T[k][i] = (T[k-1][i] >> 8) ^ T[0][T[k-1][i] & 0xFF]
    lea rsi, [r14 + 1024]
    mov ebx, 7 * 256
.tk:
    mov eax, [rsi - 1024]
    movzx ecx, al
    shr eax, 8
    xor eax, [r14 + rcx*4]
    mov [rsi], eax
    add rsi, 4
    dec ebx
    jnz .tk
    mov eax, 12                 ; blk_info
    syscall
    mov r13, rax                ; sectors
    xor r12d, r12d              ; next sector
    mov edx, 0xFFFFFFFF         ; crc
.chunk:
    cmp r12, r13
    jae .done
    mov rbx, r13
    sub rbx, r12
    mov eax, CHUNK
    cmp rbx, rax
    cmova rbx, rax              ; sectors this call
    push rdx
    mov eax, 13                 ; blk_read(lba, buffer, sectors)
    mov rdi, r12
    mov rsi, r15
    mov rdx, rbx
    syscall
    pop rdx
    test rax, rax
    jnz .error
    mov r10, r15
    mov r11, rbx
    shl r11, 9
    add r11, r10                ; end of the data
.slice:                         ; 16 bytes per turn: two slice-by-8 steps
    mov eax, [r10]
    xor eax, edx
    mov ecx, [r10 + 4]
    movzx ebp, al
    mov edx, [r14 + rbp*4 + 7 * 1024]
    movzx ebp, ah
    xor edx, [r14 + rbp*4 + 6 * 1024]
    shr eax, 16
    movzx ebp, al
    xor edx, [r14 + rbp*4 + 5 * 1024]
    movzx ebp, ah
    xor edx, [r14 + rbp*4 + 4 * 1024]
    movzx ebp, cl
    xor edx, [r14 + rbp*4 + 3 * 1024]
    movzx ebp, ch
    xor edx, [r14 + rbp*4 + 2 * 1024]
    shr ecx, 16
    movzx ebp, cl
    xor edx, [r14 + rbp*4 + 1 * 1024]
    movzx ebp, ch
    xor edx, [r14 + rbp*4]
    mov eax, [r10 + 8]
    xor eax, edx
    mov ecx, [r10 + 12]
    movzx ebp, al
    mov edx, [r14 + rbp*4 + 7 * 1024]
    movzx ebp, ah
    xor edx, [r14 + rbp*4 + 6 * 1024]
    shr eax, 16
    movzx ebp, al
    xor edx, [r14 + rbp*4 + 5 * 1024]
    movzx ebp, ah
    xor edx, [r14 + rbp*4 + 4 * 1024]
    movzx ebp, cl
    xor edx, [r14 + rbp*4 + 3 * 1024]
    movzx ebp, ch
    xor edx, [r14 + rbp*4 + 2 * 1024]
    shr ecx, 16
    movzx ebp, cl
    xor edx, [r14 + rbp*4 + 1 * 1024]
    movzx ebp, ch
    xor edx, [r14 + rbp*4]
    add r10, 16
    cmp r10, r11
    jb .slice
    add r12, rbx
    jmp .chunk
.done:
    not edx                     ; the final XOR
    mov ebx, edx
    mov rdi, OUT
    lea rsi, [msg_head]
    call append
    mov rax, r13
    call append_dec
    lea rsi, [msg_crc]
    call append
    mov ecx, 8                  ; eight hex digits, most significant first
.hex:
    rol ebx, 4
    mov eax, ebx
    and eax, 15
    lea rsi, [hex_digits]
    mov al, [rsi + rax]
    mov [rdi], al
    inc rdi
    dec ecx
    jnz .hex
    jmp .print
.error:
    mov rdi, OUT
    lea rsi, [msg_error]
    call append
    mov rax, r12
    call append_dec
.print:
    mov byte [rdi], 10
    inc rdi
    mov rsi, rdi
    mov rdi, OUT
    sub rsi, rdi
    mov eax, 1                  ; write(line, length)
    syscall
    xor eax, eax                ; exit
    syscall

%include "strings.asm"

msg_head:  db "diskread: ", 0
msg_crc:   db " sectors, crc32=0x", 0
msg_error: db "diskread: read error at sector ", 0
hex_digits: db "0123456789abcdef"
