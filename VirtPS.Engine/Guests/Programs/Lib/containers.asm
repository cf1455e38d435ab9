; ---- containers (the CONTAINERS build, Styles: Container): the request ring the host posts containers to, the
; pid/uts/mount namespaces and the CPU and memory cgroups. Every check is made here, on the containers' own calls.

; kernel_idle: nothing runnable: take the host's requests and run what they started, else HLT until the host,
; having posted a request, wakes the CPU (its doorbell)
kernel_idle:
    mov rsp, IDLE_STACK
    mov qword [con_port], 0
    mov qword [charge_ctr], 0
.poll:
    call ctr_poll
    lea rcx, [procs]
    mov edx, MAXPROC
.scan:
    cmp qword [rcx + P_STATE], 1
    je enter_process
    add rcx, PROC_SIZE
    dec edx
    jnz .scan
    hlt
.halted:                        ; where the CPU stops when idle: the host wakes it here, and only here
    jmp .poll

; ctr_poll: starts a container for each request posted since the last look, writing each its status
ctr_poll:
    push rbx
    push r12
    push r13
    push r14
.next:
    mov rax, [MBOX + MB_TAIL]
    cmp rax, [MBOX + MB_HEAD]
    je .done
    and eax, MB_SLOTS - 1
    imul rbx, rax, RQ_SIZE
    add rbx, MBOX + MB_RING
    cmp qword [rbx + RQ_OP], RQ_STOP
    je .stop
    call ctr_start
    jmp .status
.stop:
    call ctr_stop
.status:
    mov [rbx + RQ_STATUS], rax
    test rax, rax
    jns .taken
    call ctr_refused
.taken:
    inc qword [MBOX + MB_TAIL]
    jmp .next
.done:
    pop r14
    pop r13
    pop r12
    pop rbx
    ret

; ctr_start(rbx = request) -> rax = 1, or -errno: the container's table entry and its first process, whose code
; pages are the frames the host staged the program in
ctr_start:
    mov rax, [rbx + RQ_CID]
    test rax, rax
    jz .inval
    cmp rax, MAXCTR
    jae .inval
    imul r12, rax, CTR_SIZE
    lea rcx, [ctrs]
    add r12, rcx
    cmp qword [r12 + C_STATE], 0
    jne .inval
    mov rcx, [rbx + RQ_QUOTA]
    test rcx, rcx
    jz .inval
    cmp rcx, 1000
    ja .inval
    mov rax, [rbx + RQ_IMAGE]
    test eax, 0xFFF
    jnz .inval
    mov rdx, STAGE_BASE
    cmp rax, rdx
    jb .inval
    mov rdx, [rbx + RQ_LEN]
    test rdx, rdx
    jz .inval
    add rax, rdx
    mov r8, MEM_TOP
    cmp rax, r8
    ja .inval
    mov rax, [rbx + RQ_ENTRY]
    mov r8, USER_CODE
    cmp rax, r8
    jb .inval
    add r8, rdx
    cmp rax, r8
    jae .inval
    lea r13, [procs]
    xor r14d, r14d
.find:
    cmp qword [r13 + P_STATE], 0
    je .got
    add r13, PROC_SIZE
    inc r14d
    cmp r14d, MAXPROC
    jb .find
    mov rax, -EAGAIN
    ret
.got:
    mov eax, 1000000
    xor edx, edx
    div rcx
    mov [r12 + C_STRIDE], rax
    mov qword [r12 + C_STATE], 1
    mov rax, [rbx + RQ_NS]
    mov [r12 + C_NS], rax
    mov rax, [rbx + RQ_LIMIT]
    mov [r12 + C_LIMIT], rax
    mov qword [r12 + C_NEXTPID], 1
    mov rax, [rbx + RQ_CID]
    shl rax, 3
    add rax, CON_BASE
    mov [r12 + C_CONSOLE], rax
    ; a newcomer starts at the running container's pass: owed no backlog, and not behind either
    xor eax, eax
    mov rcx, [charge_ctr]
    test rcx, rcx
    jz .pass
    mov rax, [rcx + C_PASS]
.pass:
    mov [r12 + C_PASS], rax
    lea rsi, [rbx + RQ_HOST]
    lea rdi, [r12 + C_HOST]
    mov ecx, 6
    rep movsq
    mov byte [r12 + C_HOST + 47], 0
    mov rax, [rbx + RQ_IMAGE]
    mov [img_addr], rax
    mov rax, [rbx + RQ_LEN]
    mov [img_len], rax
    mov rax, [rbx + RQ_ENTRY]
    mov [img_entry], rax
    mov rax, [charge_ctr]
    push rax
    mov [charge_ctr], r12           ; its process's frames are charged to it
    mov rdi, r14
    call proc_create
    pop rax
    mov [charge_ctr], rax
    inc qword [alive]
    inc qword [nprocs]
    mov eax, 1
    ret
.inval:
    mov rax, -EINVAL
    ret

; ctr_refused(rbx = request, rax = -errno): says so on the container's console
ctr_refused:
    mov rcx, [rbx + RQ_CID]
    test rcx, rcx
    jz .out
    cmp rcx, MAXCTR
    jae .out
    push qword [con_port]
    push rax
    shl rcx, 3
    add rcx, CON_BASE
    mov [con_port], rcx
    lea rsi, [msg_refused_ctr]
    call puts
    pop rax
    neg rax
    call putdec
    mov al, 10
    call putc
    pop qword [con_port]
.out:
    ret

; ctr_stop(rbx = request) -> rax = 1, or -EINVAL: every process of the container ends (a process of it running now,
; interrupted by the tick that took the request, is not resumed: the scheduler runs only runnable ones)
ctr_stop:
    mov rax, [rbx + RQ_CID]
    test rax, rax
    jz .inval
    cmp rax, MAXCTR
    jae .inval
    imul r12, rax, CTR_SIZE
    lea rcx, [ctrs]
    add r12, rcx
    cmp qword [r12 + C_STATE], 1
    jne .inval
    mov qword [r12 + C_STATE], 2
    lea r13, [procs]
    lea r14, [pctr]
    xor ecx, ecx
.each:
    cmp qword [r13 + P_STATE], 1
    jne .next
    cmp [r14 + rcx*8], r12
    jne .next
    mov qword [r13 + P_STATE], 2
    dec qword [alive]
.next:
    add r13, PROC_SIZE
    inc ecx
    cmp ecx, MAXPROC
    jb .each
    mov eax, 1
    ret
.inval:
    mov rax, -EINVAL
    ret

; ctr_slot_pid(rax = global pid, rdi = slot) -> rax = the pid in the container's pid namespace (the global one
; without a pid namespace); the slot's container and global pid recorded
ctr_slot_pid:
    push rcx
    push rdx
    lea rcx, [pgpid]
    mov [rcx + rdi*8], rax
    mov rdx, [charge_ctr]
    lea rcx, [pctr]
    mov [rcx + rdi*8], rdx
    test qword [rdx + C_NS], NS_PID
    jz .host
    mov rax, [rdx + C_NEXTPID]
    inc qword [rdx + C_NEXTPID]
.host:
    pop rdx
    pop rcx
    ret

; ctr_enter(rcx = process): its container is the one charged and its console the one written; keeps rcx
ctr_enter:
    mov rax, rcx
    lea rdx, [procs]
    sub rax, rdx
    shr rax, 6
    lea rdx, [pctr]
    mov rax, [rdx + rax*8]
    mov [charge_ctr], rax
    mov rax, [rax + C_CONSOLE]
    mov [con_port], rax
    ret

; ctr_charge: the running container pays for the user instructions retired since the last charge (IA32_PMC0
; counts them at CPL 3 only): its count grows, and its pass by that many strides
ctr_charge:
    mov ecx, 0xC1
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov rdx, rax
    sub rax, [pmc_in]
    mov [pmc_in], rdx
    mov rdx, 0xFFFFFFFFFFFF
    and rax, rdx
    mov rcx, [charge_ctr]
    test rcx, rcx
    jz .done
    add [rcx + C_USED], rax
    imul rax, [rcx + C_STRIDE]
    add [rcx + C_PASS], rax
