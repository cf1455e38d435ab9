; times: '$' is the start of the line for every repetition, instructions are encoded at their own address
bits 64
times 3 jmp $
times 2 call $+5
times 4 db 'ab'
times 2 dw $ - $$
times 0 nop
times 5-2 inc eax
