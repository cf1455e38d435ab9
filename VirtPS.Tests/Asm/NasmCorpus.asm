; Single instructions for the nasm differential test. Each line is assembled on its own
; (after "bits 64") by VirtPS's assembler and by nasm -f bin; the bytes must match.
; NasmCorpus.expected.txt holds nasm 2.16's bytes for every line (regenerate with gen-nasm-expected.sh).
; --- MOV
mov eax, ebx
mov rax, rbx
mov ax, bx
mov al, bl
mov ah, bh
mov ah, al
mov r8b, sil
mov al, r8b
mov r15b, r14b
mov spl, dil
mov r9w, r10w
mov r11d, r12d
mov r13, r14
mov eax, [rax]
mov rax, [rbx+rcx*8]
mov rax, [rbx+rcx*8+0x10]
mov rax, [rbx+rcx*8-0x80]
mov rax, [rbx+rcx*8+0x1000]
mov rax, [rsp]
mov rax, [rsp+8]
mov rax, [rbp]
mov rax, [rbp-8]
mov rax, [r12]
mov rax, [r13]
mov rax, [r13+r14*2+0x7f]
mov rax, [rax*4]
mov rax, [rax*2]
mov rax, [rax*8+0x100]
mov eax, [0x1000]
mov eax, [rel $+0x100]
mov eax, [rel $-0x100]
mov [rel $+0x20], rax
mov byte [rax], 0x12
mov word [rax], 0x1234
mov dword [rax], 0x12345678
mov qword [rax], -1
mov qword [rax+rbx], 0x7fffffff
mov [rax], al
mov [rax+1], ah
mov [r8+r9*4], r10d
mov al, 0x12
mov ah, 0xff
mov r8b, 1
mov ax, 0x1234
mov eax, 0x12345678
mov eax, -1
mov rax, 1
mov rax, -1
mov rax, 0xffffffff
mov rax, 0x80000000
mov rax, 0x123456789
mov rax, -0x80000000
mov r10, 0x100000000
mov al, [qword 0x1000]
mov eax, [qword 0x1000]
mov rax, [qword 0x123456789abc]
mov [qword 0x1000], rax
mov [qword 0x1000], al
mov eax, [fs:0x10]
mov rax, [gs:0x28]
mov rax, [fs:rax]
mov rbx, [gs:rbx+8]
mov ax, ds
mov eax, ds
mov rax, ds
mov ds, ax
mov ds, eax
mov es, bx
mov ss, ax
mov fs, ax
mov gs, ax
mov [rax], ds
mov word [rax], es
mov ds, [rax]
mov ax, cs
mov rax, cr0
mov rax, cr2
mov rax, cr3
mov rax, cr4
mov rax, cr8
mov cr0, rax
mov cr3, rbx
mov cr4, rcx
mov cr8, rax
mov r9, cr3
mov cr3, r10
; --- MOVZX MOVSX MOVSXD
movzx eax, bl
movzx eax, bx
movzx rax, bl
movzx rax, word [rax]
movzx ax, bl
movzx ecx, byte [rsi+rdi]
movsx eax, bl
movsx rax, word [rax]
movsx ecx, byte [rbp-1]
movsx r9, r10b
movsxd rax, ebx
movsxd rax, dword [rcx]
movsxd r8, r9d
; --- LEA
lea rax, [rbx]
lea rax, [rbx+rcx]
lea rax, [rbx+rcx*2+3]
lea eax, [rax+rax*4]
lea rdi, [rel $+0x1000]
lea rsp, [rsp+8]
lea r8, [r9+r10*8-0x40]
lea rax, [rax*3]
; --- XCHG CMPXCHG XADD BSWAP
xchg eax, ebx
xchg ebx, eax
xchg rax, rbx
xchg ecx, edx
xchg ax, bx
xchg eax, eax
xchg rax, rax
xchg al, bl
xchg [rax], ecx
xchg ecx, [rax]
xchg r8, r9
cmpxchg [rax], ecx
cmpxchg [rax], rcx
cmpxchg bl, cl
lock cmpxchg [rdi], rsi
cmpxchg8b [rax]
cmpxchg16b [rax]
xadd [rax], ecx
lock xadd [rax], rcx
xadd eax, ebx
bswap eax
bswap rax
bswap r9
bswap r12d
; --- ADD ADC SUB SBB CMP
add eax, ebx
add rax, rcx
add al, bl
add ax, bx
add eax, [rax]
add [rax], eax
add al, 1
add ax, 1
add eax, 1
add rax, 1
add eax, 1000
add rax, 1000
add ebx, 1000
add rbx, -1
add eax, 0xffffffff
add al, 0xff
add byte [rax], 1
add word [rax], 1
add dword [rax], 1
add qword [rax], 1
add dword [rax], 0x1000
add qword [rbx+8], -0x80
add qword [rbx+8], -0x81
add r8, r9
add r8d, 0x7f
add r8d, 0x80
add ah, 3
adc eax, ebx
adc rax, 1
adc byte [rax], 5
adc al, 1
sub eax, ebx
sub rsp, 8
sub rsp, 0x1000
sub [rax], rbx
sub eax, 0x80
sbb eax, ebx
sbb rax, [rax]
sbb ecx, -1
cmp eax, ebx
cmp rax, 0
cmp al, 0x41
cmp byte [rdi], 0
cmp qword [rsp+16], 100
cmp eax, 0x12345
cmp r15, [r14]
; --- INC DEC NEG
inc eax
inc rax
inc al
inc byte [rax]
inc dword [rax]
inc qword [rax+rbx*2+4]
inc r8
dec ecx
dec rcx
dec word [rax]
dec r9b
neg eax
neg rax
neg qword [rax]
neg bl
; --- AND OR XOR NOT TEST
and eax, ebx
and ebx, 0xff8
and rax, -16
and al, 0x0f
and dword [rax], 0xff
or eax, ebx
or al, 0x80
or rax, 0x100
or qword [rdx], 1
xor eax, eax
xor rax, rax
xor r8d, r8d
xor rax, [rdi+rbx]
xor al, 0x55
xor ah, 0x55
not eax
not rax
not byte [rax]
test eax, ebx
test rax, rax
test al, al
test al, 1
test ah, 1
test eax, 1
test rax, 1
test ebx, 1
test byte [rax], 1
test dword [rax], 0x100
test [rax], eax
test eax, [rax]
test r8, r9
; --- shifts and rotates
shl eax, 1
shl eax, 3
shl eax, cl
shl rax, 1
shl rax, 63
shl byte [rax], 1
shl dword [rax], 4
shl qword [rax], cl
sal eax, 2
shr eax, 1
shr rbx, 3
shr r8, cl
sar eax, 1
sar rax, 7
sar dword [rax], cl
rol eax, 1
rol eax, 8
rol ax, cl
ror eax, 1
ror rax, 13
rcl eax, 1
rcl eax, 2
rcr eax, 1
rcr rax, cl
shld eax, ebx, 3
shld eax, ebx, cl
shld [rax], rbx, 1
shrd eax, ebx, 3
shrd rax, rbx, cl
; --- MUL IMUL DIV IDIV
mul ebx
mul rbx
mul byte [rax]
mul qword [rax]
imul ebx
imul rcx
imul dword [rax]
imul eax, ebx
imul rax, [rbx]
imul eax, ebx, 10
imul eax, ebx, 1000
imul rax, [rbx], -1
imul eax, 10
imul eax, 1000
imul r8, r9, 0x7f
div ecx
div rcx
div byte [rax]
idiv ecx
idiv qword [rbp-8]
; --- bit operations
bt eax, ebx
bt eax, 3
bt rax, 63
bt dword [rax], 5
bt [rax], rbx
bts eax, 3
bts [rax], ecx
btr rax, rbx
btr qword [rax], 7
btc eax, 1
btc [rax], eax
bsf eax, ebx
bsf rax, [rbx]
bsr eax, ebx
bsr rcx, rdx
tzcnt eax, ebx
tzcnt rax, [rax]
lzcnt eax, ebx
lzcnt rcx, rdx
popcnt eax, ebx
popcnt rax, [rbx+8]
; --- SETcc CMOVcc
seto al
setno bl
setb cl
setc dl
setnae al
setae al
setnb al
setnc al
sete al
setz ah
setne r8b
setnz [rax]
setbe al
setna al
seta al
setnbe al
sets al
setns al
setp al
setpe al
setnp al
setpo al
setl al
setnge al
setge al
setnl al
setle al
setng al
setg al
setnle byte [rbx]
cmovo eax, ebx
cmovno rax, rbx
cmovb eax, [rax]
cmovae eax, ebx
cmove eax, ebx
cmovz rax, [rbx+rcx]
cmovne eax, ebx
cmovnz eax, ebx
cmovbe eax, ebx
cmova eax, ebx
cmovs eax, ebx
cmovns eax, ebx
cmovp eax, ebx
cmovnp eax, ebx
cmovl eax, ebx
cmovge eax, ebx
cmovle eax, ebx
cmovg r8, r9
cmovc ax, bx
; --- Jcc JMP CALL RET
jo $+0x10
jno $+0x10
jb $+0x10
jc $-0x10
jnae $+0x10
jae $+0x10
jnb $+0x10
jnc $+0x10
je $+0x10
jz $+0x10
jne $+0x10
jnz $-0x7e
jbe $+0x10
jna $+0x10
ja $+0x10
jnbe $+0x10
js $+0x10
jns $+0x10
jp $+0x10
jpe $+0x10
jnp $+0x10
jpo $+0x10
jl $+0x10
jnge $+0x10
jge $+0x10
jnl $+0x10
jle $+0x10
jng $+0x10
jg $+0x10
jnle $+0x81
je $+0x1000
jne $-0x1000
jz $+0x82
jmp $
jmp $+0x10
jmp $+0x81
jmp $-0x80
jmp $+0x1000
jmp short $+0x10
jmp near $+0x10
jmp rax
jmp r11
jmp [rax]
jmp qword [rbx+8]
jmp [rel $+0x100]
je near $+0x10
call $+0x100
call $
call rax
call r9
call [rax]
call qword [rax+rbx*8]
call [rel $+0x1000]
ret
ret 8
ret 0x10
retn
; --- PUSH POP LEAVE ENTER
push rax
push r8
push r15
push ax
push 1
push -1
push 0x7f
push 0x80
push 1000
push word 1
push qword [rax]
push qword [rbp+8]
push fs
push gs
pop rax
pop r8
pop r15
pop ax
pop qword [rax]
pop fs
pop gs
leave
enter 16, 0
enter 0x100, 1
; --- sign extension
cbw
cwde
cdqe
cwd
cdq
cqo
; --- loops
loop $
loop $-0x10
loope $
loopz $
loopne $
loopnz $
jrcxz $+0x10
jecxz $+0x10
; --- string instructions
movsb
movsw
movsd
movsq
stosb
stosw
stosd
stosq
lodsb
lodsw
lodsd
lodsq
cmpsb
cmpsw
cmpsd
cmpsq
scasb
scasw
scasd
scasq
rep movsb
rep movsq
rep stosb
rep stosd
rep stosq
repe cmpsb
repz cmpsq
repne scasb
repnz scasw
rep lodsb
; --- flags, nop, hlt, lock
clc
stc
cmc
cld
std
nop
nop eax
nop dword [rax]
nop dword [rax+0]
nop word [rax+rax]
nop dword [rax+rax+0]
nop qword [rax]
hlt
lock add [rax], eax
lock inc qword [rbx]
lock or dword [rsp], 0
lock xchg [rax], rbx
lock btr [rax], rcx
lock dec dword [rdi+4]
; --- system instructions
cli
sti
pushf
pushfq
popf
popfq
iretq
iret
int 0x80
int 3
int 0x21
int3
int1
syscall
sysret
o64 sysret
swapgs
rdmsr
wrmsr
cpuid
rdtsc
rdtscp
rdpmc
lgdt [rax]
lidt [rax]
lgdt [rel $+0x100]
sgdt [rax]
sidt [rbx+8]
ltr ax
ltr [rax]
lldt ax
lldt [rax]
str eax
str ax
str [rax]
sldt eax
sldt [rax]
smsw eax
smsw [rax]
lmsw ax
lmsw [rax]
lar eax, bx
lar rax, bx
lar eax, [rax]
lsl eax, bx
lsl eax, [rax]
verr ax
verr [rax]
verw ax
verw [rax]
in al, dx
in ax, dx
in eax, dx
in al, 0x60
in ax, 0x60
in eax, 0x60
out dx, al
out dx, ax
out dx, eax
out 0x80, al
out 0x80, ax
out 0x80, eax
insb
insw
insd
outsb
outsw
outsd
rep insb
rep outsw
invlpg [rax]
invlpg [rel $+0x100]
invpcid rax, [rbx]
wbinvd
invd
vmcall
jmp far [rax]
jmp far [rbx+8]
call far [rax]
call far [rsp]
retf
retfq
retf 8
clts
ud2
pause
lfence
mfence
sfence
xgetbv
; --- prefixes combined with operand size / segments / mandatory prefixes
lock add word [rax], 1
lock xadd [rax], ax
fs movsb
fs rep movsw
rep fs movsw
lock add [fs:rax], eax
mov ax, [fs:rax]
mov ax, [eax]
mov eax, [ebx+ecx*4+8]
lock add word [fs:eax], 1
popcnt ax, bx
tzcnt ax, [rax]
lzcnt ax, bx
add ax, 0x100
adc ax, 1
cmp ax, -1
sub ax, 0x80
xchg ax, ax
push word [rax]
sldt ax
smsw ax
mov [rax], cs
invept rax, [rbx]
invvpid rax, [rbx]
invpcid rax, [rel $+0x100]
invpcid r9, [r10]
mov rax, [rel $]
lea rax, [rel $+0x7fffffff]
; --- size keywords and strict on immediates
add eax, strict dword 1
add eax, dword 1
add ebx, strict dword 1
push strict dword 1
push dword 1
mov rax, strict qword 1
mov eax, strict dword 1
add [rax], dword 1
add eax, byte 1
add eax, strict byte 1
jmp strict near $+2
imul eax, ebx, strict dword 3
push word 1
mov eax, [byte rax+1]
mov eax, [dword rax+1]
mov eax, [rbx*1+rax]
mov eax, [rax+rbx*1]
mov eax, [rbp+rax]
mov eax, [rax+rbp]
mov eax, [rax+rsp]
mov eax, [rax*3]
mov eax, [rax*5+8]
mov eax, [rax*9]
mov eax, [8*rcx+rdx]
mov eax, [rdx+rcx*8-0x10]
xlatb
; --- beyond the required set: debug regs, fs/gs base, state save, SSE/AVX/BMI, x87, TSX, lone prefixes
mov rax, dr0
mov dr7, rax
wrfsbase rax
rdfsbase rbx
wrgsbase rcx
xsave [rax]
xrstor [rax]
fxsave [rax]
fxrstor [rax]
xsaveopt [rax]
rdrand eax
rdseed rax
clflush [rax]
clflushopt [rax]
prefetcht0 [rax]
prefetchnta [rax]
movnti [rax], eax
monitor
mwait
sysenter
sysexit
endbr64
movdqu xmm0, [rax]
movdqa [rax], xmm1
pxor xmm0, xmm0
movq xmm0, rax
movq rax, xmm0
movd xmm1, eax
movq xmm2, [rax]
addps xmm0, xmm1
addsd xmm0, [rax]
cvtsi2sd xmm0, rax
cvtsi2sd xmm0, eax
pshufd xmm0, xmm1, 0x1b
vmovdqu ymm0, [rax]
vpxor xmm0, xmm1, xmm2
vpaddd ymm0, ymm1, [rax]
vzeroupper
andn eax, ebx, ecx
shlx rax, rbx, rcx
bzhi eax, ebx, ecx
pdep rax, rbx, rcx
mulx rax, rbx, rcx
rorx eax, ebx, 3
fld qword [rax]
fld st1
fstp dword [rax]
fadd st0, st1
faddp st1, st0
fild dword [rax]
fistp qword [rax]
fninit
fldz
fxch st1
movbe eax, [rax]
crc32 eax, byte [rax]
crc32 rax, rbx
adcx eax, ebx
adox rax, rbx
cmpxchg16b [rsp]
lfs eax, [rax]
lss rsp, [rax]
rdpid rax
clac
stac
wrpkru
rdpkru
xbegin $+0x10
xend
xabort 1
xtest
lock
rep
fs
ud0 eax, ebx
ud1 eax, [rax]
sahf
lahf
cmpxchg8b [rax]
int1
