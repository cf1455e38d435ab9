; diskwrite: fills every 512-byte sector n of the disk with the 8-byte little-endian value n, 64 times, in 64 KiB
; blk_write calls, then blk_flush, and prints "diskwrite: <sectors> sectors, flushed". With no disk (blk_info 0) it
; neither writes nor flushes and prints "diskwrite: 0 sectors, no disk"; a failed write prints "diskwrite: write error
; at sector <n>", a failed flush "diskwrite: <sectors> sectors, flush failed". ITER is not used: one pass is the work.
; Syscalls: mmap, blk_info, one blk_write per 64 KiB, blk_flush (with a disk), write, exit. Page faults: 16 (the
; buffer's pages, touched at start).
default rel
CHUNK   equ 128                 ; sectors per blk_write: 64 KiB
OUT     equ 0x40100000          ; the process's data page: the output line is built there
start:
    mov eax, 4                  ; mmap: the buffer
    mov edi, CHUNK * 512
    syscall
    mov r15, rax
    mov rdi, r15                ; touch its pages now, so the kernel's copies never fault
    mov ecx, CHUNK * 512 / 4096
.touch:
    mov byte [rdi], 0
    add rdi, 4096
    dec ecx
    jnz .touch
    mov eax, 12                 ; blk_info
    syscall
    mov r13, rax                ; sectors
    xor r12d, r12d              ; next sector
.chunk:
    cmp r12, r13
    jae .flush
    mov rbx, r13
    sub rbx, r12
    mov eax, CHUNK
    cmp rbx, rax
    cmova rbx, rax              ; sectors this call
    mov rdi, r15                ; sector n: 64 copies of n
    mov rax, r12
    mov rdx, rbx
.fill:
    mov ecx, 64
    rep stosq
    inc rax
    dec rdx
    jnz .fill
    mov eax, 14                 ; blk_write(lba, buffer, sectors)
    mov rdi, r12
    mov rsi, r15
    mov rdx, rbx
    syscall
    test rax, rax
    jnz .error
    add r12, rbx
    jmp .chunk
.flush:
    mov rdi, OUT
    lea rsi, [msg_head]
    call append
    mov rax, r13
    call append_dec
    lea rsi, [msg_nodisk]
    test r13, r13
    jz .tail
    push rdi
    mov eax, 15                 ; blk_flush
    syscall
    pop rdi
    lea rsi, [msg_flushed]
    test rax, rax
    jz .tail
    lea rsi, [msg_noflush]
.tail:
    call append
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

msg_head:    db "diskwrite: ", 0
msg_flushed: db " sectors, flushed", 0
msg_nodisk:  db " sectors, no disk", 0
msg_noflush: db " sectors, flush failed", 0
msg_error:   db "diskwrite: write error at sector ", 0
