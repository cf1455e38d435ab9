; forkwait: spawn a child (eager copy of the address space) that exits at once; wait for it. Defines: ITER.
default rel
start:
    mov rbx, ITER
.loop:
    mov eax, 6              ; spawn
    syscall
    test rax, rax
    jz .child
    mov rdi, rax
    mov eax, 7              ; wait(pid)
    syscall
    dec rbx
    jnz .loop
    xor eax, eax
    syscall
.child:
    xor eax, eax            ; exit
    syscall