.done:
    ret

; ctr_schedule(rdi = reason): stride scheduling (Waldspurger & Weihl, 1995) over the containers: the runnable
; process whose container has the least pass runs, ties to the next in round-robin order
ctr_schedule:
    push rdi
    call ctr_charge
    pop rdi
    mov rsi, [cur]
    mov rcx, rsi
    mov edx, MAXPROC
    xor r8d, r8d
    mov r9, -1
.scan:
    add rcx, PROC_SIZE
    lea rax, [procs + MAXPROC*PROC_SIZE]
    cmp rcx, rax
    jb .inrange
    lea rcx, [procs]
.inrange:
    cmp qword [rcx + P_STATE], 1
    jne .next
    mov rax, rcx
    lea r10, [procs]
    sub rax, r10
    shr rax, 6
    lea r10, [pctr]
    mov rax, [r10 + rax*8]
    mov rax, [rax + C_PASS]
    cmp rax, r9
    jae .next
    mov r9, rax
    mov r8, rcx
.next:
    dec edx
    jnz .scan
    test r8, r8
    jz kernel_idle
    mov rcx, r8
    jmp schedule.found

; same_pidns(ecx = slot) -> ZF set if that process is in the caller's pid namespace; keeps all but rax
same_pidns:
    push rdx
    lea rdx, [pctr]
    mov rax, [rdx + rcx*8]
    call pidns_of
    mov rdx, rax
    mov rax, [charge_ctr]
    call pidns_of
    cmp rax, rdx
    pop rdx
    ret

pidns_of:                       ; rax = container -> rax = its pid namespace: itself, or 0 (the host's)
    test qword [rax + C_NS], NS_PID
    jnz .own
    xor eax, eax
.own:
    ret

; oom_kill (rbp = the #PF frame): the faulting process's container is at its memory limit: the process is
; killed, with a line on the container's console, and the kernel runs the others
oom_kill:
    inc qword [rcx + C_OOM]
    lea rsi, [msg_oom_kill]
    call puts
    mov rax, [cur]
    mov rax, [rax + P_PID]
    call putdec
    lea rsi, [msg_oom_kill2]
    call puts
    mov rcx, [charge_ctr]
    mov rax, [rcx + C_LIMIT]
    call putdec
    lea rsi, [msg_oom_kill3]
    call puts
    mov rbx, [cur]
    mov qword [rbx + P_STATE], 2
    dec qword [alive]
    mov edi, 2
    call schedule
    jmp all_done

; user_range(rdi = address, rsi = length) -> rax = 0 if the range is user memory; clobbers rdx
user_range:
    mov rax, USER_CODE
    cmp rdi, rax
    jb .bad
    mov rax, USER_END
    cmp rsi, rax
    ja .bad
    lea rdx, [rdi + rsi]
    cmp rdx, rax
    ja .bad
    xor eax, eax
    ret
.bad:
    mov eax, 1
    ret

uts_name:                       ; -> rsi = the caller's host name: its container's, or the host's without a uts namespace
    mov rsi, [charge_ctr]
    test qword [rsi + C_NS], NS_UTS
    jz .host
    add rsi, C_HOST
    ret
.host:
    lea rsi, [host_name]
    ret

fs_root:                        ; -> rax = the caller's root: its container, or 0 (the host's) without a mount namespace
    mov rax, [charge_ctr]
    test qword [rax + C_NS], NS_MOUNT
    jnz .own
    xor eax, eax
.own:
    ret

streq:                          ; rsi, rdi = NUL-terminated strings -> ZF set if equal
    mov al, [rsi]
    cmp al, [rdi]
    jne .done
    test al, al
    jz .done
    inc rsi
    inc rdi
    jmp streq
.done:
    ret

; sys_uname(buf, len) -> the host name's length: the caller's host name, NUL-terminated, cut to len - 1 characters
sys_uname:
    mov r12, rdi
    mov r13, rsi
    call user_range
    test rax, rax
    jnz .fault
    test r13, r13
    jz .inval
    call uts_name
    xor ecx, ecx
.copy:
    lea rax, [r13 - 1]
    cmp rcx, rax
    jae .end
    mov al, [rsi + rcx]
    test al, al
    jz .end
    mov [r12 + rcx], al
    inc rcx
    jmp .copy
.end:
    mov byte [r12 + rcx], 0
    mov rax, rcx
    ret
.fault:
    mov rax, -EFAULT
    ret
.inval:
    mov rax, -EINVAL
    ret

; sys_sethostname(buf, len): 1 to 47 characters, for the caller's uts namespace
sys_sethostname:
    test rsi, rsi
    jz .inval
    cmp rsi, 47
    ja .inval
    mov r12, rdi
    mov r13, rsi
    call user_range
    test rax, rax
    jnz .fault
    call uts_name
    xor ecx, ecx
.copy:
    mov al, [r12 + rcx]
    mov [rsi + rcx], al
    inc rcx
    cmp rcx, r13
    jb .copy
    mov byte [rsi + rcx], 0
    xor eax, eax
    ret
.fault:
    mov rax, -EFAULT
    ret
.inval:
    mov rax, -EINVAL
    ret

; sys_open(path, flags) -> fd, or -ENOENT (no such file in the caller's root), -ENOSPC, -EMFILE, -ENAMETOOLONG.
; The name is looked up in the caller's root only: another container's files are not there to be found.
sys_open:
    mov r14, rsi
    mov r12, rdi
    mov esi, 32
    call user_range
    test rax, rax
    jnz .fault
    lea rdx, [path_buf]
    xor ecx, ecx
.copy:
    mov al, [r12 + rcx]
    mov [rdx + rcx], al
    test al, al
    jz .copied
    inc rcx
    cmp rcx, 32
    jb .copy
    mov rax, -ENAMETOOLONG
    ret
.copied:
    test rcx, rcx
    jz .noent
    call fs_root
    mov r15, rax
    lea rbx, [files]
    xor r13d, r13d
.look:
    cmp qword [rbx + F_USED], 0
    je .lnext
    cmp [rbx + F_ROOT], r15
    jne .lnext
    lea rsi, [rbx + F_NAME]
    lea rdi, [path_buf]
    call streq
    je .found
.lnext:
    add rbx, FILE_SIZE
    inc r13d
    cmp r13d, FS_MAX
    jb .look
    test r14, O_CREAT
    jz .noent
    lea rbx, [files]
    xor r13d, r13d
.free:
    cmp qword [rbx + F_USED], 0
    je .make
    add rbx, FILE_SIZE
    inc r13d
    cmp r13d, FS_MAX
    jb .free
    mov rax, -ENOSPC
    ret
.make:
    mov qword [rbx + F_USED], 1
    mov [rbx + F_ROOT], r15
    mov qword [rbx + F_LEN], 0
    call alloc_frame
    mov [rbx + F_DATA], rax
    lea rsi, [path_buf]
    lea rdi, [rbx + F_NAME]
    mov ecx, 4
    rep movsq
.found:
    lea rdx, [ofiles]
    xor ecx, ecx
.slot:
    cmp qword [rdx + O_FILE], 0
    je .open
    add rdx, OF_SIZE
    inc ecx
    cmp ecx, OF_MAX
    jb .slot
    mov rax, -EMFILE
    ret
.open:
    mov [rdx + O_FILE], rbx
    mov qword [rdx + O_POS], 0
    mov rax, [cur]
    mov [rdx + O_OWNER], rax
    lea rax, [rcx + 3]
    ret
.noent:
    mov rax, -ENOENT
    ret
.fault:
    mov rax, -EFAULT
    ret

; fd_get(rdi = fd) -> rdx = the caller's open file, or 0
fd_get:
    xor edx, edx
    sub rdi, 3
    cmp rdi, OF_MAX
    jae .done
    imul rdx, rdi, OF_SIZE
    lea rax, [ofiles]
    add rdx, rax
    cmp qword [rdx + O_FILE], 0
    je .none
    mov rax, [cur]
    cmp [rdx + O_OWNER], rax
    je .done
.none:
    xor edx, edx
.done:
    ret

; sys_read(fd, buf, len) -> bytes read from the file's position
sys_read:
    mov r12, rsi
    mov r13, rdx
    call fd_get
    test rdx, rdx
    jz .badf
    mov r14, rdx
    mov rdi, r12
    mov rsi, r13
    call user_range
    test rax, rax
    jnz .fault
    mov rbx, [r14 + O_FILE]
    mov rcx, [rbx + F_LEN]
    sub rcx, [r14 + O_POS]
    cmp rcx, r13
    jbe .n
    mov rcx, r13
.n:
    mov rax, rcx
    mov rsi, [rbx + F_DATA]
    add rsi, [r14 + O_POS]
    mov rdi, r12
    add [r14 + O_POS], rax
    rep movsb
    ret
.badf:
    mov rax, -EBADF
    ret
.fault:
    mov rax, -EFAULT
    ret

; sys_fwrite(fd, buf, len) -> bytes written at the file's position (a file holds at most FILE_MAX bytes)
sys_fwrite:
    mov r12, rsi
    mov r13, rdx
    call fd_get
    test rdx, rdx
    jz .badf
    mov r14, rdx
    mov rdi, r12
    mov rsi, r13
    call user_range
    test rax, rax
    jnz .fault
    mov rbx, [r14 + O_FILE]
    mov rcx, FILE_MAX
    sub rcx, [r14 + O_POS]
    cmp rcx, r13
    jbe .n
    mov rcx, r13
.n:
    mov rax, rcx
    mov rdi, [rbx + F_DATA]
    add rdi, [r14 + O_POS]
    mov rsi, r12
    add [r14 + O_POS], rax
    mov rdx, [r14 + O_POS]
    cmp rdx, [rbx + F_LEN]
    jbe .copy
    mov [rbx + F_LEN], rdx
.copy:
    rep movsb
    ret
.badf:
    mov rax, -EBADF
    ret
.fault:
    mov rax, -EFAULT
    ret

; sys_close(fd)
sys_close:
    call fd_get
    test rdx, rdx
    jz .badf
    mov qword [rdx + O_FILE], 0
    xor eax, eax
    ret
.badf:
    mov rax, -EBADF
    ret

; sys_kill(pid, sig) -> 0, or -ESRCH if no live process of the caller's pid namespace has that pid. Signal 0 only
; checks; any other ends the process.
sys_kill:
    lea rbx, [procs]
    xor ecx, ecx
.find:
    cmp qword [rbx + P_STATE], 1
    jne .skip
    cmp [rbx + P_PID], rdi
    jne .skip
    call same_pidns
    je .got
.skip:
    add rbx, PROC_SIZE
    inc ecx
    cmp ecx, MAXPROC
    jb .find
    mov rax, -ESRCH
    ret
.got:
    test rsi, rsi
    jz .ok
    cmp rbx, [cur]
    je sys_exit
    mov qword [rbx + P_STATE], 2
    dec qword [alive]
.ok:
    xor eax, eax
    ret

; ctr_net_ping, ctr_net_udp, ctr_net_serve: the kernel's network stack and its NIC are the host's (the root net
; namespace); a container with a net namespace of its own has only its own interface (its veth onto the switch), not
; the host's: its calls are -ENETUNREACH. A container sharing the host's network uses the kernel's stack.
ctr_net_ping:
    call ctr_own_netns
    jnz ctr_netunreach
    jmp sys_net_ping
ctr_net_udp:
    call ctr_own_netns
    jnz ctr_netunreach
    jmp sys_net_udp
ctr_net_serve:
    call ctr_own_netns
    jnz ctr_netunreach
    jmp sys_net_serve
ctr_netunreach:
    mov rax, -ENETUNREACH
    ret
ctr_own_netns:                  ; ZF clear if the caller's container has a net namespace of its own; keeps all but rax
    mov rax, [charge_ctr]
    test qword [rax + C_NS], NS_NET
    ret
