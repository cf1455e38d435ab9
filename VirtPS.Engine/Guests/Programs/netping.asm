; netping: ITER ICMP echoes to TARGET through the guest's NIC (the kernel's own stack), then a line with the counts,
; then the kernel keeps answering for LINGER thousand polls so a peer pinging this guest gets its replies.
; Defines: ITER (echoes), TARGET (an IPv4 address, or a host number on the guest's subnet), LINGER.
default rel
start:
    mov eax, 16                 ; net_ping(TARGET, ITER) -> sent << 32 | received
    mov edi, TARGET
    mov rsi, ITER
    syscall
    mov edi, line
    lea rsi, [msg1]
    call append
    cmp rax, -1
    je .nonic
    mov rbx, rax
    mov rax, rbx
    shr rax, 32
    call append_dec
    lea rsi, [msg2]
    call append
    mov eax, ebx
    call append_dec
    lea rsi, [msg3]
    call append
    jmp .print
.nonic:
    lea rsi, [msg_nonic]
    call append
.print:
    mov eax, 1                  ; write(line, length)
    mov esi, line
    sub rdi, rsi
    xchg rdi, rsi
    syscall
    mov eax, 18                 ; net_serve(LINGER x 1000 polls)
    mov edi, LINGER * 1000
    syscall
    xor eax, eax
    syscall

%include "strings.asm"

msg1: db "netping: ", 0
msg2: db " sent, ", 0
msg3: db " received", 10, 0
msg_nonic: db "no network", 10, 0
line    equ 0x40100000          ; the process's data page
