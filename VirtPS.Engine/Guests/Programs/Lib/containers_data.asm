; The CONTAINERS build's data (Lib/containers.asm).
msg_oom_kill:  db "virtps: oom-kill: pid ", 0
msg_oom_kill2: db " (memory limit ", 0
msg_oom_kill3: db " pages)", 10, 0
msg_refused_ctr: db "virtps: container not started: error ", 0
align 8
charge_ctr: dq 0                ; the container the kernel works for: charged for frames and CPU, its console written
con_port:   dq 0                ; the console port puts writes to (0: the host's serial console)
pmc_in:     dq (1 << 48) - TIMER_PERIOD    ; IA32_PMC0 at the last charge
img_addr:   dq 0                ; the program proc_create maps: staged frames, length, entry point
img_len:    dq 0
img_entry:  dq 0
host_name:  db "virtps", 0      ; the host's uts name (containers without a uts namespace share it)
            times 41 db 0
path_buf:   times 32 db 0
pctr:       times MAXPROC dq 0  ; per process slot: its container
pgpid:      times MAXPROC dq 0  ; per process slot: its global pid
ctrs:       times MAXCTR*CTR_SIZE db 0
files:      times FS_MAX*FILE_SIZE db 0
ofiles:     times OF_MAX*OF_SIZE db 0
