; VirtPS's Windows translation layer (the Library style, Wine's way): the KERNEL32.dll functions a PE imports,
; as user-mode x86-64 code in the PE's own process of the built-in kernel. Each follows the Windows x64 calling
; convention (arguments in RCX, RDX, R8, R9, then the stack above 32 bytes of shadow space; result in RAX; RBX, RBP,
; RDI, RSI, R12-R15 preserved; no XMM register is touched) and turns the call into the kernel's system calls (number
; in RAX, arguments in RDI, RSI, RDX; RCX and R11 clobbered): 0 exit, 1 write, 2 getpid, 3 yield, 4 mmap,
; 5 mprotect, 40 set_gs_base, 41 exit_status.
; Defines (Library/TranslationLayer.cs): IMAGE_BASE (where the PE is mapped), ENTRY (its AddressOfEntryPoint, absolute),
; STACK_TOP and STACK_LIMIT (the process's user stack). The loader appends the rest: a stub per import the layer does
; not implement, the table of ranges to make writable (`writable`), and the import names.
; Facts from the Windows SDK headers (winnt.h, winbase.h, winerror.h, winternl.h): the TEB's NT_TIB (StackBase 0x08,
; StackLimit 0x10, Self 0x30), ClientId 0x40, ThreadLocalStoragePointer 0x58, ProcessEnvironmentBlock 0x60,
; LastErrorValue 0x68; the PEB's ImageBaseAddress 0x10 and ProcessHeap 0x30; STD_*_HANDLE, ERROR_* numbers.
default rel

TEB_LAST_ERROR      equ 0x68
STD_INPUT_HANDLE    equ -10
STD_OUTPUT_HANDLE   equ -11
STD_ERROR_HANDLE    equ -12
H_STDIN             equ 3           ; the console handles Windows gave before Windows 8
H_STDOUT            equ 7
H_STDERR            equ 11
H_HEAP              equ 0x50000     ; GetProcessHeap's handle (a value no allocation can have)
ERROR_NOT_ENOUGH_MEMORY equ 8
ERROR_INVALID_HANDLE    equ 6
ERROR_INVALID_PARAMETER equ 87
ERROR_MOD_NOT_FOUND     equ 126
ERROR_INVALID_ADDRESS   equ 487
ERROR_NOACCESS          equ 998
STATUS_ENTRYPOINT_NOT_FOUND equ 0xC0000139
TSC_HZ              equ 1000000000  ; the TSC counts retired instructions; the layer reads it as a 1 GHz clock

; The process's first instruction (the kernel's USER_ENTRY): the loader's last steps, then the PE's entry point.
start:
    lea rbx, [writable]             ; the image's writable sections and the layer's data: mapped read-only by the kernel
.protect:
    mov rdi, [rbx]
    test rdi, rdi
    jz .protected
    mov rsi, [rbx + 8]
    mov edx, 2
    mov eax, 5                      ; mprotect(address, length, writable)
    syscall
    add rbx, 16
    jmp .protect
.protected:
    lea rdi, [teb]
    mov eax, 40                     ; set_gs_base(teb): GS:0 is the TEB, as on Windows x64
    syscall
    lea rcx, [peb]
    and rsp, -16
    sub rsp, 32                     ; shadow space; the call leaves RSP = 8 (mod 16) at the entry, as the ABI says
    mov rax, ENTRY
    call rax
    mov ecx, eax                    ; an entry point that returns ends the process with its result
    call kernel32_ExitProcess

; ---- KERNEL32.dll

kernel32_ExitProcess:               ; (uExitCode)
    mov edi, ecx
    mov eax, 41                     ; exit_status
    syscall
    hlt                             ; not reached

kernel32_GetStdHandle:              ; (nStdHandle) -> HANDLE
    mov eax, H_STDIN
    cmp ecx, STD_INPUT_HANDLE
    je .ok
    mov eax, H_STDOUT
    cmp ecx, STD_OUTPUT_HANDLE
    je .ok
    mov eax, H_STDERR
    cmp ecx, STD_ERROR_HANDLE
    je .ok
    mov dword [gs:TEB_LAST_ERROR], ERROR_INVALID_HANDLE
    mov rax, -1                     ; INVALID_HANDLE_VALUE
.ok:
    ret

