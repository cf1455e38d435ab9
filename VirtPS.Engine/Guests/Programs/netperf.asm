; netperf: a UDP stream of ITER datagrams of SIZE bytes to TARGET:PORT (a sink) through the guest's NIC, then a line
; with the count sent. Defines: ITER (datagrams), TARGET (an IPv4 address, or a host number on the guest's subnet),
; PORT, SIZE (payload bytes).
default rel
start:
    mov eax, 17                 ; net_udp(TARGET, PORT, ITER, SIZE) -> datagrams sent
    mov edi, TARGET
    mov esi, PORT
    mov rdx, ITER
    mov r10d, SIZE
    syscall
    mov edi, line
    lea rsi, [msg1]
    call append
    cmp rax, -1
    je .nonic
    call append_dec
    lea rsi, [msg2]
    call append
    mov eax, SIZE
    call append_dec
    lea rsi, [msg3]
    call append
    jmp .print
.nonic:
    lea rsi, [msg_nonic]
    call append
.print:
    mov eax, 1
    mov esi, line
    sub rdi, rsi
    xchg rdi, rsi
    syscall
    xor eax, eax
    syscall

%include "strings.asm"

msg1: db "netperf: ", 0
msg2: db " datagrams of ", 0
msg3: db " bytes sent", 10, 0
msg_nonic: db "no network", 10, 0
line    equ 0x40100000
