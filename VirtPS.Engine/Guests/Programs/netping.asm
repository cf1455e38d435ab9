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
    call number
    lea rsi, [msg2]
    call append
    mov eax, ebx
    call number
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

; append(rdi = end of the line, rsi = zero-terminated text) -> rdi = new end; keeps rax
append:
    mov cl, [rsi]
    test cl, cl
    jz .end
    mov [rdi], cl
    inc rdi
    inc rsi
    jmp append
.end:
    ret

; number(rax = value, rdi = end of the line) -> rdi = new end: the value in decimal
number:
    push rbx
    mov esi, digits + 20
    mov ecx, 10
.digit:
    xor edx, edx
    div rcx
    add dl, '0'
    dec rsi
    mov [rsi], dl
    test rax, rax
    jnz .digit
    mov ebx, digits + 20
.copy:
    cmp rsi, rbx
    je .done
    mov cl, [rsi]
    mov [rdi], cl
    inc rsi
    inc rdi
    jmp .copy
.done:
    pop rbx
    ret

msg1: db "netping: ", 0
msg2: db " sent, ", 0
msg3: db " received", 10, 0
msg_nonic: db "no network", 10, 0
line    equ 0x40100000          ; the process's data page
digits  equ 0x40100100