kernel32_WriteFile:                 ; (hFile, lpBuffer, nNumberOfBytesToWrite, lpNumberOfBytesWritten, lpOverlapped) -> BOOL
    jmp console_write

kernel32_WriteConsoleA:             ; (hConsoleOutput, lpBuffer, nNumberOfCharsToWrite, lpNumberOfCharsWritten, lpReserved) -> BOOL
    jmp console_write

console_write:                      ; stdout and stderr are the kernel's console
    cmp rcx, H_STDOUT
    je .write
    cmp rcx, H_STDERR
    je .write
    mov dword [gs:TEB_LAST_ERROR], ERROR_INVALID_HANDLE
    xor eax, eax
    ret
.write:
    push rdi
    push rsi
    mov rdi, rdx
    mov esi, r8d
    mov eax, 1                      ; write(buffer, length)
    syscall
    pop rsi
    pop rdi
    test rax, rax
    jnz .bad
    test r9, r9
    jz .done
    mov [r9], r8d
.done:
    mov eax, 1
    ret
.bad:
    mov dword [gs:TEB_LAST_ERROR], ERROR_NOACCESS
    xor eax, eax
    ret

kernel32_ReadFile:                  ; (hFile, lpBuffer, nNumberOfBytesToRead, lpNumberOfBytesRead, lpOverlapped) -> BOOL
    cmp rcx, H_STDIN
    jne .bad
    test r9, r9                     ; the console has no input: end of file, 0 bytes read
    jz .done
    mov dword [r9], 0
.done:
    mov eax, 1
    ret
.bad:
    mov dword [gs:TEB_LAST_ERROR], ERROR_INVALID_HANDLE
    xor eax, eax
    ret

