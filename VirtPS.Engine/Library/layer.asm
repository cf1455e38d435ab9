; VirtPS's Windows translation layer (the Library style, Wine's way): the KERNEL32.dll functions a PE imports, and the
; part of msvcrt.dll that mingw-w64's C runtime and a small C program need, as user-mode x86-64 code in the PE's own
; process of the built-in kernel. Each follows the Windows x64 calling
; convention (arguments in RCX, RDX, R8, R9, then the stack above 32 bytes of shadow space; result in RAX; RBX, RBP,
; RDI, RSI, R12-R15 preserved; no XMM register is touched) and turns the call into the kernel's system calls (number
; in RAX, arguments in RDI, RSI, RDX; RCX and R11 clobbered): 0 exit, 1 write, 2 getpid, 3 yield, 4 mmap,
; 5 mprotect, 40 set_gs_base, 41 exit_status.
; Defines (Library/TranslationLayer.cs): IMAGE_BASE (where the PE is mapped), ENTRY (its AddressOfEntryPoint, absolute),
; STACK_TOP and STACK_LIMIT (the process's user stack). The loader appends the rest: a stub per import the layer does
; not implement, the table of ranges to make writable (`writable`), the import names, and the executable's TLS block.
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

kernel32_InitializeCriticalSection:  ; (lpCriticalSection): one thread per process, so a critical section needs no lock
    ret

kernel32_DeleteCriticalSection:
    ret

kernel32_EnterCriticalSection:
    ret

kernel32_LeaveCriticalSection:
    ret

kernel32_GetStartupInfoA:           ; (lpStartupInfo): a STARTUPINFOA (104 bytes) with only cb set
    push rdi
    mov rdx, rcx
    mov rdi, rcx
    xor eax, eax
    mov ecx, 13
    rep stosq
    mov dword [rdx], 104
    pop rdi
    ret

kernel32_SetUnhandledExceptionFilter: ; (lpTopLevelExceptionFilter) -> the previous one: none
    xor eax, eax
    ret

kernel32_TlsGetValue:               ; (dwTlsIndex) -> LPVOID
    cmp ecx, 64
    jae .bad
    mov dword [gs:TEB_LAST_ERROR], 0
    lea rax, [tls_values]
    mov rax, [rax + rcx*8]
    ret
.bad:
    mov dword [gs:TEB_LAST_ERROR], ERROR_INVALID_PARAMETER
    xor eax, eax
    ret

; ---- msvcrt.dll: the C library functions a small C program and mingw-w64's start-up code call. Output is written
; at once (no stdio buffering); stdout and stderr are both the console.

msvcrt_printf:                      ; (format, ...) -> int
    mov [rsp + 8], rcx              ; the arguments to their home slots: then they lie in memory in order
    mov [rsp + 16], rdx
    mov [rsp + 24], r8
    mov [rsp + 32], r9
    lea rdx, [rsp + 16]
    jmp printf_va

msvcrt_fprintf:                     ; (stream, format, ...) -> int
    mov [rsp + 8], rcx
    mov [rsp + 16], rdx
    mov [rsp + 24], r8
    mov [rsp + 32], r9
    mov rcx, rdx
    lea rdx, [rsp + 24]
    jmp printf_va

msvcrt_vfprintf:                    ; (stream, format, va_list) -> int: a va_list points at the arguments' slots
    mov rcx, rdx
    mov rdx, r8
    jmp printf_va

printf_va:                          ; (rcx = format, rdx = the first argument's 8-byte slot)
    sub rsp, 40
    call format
    call out_flush
    add rsp, 40
    ret

; format(rcx = format, rdx = arguments, 8 bytes each) -> eax = characters written. Conversions d i u x X p s c %;
; flags - and 0; a width (digits or *); a precision for s; lengths h and l (32 bits: long is 32-bit on Windows),
; ll, I64, I, z, j, t (64 bits). Anything else is copied as it stands.
format:
    push rbx
    push rbp
    push rsi
    push rdi
    push r12
    push r13
    push r14
    push r15
    mov rsi, rcx
    mov rbx, rdx
    xor r15d, r15d
.loop:
    movzx eax, byte [rsi]
    test al, al
    jz .end
    inc rsi
    cmp al, '%'
    je .conversion
    call out_char
    jmp .loop
.conversion:
    xor r12d, r12d                  ; bit 0: '-', bit 1: '0'
    xor r13d, r13d                  ; width
    mov r14, -1                     ; precision
    xor ebp, ebp                    ; 1: a 64-bit argument
.flags:
    movzx eax, byte [rsi]
    cmp al, '-'
    jne .zero
    or r12d, 1
    inc rsi
    jmp .flags
.zero:
    cmp al, '0'
    jne .width
    or r12d, 2
    inc rsi
    jmp .flags
.width:
    cmp al, '*'
    jne .digits
    mov r13d, [rbx]
    add rbx, 8
    inc rsi
    jmp .precision
.digits:
    movzx eax, byte [rsi]
    sub eax, '0'
    cmp eax, 9
    ja .precision
    imul r13d, r13d, 10
    add r13d, eax
    inc rsi
    jmp .digits
.precision:
    cmp byte [rsi], '.'
    jne .length
    inc rsi
    xor r14d, r14d
.pdigits:
    movzx eax, byte [rsi]
    sub eax, '0'
    cmp eax, 9
    ja .length
    imul r14, r14, 10
    add r14, rax
    inc rsi
    jmp .pdigits
.length:
    movzx eax, byte [rsi]
    cmp al, 'h'
    je .skip
    cmp al, 'z'
    je .wide
    cmp al, 'j'
    je .wide
    cmp al, 't'
    je .wide
    cmp al, 'l'
    jne .msize
    inc rsi
    cmp byte [rsi], 'l'
    jne .length
.wide:
    mov ebp, 1
.skip:
    inc rsi
    jmp .length
.msize:
    cmp al, 'I'                     ; Microsoft's I64, I32 and I
    jne .spec
    inc rsi
    mov ebp, 1
    cmp word [rsi], 0x3436          ; "64"
    je .skip2
    cmp word [rsi], 0x3233          ; "32"
    jne .length
    xor ebp, ebp
.skip2:
    add rsi, 2
    jmp .length
.spec:
    test al, al
    jz .end
    inc rsi
    cmp al, 'd'
    je .signed
    cmp al, 'i'
    je .signed
    cmp al, 'u'
    je .unsigned
    cmp al, 'x'
    je .hex
    cmp al, 'X'
    je .hexupper
    cmp al, 'p'
    je .pointer
    cmp al, 's'
    je .string
    cmp al, 'c'
    je .char
    cmp al, '%'
    je .literal
    push rax
    mov al, '%'
    call out_char
    pop rax
.literal:
    call out_char
    jmp .loop
.signed:
    mov rax, [rbx]
    add rbx, 8
    test ebp, ebp
    jnz .s64
    movsxd rax, eax
.s64:
    xor r8d, r8d
    test rax, rax
    jns .decimal
    neg rax
    mov r8d, '-'
.decimal:
    mov ecx, 10
    jmp .number
.unsigned:
    call .argument
    jmp .decimal
.hex:
    call .argument
    mov r9d, 'a' - 10
    mov ecx, 16
    jmp .number
.pointer:
    mov ebp, 1
    or r12d, 2
    mov r13d, 16                    ; as msvcrt prints it: 16 upper-case digits
.hexupper:
    call .argument
    mov r9d, 'A' - 10
    mov ecx, 16
.number:                            ; rax = magnitude, rcx = base, r8 = sign or 0, r9 = letters' offset
    lea rdi, [num_buf + 32]
.div:
    xor edx, edx
    div rcx
    add dl, '0'
    cmp dl, '9'
    jbe .put
    add dl, r9b
    sub dl, '0'
.put:
    dec rdi
    mov [rdi], dl
    test rax, rax
    jnz .div
    test r14, r14                   ; a precision: at least that many digits, and no zero padding (C17 7.21.6.1)
    js .digits_done
    and r12d, ~2
.precision_zeros:
    lea rcx, [num_buf + 32]
    sub rcx, rdi
    cmp rcx, r14
    jae .digits_done
    lea rcx, [num_buf]
    cmp rdi, rcx
    jbe .digits_done
    dec rdi
    mov byte [rdi], '0'
    jmp .precision_zeros
.digits_done:
    lea rcx, [num_buf + 32]
    sub rcx, rdi                    ; digits
    lea r10, [rcx + 1]
    test r8d, r8d
    jnz .signlen
    mov r10, rcx
.signlen:
    mov r11, r13
    sub r11, r10                    ; padding
    test r12d, 3
    jnz .nopre
    call .spaces
.nopre:
    test r8d, r8d
    jz .nosign
    mov eax, r8d
    call out_char
.nosign:
    test r12d, 1
    jnz .body
    test r12d, 2
    jz .body
.zeros:
    test r11, r11
    jle .body
    mov al, '0'
    call out_char
    dec r11
    jmp .zeros
.body:
    call .emit
    test r12d, 1
    jz .loop
    call .spaces
    jmp .loop
.string:
    mov rdi, [rbx]
    add rbx, 8
    test rdi, rdi
    jnz .slen
    lea rdi, [null_text]
.slen:
    xor ecx, ecx
.scount:
    cmp rcx, r14                    ; the precision caps the length (-1: none, as an unsigned compare)
    jae .sdone
    cmp byte [rdi + rcx], 0
    je .sdone
    inc rcx
    jmp .scount
.sdone:
    jmp .text
.char:
    mov al, [rbx]
    add rbx, 8
    lea rdi, [num_buf]
    mov [rdi], al
    mov ecx, 1
.text:                              ; rdi = text, rcx = its length: padded with spaces to the width
    mov r11, r13
    sub r11, rcx
    test r12d, 1
    jnz .tbody
    call .spaces
.tbody:
    call .emit
    test r12d, 1
    jz .loop
    call .spaces
    jmp .loop
.argument:                          ; rax = the next unsigned argument, r8 = no sign
    mov rax, [rbx]
    add rbx, 8
    xor r8d, r8d
    test ebp, ebp
    jnz .arg64
    mov eax, eax
.arg64:
    ret
.spaces:                            ; r11 spaces, if positive
    test r11, r11
    jle .sp_done
    mov al, ' '
    call out_char
    dec r11
    jmp .spaces
.sp_done:
    ret
.emit:                              ; rcx bytes from rdi
    test rcx, rcx
    jz .emitted
    mov al, [rdi]
    call out_char
    inc rdi
    dec rcx
    jmp .emit
.emitted:
    ret
.end:
    mov eax, r15d
    pop r15
    pop r14
    pop r13
    pop r12
    pop rdi
    pop rsi
    pop rbp
    pop rbx
    ret

out_char:                           ; al to the output buffer (flushed when full); r15 counts; all registers kept
    push rcx
    push rdx
    mov rcx, [out_len]
    lea rdx, [out_buf]
    mov [rdx + rcx], al
    inc rcx
    mov [out_len], rcx
    inc r15
    cmp rcx, OUT_SIZE
    jb .kept
    call out_flush
.kept:
    pop rdx
    pop rcx
    ret

out_flush:                          ; writes the output buffer to the console; all registers kept
    push rax
    push rcx
    push rdx
    push rdi
    push rsi
    push r11
    lea rdi, [out_buf]
    mov rsi, [out_len]
    mov eax, 1
    syscall
    mov qword [out_len], 0
    pop r11
    pop rsi
    pop rdi
    pop rdx
    pop rcx
    pop rax
    ret

msvcrt_puts:                        ; (string) -> int: the string and a newline
    push rdi
    push rsi
    mov rdi, rcx
    xor esi, esi
.len:
    cmp byte [rdi + rsi], 0
    je .write
    inc rsi
    jmp .len
.write:
    mov eax, 1
    syscall
    lea rdi, [newline]
    mov esi, 1
    mov eax, 1
    syscall
    pop rsi
    pop rdi
    xor eax, eax
    ret

msvcrt_putchar:                     ; (c) -> c
    push r15
    mov eax, ecx
    call out_char
    call out_flush
    pop r15
    movzx eax, cl
    ret

msvcrt_fwrite:                      ; (buffer, size, count, stream) -> count
    push rdi
    push rsi
    mov rdi, rcx
    mov rsi, rdx
    imul rsi, r8
    mov eax, 1
    syscall
    pop rsi
    pop rdi
    mov rax, r8
    ret

msvcrt_strlen:                      ; (s) -> size_t
    xor eax, eax
.next:
    cmp byte [rcx + rax], 0
    je .done
    inc rax
    jmp .next
.done:
    ret

msvcrt_strncmp:                     ; (a, b, n) -> int
    xor eax, eax
.next:
    test r8, r8
    jz .done
    movzx eax, byte [rcx]
    movzx r9d, byte [rdx]
    sub eax, r9d
    jnz .done
    test r9d, r9d
    jz .done
    inc rcx
    inc rdx
    dec r8
    jmp .next
.done:
    ret

msvcrt_memcpy:                      ; (destination, source, n) -> destination
    push rdi
    push rsi
    mov rax, rcx
    mov rdi, rcx
    mov rsi, rdx
    mov rcx, r8
    rep movsb
    pop rsi
    pop rdi
    ret

msvcrt_memset:                      ; (destination, c, n) -> destination
    push rdi
    mov r9, rcx
    mov rdi, rcx
    mov eax, edx
    mov rcx, r8
    rep stosb
    mov rax, r9
    pop rdi
    ret

msvcrt_calloc:                      ; (count, size) -> pointer: malloc's memory is fresh from the kernel, so zero
    imul rcx, rdx
    jmp msvcrt_malloc

msvcrt_malloc:                      ; (size) -> pointer: 16-byte blocks carved from 64 KiB mmap'd chunks
    add rcx, 15
    and rcx, -16
    mov rax, [heap_next]
    lea rdx, [rax + rcx]
    cmp rdx, [heap_end]
    jbe .fits
    push rdi
    mov r8, rcx
    cmp r8, 0x10000
    jae .chunk
    mov r8d, 0x10000
.chunk:
    push rcx
    mov rdi, r8
    mov eax, 4                      ; mmap
    syscall
    pop rcx
    pop rdi
    cmp rax, -1
    je .none
    lea rdx, [rax + r8]
    mov [heap_end], rdx
    lea rdx, [rax + rcx]
.fits:
    mov [heap_next], rdx
    ret
.none:
    xor eax, eax
    ret

msvcrt_free:                        ; (pointer): blocks are not reused
    ret

msvcrt_exit:                        ; (status): the atexit handlers, last first, then the end of the process
    mov ebx, ecx
    sub rsp, 8
    call run_atexit
    mov ecx, ebx
    jmp kernel32_ExitProcess

msvcrt__exit:                       ; (status): no handlers
    jmp kernel32_ExitProcess

msvcrt_abort:
    mov ecx, 3
    jmp kernel32_ExitProcess

msvcrt__amsg_exit:                  ; (message number): the C runtime's fatal error
    mov ecx, 255
    jmp kernel32_ExitProcess

msvcrt__cexit:                      ; the atexit handlers, without ending the process
    sub rsp, 8
    call run_atexit
    add rsp, 8
    ret

msvcrt__onexit:                     ; (function) -> function, or NULL when the table is full
    mov rax, [atexit_count]
    cmp rax, ATEXIT_MAX
    jae .full
    lea rdx, [atexit_table]
    mov [rdx + rax*8], rcx
    inc qword [atexit_count]
    mov rax, rcx
    ret
.full:
    xor eax, eax
    ret

msvcrt_atexit:                      ; (function) -> 0, or -1 when the table is full
    sub rsp, 8
    call msvcrt__onexit
    add rsp, 8
    neg rax
    sbb eax, eax
    not eax
    ret

run_atexit:
    push rbx
    sub rsp, 32
.next:
    mov rax, [atexit_count]
    test rax, rax
    jz .done
    dec rax
    mov [atexit_count], rax
    lea rcx, [atexit_table]
    call [rcx + rax*8]
    jmp .next
.done:
    add rsp, 32
    pop rbx
    ret

msvcrt___getmainargs:               ; (&argc, &argv, &envp, expand wildcards, &startinfo) -> 0
    mov dword [rcx], 1
    lea rax, [main_argv]
    mov [rdx], rax
    lea rax, [main_envp]
    mov [r8], rax
    xor eax, eax
    ret

msvcrt___set_app_type:              ; (type)
    ret

msvcrt___setusermatherr:            ; (handler)
    ret

msvcrt__initterm:                   ; (begin, end): calls each non-null function pointer between them
    push rbx
    push rsi
    sub rsp, 40
    mov rbx, rcx
    mov rsi, rdx
.next:
    cmp rbx, rsi
    jae .done
    mov rax, [rbx]
    add rbx, 8
    test rax, rax
    jz .next
    call rax
    jmp .next
.done:
    add rsp, 40
    pop rsi
    pop rbx
    ret

msvcrt___iob_func:                  ; () -> FILE[3]: stdin, stdout, stderr (48 bytes each)
    lea rax, [iob]
    ret

msvcrt_signal:                      ; (signal, handler) -> the previous handler: SIG_DFL
    xor eax, eax
    ret

; what mingw-w64's own printf (__mingw_vfprintf, its default with __USE_MINGW_ANSI_STDIO) calls

msvcrt__lock:                       ; (lock number): one thread
    ret

msvcrt__unlock:
    ret

msvcrt_fputc:                       ; (c, stream) -> c
    push r15
    mov eax, ecx
    call out_char
    call out_flush
    pop r15
    movzx eax, cl
    ret

msvcrt_localeconv:                  ; () -> struct lconv *: the "C" locale's
    lea rax, [lconv]
    ret

msvcrt____lc_codepage_func:         ; () -> the locale's code page: 0, the "C" locale
    xor eax, eax
    ret

msvcrt____mb_cur_max_func:          ; () -> MB_CUR_MAX: 1 in the "C" locale
    mov eax, 1
    ret

msvcrt__errno:                      ; () -> int *: errno
    lea rax, [errno_value]
    ret

msvcrt_strerror:                    ; (errnum) -> char *
    lea rax, [error_text]
    ret

msvcrt_wcslen:                      ; (wchar_t *) -> size_t
    xor eax, eax
.next:
    cmp word [rcx + rax*2], 0
    je .done
    inc rax
    jmp .next
.done:
    ret

kernel32_IsDBCSLeadByteEx:          ; (CodePage, TestChar) -> BOOL: no double-byte code pages
    xor eax, eax
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

null_text: db "(null)", 0
error_text: db "error", 0
decimal_point: db ".", 0
empty_text: db 0
newline: db 10
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
tls_slots:                          ; ThreadLocalStoragePointer: slot 0 is the executable's TLS block (the loader's)
    dq tls_block
    times 63 dq 0
tls_values:                         ; TlsGetValue's slots
    times 64 dq 0
OUT_SIZE    equ 256
ATEXIT_MAX  equ 32
out_buf:    times OUT_SIZE db 0
out_len:    dq 0
num_buf:    times 32 db 0
heap_next:  dq 0
heap_end:   dq 0
atexit_count: dq 0
atexit_table: times ATEXIT_MAX dq 0
main_argv:  dq command_line, 0
main_envp:  dq 0
msvcrt__fmode:      dd 0            ; msvcrt's variables (the IAT slot holds their address)
msvcrt__commode:    dd 0
msvcrt__acmdln:     dq command_line
msvcrt___initenv:   dq main_envp
errno_value: dd 0
align 16
iob:        times 3 * 48 db 0
lconv:                              ; struct lconv of the "C" locale: decimal_point ".", the other strings empty
    dq decimal_point
    times 9 dq empty_text
    times 8 db 127                  ; the char fields: CHAR_MAX, "not available"

; the loader's data part (the executable's TLS block) replaces the next line
; @@LOADER_DATA@@
layer_end:
