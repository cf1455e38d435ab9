; VirtPS built-in guest kernel.
; Defines: MEM_TOP (bytes of guest memory), NPROC (initial processes), TIMER_PERIOD (user instructions between scheduling
;          ticks, 0 = off),
;          USER_LEN (bytes of the user program the host placed at USER_IMAGE), USER_ENTRY (where each first process starts).
; Memory: kernel image at 0x100000, user program at USER_IMAGE (0x1C0000), the CPU entry area at
; 0x200000 (GDT, IDT, TSS, 8 KiB kernel stack per process slot), frames from 0x400000 upward (a free
; list refilled when wait reaps a child, else a bump pointer; "out of memory" halts the machine).
; Kernel space: PML4[0] -> PDPT[0] -> 2 MiB identity pages of the first 1 GiB, supervisor-only.
; User space: PDPT[1..511] (VA 1 GiB..512 GiB), 4 KiB pages, per process.
; Syscalls (rax = number; rdi, rsi, rdx = arguments; result in rax; rcx, r11 clobbered):
;   0 exit  1 write(buf,len)  2 getpid  3 yield  4 mmap(len)  5 mprotect(addr,len,prot)
;   6 spawn (eager copy of the address space; 0 in the child, child pid in the parent)
;   7 wait(pid)  8 inb(port 0x80, count)  9 setcr8(value, count)  10 callret(count)  11 ptemod(addr, count)
;   12-15 block: info, read(lba,buf,n), write(lba,buf,n), flush  16-18 network: ping, udp, serve  19 keyboard read
;   40 set_gs_base(addr)  41 exit_status(status): the Library style's (Library/layer.asm: a TEB at GS, ExitProcess's code),
;   built with USER_BASE only, so every other guest's kernel is byte for byte what it was
;   (Drivers/*.asm: the device drivers; their code and data are spliced in at the @@DRIVER_...@@ markers)
;   20-26 with CONTAINERS only (Lib/containers.asm): uname, sethostname, open, read, fwrite, close, kill
; CONTAINERS (Styles: Container): one shared kernel for many containers. It boots with no process and takes
; containers from the host's request ring (the container runtime's mailbox); each has its namespaces and cgroup.
;   (8-11 are Adams & Agesen's nanobenchmarks: the operation runs count times inside the kernel, as theirs
;   ran in the guest kernel, so one iteration is one IN, one CR8 write, one call/ret pair, one PTE write)
; The scheduling tick is a performance-monitoring interrupt, not a timer: IA32_PMC0 counts instructions retired at
; CPL 3 only and interrupts when it wraps, TIMER_PERIOD user instructions after it was armed, as record/replay
; systems deliver their events. Ticks then land at the same user instruction whatever the kernel itself executes,
; so both builds (native and PARAVIRT) preempt their processes at the same points.
; A user fault the kernel does not resolve (demand paging of mmap'd pages, #DE on a register DIV) kills
; the process with a line "virtps: pid N killed by #XX(code) at rip 0x..." and the kernel runs the others.
default rel

; The CPU entry area (the 2 MiB page at 0x200000): GDT, IDT, TSS and the kernel stacks. Supervisor-only
; like every kernel page: the processor reads the IDT, GDT and TSS and pushes an interrupt frame with
; supervisor privilege even when the interrupt arrives at CPL 3 (Intel SDM Vol. 3A, 4.6).
CEA         equ 0x200000
CEA_FLAGS   equ 0x83
gdt         equ CEA
idt         equ CEA + 0x1000
tss         equ CEA + 0x2000
KSTACKS     equ CEA + 0x10000
KSTACK_SIZE equ 0x2000
USER_IMAGE  equ 0x1C0000
FRAMES      equ 0x400000
USER_CODE   equ 0x40000000
; USER_BASE (defined by the host under -Style Library): where the user image is mapped instead of USER_CODE, the PE's
; base (Library/PeLoader.cs)
USER_DATA   equ 0x40100000
USER_STACK  equ 0x40200000
HEAP_BASE   equ 0x40400000
USER_END    equ 0x8000000000        ; the user half is PDPT[1..511] of PML4[0]: 1 GiB .. 512 GiB
MAXPROC     equ 16
SELFTEST_VECTOR equ 0x30        ; the boot self-test's interrupt
SELFTEST_WINDOW equ 16          ; loop turns with interrupts on
IRQ_VECTOR  equ 0x40            ; IRQ n arrives as vector 0x40 + n (Cpu/Machine.IrqVector: how the IOAPIC is set up)
PROC_SIZE   equ 64
P_STATE equ 0
P_PID   equ 8
P_CR3   equ 16
P_KSP   equ 24
P_KTOP  equ 32
P_HEAP  equ 40
P_PARENT equ 48
P_FRESH equ 56                  ; 1 until the first CR3 load: with PCID, that load flushes the PCID
%ifdef CONTAINERS
%include "containers_defs.asm"
%endif
%ifdef PARAVIRT
; The paravirtual build (Styles/Paravirtual.cs): hypercalls in place of privileged instructions, Xen's numbers
; (xen/include/public/xen.h, sched.h, vcpu.h); VMCALL with RAX = number, RDI, RSI, RDX, R10 = arguments.
HYPERVISOR_set_trap_table   equ 0
HYPERVISOR_mmu_update       equ 1
HYPERVISOR_stack_switch     equ 3
HYPERVISOR_set_callbacks    equ 4
HYPERVISOR_update_va_mapping equ 14
HYPERVISOR_set_timer_op     equ 15
HYPERVISOR_console_io       equ 18
HYPERVISOR_iret             equ 23
HYPERVISOR_vcpu_op          equ 24
HYPERVISOR_mmuext_op        equ 26
HYPERVISOR_sched_op         equ 29
HYPERVISOR_xenpmu_op        equ 40
XENPMU_init         equ 4
XENPMU_lvtpc_set    equ 6
XENPMU_flush        equ 7
XENPMU_LVTPC        equ 88          ; xen_pmu_data.pmu.l.lapic_lvtpc
MMUEXT_PIN_L4_TABLE equ 3
MMUEXT_UNPIN_TABLE  equ 4
MMUEXT_NEW_BASEPTR  equ 5
MMUEXT_INVLPG_LOCAL equ 7
UVMF_INVLPG         equ 2
SCHEDOP_yield       equ 0
SCHEDOP_shutdown    equ 2
SHUTDOWN_poweroff   equ 0
SHUTDOWN_crash      equ 3
CONSOLEIO_write     equ 0
VCPUOP_register_vcpu_info equ 10
VGCF_in_syscall     equ 0x100       ; iret flag: the return ends a system call (Xen may use SYSRET)
DOMID_SELF          equ 0x7FF0
TI_MASK_EVENTS      equ 4           ; trap_info flag: events masked on entry, like an interrupt gate
PTQ_LEN             equ 64          ; page-table updates queued before mmu_update must be made
SF_RSP    equ 16                    ; the syscall frame, below the top of the kernel stack: Xen's bounce frame
SF_RFLAGS equ 24
SF_RIP    equ 40
%else
SF_RSP    equ 8                     ; the syscall frame: user RSP, R11 (RFLAGS) and RCX (RIP) as pushed on entry
SF_RFLAGS equ 16
SF_RIP    equ 24
%endif

start:
%ifdef PARAVIRT
    mov byte [vcpu_info + 1], 1     ; evtchn_upcall_mask: events off (the paravirtual CLI)
    lea rax, [vcpu_info]            ; tell Xen where this vCPU's mask, pending flag and CR2 live
    mov rcx, rax
    shr rax, 12
    mov [vcpu_reg], rax
    and ecx, 0xFFF
    mov [vcpu_reg + 8], rcx
    mov eax, HYPERVISOR_vcpu_op
    mov edi, VCPUOP_register_vcpu_info
    xor esi, esi
    lea rdx, [vcpu_reg]
    vmcall
    ; ---- the trap table instead of the GDT, IDT and TSS: the exception stubs (the timer is an event)
    lea rbx, [gate_table]
    lea rdi, [trap_table]
.traps:
    mov rax, [rbx]
    cmp rax, -1
    je .traps_done
    cmp rax, 32
    jae .trap_next
    or rax, (TI_MASK_EVENTS << 8) | (0x08 << 16)
    mov [rdi], rax
    mov rax, [rbx + 8]
    mov [rdi + 8], rax
    add rdi, 16
.trap_next:
    add rbx, 16
    jmp .traps
.traps_done:
    mov eax, HYPERVISOR_set_trap_table
    lea rdi, [trap_table]
    vmcall
%else
    cli
    ; ---- GDT (copied into the CPU entry area) with a 64-bit TSS descriptor
    lea rsi, [gdt_image]
    mov edi, gdt
    mov ecx, (gdt_image_end - gdt_image) / 8
    rep movsq
    mov eax, tss
    mov rbx, rax
    and rbx, 0xFFFF
    shl rbx, 16
    or rbx, 0x67
    mov rcx, rax
    shr rcx, 16
    and rcx, 0xFF
    shl rcx, 32
    or rbx, rcx
    mov rcx, 0x89
    shl rcx, 40
    or rbx, rcx
    mov rcx, rax
    shr rcx, 24
    and rcx, 0xFF
    shl rcx, 56
    or rbx, rcx
    mov [gdt + 0x28], rbx
    mov rcx, rax
    shr rcx, 32
    mov [gdt + 0x2C + 4], rcx
    lgdt [gdtr]
    mov eax, cs                 ; the kernel's own code selector, for the IDT's gates
    mov [kernel_cs], rax
    ; ---- IDT: every vector to the default handler, then a stub per exception (each knows its vector
    ; and whether the CPU pushed an error code) and the timer
    xor edi, edi
.fill:
    lea rsi, [isr_default]
    call set_gate
    inc edi
    cmp edi, 256
    jb .fill
    lea rbx, [gate_table]
.gates:
    mov rdi, [rbx]
    cmp rdi, -1
    je .gates_done
    mov rsi, [rbx + 8]
    call set_gate
    add rbx, 16
    jmp .gates
.gates_done:
    lidt [idtr]
    mov ax, 0x28
    ltr ax
%endif
    ; ---- kernel page tables: 512 x 2 MiB supervisor pages
    lea rdi, [kpd]
    xor ecx, ecx
.kmap:
    mov rax, rcx
    shl rax, 21
    or rax, 0x83
    mov [rdi + rcx*8], rax
    inc ecx
%ifdef PARAVIRT
    cmp ecx, (MEM_TOP + 0x1FFFFF) >> 21     ; only the domain's own memory: Xen refuses other frames
%else
    cmp ecx, 512
%endif
    jb .kmap
    mov qword [rdi + (CEA >> 21) * 8], CEA | CEA_FLAGS
    ; ---- SYSCALL
%ifdef PARAVIRT
    mov eax, HYPERVISOR_set_callbacks   ; Xen owns the SYSCALL MSRs; it bounces user SYSCALLs to syscall_entry
    lea rdi, [isr_timer]                ; the event callback: the only event is the PMU's (the tick)
    xor esi, esi
    lea rdx, [syscall_entry]
    vmcall
%else
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1
    wrmsr
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00100008
    wrmsr
    mov ecx, 0xC0000082
    lea rax, [syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000084
    mov eax, 0x700
    xor edx, edx
    wrmsr
%endif
    ; ---- processes
%ifndef CONTAINERS
    xor r12d, r12d
.mk:
    mov rdi, r12
    call proc_create
    inc r12
    cmp r12, NPROC
    jb .mk
    mov qword [alive], NPROC
    mov qword [nprocs], NPROC
%endif
    lea rsi, [msg_boot]
    call puts
    ; ---- local APIC (x2APIC) and the scheduling tick
%ifdef PARAVIRT
    mov rax, TIMER_PERIOD
    test rax, rax
    jz .notimer
    ; Xen's virtual PMU: a shared xen_pmu_data page holds the LVT entry, which XENPMU_lvtpc_set applies; the
    ; counter MSRs are written by WRMSR, which Xen traps and emulates; the PMI comes as VIRQ_XENPMU
    lea rax, [xenpmu_data]
    shr rax, 12
    mov [xenpmu_params + 8], rax        ; val: the page's frame
    mov dword [xenpmu_data + XENPMU_LVTPC], 0x20   ; unmasked
    mov eax, HYPERVISOR_xenpmu_op
    mov edi, XENPMU_init
    lea rsi, [xenpmu_params]
    vmcall
    mov eax, HYPERVISOR_xenpmu_op
    mov edi, XENPMU_lvtpc_set
    xor esi, esi
    vmcall
    call pmu_start
.notimer:
%else
    mov ecx, 0x1B
    rdmsr
    or eax, 1 << 10
    wrmsr
    xor edx, edx
    mov ecx, 0x80F
    mov eax, 0x1FF
    wrmsr
    mov rax, TIMER_PERIOD
    test rax, rax
    jz .notimer
    mov ecx, 0x834              ; LVT performance-monitoring counters: vector 0x20, fixed, unmasked
    mov eax, 0x20
    wrmsr
    call pmu_start
.notimer:
    ; (under PARAVIRT there is neither self-test nor PCID: the virtual IF is a memory byte, and the
    ; base pointer is Xen's to load)
    ; ---- self-test of interrupt delivery: a SELF IPI is requested, then interrupts are enabled the way
    ; irq-restore code does it, by a POPF of the saved flags with IF set; the handler records the CPL it
    ; interrupted (0: here, inside the window, as the SDM says it must be)
    mov ecx, 0x83F
    mov eax, SELFTEST_VECTOR
    xor edx, edx
    wrmsr
    pushfq
    pop rax
    mov [boot_flags], rax
    bts rax, 9
    push rax
    popfq                       ; interrupts on: the IPI is taken at the next instruction boundary
    mov ecx, SELFTEST_WINDOW
.window:
    dec ecx
    jnz .window
    cli
    ; ---- PCID when the CPU has it (CPUID.1:ECX[17]): PCID = slot + 1, so a switch keeps TLB entries
    mov eax, 1
    xor ecx, ecx
    cpuid
    test ecx, 1 << 17
    jz .nopcid
    mov rax, cr4
    or rax, 1 << 17
    mov cr4, rax
    mov qword [pcid_on], 1
.nopcid:
%endif
    ; ---- devices: PCI enumeration and the legacy parts, each driver probing its own (Drivers/io.asm)
    call io_init
%ifdef CONTAINERS
    jmp kernel_idle             ; the containers come from the host's request ring
%else
    ; ---- run process 0
    lea rcx, [procs]
    jmp enter_process
%endif

; load_cr3(rcx = proc): CR3 = its PML4, tagged with PCID slot+1 when PCID is on (bit 63 keeps the
; PCID's TLB entries, except on the first load after the slot was (re)used)
load_cr3:
    mov rax, [rcx + P_CR3]
    cmp qword [pcid_on], 0
    je .load
    mov rdx, rcx
    lea r8, [procs]
    sub rdx, r8
    shr rdx, 6
    inc rdx
    or rax, rdx
    cmp qword [rcx + P_FRESH], 0
    jne .load
    bts rax, 63
.load:
    mov qword [rcx + P_FRESH], 0
%ifdef PARAVIRT
    push rsi
    mov rsi, rax
    shr rsi, 12
    mov eax, MMUEXT_NEW_BASEPTR
    call pv_mmuext1
    pop rsi
%else
    mov cr3, rax
%endif
    inc qword [cr3_loads]
    ret

; pmu_start: IA32_PERFEVTSEL0 = instructions retired (event C0H, umask 0) at CPL 3 (USR), interrupt on
; overflow (INT), enabled (EN); the counter armed first
pmu_start:
    call pmc_arm
    mov ecx, 0x186
    mov eax, 0xC0 | (1 << 16) | (1 << 20) | (1 << 22)
    xor edx, edx
    wrmsr
    ret

; pmc_arm: IA32_PMC0 = 2^48 - TIMER_PERIOD, so it wraps after TIMER_PERIOD user instructions; written through
; its full-width alias IA32_A_PMC0, as the legacy IA32_PMC0 write sign-extends bit 31
pmc_arm:
    mov ecx, 0x4C1
    mov rax, (1 << 48) - TIMER_PERIOD
    mov rdx, rax
    shr rdx, 32
    wrmsr
    ret

; set_gate(edi = vector, rsi = handler): 64-bit interrupt gate to the kernel's code segment, DPL 0
set_gate:
    mov edx, idt
    mov eax, edi
    shl eax, 4
    add rdx, rax
    mov rax, rsi
    and rax, 0xFFFF
    mov rcx, [kernel_cs]
    shl rcx, 16
    or rax, rcx
    mov rcx, 0x8E
    shl rcx, 40
    or rax, rcx
    mov rcx, rsi
    shr rcx, 16
    and rcx, 0xFFFF
    shl rcx, 48
    or rax, rcx
    mov [rdx], rax
    mov rax, rsi
    shr rax, 32
    mov [rdx + 8], rax
    ret

; alloc_frame -> rax = zeroed 4 KiB physical frame (from the free list, else the bump pointer)
alloc_frame:
    mov rax, [free_list]
    test rax, rax
    jz .bump
    mov rcx, [rax]
    mov [free_list], rcx
    inc qword [frames_reused]
    jmp .zero
.bump:
    mov rax, [next_frame]
%ifdef CONTAINERS
    mov rcx, STAGE_BASE             ; above it: the images the host staged
%else
    mov rcx, MEM_TOP - 0x10000
%endif
    cmp rax, rcx
    jae out_of_memory
    lea rcx, [rax + 4096]
    mov [next_frame], rcx
.zero:
%ifdef CONTAINERS
    mov rcx, [charge_ctr]           ; the memory cgroup: every frame is charged to the container it is made for
    test rcx, rcx
    jz .uncharged
    inc qword [rcx + C_FRAMES]
.uncharged:
%endif
    push rdi
    push rax
    mov rdi, rax
    xor eax, eax
    mov ecx, 512
    rep stosq
    pop rax
    pop rdi
    ret

; free_frame(rdi = frame): push it on the free list
free_frame:
%ifdef CONTAINERS
    mov rax, [charge_ctr]
    test rax, rax
    jz .uncharged
    dec qword [rax + C_FRAMES]
.uncharged:
%endif
    mov rax, [free_list]
    mov [rdi], rax
    mov [free_list], rdi
    ret

; free_space(rdi = pml4): frees every user page, the user page tables, the PDPT and the PML4
free_space:
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov r15, rdi
%ifdef PARAVIRT
    mov rsi, r15                ; unpinned, the tables are ordinary memory again (Xen drops their types)
    shr rsi, 12
    mov eax, MMUEXT_UNPIN_TABLE
    call pv_mmuext1
%endif
    mov rbx, [r15]
    and rbx, -4096              ; PDPT
    mov r12d, 1
.pdpt:
    mov r13, [rbx + r12*8]
    test r13, 1
    jz .pdpt_next
    and r13, -4096              ; PD
    xor r14d, r14d
.pd:
    mov rsi, [r13 + r14*8]
    test rsi, 1
    jz .pd_next
    mov rax, 0x000FFFFFFFFFF000
    and rsi, rax                ; PT
    xor ecx, ecx
.pt:
    mov rdi, [rsi + rcx*8]
    test rdi, 1
    jz .pt_next
    mov rax, 0x000FFFFFFFFFF000
    and rdi, rax
    call free_frame
.pt_next:
    inc ecx
    cmp ecx, 512
    jb .pt
    mov rdi, rsi
    call free_frame
.pd_next:
    inc r14d
    cmp r14d, 512
    jb .pd
    mov rdi, r13
    call free_frame
.pdpt_next:
    inc r12d
    cmp r12d, 512
    jb .pdpt
    mov rdi, rbx
    call free_frame
    mov rdi, r15
    call free_frame
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    ret

; walk(rdi = pml4, rsi = va, edx = allocate?) -> rax = address of the PTE, or 0
walk:
    push rbx
    push r12
    mov rbx, rdi
    mov r12d, 39
.level:
    mov rcx, r12
    mov rax, rsi
    shr rax, cl
    and rax, 511
    lea rbx, [rbx + rax*8]
    cmp r12d, 12
    je .done
    mov rax, [rbx]
    test al, 1
    jnz .next
    test edx, edx
    jz .none
    call alloc_frame
    or rax, 7
%ifdef PARAVIRT
    push rdi
    push rsi
    mov rdi, rbx
    mov rsi, rax
    call pt_queue
    call pt_flush               ; the walk goes down through it now
    pop rsi
    pop rdi
%else
    mov [rbx], rax
%endif
.next:
    mov rbx, [rbx]
    mov rax, 0x000FFFFFFFFFF000
    and rbx, rax
    sub r12d, 9
    jmp .level
.done:
    mov rax, rbx
    pop r12
    pop rbx
    ret
.none:
    xor eax, eax
    pop r12
    pop rbx
    ret

; user_pte(rsi = va) -> rax = address of the running process's PTE for va if the page is present, else 0
user_pte:
    mov rax, [cur]
    mov rdi, [rax + P_CR3]
    xor edx, edx
    call walk
    test rax, rax
    jz .done
    test qword [rax], 1
    jnz .done
    xor eax, eax
.done:
    ret

; map(rdi = pml4, rsi = va, rdx = frame | flags)
map:
    push rdx
    mov edx, 1
    call walk
    pop rdx
%ifdef PARAVIRT
    push rdi
    push rsi
    mov rdi, rax
    mov rsi, rdx
    call pt_queue               ; queued: the caller flushes
    pop rsi
    pop rdi
%else
    mov [rax], rdx
%endif
    ret

; new_space -> rax = a PML4 with the kernel half installed
new_space:
    push rbx
    call alloc_frame
    mov rbx, rax
    call alloc_frame
    or rax, 7
    mov [rbx], rax
    and rax, -4096
    lea rcx, [kpd]
    or rcx, 7                   ; U/S is decided by the 2 MiB entries below
    mov [rax], rcx
%ifdef PARAVIRT
    push rsi                    ; pinned: Xen validates it, and from now on every update is a hypercall
    mov rsi, rbx
    shr rsi, 12
    mov eax, MMUEXT_PIN_L4_TABLE
    call pv_mmuext1
    pop rsi
%endif
    mov rax, rbx
    pop rbx
    ret

; proc_slot_init(rdi = slot) -> rbx = proc; sets pid, kernel stack
proc_slot_init:
    lea rbx, [procs]
    mov rax, rdi
    shl rax, 6
    add rbx, rax
    mov qword [rbx + P_STATE], 1
    mov rax, [next_pid]
%ifdef CONTAINERS
    call ctr_slot_pid               ; P_PID: the pid in the container's pid namespace
%endif
    mov [rbx + P_PID], rax
    inc qword [next_pid]
    lea rax, [rdi + 1]
    imul rax, rax, KSTACK_SIZE
    add rax, KSTACKS
    mov [rbx + P_KTOP], rax
    mov qword [rbx + P_HEAP], HEAP_BASE
    mov qword [rbx + P_FRESH], 1
    ret

; proc_create(rdi = slot): fresh address space with the user program, data page, stack
proc_create:
    push rbx
    push r12
    push r13
    call proc_slot_init
    call new_space
    mov [rbx + P_CR3], rax
    mov r12, rax
    xor r13d, r13d
.code:
%ifdef CONTAINERS
    cmp r13, [img_len]              ; the staged image's frames become the code pages: nothing copied
    jae .codedone
    mov rdx, [img_addr]
    add rdx, r13
    or rdx, 5
    mov rcx, [charge_ctr]
    inc qword [rcx + C_FRAMES]
    mov rdi, r12
    lea rsi, [r13 + USER_CODE]
    call map
    add r13, 4096
    jmp .code
%else
    cmp r13, USER_LEN
    jae .codedone
    call alloc_frame
    push rax
    mov rdi, rax
    lea rsi, [r13 + USER_IMAGE]
    mov ecx, 512
    rep movsq
    pop rdx
    or rdx, 5
    mov rdi, r12
%ifdef USER_BASE
    mov rsi, USER_BASE          ; a PE's ImageBase: above 4 GiB, beyond a displacement's reach
    add rsi, r13
%else
    lea rsi, [r13 + USER_CODE]
%endif
    call map
    add r13, 4096
    jmp .code
%endif
.codedone:
    call alloc_frame
    lea rdx, [rax + 7]
    mov rdi, r12
    mov rsi, USER_DATA
    call map
    mov r13d, 1
.stack:
    call alloc_frame
    lea rdx, [rax + 7]
    mov rdi, r12
    mov rsi, r13
    shl rsi, 12
    neg rsi
    add rsi, USER_STACK
    call map
    inc r13
    cmp r13, 4
    jbe .stack
%ifdef PARAVIRT
    call pt_flush
%endif
    ; initial kernel stack: iretq frame, return into first_run, six callee-saved slots
    mov rax, [rbx + P_KTOP]
    mov qword [rax - 8], 0x1B
    mov qword [rax - 16], USER_STACK
    mov qword [rax - 24], 0x202
    mov qword [rax - 32], 0x23
%ifdef CONTAINERS
    mov rcx, [img_entry]
    mov [rax - 40], rcx
%else
%ifdef USER_BASE
    mov rcx, USER_ENTRY             ; (a PE's: above 4 GiB)
    mov [rax - 40], rcx
%else
    mov qword [rax - 40], USER_ENTRY
%endif
%endif
    lea rcx, [first_run]
    mov [rax - 48], rcx
    sub rax, 96
    mov [rbx + P_KSP], rax
    pop r13
    pop r12
    pop rbx
    ret

first_run:
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
%ifdef PARAVIRT
    jmp pv_iret
%else
    iretq
%endif

fork_child_ret:
    xor eax, eax
%ifdef PARAVIRT
    jmp pv_iret
%else
    iretq
%endif

; schedule(rdi = reason: 0 yield, 1 timer, 2 exit): round-robin to the next runnable process
schedule:
%ifdef CONTAINERS
    jmp ctr_schedule
%endif
    mov rsi, [cur]
    mov rcx, rsi
    mov edx, MAXPROC
.scan:
    add rcx, PROC_SIZE
    lea rax, [procs + MAXPROC*PROC_SIZE]
    cmp rcx, rax
    jb .inrange
    lea rcx, [procs]
.inrange:
    cmp qword [rcx + P_STATE], 1
    je .found
    dec edx
    jnz .scan
    ; nobody is runnable: every process has exited
    jmp all_done
%ifdef PARAVIRT
.same:                          ; a yield with nothing else to run gives the CPU back to Xen
    test edi, edi
    jnz schedule_same
    mov eax, HYPERVISOR_sched_op
    mov edi, SCHEDOP_yield
    xor esi, esi
    vmcall
    ret
%endif
.found:                         ; rcx = the next process, rsi = the current one, rdi = reason
    cmp rcx, rsi
%ifdef PARAVIRT
    je .same
%else
    je schedule_same
%endif
    inc qword [switches]
    lea rax, [sw_yield]
    inc qword [rax + rdi*8]
    ; switch_to(rcx)
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    mov [rsi + P_KSP], rsp
enter_process:                  ; rcx = process entry: make it current and resume it on its kernel stack
    mov [cur], rcx
%ifdef CONTAINERS
    call ctr_enter
%endif
    mov rax, [rcx + P_KTOP]
    mov [cur_ktop], rax
%ifdef PARAVIRT
    mov rsi, rax                ; the kernel stack Xen switches to when it bounces an event from user mode
    mov edi, 0x10
    mov eax, HYPERVISOR_stack_switch
    vmcall
%else
    mov [tss + 4], rax
%endif
    call load_cr3
    mov rsp, [rcx + P_KSP]
switch_resume:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
schedule_same:
    ret

all_done:
    lea rsi, [msg_sum1]
    call puts
    mov rax, [nprocs]
    call putdec
    lea rsi, [msg_sum2]
    call puts
    mov rax, [syscalls]
    call putdec
    lea rsi, [msg_sum3]
    call puts
    mov rax, [pagefaults]
    call putdec
    lea rsi, [msg_sum4]
    call puts
    mov rax, [switches]
    call putdec
    lea rsi, [msg_sum5]
    call puts
    mov rax, [ticks]
    call putdec
    lea rsi, [msg_sum6]
    call puts
    mov rax, [sw_yield]
    call putdec
    lea rsi, [msg_sum7]
    call puts
    mov rax, [sw_timer]
    call putdec
    lea rsi, [msg_sum8]
    call puts
    mov rax, [sw_exit]
    call putdec
    lea rsi, [msg_sum9]
    call puts
    mov rax, [divide_errors]
    call putdec
    lea rsi, [msg_sum10]
    call puts
    mov rax, [cr3_loads]
    call putdec
    lea rsi, [msg_sum11]
    call puts
%ifdef PARAVIRT
    mov edi, SHUTDOWN_poweroff
    jmp pv_shutdown
%else
    cli
    hlt
%endif

; ---- console
putc:                       ; al = byte
%ifdef PARAVIRT
    push rdi                    ; CONSOLEIO_write of one byte
    push rsi
    push rdx
    push rax
    mov eax, HYPERVISOR_console_io
    mov edi, CONSOLEIO_write
    mov esi, 1
    mov rdx, rsp
    vmcall
    pop rax
    pop rdx
    pop rsi
    pop rdi
    ret
%else
    push rdx
%ifdef CONTAINERS
    mov rdx, [con_port]             ; a container's process: its own console
    test rdx, rdx
    jz .uart
    out dx, al
    pop rdx
    ret
.uart:
%endif
    push rax
    mov dx, 0x3FD
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop rax
    mov dx, 0x3F8
    out dx, al
    pop rdx
    ret
%endif

puts:                       ; rsi = zero-terminated string
%ifdef PARAVIRT
    push rdi                    ; the whole string in one CONSOLEIO_write
    push rdx
    push rcx
    mov rdx, rsi
    xor ecx, ecx
.len:
    cmp byte [rsi + rcx], 0
    je .write
    inc rcx
    jmp .len
.write:
    mov eax, HYPERVISOR_console_io
    mov edi, CONSOLEIO_write
    mov rsi, rcx
    vmcall
    lea rsi, [rdx + rcx]
    xor eax, eax
    pop rcx
    pop rdx
    pop rdi
    ret
%endif
    mov al, [rsi]
    test al, al
    jz .end
    call putc
    inc rsi
    jmp puts
.end:
    ret

putdec:                     ; rax = unsigned value
    lea rsi, [numbuf + 31]
    mov byte [rsi], 0
    mov ecx, 10
.digit:
    xor edx, edx
    div rcx
    add dl, '0'
    dec rsi
    mov [rsi], dl
    test rax, rax
    jnz .digit
    jmp puts

puthex:                     ; rax = value, printed in hexadecimal
    lea rsi, [numbuf + 31]
    mov byte [rsi], 0
.digit:
    mov edx, eax
    and edx, 15
    add dl, '0'
    cmp dl, '9'
    jbe .dec
    add dl, 'A' - '0' - 10
.dec:
    dec rsi
    mov [rsi], dl
    shr rax, 4
    jnz .digit
    jmp puts

; ---- SYSCALL entry: switch to the process's kernel stack, save user state, dispatch, SYSRET
syscall_entry:
%ifdef PARAVIRT
    push r11                    ; Xen's bounce frame is on this kernel stack already (rip, cs, rflags, rsp, ss)
    push rcx
%else
    mov [user_rsp_tmp], rsp
    mov rsp, [cur_ktop]
    push qword [user_rsp_tmp]
    push r11
    push rcx
%endif
    push rdi
    push rsi
    push rdx
    push r8
    push r9
    push r10
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    inc qword [syscalls]
    cmp rax, SYS_COUNT
%ifdef USER_BASE
    jae .lib
%else
    jae .bad
%endif
    lea rcx, [sys_table]
    call [rcx + rax*8]
    jmp .ret
%ifdef USER_BASE
.lib:                           ; 40-47: the Library style's calls (built only for a Library guest's kernel)
    lea rcx, [rax - 40]
    cmp rcx, SYS_LIB_COUNT
    jae .bad
    lea r10, [sys_lib_table]
    call [r10 + rcx*8]
    jmp .ret
%endif
.bad:
    mov rax, -1
.ret:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    pop r10
    pop r9
    pop r8
    pop rdx
    pop rsi
    pop rdi
    pop rcx
    pop r11
%ifdef PARAVIRT
    jmp pv_sysret
%else
    pop rsp
    o64 sysret
%endif

sys_exit:
    mov rbx, [cur]
    mov qword [rbx + P_STATE], 2
    dec qword [alive]
    mov edi, 2
    call schedule
    jmp all_done

sys_write:                  ; rdi = buf, rsi = len (user memory, read with the process's CR3)
    mov rcx, rsi
    mov rsi, rdi
    mov rax, USER_CODE
    cmp rsi, rax
    jb .fail
    mov rax, USER_END
    cmp rcx, rax
    ja .fail
    lea rdx, [rsi + rcx]
    cmp rdx, rax
    ja .fail
%ifdef PARAVIRT
    test rcx, rcx               ; fault in each page of the buffer, as the byte loop would, then one CONSOLEIO_write
    jz .ok
    mov rdx, rsi
.touch:
    mov al, [rdx]
    and rdx, -4096
    add rdx, 4096
    lea rax, [rsi + rcx]
    cmp rdx, rax
    jb .touch
    mov eax, HYPERVISOR_console_io
    mov edi, CONSOLEIO_write
    mov rdx, rsi
    mov rsi, rcx
    vmcall
    test rax, rax
    jnz .fail
%else
.loop:
    test rcx, rcx
    jz .ok
    mov al, [rsi]
    call putc
    inc rsi
    dec rcx
    jmp .loop
%endif
.ok:
    xor eax, eax
    ret
.fail:
    mov rax, -1
    ret

%ifdef USER_BASE
; set_gs_base(rdi = user address): IA32_GS_BASE, where a Windows program finds its TEB (Linux's arch_prctl(ARCH_SET_GS)).
; The kernel itself never uses GS and does not switch it per process: one value for every process.
sys_set_gs_base:
    mov rax, USER_CODE
    cmp rdi, rax
    jb .fail
    mov rax, USER_END
    cmp rdi, rax
    jae .fail
    mov ecx, 0xC0000101
    mov eax, edi
    mov rdx, rdi
    shr rdx, 32
    wrmsr
    xor eax, eax
    ret
.fail:
    mov rax, -1
    ret

; exit_status(rdi = status): exit, leaving the status where the host reads it (exit_status)
sys_exit_status:
    mov [exit_status], rdi
    jmp sys_exit
%endif

sys_getpid:
    mov rax, [cur]
    mov rax, [rax + P_PID]
    ret

sys_yield:
    xor edi, edi
    call schedule
    xor eax, eax
    ret

sys_mmap:                   ; rdi = length: reserve pages, mapped on first touch
    mov rbx, [cur]
    mov rax, USER_END
    cmp rdi, rax
    ja .fail
    add rdi, 4095
    and rdi, -4096
    mov rax, [rbx + P_HEAP]
    lea rcx, [rax + rdi]
    mov rdx, USER_END
    cmp rcx, rdx
    ja .fail
    mov [rbx + P_HEAP], rcx
    ret
.fail:
    mov rax, -1
    ret

sys_mprotect:               ; rdi = addr, rsi = len, rdx = prot (bit 1: writable); user pages only
    mov rax, USER_CODE
    cmp rdi, rax
    jb .fail
    mov rax, USER_END
    cmp rsi, rax
    ja .fail
    lea r13, [rdi + rsi]
    cmp r13, rax
    ja .fail
    mov r12, rdi
    and r12, -4096
    mov r14, rdx
.page:
    cmp r12, r13
    jae .ok
    mov rsi, r12
    call user_pte
    test rax, rax
    jz .fail
    mov rcx, [rax]
    and rcx, -3
    test r14, 2
    jz .ro
    or rcx, 2
.ro:
%ifdef PARAVIRT
    mov eax, HYPERVISOR_update_va_mapping   ; one validated PTE write and its INVLPG
    mov rdi, r12
    mov rsi, rcx
    mov edx, UVMF_INVLPG
    vmcall
    test rax, rax
    jnz .fail
%else
    mov [rax], rcx
    invlpg [r12]
%endif
    add r12, 4096
    jmp .page
.ok:
    xor eax, eax
    ret
.fail:
    mov rax, -1
    ret

sys_spawn:                  ; eager copy of every user page into a new address space
    lea rbx, [procs]
    xor edi, edi
.find:
    cmp qword [rbx + P_STATE], 0
    je .got
    add rbx, PROC_SIZE
    inc edi
    cmp edi, MAXPROC
    jb .find
    mov rax, -1
    ret
.got:
    call proc_slot_init
    mov rax, [cur]
    mov rax, [rax + P_HEAP]
    mov [rbx + P_HEAP], rax
    mov rax, [cur]
    mov rax, [rax + P_PID]
    mov [rbx + P_PARENT], rax
    call new_space
    mov [rbx + P_CR3], rax
    mov r15, rax                ; child PML4
    ; walk the parent's user PDPT entries 1..511
    mov rax, [cur]
    mov rax, [rax + P_CR3]
    mov rax, [rax]
    and rax, -4096
    mov r8, rax                 ; parent PDPT
    mov r9d, 1                  ; PDPT index
.pdpt:
    mov rax, [r8 + r9*8]
    test al, 1
    jz .pdpt_next
    and rax, -4096
    xor r10d, r10d              ; PD index
.pd:
    mov r11, [rax + r10*8]
    test r11, 1
    jz .pd_next
    and r11, -4096
    xor r12d, r12d              ; PT index
.pt:
    mov r13, [r11 + r12*8]
    test r13, 1
    jz .pt_next
    push rax
    push r8
    push r9
    push r10
    push r11
    call alloc_frame
    mov r14, rax
    mov rdi, rax
    mov rsi, r13
    mov rcx, 0x000FFFFFFFFFF000
    and rsi, rcx
    mov ecx, 512
    rep movsq
    mov rdx, r13
    and rdx, 0xFFF
    or rdx, r14
    mov rsi, [rsp + 16]         ; r9
    shl rsi, 30
    mov rax, [rsp + 8]          ; r10
    shl rax, 21
    or rsi, rax
    mov rax, r12
    shl rax, 12
    or rsi, rax
    mov rdi, r15
    call map
    pop r11
    pop r10
    pop r9
    pop r8
    pop rax
.pt_next:
    inc r12d
    cmp r12d, 512
    jb .pt
.pd_next:
    inc r10d
    cmp r10d, 512
    jb .pd
.pdpt_next:
    inc r9d
    cmp r9d, 512
    jb .pdpt
%ifdef PARAVIRT
    call pt_flush
%endif
    ; child's kernel stack: return to user where the parent called spawn, with rax = 0
    mov rcx, [cur_ktop]         ; the parent's syscall frame
    mov rax, [rbx + P_KTOP]
    mov qword [rax - 8], 0x1B
    mov rdx, [rcx - SF_RSP]
    mov [rax - 16], rdx
    mov rdx, [rcx - SF_RFLAGS]
    mov [rax - 24], rdx
    mov qword [rax - 32], 0x23
    mov rdx, [rcx - SF_RIP]
    mov [rax - 40], rdx
    lea rdx, [fork_child_ret]
    mov [rax - 48], rdx
    sub rax, 96
    mov [rbx + P_KSP], rax
    inc qword [alive]
    inc qword [nprocs]
    mov rax, [rbx + P_PID]
    ret

sys_wait:                   ; rdi = pid: yields until that process has exited, then frees its slot
    mov r12, rdi
.again:
    lea rbx, [procs]
    xor ecx, ecx
.find:
    cmp qword [rbx + P_STATE], 0
    je .skip
    cmp [rbx + P_PID], r12
%ifdef CONTAINERS
    jne .skip
    call same_pidns                 ; a pid of another pid namespace names nothing here
    je .got
%else
    je .got
%endif
.skip:
    add rbx, PROC_SIZE
    inc ecx
    cmp ecx, MAXPROC
    jb .find
%ifdef CONTAINERS
    mov rax, -ESRCH
%else
    mov rax, -1
%endif
    ret
.got:
    cmp qword [rbx + P_STATE], 2
    je .reap
    xor edi, edi
    call schedule
    jmp .again
.reap:
    mov rdi, [rbx + P_CR3]
    call free_space
    mov qword [rbx + P_STATE], 0
    xor eax, eax
    ret

sys_inb:                    ; rdi = port (only 0x80, the POST/debug port, is allowed), rsi = count
    cmp rdi, 0x80
    jne .fail
    test rsi, rsi
    jz .fail
    xor eax, eax
.loop:
    in al, 0x80
    dec rsi
    jnz .loop
    ret
.fail:
    mov rax, -1
    ret

sys_setcr8:                 ; rdi = value, rsi = count: writes value, value^1, value, ... count times
    test rsi, rsi
    jz .fail
    and rdi, 15
.loop:
    mov cr8, rdi
    xor edi, 1
    dec rsi
    jnz .loop
    xor eax, eax
    ret
.fail:
    mov rax, -1
    ret

sys_callret:                ; rdi = count: a call/ret pair per turn
    test rdi, rdi
    jz .fail
.loop:
    call .leaf
    dec rdi
    jnz .loop
    xor eax, eax
    ret
.leaf:
    ret
.fail:
    mov rax, -1
    ret

sys_ptemod:                 ; rdi = user page, rsi = count: flips the PTE's R/W bit count times (eight
    test rsi, rsi           ; writes per loop turn), then one INVLPG; an even count leaves the PTE as it was
    jz .fail
    mov rax, USER_CODE
    cmp rdi, rax
    jb .fail
    mov rax, USER_END
    cmp rdi, rax
    jae .fail
    mov r12, rdi
    mov r13, rsi
    mov rsi, r12
    call user_pte
    test rax, rax
    jz .fail
%ifdef PARAVIRT
    mov r8, rax                 ; each flip is a queued update of the PTE, validated in batches by mmu_update
    mov r9, [rax]
    mov rcx, r13
.pvloop:
    xor r9, 2
    mov rdi, r8
    mov rsi, r9
    call pt_queue
    dec rcx
    jnz .pvloop
    call pt_flush
    mov eax, MMUEXT_INVLPG_LOCAL
    mov rsi, r12
    call pv_mmuext1
    xor eax, eax
    ret
%endif
    mov rcx, r13
    shr rcx, 3
    jz .tail
.loop:
    xor qword [rax], 2
    xor qword [rax], 2
    xor qword [rax], 2
    xor qword [rax], 2
    xor qword [rax], 2
    xor qword [rax], 2
    xor qword [rax], 2
    xor qword [rax], 2
    dec rcx
    jnz .loop
.tail:
    and r13, 7
    jz .done
.one:
    xor qword [rax], 2
    dec r13
    jnz .one
.done:
    invlpg [r12]
    xor eax, eax
    ret
.fail:
    mov rax, -1
    ret

; ---- interrupts and exceptions: entry stubs push (error code, vector), then the common path; the CPU
; itself pushes the error code of #DF, #TS, #NP, #SS, #GP, #PF and #AC (ERR_VECTORS), the others push 0
isr_de:
    push 0
    push 0
    jmp isr_common
isr_db:
    push 0
    push 1
    jmp isr_common
isr_nmi:
    push 0
    push 2
    jmp isr_common
isr_bp:
    push 0
    push 3
    jmp isr_common
isr_of:
    push 0
    push 4
    jmp isr_common
isr_br:
    push 0
    push 5
    jmp isr_common
isr_ud:
    push 0
    push 6
    jmp isr_common
isr_nm:
    push 0
    push 7
    jmp isr_common
isr_df:
    push 8
    jmp isr_common
isr_ts:
    push 10
    jmp isr_common
isr_np:
    push 11
    jmp isr_common
isr_ss:
    push 12
    jmp isr_common
isr_gp:
    push 13
    jmp isr_common
isr_pf:
    push 14
    jmp isr_common
isr_mf:
    push 0
    push 16
    jmp isr_common
isr_ac:
    push 17
    jmp isr_common
isr_mc:
    push 0
    push 18
    jmp isr_common
isr_xm:
    push 0
    push 19
    jmp isr_common
isr_timer:
    push 0
    push 0x20
    jmp isr_common
isr_selftest:
    push 0
    push SELFTEST_VECTOR
    jmp isr_common
isr_default:
    push 0
    push 255
    jmp isr_common

; frame (from rsp): r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax | vector 120, error 128,
; rip 136, cs 144, rflags 152, rsp 160, ss 168
isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rbp, rsp
    ; device interrupts (vectors IRQ_VECTOR .. IRQ_VECTOR+15, as the IOAPIC is programmed): every driver looks
    ; at its own device, as on a shared line, then EOI
    mov rax, [rbp + 120]
    sub rax, IRQ_VECTOR
    cmp rax, 16
    jae .not_device
    mov rdi, rax
    call io_irq
%ifndef PARAVIRT
    mov ecx, 0x80B
    xor eax, eax
    xor edx, edx
    wrmsr
%endif
    jmp .out
.not_device:
    cmp qword [rbp + 120], SELFTEST_VECTOR
    je .selftest
    mov rax, [rbp + 144]
    test al, 3
    jnz .user
    ; in the kernel only a #PF on a user address (a syscall touching a demand-paged buffer) is expected
    cmp qword [rbp + 120], 14
    jne kernel_panic
%ifdef PARAVIRT
    mov rax, [vcpu_info + 16]   ; CR2, as Xen leaves it in vcpu_info
%else
    mov rax, cr2
%endif
    mov rcx, USER_CODE
    cmp rax, rcx
    jb kernel_panic
.user:
    mov rax, [rbp + 120]
    cmp rax, 0x20
    je .timer
    cmp rax, 14
    je .pf
    cmp rax, 0
    je .de
    jmp kill_current
.timer:
    inc qword [ticks]
%ifdef CONTAINERS
    call ctr_charge             ; the CPU cgroup: the running container pays for what it ran
%endif
    call pmc_arm                ; the next tick TIMER_PERIOD user instructions from here
%ifdef CONTAINERS
    mov rax, (1 << 48) - TIMER_PERIOD
    mov [pmc_in], rax
    call ctr_poll               ; containers the host posted meanwhile
%endif
%ifdef PARAVIRT
    mov byte [vcpu_info], 0     ; evtchn_upcall_pending: taken
    mov eax, HYPERVISOR_xenpmu_op   ; XENPMU_flush: Xen unmasks the LVT entry it masked for the PMI
    mov edi, XENPMU_flush
    xor esi, esi
    vmcall
%else
    mov ecx, 0x834              ; unmask the LVT entry, which the PMI masked
    mov eax, 0x20
    xor edx, edx
    wrmsr
    mov ecx, 0x80B
    xor eax, eax
    wrmsr
%endif
    mov edi, 1
    call schedule
    jmp .out
.pf:
%ifdef PARAVIRT
    mov rsi, [vcpu_info + 16]
%else
    mov rsi, cr2
%endif
    test qword [rbp + 128], 1
    jnz kill_current            ; protection violation
    mov rax, HEAP_BASE
    cmp rsi, rax
    jb kill_current
    mov rbx, [cur]
    cmp rsi, [rbx + P_HEAP]
    jae kill_current
%ifdef CONTAINERS
    mov rcx, [charge_ctr]           ; the memory cgroup's limit: a fault past it is the container's OOM
    mov rax, [rcx + C_LIMIT]
    test rax, rax
    jz .within
    cmp [rcx + C_FRAMES], rax
    jae oom_kill
.within:
%endif
    inc qword [pagefaults]
    and rsi, -4096
    push rsi
    call alloc_frame
    ; the fault is the first access: the PTE is made accessed, and dirty for a write fault, as FreeBSD's
    ; pmap_enter does, so the processor need not set them on the retry
    mov rdx, [rbp + 128]
    and edx, 2                  ; error code bit 1: a write
    shl edx, 5                  ; -> bit 6, D
    or rdx, 0x27                ; P, R/W, U/S, A
    or rdx, rax
    pop rsi
    mov rdi, [rbx + P_CR3]
    call map
%ifdef PARAVIRT
    call pt_flush
%endif
    jmp .out
.selftest:                      ; the boot self-test's interrupt: note where it landed, EOI
    inc qword [boot_ipis]
    mov rax, [rbp + 144]
    and eax, 3
    mov [boot_ipi_cpl], rax
    mov ecx, 0x80B
    xor eax, eax
    xor edx, edx
    wrmsr
    jmp .out
.de:
    ; resume after the DIV/IDIV: [REX] F6/F7 with a register operand (ModRM.mod = 3)
    inc qword [divide_errors]
    mov rsi, [rbp + 136]
    xor ecx, ecx
    mov al, [rsi]
    and al, 0xF0
    cmp al, 0x40
    jne .op
    inc ecx
.op:
    mov al, [rsi + rcx]
    and al, 0xFE
    cmp al, 0xF6
    jne kill_current
    mov al, [rsi + rcx + 1]
    and al, 0xC0
    cmp al, 0xC0
    jne kill_current
    add ecx, 2
    add [rbp + 136], rcx
.out:
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16
%ifdef PARAVIRT
    jmp pv_iret
%else
    iretq
%endif

; kill_current (rbp = the exception frame): "virtps: pid N killed by #GP(0) at rip 0x40000005", plus
; ", address 0x..." (CR2) for #PF; the process exits and the scheduler runs the next one
kill_current:
    inc qword [killed]
    lea rsi, [msg_killed]
    call puts
    mov rax, [cur]
    mov rax, [rax + P_PID]
    call putdec
    lea rsi, [msg_killed2]
    call puts
    mov rbx, [rbp + 120]
    cmp rbx, 20
    jae .number
    lea rsi, [vector_names]
    lea rsi, [rsi + rbx*4]
    cmp byte [rsi], 0
    je .number
    call puts
    jmp .code
.number:                        ; a vector with no mnemonic of its own (255: an unexpected interrupt)
    lea rsi, [msg_vector]
    call puts
    mov rax, rbx
    call putdec
.code:
    cmp rbx, 32
    jae .rip
    mov eax, ERR_VECTORS
    bt eax, ebx
    jnc .rip
    mov al, '('
    call putc
    mov rax, [rbp + 128]
    call putdec
    mov al, ')'
    call putc
.rip:
    lea rsi, [msg_killed3]
    call puts
    mov rax, [rbp + 136]
    call puthex
    cmp rbx, 14
    jne .eol
    lea rsi, [msg_killed4]
    call puts
%ifdef PARAVIRT
    mov rax, [vcpu_info + 16]
%else
    mov rax, cr2
%endif
    call puthex
.eol:
    mov al, 10
    call putc
    mov rbx, [cur]
    mov qword [rbx + P_STATE], 2
    dec qword [alive]
    mov edi, 2
    call schedule
    jmp all_done

out_of_memory:
    lea rsi, [msg_oom]
    call puts
%ifdef PARAVIRT
    mov edi, SHUTDOWN_crash
    jmp pv_shutdown
%else
    cli
    hlt
%endif

kernel_panic:
    lea rsi, [msg_panic]
    call puts
    mov rax, [rbp + 120]
    call putdec
    mov al, 10
    call putc
%ifdef PARAVIRT
    mov edi, SHUTDOWN_crash
    jmp pv_shutdown
%else
    cli
    hlt
%endif

%ifdef PARAVIRT
; ---- paravirtual helpers

; pv_iret / pv_sysret: return through HYPERVISOR_iret with RIP, CS, RFLAGS, RSP, SS at [rsp]; Xen's iret
; context adds RAX, R11, RCX (restored as they are now) and its flags below them
pv_sysret:
    push VGCF_in_syscall
    jmp pv_iret_ctx
pv_iret:
    push 0
pv_iret_ctx:
    push rcx
    push r11
    push rax
    mov eax, HYPERVISOR_iret
    vmcall

; pv_shutdown(edi = reason): SCHEDOP_shutdown, in place of CLI; HLT
pv_shutdown:
    mov [shutdown_reason], edi
    mov eax, HYPERVISOR_sched_op
    mov edi, SCHEDOP_shutdown
    lea rsi, [shutdown_reason]
    vmcall
    jmp pv_shutdown

; pv_mmuext1(eax = command, rsi = mfn or linear address): one mmuext_op; keeps every register but rax
pv_mmuext1:
    push rdi
    push rsi
    push rdx
    push r10
    sub rsp, 24
    mov [rsp], rax              ; cmd (and the pad above it: zero)
    mov [rsp + 8], rsi
    mov qword [rsp + 16], 0
    mov rdi, rsp
    mov esi, 1
    xor edx, edx
    mov r10d, DOMID_SELF
    mov eax, HYPERVISOR_mmuext_op
    vmcall
    add rsp, 24
    pop r10
    pop rdx
    pop rsi
    pop rdi
    test rax, rax
    jnz pv_refused
    ret

; pt_queue(rdi = entry's address, rsi = new value): queues an mmu_update request, making the hypercall when
; the queue is full; keeps every register but rax
pt_queue:
    push rdx
    mov rax, [ptq_len]
    shl rax, 4
    lea rdx, [ptq]
    mov [rdx + rax], rdi
    mov [rdx + rax + 8], rsi
    pop rdx
    inc qword [ptq_len]
    cmp qword [ptq_len], PTQ_LEN
    jae pt_flush
    ret

; pt_flush: the queued updates in one mmu_update, validated by Xen; keeps every register but rax
pt_flush:
    push rdi
    push rsi
    push rdx
    push r10
    mov rsi, [ptq_len]
    test rsi, rsi
    jz .done
    lea rdi, [ptq]
    xor edx, edx
    mov r10d, DOMID_SELF
    mov eax, HYPERVISOR_mmu_update
    vmcall
    mov qword [ptq_len], 0
    test rax, rax
    jnz pv_refused
.done:
    pop r10
    pop rdx
    pop rsi
    pop rdi
    ret

; a refused update is a kernel bug: say so and crash the domain
pv_refused:
    lea rsi, [msg_refused]
    call puts
    mov edi, SHUTDOWN_crash
    jmp pv_shutdown
%endif

; @@DRIVER_CODE@@

%ifdef CONTAINERS
%include "containers.asm"
%endif

; ---- data
msg_boot:  db "virtps kernel: booting", 10, 0
msg_sum1:  db "virtps: ", 0
msg_sum2:  db " processes, ", 0
msg_sum3:  db " syscalls, ", 0
msg_sum4:  db " page faults, ", 0
msg_sum5:  db " context switches, ", 0
msg_sum6:  db " ticks (switches: ", 0
msg_sum7:  db " yield, ", 0
msg_sum8:  db " timer, ", 0
msg_sum9:  db " exit; ", 0
msg_sum10: db " divide errors, ", 0
msg_sum11: db " CR3 loads)", 10, 0
msg_killed: db "virtps: pid ", 0
msg_killed2: db " killed by ", 0
msg_killed3: db " at rip 0x", 0
msg_killed4: db ", address 0x", 0
msg_vector: db "vector ", 0
; four bytes per vector 0..19: the SDM's mnemonic, or nothing for the reserved ones
vector_names: db "#DE", 0, "#DB", 0, "NMI", 0, "#BP", 0, "#OF", 0, "#BR", 0, "#UD", 0, "#NM", 0
    db "#DF", 0, 0, 0, 0, 0, "#TS", 0, "#NP", 0, "#SS", 0, "#GP", 0, "#PF", 0, 0, 0, 0, 0
    db "#MF", 0, "#AC", 0, "#MC", 0, "#XM", 0
ERR_VECTORS equ (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17)
align 8
gate_table:
    dq 0, isr_de, 1, isr_db, 2, isr_nmi, 3, isr_bp, 4, isr_of, 5, isr_br, 6, isr_ud, 7, isr_nm
    dq 8, isr_df, 10, isr_ts, 11, isr_np, 12, isr_ss, 13, isr_gp, 14, isr_pf, 16, isr_mf, 17, isr_ac
    dq 18, isr_mc, 19, isr_xm, 0x20, isr_timer, SELFTEST_VECTOR, isr_selftest
    dq IRQ_VECTOR + 0, isr_irq0, IRQ_VECTOR + 1, isr_irq1, IRQ_VECTOR + 2, isr_irq2, IRQ_VECTOR + 3, isr_irq3
    dq IRQ_VECTOR + 4, isr_irq4, IRQ_VECTOR + 5, isr_irq5, IRQ_VECTOR + 6, isr_irq6, IRQ_VECTOR + 7, isr_irq7
    dq IRQ_VECTOR + 8, isr_irq8, IRQ_VECTOR + 9, isr_irq9, IRQ_VECTOR + 10, isr_irq10, IRQ_VECTOR + 11, isr_irq11
    dq IRQ_VECTOR + 12, isr_irq12, IRQ_VECTOR + 13, isr_irq13, IRQ_VECTOR + 14, isr_irq14, IRQ_VECTOR + 15, isr_irq15
    dq -1, 0
msg_oom:   db "virtps: out of memory", 10, 0
msg_panic: db "virtps: kernel panic, vector ", 0
%ifdef PARAVIRT
msg_refused: db "virtps: the hypervisor refused a page-table update", 10, 0
%endif

; Mutable data starts on a page of its own: a write to a page holding code invalidates its decoded blocks.
align 4096
sys_table: dq sys_exit, sys_write, sys_getpid, sys_yield, sys_mmap, sys_mprotect, sys_spawn, sys_wait, sys_inb, sys_setcr8
    dq sys_callret, sys_ptemod
    dq sys_blk_info, sys_blk_read, sys_blk_write, sys_blk_flush     ; 12-15: Drivers/io_blk.asm
%ifdef CONTAINERS
    dq ctr_net_ping, ctr_net_udp, ctr_net_serve                     ; 16-18: the caller's net namespace checked first
%else
    dq sys_net_ping, sys_net_udp, sys_net_serve                     ; 16-18: Drivers/io_net.asm
%endif
    dq sys_kbd_read                                                 ; 19:    Drivers/io_input.asm
%ifdef CONTAINERS
    dq sys_uname, sys_sethostname, sys_open, sys_read, sys_fwrite, sys_close, sys_kill  ; 20-26: Lib/containers.asm
%endif
SYS_COUNT equ ($ - sys_table) / 8
%ifdef USER_BASE
sys_lib_table: dq sys_set_gs_base, sys_exit_status                  ; 40-41
SYS_LIB_COUNT equ ($ - sys_lib_table) / 8
exit_status: dq 0               ; the last exit_status call's status
%endif
kernel_cs:  dq 0
boot_flags: dq 0                ; RFLAGS as PUSHF showed them during boot (IF clear)
boot_ipis:  dq 0                ; the self-test's interrupt: 1 once it came
boot_ipi_cpl: dq -1             ; the CPL it interrupted: 0 = inside the window with interrupts on
next_frame: dq FRAMES
free_list:  dq 0
pcid_on:    dq 0
frames_reused: dq 0
next_pid:   dq 1
cur:        dq 0
cur_ktop:   dq 0
user_rsp_tmp: dq 0
alive:      dq 0
nprocs:     dq 0
syscalls:   dq 0
pagefaults: dq 0
switches:   dq 0
sw_yield:   dq 0
sw_timer:   dq 0
sw_exit:    dq 0
ticks:      dq 0
divide_errors: dq 0
cr3_loads:  dq 0
killed:     dq 0
numbuf:     times 32 db 0
%ifdef CONTAINERS
%include "containers_data.asm"
%endif
; @@DRIVER_DATA@@
%ifdef PARAVIRT
align 64
vcpu_info:  times 64 db 0       ; Xen's vcpu_info: upcall pending (0), upcall mask (1), arch.cr2 (16)
vcpu_reg:   dq 0, 0             ; vcpu_register_vcpu_info: mfn, offset
xenpmu_params: dq 0, 0, 0        ; xen_pmu_params: version, val, vcpu
shutdown_reason: dq 0
ptq_len:    dq 0
align 16
ptq:        times PTQ_LEN*16 db 0   ; mmu_update_t requests: ptr, val
trap_table: times 32*16 db 0        ; trap_info: vector, flags, cs, handler; ends with a zero handler
align 4096
xenpmu_data: times 4096 db 0        ; Xen's xen_pmu_data, shared with the hypervisor
%endif

align 16
gdt_image:
    dq 0
    dq 0x00AF9A000000FFFF       ; 0x08 kernel code
    dq 0x00CF92000000FFFF       ; 0x10 kernel data
    dq 0x00CFF2000000FFFF       ; 0x18 user data
    dq 0x00AFFA000000FFFF       ; 0x20 user code
    dq 0, 0                     ; 0x28 TSS
gdt_image_end:
gdtr:
    dw gdt_image_end - gdt_image - 1
    dq gdt
align 16
idtr:
    dw 4095
    dq idt
align 16
procs:
    times MAXPROC*PROC_SIZE db 0
align 4096
kpd:
    times 4096 db 0