kernel32_VirtualAlloc:              ; (lpAddress, dwSize, flAllocationType, flProtect) -> LPVOID
    test rcx, rcx                   ; the kernel places memory itself (mmap at its heap's end)
    jnz .fixed
    test rdx, rdx
    jz .invalid
    push rdi
    mov rdi, rdx
    mov eax, 4                      ; mmap(length): demand-zero pages, as MEM_COMMIT promises
    syscall
    pop rdi
    cmp rax, -1
    je .nomem
    ret
.fixed:
    mov dword [gs:TEB_LAST_ERROR], ERROR_INVALID_ADDRESS
    xor eax, eax
    ret
.invalid:
    mov dword [gs:TEB_LAST_ERROR], ERROR_INVALID_PARAMETER
    xor eax, eax
    ret
.nomem:
    mov dword [gs:TEB_LAST_ERROR], ERROR_NOT_ENOUGH_MEMORY
    xor eax, eax
    ret

kernel32_VirtualFree:               ; (lpAddress, dwSize, dwFreeType) -> BOOL: the kernel cannot unmap; the pages stay
    mov eax, 1
    ret

kernel32_GetProcessHeap:            ; () -> HANDLE
    mov eax, H_HEAP
    ret

kernel32_HeapAlloc:                 ; (hHeap, dwFlags, dwBytes) -> LPVOID: fresh demand-zero pages per block
    test r8, r8
    jnz .some
    mov r8d, 1
.some:
    push rdi
    mov rdi, r8
    mov eax, 4                      ; mmap
    syscall
    pop rdi
    cmp rax, -1
    je .nomem
    ret
.nomem:
    mov dword [gs:TEB_LAST_ERROR], ERROR_NOT_ENOUGH_MEMORY
    xor eax, eax
    ret

kernel32_HeapFree:                  ; (hHeap, dwFlags, lpMem) -> BOOL: as VirtualFree, nothing is returned to the kernel
    mov eax, 1
    ret

kernel32_GetTickCount64:            ; () -> ULONGLONG milliseconds
    rdtsc
    shl rdx, 32
    or rax, rdx
    xor edx, edx
    mov ecx, TSC_HZ / 1000
    div rcx
    ret

kernel32_GetTickCount:              ; () -> DWORD milliseconds: the same clock, truncated by the caller's DWORD
    jmp kernel32_GetTickCount64

kernel32_QueryPerformanceCounter:   ; (lpPerformanceCount) -> BOOL
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov [rcx], rax
    mov eax, 1
    ret

kernel32_QueryPerformanceFrequency: ; (lpFrequency) -> BOOL
    mov eax, TSC_HZ
    mov [rcx], rax
    mov eax, 1
    ret

kernel32_Sleep:                     ; (dwMilliseconds): gives up the CPU once (yield); the kernel has no timer to wait on
    mov eax, 3
    syscall
    ret

kernel32_GetLastError:              ; () -> DWORD
    mov eax, [gs:TEB_LAST_ERROR]
    ret

kernel32_SetLastError:              ; (dwErrCode)
    mov [gs:TEB_LAST_ERROR], ecx
    ret

kernel32_GetCurrentProcessId:       ; () -> DWORD
    mov eax, 2                      ; getpid
    syscall
    ret

kernel32_GetCurrentThreadId:        ; () -> DWORD: one thread per process, its id the process's
    mov eax, 2
    syscall
    ret

kernel32_GetCurrentProcess:         ; () -> HANDLE: the pseudo-handle (HANDLE)-1
    mov rax, -1
    ret

kernel32_GetModuleHandleA:          ; (lpModuleName) -> HMODULE: NULL names the executable
    test rcx, rcx
    jnz .other
    mov rax, IMAGE_BASE
    ret
.other:
    mov dword [gs:TEB_LAST_ERROR], ERROR_MOD_NOT_FOUND
    xor eax, eax
    ret

kernel32_GetCommandLineA:           ; () -> LPSTR
    lea rax, [command_line]
    ret

kernel32_lstrlenA:                  ; (lpString) -> int
    xor eax, eax
    test rcx, rcx
    jz .done
.next:
    cmp byte [rcx + rax], 0
    je .done
    inc eax
    jmp .next
.done:
    ret

; unimplemented(rdx = the import's "DLL.name", NUL-terminated): the stubs the loader binds an import to when the
; layer has no such function jump here; the process ends with STATUS_ENTRYPOINT_NOT_FOUND, the name on the console
unimplemented:
    mov r12, rdx
    lea rdi, [msg_unimplemented]
    mov esi, msg_unimplemented_end - msg_unimplemented
    mov eax, 1
    syscall
    mov rdi, r12
    xor esi, esi
.len:
    cmp byte [rdi + rsi], 0
    je .print
    inc esi
    jmp .len
.print:
    mov eax, 1
    syscall
    lea rdi, [msg_aborting]
    mov esi, msg_aborting_end - msg_aborting
    mov eax, 1
    syscall
    mov edi, STATUS_ENTRYPOINT_NOT_FOUND
    mov eax, 41
    syscall
    hlt

msg_unimplemented: db "virtps: call to unimplemented function "
msg_unimplemented_end:
msg_aborting: db ", aborting", 10
msg_aborting_end:
command_line: db "program.exe", 0

; the loader's part (stubs, writable ranges, import names) replaces the next line
; @@LOADER@@

; ---- the layer's data: made writable at start
align 4096
layer_data:
teb:
    dq 0                            ; 0x00 NtTib.ExceptionList
    dq STACK_TOP                    ; 0x08 NtTib.StackBase
    dq STACK_LIMIT                  ; 0x10 NtTib.StackLimit
    dq 0, 0, 0                      ; 0x18 SubSystemTib, FiberData, ArbitraryUserPointer
    dq teb                          ; 0x30 NtTib.Self
    dq 0                            ; 0x38 EnvironmentPointer
    dq 1, 1                         ; 0x40 ClientId: UniqueProcess, UniqueThread (the kernel's first pid)
    dq 0                            ; 0x50 ActiveRpcHandle
    dq tls_slots                    ; 0x58 ThreadLocalStoragePointer
    dq peb                          ; 0x60 ProcessEnvironmentBlock
    dd 0                            ; 0x68 LastErrorValue
    dd 0
    times 0x800 - 0x70 db 0
peb:
    db 0, 0, 0, 0                   ; InheritedAddressSpace, ReadImageFileExecOptions, BeingDebugged, BitField
    dd 0
    dq -1                           ; 0x08 Mutant
    dq IMAGE_BASE                   ; 0x10 ImageBaseAddress
    dq 0, 0, 0                      ; 0x18 Ldr, ProcessParameters, SubSystemData
    dq H_HEAP                       ; 0x30 ProcessHeap
    times 0x400 - 0x38 db 0
tls_slots:
    times 64 dq 0
layer_end:
