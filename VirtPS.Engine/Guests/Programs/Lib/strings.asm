; Text helpers the workload programs share (spliced in by %include "strings.asm"; see Guests/Kernel.cs Source).

; append(rsi = zero-terminated text, rdi = where) -> rdi past it; clobbers rsi and cl, keeps rax
append:
    mov cl, [rsi]
    test cl, cl
    jz .end
    mov [rdi], cl
    inc rsi
    inc rdi
    jmp append
.end:
    ret

; append_dec(rax = value, rdi = where) -> rdi past its decimal digits; clobbers rax, rcx, rdx, r8
append_dec:
    mov r8, rsp
    mov ecx, 10
.digit:
    xor edx, edx
    div rcx
    add dl, '0'
    dec rsp
    mov [rsp], dl
    test rax, rax
    jnz .digit
.copy:
    mov al, [rsp]
    mov [rdi], al
    inc rsp
    inc rdi
    cmp rsp, r8
    jb .copy
    ret
