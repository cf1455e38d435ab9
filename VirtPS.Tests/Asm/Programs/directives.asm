; directives and expressions
bits 64
default rel
SIZE equ 16
COUNT equ SIZE*4 + (3 << 2) - 1
_start:
  mov ecx, COUNT
  mov eax, 'AB'
  mov rbx, msg_end - msg
  lea rsi, [msg]
  lea rdi, [rel buf + 8]
  mov eax, [abs 0x10]
  mov eax, 0x10 | 0b101 & ~1 ^ 777o
  mov edx, 10h + 1_000 + 0ffh + 101b + 17q + 0d99 + $$ - $$
  mov r8d, -(5 % 3) * (7 / 2) + (-7 // 2) + (-7 %% 2)
  jmp .done
.again:
  dec ecx
  jnz .again
.done:
  call func
  hlt
func:
  push rbp
  mov rbp, rsp
  leave
  ret
.local: db 1
msg: db "Hello, world", 10, 0, 'x', `tab\there\n`
msg_end:
words: dw 1, 2, 'ab', 'abc'
dwords: dd 1, -1, 0x12345678, func - _start
qwords: dq 0x123456789abcdef0, $, $$, words
  align 8
buf: times SIZE db 0xAA
  times 3 nop
  times 2 dw $ - $$
  align 16, db 0xCC
here: resb 4
  db 'end'
