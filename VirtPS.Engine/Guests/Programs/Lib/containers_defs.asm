; The CONTAINERS build's constants (Guests/ContainerHost.cs writes the same layouts from the host side).
; The request ring: the container runtime (the host) posts a request per container, the kernel takes them.
MBOX        equ 0x3FF000        ; one page in the CPU entry area (supervisor-only, identity-mapped)
MB_HEAD     equ 0               ; requests posted (the host writes it)
MB_TAIL     equ 8               ; requests taken (the kernel writes it)
MB_RING     equ 64
MB_SLOTS    equ 16
RQ_SIZE     equ 128
RQ_CID      equ 0               ; container id, 1 .. MAXCTR-1
RQ_IMAGE    equ 8               ; guest-physical address of the staged program (page-aligned, above STAGE_BASE)
RQ_LEN      equ 16
RQ_ENTRY    equ 24
RQ_QUOTA    equ 32              ; CPU quota in thousandths, 1 .. 1000
RQ_LIMIT    equ 40              ; memory limit in pages, 0 = none
RQ_NS       equ 48              ; namespaces the container has of its own (NS_*)
RQ_STATUS   equ 56              ; the kernel's answer: 1 started, or -errno
RQ_HOST     equ 64              ; host name, NUL-terminated (at most 47 characters)
RQ_OP       equ 120             ; RQ_START, or RQ_STOP: end every process of container RQ_CID
RQ_START    equ 0
RQ_STOP     equ 1
NS_PID      equ 1
NS_UTS      equ 2
NS_MOUNT    equ 4
NS_NET      equ 8
STAGE_BASE  equ MEM_TOP - 0x800000  ; the top 8 MiB: where the host stages programs; frames are made below it
CON_BASE    equ 0x5000          ; container c's console: a 16550 at CON_BASE + 8c
IDLE_STACK  equ CEA + 0x10000   ; the idle loop's stack, below the kernel stacks
MAXCTR      equ 16
CTR_SIZE    equ 128
C_STATE     equ 0               ; 0 free, 1 started, 2 stopped
C_NS        equ 8
C_STRIDE    equ 16              ; 1,000,000 / quota: pass added per user instruction (stride scheduling)
C_PASS      equ 24
C_USED      equ 32              ; user instructions retired, counted by IA32_PMC0
C_LIMIT     equ 40              ; pages
C_FRAMES    equ 48              ; pages charged
C_NEXTPID   equ 56
C_CONSOLE   equ 64
C_OOM       equ 72              ; OOM kills
C_HOST      equ 80              ; 48 bytes
FS_MAX      equ 32              ; the in-kernel filesystem: files of every mount namespace
FILE_SIZE   equ 64
F_USED      equ 0
F_ROOT      equ 8               ; the container whose root holds it (0: the host's)
F_LEN       equ 16
F_DATA      equ 24              ; one frame of data
F_NAME      equ 32              ; 32 bytes: at most 31 characters
FILE_MAX    equ 4096
OF_MAX      equ 32              ; open files: fd = index + 3
OF_SIZE     equ 32
O_FILE      equ 0
O_POS       equ 8
O_OWNER     equ 16
O_CREAT     equ 0x40            ; Linux's value
ENOENT      equ 2
ESRCH       equ 3
EBADF       equ 9
EAGAIN      equ 11
EFAULT      equ 14
EINVAL      equ 22
EMFILE      equ 24
ENOSPC      equ 28
ENAMETOOLONG equ 36
ENETUNREACH equ 101
