# Text of the VirtPS cmdlet help: synopsis, description, inputs, outputs, examples and links. Parameter descriptions
# are the /// comments on the cmdlets' properties, defaults their initial values or [PSDefaultValue]; New-Help.ps1 merges all three.
$answer = '"mov rax, 42`nhlt"'
@{
'ConvertTo-VProgram' = @{
  Synopsis = 'Assembles x86-64 source text into a program a guest can run.'
  Description = @(
    'ConvertTo-VProgram assembles source in the NASM dialect (64-bit mode) into a flat image that loads at -Origin (0x100000 unless you say otherwise). The result is a VProgram: the bytes, the origin, the entry point (the first byte, or the _start or start label), the symbols and a listing that maps each source line to its address and bytes.'
    'Source comes from -Text or from a file with -Path. Strings piped in are joined line by line into one source, so Get-Content file.asm | ConvertTo-VProgram assembles the file as a whole. -Define sets symbols before assembly, like nasm -D.'
    'Conditional assembly follows nasm''s preprocessor: %define NAME value and %undef NAME (single-line, no parameters), %if, %ifn, %ifdef, %ifndef, their %elif forms, %else, %endif, and %error "text". -Define symbols count as defined for %ifdef and have their values in %if, which also knows the comparisons (= == <> != < <= > >=, signed) and && || ^^. Other % directives (%macro, %include, ...) are errors.'
    'An error in the source is reported as a non-terminating AssemblyError (category ParserError) whose message gives the line and column. A missing file is FileNotFound (ObjectNotFound).'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Lines of assembly source.' })
  Outputs = @(@{ Type = 'VirtPS.VProgram'; Text = 'The assembled program: Bytes, Size, Origin, EntryPoint, Symbols, Listing.' })
  Examples = @(
    @{ Title = 'Assemble a one-liner'; Code = "`$program = ConvertTo-VProgram -Text $answer`n`$program.Size"; Remarks = 'Assembles two instructions at 0x100000 and shows the image size in bytes (6: like nasm, the assembler encodes mov rax, 42 as the shorter mov eax, 42).' }
    @{ Title = 'Define a symbol and read the listing'; Code = "ConvertTo-VProgram -Text 'mov ecx, N', 'hlt' -Define @{ N = 10 } | Select-Object -ExpandProperty Listing"; Remarks = 'N is defined before assembly, like nasm -DN=10; the listing shows each line''s address and bytes.' }
    @{ Title = 'Assemble a file'; Code = "Set-Content -Path Temp:/answer.asm -Value 'mov rax, 42', 'hlt'`nConvertTo-VProgram -Path Temp:/answer.asm"; Remarks = 'Writes a source file to the Temp: drive and assembles it; -Path resolves PowerShell paths.' }
  )
  Links = @('New-VGuest', 'Get-VDisassembly', 'about_VirtPS')
}
'New-VGuest' = @{
  Synopsis = 'Creates a guest: a virtual machine with memory, one x86-64 CPU and a program to run.'
  Description = @(
    'New-VGuest creates a guest in the current runspace''s lab and writes it to the pipeline. The machine starts in 64-bit mode at privilege level 0 with its image loaded at 0x100000, RIP at the entry point and RSP at the top of its memory, as Firecracker starts Linux.'
    'By default that image is the built-in kernel (its own GDT, IDT, TSS, page tables per process, SYSCALL, a scheduling tick from a performance-monitoring counter, a serial console driver). With -Workload it runs a named workload (see Get-VWorkload). With -Code, -Bytes or -Program it runs your program as its first user process: at privilege level 3, in an address space of its own, at the user base 0x40000000. -Code is assembled there, -Bytes are loaded there, and a -Program must have been assembled there (ConvertTo-VProgram -Origin 0x40000000): the kernel cannot relocate a flat image, so a program with another origin is ProgramOriginNotUserBase. -Processes runs several copies and -TimerPeriod sets the preemption tick.'
    'A user program talks to the kernel with SYSCALL: the number in RAX, arguments in RDI, RSI and RDX, the result in RAX (-1 for bad arguments), RCX and R11 clobbered. 0 exit; 1 write(buffer, length) to the console; 2 getpid; 3 yield; 4 mmap(length), pages mapped on first touch; 5 mprotect(address, length, protection), bit 1 = writable; 6 spawn, a copy of the process (0 in the child, its pid in the parent); 7 wait(pid); 8 inb(0x80); 9 setcr8(value). The process has a read-write page at 0x40100000 and a 16 KiB stack below 0x40200000 (RSP starts there); mmap hands out memory from 0x40400000. See about_VirtPS.'
    'A fault the kernel does not resolve (it resolves only the first touch of mmap''d memory and a divide error on a register DIV, which it skips) kills the process, as on any OS: HLT, CLI, MOV to a control register and INT n are #GP at privilege level 3, UD2 is #UD, an unmapped address is #PF. The kernel prints a line such as "virtps: pid 1 killed by #GP(0) at rip 0x40000005" (the error code in parentheses where the CPU pushes one, and the address for #PF), runs the other processes, and when the last has exited prints its summary line and halts the machine. Receive-VConsole reads those lines and KernelSummary parses the summary.'
    'With -Bare there is no kernel: the program is the image, loaded at 0x100000 (-Code, -Bytes) or at its origin (-Program), and runs alone at privilege level 0, where HLT halts the machine. With no program at all the guest holds a single HLT instruction: an empty machine that halts on its first step, like a virtual machine with no boot disk.'
    'Everything is checked before the guest exists, so a failure leaves nothing behind: an invalid name is InvalidGuestName, a name already in use is GuestExists (ResourceExists), a program that does not fit is ProgramTooLarge (LimitsExceeded), bad source is AssemblyError (ParserError), an entry point outside the program is InvalidEntryPoint and a memory size outside 1 to 4096 MB (4 to 1024 MB under the kernel) is InvalidMemorySize. -Bare together with -Workload, -Processes or -TimerPeriod does not bind to any parameter set. Guest memory is backed by host memory only where the guest touches it.'
    'With -Style Container the guest is a container: a user space on its host''s shared kernel (the built-in kernel''s CONTAINERS build on the host''s bare machine, no VMM), booted with the host''s first container; further containers cost no boot. The host stages the program and posts a request to the kernel''s request ring; the kernel starts the container''s first process in its own namespaces (-Namespace: pid, uts, mount, net; all by default) and cgroup (-CpuQuota, its share of the CPU; -MemoryLimitMB, beyond which a page fault is an OOM kill). Its output goes to a console of its own (Receive-VConsole). Its system calls add 20 uname(buffer, length), 21 sethostname(name, length), 22 open(path, flags; 0x40 = O_CREAT), 23 read(fd, buffer, length), 24 fwrite(fd, buffer, length), 25 close(fd), 26 kill(pid, signal); they return -errno (ENOENT 2, ESRCH 3, ...). -HostName, -CpuQuota, -MemoryLimitMB and -Namespace apply to containers only (ContainerOptionNeedsContainerStyle); a quota outside (0, 1] is InvalidCpuQuota, an unknown namespace UnknownNamespace, a limit below the program''s needs MemoryLimitTooSmall, a host running Paravirtual guests ContainerKernelMismatch.'
    'Names are unique per runspace and compared without case. Guests live in the runspace that created them: runspaces of ForEach-Object -Parallel each have their own.'
    '-Engine chooses how the simulator runs the guest''s code on the host, which the guest cannot tell: Translator (the default) compiles each block that has run 2048 times into .NET code and interprets the rest; Interpreter runs every instruction through the reference interpreter. Both leave the same registers, memory, console and Measure-VGuest figures; only host time differs. The Emulation style interprets by definition, so it defaults to Interpreter and -Engine Translator with it is StyleNeedsInterpreter (InvalidArgument; no guest is made). A KVM guest (-Backend Kvm) runs on the host''s processor: -Engine with it is EngineNeedsSimulator, and its Engine is empty. Containers on a host share its kernel''s machine and so its engine. Without -Engine, the environment variable VIRTPS_ENGINE (Interpreter or Translator) sets the default where the style allows a choice; another value is InvalidEngineSetting. Get-VGuest | Format-List shows the engine; Set-VGuest -Engine changes it.'
    'With -Style Library and -Path (or -Bytes) the guest runs a Windows x86-64 console executable, Wine''s way: a PE32+ loader maps it at its ImageBase in a process of the built-in kernel (relocating it when a process cannot have that base), binds its imports to VirtPS''s translation layer (user-mode code that turns each call into the kernel''s system calls: KERNEL32, and the part of msvcrt that mingw-w64''s C runtime and printf need) and every other import to a stub that stops the program naming it, sets up a TEB and PEB (GS points at the TEB) and starts it at its entry point. Its own code runs on the bare machine: no traps, no exits. Get-VImport lists the bindings; Measure-VGuest shows the calls by API name, the cycles they cost and the ExitCode. A file that is no PE is NotPortableExecutable, a cut-off one PeTruncated, one for another machine PeMachineNotSupported, a malformed one PeInvalid; a workload under Library is LibraryNeedsPe.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Guest names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The new guest.' })
  Examples = @(
    @{ Title = 'Boot the kernel with a workload'; Code = "New-VGuest -Name sys -Workload syscall -Iterations 1000 | Invoke-VStep | Out-Null`n(Get-VGuest sys).KernelSummary"; Remarks = 'The kernel runs getpid 1000 times in one user process and prints its summary line; KernelSummary parses it: 1002 system calls (the loop, one write, one exit).' }
    @{ Title = 'Your program as a user process'; Code = "New-VGuest -Name hi -Code 'mov eax, 1', 'lea rdi, [rel msg]', 'mov esi, 3', 'syscall', 'xor eax, eax', 'syscall', `"msg: db 'hi', 10`" | Invoke-VStep | Out-Null`nReceive-VConsole -Guest hi"; Remarks = 'The program runs at privilege level 3 under the kernel: write(msg, 3), then exit. The console shows the kernel''s boot line, hi, and the summary line.' }
    @{ Title = 'A privileged instruction kills the process, not the machine'; Code = "New-VGuest -Name halter -Code 'nop', 'hlt' | Invoke-VStep | Out-Null`nReceive-VConsole -Guest halter"; Remarks = 'HLT at privilege level 3 raises #GP(0); the kernel prints "virtps: pid 1 killed by #GP(0) at rip 0x40000001", then its summary, and halts.' }
    @{ Title = 'Several processes from one program'; Code = "`$program = ConvertTo-VProgram -Text 'mov eax, 2', 'syscall', 'mov eax, 3', 'syscall', 'xor eax, eax', 'syscall' -Origin 0x40000000`n`$g = New-VGuest -Name trio -Program `$program -Processes 3 -TimerPeriod 0`n`$g | Invoke-VStep | Out-Null`n`$g.KernelSummary"; Remarks = 'Each of three processes calls getpid, yields and exits: 3 processes, 9 system calls. The program is assembled at the user base 0x40000000, which the kernel requires.' }
    @{ Title = 'A bare guest from source text'; Code = "New-VGuest -Name answer -Bare -Code $answer"; Remarks = 'Creates a 64 MB guest with no kernel whose program, at 0x100000 and privilege level 0, puts 42 in RAX and halts the machine.' }
    @{ Title = 'A bare guest from raw machine code'; Code = 'New-VGuest -Name raw -Bare -Bytes 0x48, 0xC7, 0xC0, 0x2A, 0, 0, 0, 0xF4 -MemoryMB 16'; Remarks = 'The same program as bytes: mov rax, 42 (48 C7 C0 2A 00 00 00) then hlt (F4), in a 16 MB guest.' }
    @{ Title = 'Several bare guests from one program'; Code = "`$program = ConvertTo-VProgram -Text 'mov ecx, N', 'l: dec rcx', 'jnz l', 'hlt' -Define @{ N = 100 }`n'left', 'right' | New-VGuest -Bare -Program `$program"; Remarks = 'Assembles once at 0x100000 and creates two kernel-less guests that run the same countdown loop.' }
    @{ Title = 'An empty machine'; Code = 'New-VGuest -Name empty | Invoke-VStep'; Remarks = 'A guest made without code holds one HLT instruction and halts after one instruction.' }
    @{ Title = 'Two containers on one shared kernel'; Code = "New-VHost -Name ch | Out-Null`n`$pid1 = 'mov eax, 2', 'syscall', 'add al, 0x30', 'mov [0x40100000], al', 'mov byte [0x40100001], 10', 'mov eax, 1', 'mov edi, 0x40100000', 'mov esi, 2', 'syscall', 'xor eax, eax', 'syscall'`nNew-VGuest -Name a -Style Container -VHost ch -Code `$pid1 -HostName alpha -CpuQuota 0.25 | Out-Null`nNew-VGuest -Name b -Style Container -VHost ch -Code `$pid1 -MemoryLimitMB 1 | Out-Null`nInvoke-VStep -VHost ch | Out-Null`nReceive-VConsole -Guest a, b"; Remarks = 'Both containers print 1: each first process is pid 1 in its own pid namespace. The host kernel booted once, with the first container.' }
    @{ Title = 'A Java program under the process VM'; Code = "`$dir = Join-Path ([IO.Path]::GetTempPath()) virtps-hello`$PID; `$null = New-Item -ItemType Directory -Force `$dir`nSet-Content `"`$dir/Hello.java`" 'public class Hello { public static void main(String[] a) { for (int i = 1; i <= 3; i++) System.out.println(`"hello `" + i); } }'`njavac -d `$dir `"`$dir/Hello.java`"`n`$g = New-VGuest -Name java -Style Application -Path `"`$dir/Hello.class`"`n`$g | Invoke-VStep | Out-Null`n`$g.ProgramOutput"; Remarks = 'javac''s class file is verified, linked and interpreted in a user process of the built-in kernel: hello 1, hello 2, hello 3, as java Hello prints them. ProgramOutput is the console without the kernel''s own lines. Needs javac (OpenJDK 17).' }
    @{ Title = 'A Windows program under -Style Library'; Code = "`$dir = [IO.Path]::GetTempPath()`nSet-Content `"`${dir}hello.c`" '#include <windows.h>', 'void start(void) { DWORD n; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), `"hi\n`", 3, &n, 0); ExitProcess(3); }'`nx86_64-w64-mingw32-gcc -nostdlib -e start -s -o `"`${dir}hello.exe`" `"`${dir}hello.c`" -lkernel32`nNew-VGuest -Name win -Style Library -Path `"`${dir}hello.exe`" | Invoke-VStep | Out-Null`nReceive-VConsole -Guest win; (Measure-VGuest win).ExitCode"; Remarks = 'mingw-w64 builds a PE that calls KERNEL32 directly; VirtPS loads it into a process of its kernel and translates its calls: the console shows hi, and the exit code is 3.' }
    @{ Title = 'The same guest under both engines'; Code = "'Interpreter', 'Translator' | ForEach-Object { New-VGuest -Name `"calc-`$_`" -Workload compute -Iterations 100000 -Engine `$_ } | Invoke-VStep | Measure-VGuest | Format-Table Name, Instructions, Cycles, L1DataTlbHits, Mips"; Remarks = 'Both rows have the same instructions, cycles and TLB figures; the translator''s MIPS are higher once the loop has been compiled.' }
    @{ Title = 'First-generation VT-x: shadow paging'; Code = "New-VGuest -Name vtx1 -Style HardwareAssisted -Paging Shadow -Workload ptemod -Iterations 100 | Invoke-VStep | Measure-VGuest | Select-Object Paging, Exits, TracingPageFaults"; Remarks = 'Every PTE write the kernel makes is traced and emulated by the VMM; with -Paging Nested (the default) none is.' }
  )
  Links = @('ConvertTo-VProgram', 'Get-VGuest', 'Invoke-VStep', 'Receive-VConsole', 'Get-VWorkload', 'about_VirtPS')
}
'Get-VProcess' = @{
  Synopsis = 'Gets the processes of hosts'' shared container kernels.'
  Description = @(
    'Get-VProcess reads the process table of each host''s shared kernel (the kernel the host''s containers run on, made with its first container) and writes one record per process: Host, HostPid (the global pid), Container (the container''s guest name), NamespacePid (the pid in the container''s pid namespace, what its getpid returns: each container''s first process is 1), State (Runnable or Exited) and Slot. -VHost takes host objects, names or wildcard patterns; the default is every host. A host without containers has no processes.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'Hosts.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.ContainerProcess'; Text = 'One per process of the hosts'' shared kernels.' })
  Examples = @(
    @{ Title = 'Two containers, both pid 1'; Code = "New-VHost -Name ch | Out-Null`n'c1', 'c2' | New-VGuest -Style Container -VHost ch -Workload syscall -Iterations 10 | Out-Null`nInvoke-VStep -VHost ch | Out-Null`nGet-VProcess -VHost ch"; Remarks = 'Host pids 1 and 2, each pid 1 in its container.' }
    @{ Title = 'Every host''s container processes'; Code = "New-VHost -Name cw | Out-Null`nNew-VGuest -Name web -Style Container -VHost cw -Workload syscall -Iterations 10 | Invoke-VStep | Out-Null`nGet-VProcess | Format-Table Host, HostPid, Container, NamespacePid, State"; Remarks = 'The container web on host cw: host pid 1, pid 1 in its namespace, Exited.' }
  )
  Links = @('New-VGuest', 'Invoke-VStep', 'about_VirtPS')
}
'Get-VGuest' = @{
  Synopsis = 'Gets the guests of the current runspace.'
  Description = @(
    'Get-VGuest writes the guests of the current runspace''s lab, in name order. With -Name it writes only the guests whose names match; wildcards are allowed.'
    'A name without wildcards that matches no guest is a non-terminating GuestNotFound error (ObjectNotFound). A wildcard that matches nothing writes nothing.'
    'The table shows Name, Style, State, MemoryMB, Instructions and Cycles; Format-List adds how the guest is made and run: Paging, Backend, Engine (Interpreter or Translator; empty on KVM), Host, Workload, HostSeconds and RIP.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Guest names or patterns.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The matching guests.' })
  Examples = @(
    @{ Title = 'Every guest'; Code = "New-VGuest -Name web1 | Out-Null`nNew-VGuest -Name web2 | Out-Null`nGet-VGuest"; Remarks = 'Creates two guests and lists both, in name order.' }
    @{ Title = 'Guests by pattern'; Code = "'web1', 'web2', 'db1' | New-VGuest | Out-Null`nGet-VGuest -Name web*"; Remarks = 'Writes web1 and web2, not db1.' }
    @{ Title = 'How a guest is run'; Code = "New-VGuest -Name emu -Style Emulation -Workload compute -Iterations 10 | Out-Null`nGet-VGuest emu | Format-List Name, Style, Engine"; Remarks = 'The Emulation style interprets: its Engine is Interpreter; a Native guest''s would be Translator.' }
  )
  Links = @('New-VGuest', 'Remove-VGuest')
}
'Remove-VGuest' = @{
  Synopsis = 'Removes guests from the current runspace.'
  Description = @(
    'Remove-VGuest removes guests, named with -Name (wildcards allowed), or given to -Guest (piped in) as objects, names or patterns. It asks for confirmation as a Medium-impact change does, and supports -WhatIf and -Confirm. It writes nothing unless -PassThru is given.'
    'A name without wildcards that matches no guest is a non-terminating GuestNotFound error (ObjectNotFound). A removed guest''s network adapters are disconnected with it. A removed guest''s name may be used again at once.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests to remove.' }, @{ Type = 'System.String'; Text = 'Names of guests to remove.' })
  Outputs = @(@{ Type = 'None'; Text = 'By default, nothing.' }, @{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru, the removed guests.' })
  Examples = @(
    @{ Title = 'See what would be removed'; Code = "New-VGuest -Name scratch | Out-Null`nRemove-VGuest -Name scratch -WhatIf`nGet-VGuest scratch"; Remarks = '-WhatIf reports the removal and leaves the guest in place.' }
    @{ Title = 'Remove every guest'; Code = "'a', 'b' | New-VGuest | Out-Null`nGet-VGuest | Remove-VGuest -PassThru"; Remarks = 'Removes all guests of the runspace and writes each one as it goes.' }
  )
  Links = @('New-VGuest', 'Get-VGuest')
}
'Invoke-VStep' = @{
  Synopsis = 'Runs guests for a number of instructions or until they halt.'
  Description = @(
    'Invoke-VStep runs each guest it is given (piped, or by -Guest as objects, names or wildcard patterns; -Name is an alias) and writes a StepResult for each: the instructions retired and simulated cycles counted in this step, why it stopped (InstructionLimit, Halt, Exception or Cancelled), the host seconds it took and the resulting MIPS.'
    'With -Instructions the step ends after that many instructions, or earlier if the guest halts or faults; with -Until Halt, or with neither parameter, it runs until the guest halts or faults. A guest stopped by -Instructions can be stepped again and continues where it left off.'
    '-Until can also name events that a guest kernel sees: Exception, PageFault, Interrupt, Syscall (SYSCALL or INT n) and ContextSwitch (a CR3 load). The step then ends right after the first such event, with that StopReason, and the guest stays ready to continue. -Trace writes a TraceEvent for every such event and for the halt, as they happen (Instruction, Kind, Rip, Cpl, Vector, ErrorCode, Cr2, Cr3, and under the built-in kernel the ProcessId), so Group-Object Kind and Where-Object work on them.'
    'Guests run one at a time, each as it arrives: a piped guest runs as soon as it is read and its result (after its trace events) is written before the next guest is read, so a long pipeline shows its first results at once and a guest made further up the pipeline can depend on an earlier one''s run. Long runs write progress. Ctrl+C stops the run within a few milliseconds and leaves the guest consistent and ready to run again.'
    'Co-scheduling is asked for: with -CoSchedule the piped or listed guests are collected and run together once the last has arrived, and with -VHost every ready guest of the hosts is. Co-scheduled guests share their hosts'' physical CPUs: each host pins its guests to its physical CPUs in turn (the k-th on CPU k mod PhysicalCpus), and each CPU runs its guests round-robin, the host''s Quantum of guest instructions at a time. Handing a CPU from one guest to another is a world switch, which the incoming guest pays for (its WorldSwitchesIn grows) and which, on a host without TLB tags (Set-VHost -TlbTagging None), also costs it the translations it had cached. The results come at the end, one per guest in the order given (a guest given twice runs once); with -Instructions each guest retires at most that many.'
    'A halted guest cannot be stepped again: that is a non-terminating GuestHalted error (InvalidOperation); a guest stopped by an exception gives GuestFaulted. A -Guest name that matches no guest fails parameter binding with a GuestNotFound error inside (piped, only that input fails), a -VHost name that matches no host with HostNotFound; a wildcard pattern that matches nothing runs nothing.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests to run.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'One per guest: Guest, Instructions, Cycles, StopReason, HostSeconds, Mips.' })
  Examples = @(
    @{ Title = 'Run a guest until it halts'; Code = "New-VGuest -Name answer -Bare -Code $answer | Invoke-VStep"; Remarks = 'Runs two instructions and stops with StopReason Halt.' }
    @{ Title = 'Run in slices'; Code = "`$g = New-VGuest -Name count -Bare -Code 'mov ecx, 1000', 'l: dec rcx', 'jnz l', 'hlt'`n`$g | Invoke-VStep -Instructions 500`n`$g | Invoke-VStep -Until Halt"; Remarks = 'The first step stops after 500 instructions (InstructionLimit); the second continues from there to the HLT.' }
    @{ Title = 'Run guests by name or pattern'; Code = "'a1', 'a2', 'b1' | New-VGuest | Out-Null`nInvoke-VStep -Guest a*, b1"; Remarks = 'Runs three empty guests, one instruction each, one after another: a1 and a2 (the pattern, in name order), then b1.' }
    @{ Title = 'Two guests co-scheduled on one physical CPU'; Code = "New-VHost -Name pair -PhysicalCpus 1 | Set-VHost -Quantum 10000`n'x', 'y' | ForEach-Object { New-VGuest -Name `$_ -Workload syscall -Iterations 500 -VHost pair } | Invoke-VStep -CoSchedule | Select-Object Name, StopReason, @{ n = 'WorldSwitchesIn'; e = { `$_.Guest.WorldSwitchesIn } }"; Remarks = 'Without -CoSchedule each guest would run alone to its halt as it arrives; with it they take turns 10,000 instructions at a time, and each hand-over is a world switch.' }
    @{ Title = 'Two guests sharing one physical CPU'; Code = "New-VHost -Name box -PhysicalCpus 1 | Set-VHost -Quantum 10000`n'p', 'q' | ForEach-Object { New-VGuest -Name `$_ -Workload syscall -Iterations 500 -VHost box } | Out-Null`nInvoke-VStep -VHost box | Out-Null`nGet-VGuest p, q | Select-Object Name, Instructions, WorldSwitchesIn"; Remarks = 'The guests take turns 10,000 instructions at a time; each hand-over is a world switch.' }
    @{ Title = 'Trace the events of a run'; Code = "New-VGuest -Name traced -Bare -Code 'mov ecx, 10', 'l: dec rcx', 'jnz l', 'hlt' | Invoke-VStep -Trace | Where-Object Kind -eq Halt"; Remarks = 'With -Trace the run writes a TraceEvent per event before its step result; this bare program has only one, the halt.' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Get-VRegister')
}
'Compare-VBackend' = @{
  Synopsis = 'Runs one guest on the simulator and on the host''s KVM, and lists what each did side by side.'
  Description = @(
    'Compare-VBackend runs the same guest twice: on the simulator''s HardwareAssisted style (VT-x as the engine models it, with EPT) and on the host''s own processor through /dev/kvm (New-VGuest -Backend Kvm). Both start from the same loader, memory and registers and see the same CPUID; both serve IN/OUT with the same device models, so the console is comparable.'
    'It writes one BackendComparison: the stop of each run, whether the consoles and (for bare programs) the final registers match, each kind of exit counted on both sides (the simulator by Intel SDM exit reason, KVM by the exits that reached the VMM), host time and host time per exit, and Disagreements: every count on which the two differ, with the reason (KVM handles CPUID, control-register and EPT exits inside the host kernel; a host KVM that departs from the architecture is named). The point is to see the model''s error, not to hide it.'
    'A workload runs the built-in kernel even on a host whose KVM cannot run it faithfully (see the Host property), so that what it does differently is seen. KVM does not count instructions, so the KVM run is bounded by -TimeLimit. KVM must be usable (KvmUnavailable, with the reason).'
  )
  Inputs = @(@{ Type = 'None'; Text = 'Nothing is read from the pipeline.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.BackendComparison'; Text = 'Name, Simulator and Kvm (each a BackendRun: StopReason, Console, Registers, ExitsByReason, TotalExits, HostSeconds, MicrosecondsPerExit), Exits (ExitCountComparison rows), ConsoleMatches, RegistersMatch, Disagreements, Host, KvmKernelStatistics.' })
  Examples = @(
    @{ Title = 'A bare program on both backends'; Code = "`$p = ConvertTo-VProgram -Text 'mov ecx, 1000', 'next: in al, 0x80', 'dec ecx', 'jnz next', 'mov rax, 42', 'hlt'`nCompare-VBackend -Program `$p | Select-Object -ExpandProperty Exits"; Remarks = 'A thousand port reads: 1000 IO exits on the simulator and 1000 KVM_EXIT_IO on KVM, then HLT; rax is 42 on both.' }
    @{ Title = 'A workload: where the host''s KVM departs from the model'; Code = "Compare-VBackend -Workload in -Iterations 20 -TimeLimit 00:00:05 | Select-Object ConsoleMatches, Disagreements"; Remarks = 'The built-in kernel runs on both backends; every count on which they differ is listed with why (on a host whose KVM does not enter CPL 0 on SYSCALL, the process is killed at its first system call, and the comparison says so).' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Compare-VStyle', 'about_VirtPS')
}
'Compare-VStyle' = @{
  Synopsis = 'Runs a workload under each virtualization style and compares their cycles per iteration.'
  Description = @(
    'Compare-VStyle boots the built-in kernel with one workload on a fresh guest per style, runs each to completion, prices every run with the same cost model, and writes one row per style: cycles per workload iteration and the ratio to Native (always run, as the baseline), with the instructions, VM exits, traps, callouts, hypercalls and fidelity violations behind them.'
    'Every figure is counted events times the cost model''s primitive prices (see Get-VCostModel); nothing in a row is a constant of the style or the workload. With -CostProfile Pentium4-2006 the rows can be set beside Adams and Agesen''s nanobenchmark table (ASPLOS 2006). The guests are not added to the lab.'
    'Container (only when asked for with -Style) runs the workload as a container on a fresh host''s shared kernel, booted first with an init container as a container host is up before containers come: its cycles are what the kernel''s machine counted from the container''s request to its end, marginal like the others. Every row also has StartupInstructions (the instructions before the workload''s first user instruction: a VM''s whole kernel boot, a container''s start on the running kernel) and PagesHeld (a VM''s resident guest memory; what a container added to its host''s): Format-Table -View StartUp shows them.'
    'Styles that cannot run the built-in kernel yet give UnsupportedStyle (InvalidArgument); an unknown workload gives WorkloadNotFound (ObjectNotFound); an unknown profile gives UnknownCostProfile.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'A workload name, by property name (Name or Workload), for example from Get-VWorkload.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.StyleComparisonRow'; Text = 'Workload, Style, Paging, EptPageSize, Setup, CostModel, Iterations, Instructions, Cycles, CyclesPerIteration, RatioToNative, Exits, Traps, Callouts, Hypercalls, FidelityViolations, TlbMissesPerIteration, WalkReferencesPerIteration, StartupInstructions, PagesHeld, Console, HostSeconds. The default table shows the costs and the events behind them; Format-Table -View Memory shows TLB misses and walk references per iteration instead, -View StartUp the start-up instructions and pages held.' })
  Examples = @(
    @{ Title = 'Nested against shadow paging beyond the TLB''s reach'; Code = "Compare-VStyle -Workload tlbstride -Style HardwareAssisted -Paging Nested, Shadow -EptPageSize 4KB, 2MB -Iterations 2 -CostProfile Modern -WorkloadParameter @{ Pages = 2048 } | Format-Table -View Memory"; Remarks = 'Four rows: Native, HWAssist/Nested, HWAssist/Nested 2M and HWAssist/Shadow. Every touch of the 8 MiB working set misses the TLB: a nested walk costs more references than a shadow walk; 2 MiB EPT pages narrow the gap (VMware, "Performance Evaluation of Intel EPT Hardware Assist", 2009).' }
    @{ Title = 'System calls under every style'; Code = 'Compare-VStyle -Workload syscall -Iterations 1000 -CostProfile Pentium4-2006'; Remarks = 'TrapAndEmulate pays a trap on every SYSRET; HardwareAssisted runs system calls without exits.' }
    @{ Title = 'Page-table updates with and without hardware help'; Code = 'Compare-VStyle ptemod -Style TrapAndEmulate, HardwareAssisted -Paging Shadow -Iterations 100 | Format-Table Style, Paging, CyclesPerIteration, RatioToNative, Exits, Traps'; Remarks = 'Both keep shadow page tables, so every PTE write is traced and emulated by the VMM.' }
    @{ Title = 'Nested against shadow paging'; Code = "Compare-VStyle forkwait -Style HardwareAssisted -Paging Nested, Shadow -Iterations 100"; Remarks = 'The same fork-and-wait loop: with EPT the copies of page tables, CR3 loads and page faults stay in the guest; shadow paging exits on each.' }
    @{ Title = 'A container beside the VMs'; Code = "Compare-VStyle -Workload syscall -Style Native, Container, HardwareAssisted, Paravirtual -Iterations 50000 | Format-Table -View StartUp"; Remarks = 'The container''s system calls cost what Native''s do (one shared kernel serves them on the bare machine); it reaches its first user instruction after about 900 instructions, where a VM boots its kernel in about 13,400.' }
  )
  Links = @('Get-VWorkload', 'Get-VCostModel', 'Measure-VGuest', 'New-VGuest')
}
'Get-VMethod' = @{
  Synopsis = 'Lists the Java methods of an Application guest: interpreted or compiled, invocations, sizes.'
  Description = @(
    'An Application guest (New-VGuest -Style Application -Path) is a process VM, the JVM''s way: its class files are read and verified (JVM specification SE 17, chapter 4), its bytecode is run by an interpreter that is guest code in a user process of the built-in kernel, and a method whose invocations pass -JitThreshold is compiled by the baseline compiler into x86-64 that the same process then runs.'
    'Get-VMethod writes one object per method of the program, abstract ones included: Guest, Class, Name, Descriptor (the JVM''s, e.g. (I)I), State (Interpreted, Compiled or Abstract), Invocations (counted by the guest runtime: by the interpreter''s entry and by compiled code''s prologue), BytecodeSize (the Code attribute''s length), LoweredSize (the linked form the interpreter runs), CompiledSize and CompiledAddress (in the process''s code cache; empty while interpreted). Measure-VGuest gives the totals: bytecodes interpreted and run compiled, methods compiled, and guest instructions per bytecode before and after compilation.'
    'A guest that does not run under the Application style has no Java methods: NotApplicationGuest (InvalidOperation).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'An Application guest.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Jvm.JvmMethodInfo'; Text = 'Guest, Class, Name, Descriptor, State, Invocations, BytecodeSize, LoweredSize, CompiledSize, CompiledAddress.' })
  Examples = @(
    @{ Title = 'A hot method compiled, a cold one interpreted'; Code = "`$dir = Join-Path ([IO.Path]::GetTempPath()) virtps-fib`$PID; `$null = New-Item -ItemType Directory -Force `$dir`nSet-Content `"`$dir/Fib.java`" 'public class Fib { static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); } public static void main(String[] a) { System.out.println(fib(20)); } }'`njavac -d `$dir `"`$dir/Fib.java`"`nNew-VGuest -Name fib -Style Application -Path `"`$dir/Fib.class`" -JitThreshold 100 | Invoke-VStep | Out-Null`nGet-VMethod fib | Format-Table Class, Name, Descriptor, State, Invocations, BytecodeSize, CompiledSize"; Remarks = 'fib ran 21891 times: interpreted for its first 100 invocations, compiled after; main ran once and stays interpreted. Needs javac (OpenJDK 17) on PATH.' }
    @{ Title = 'Everything compiled before its first run'; Code = "`$dir = Join-Path ([IO.Path]::GetTempPath()) virtps-fib0`$PID; `$null = New-Item -ItemType Directory -Force `$dir`nSet-Content `"`$dir/Fib.java`" 'public class Fib { static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); } public static void main(String[] a) { System.out.println(fib(15)); } }'`njavac -d `$dir `"`$dir/Fib.java`"`n`$g = New-VGuest -Name fib0 -Style Application -Path `$dir -JitThreshold 0`n`$g | Invoke-VStep | Out-Null`nGet-VMethod `$g | Select-Object Name, State, CompiledSize, CompiledAddress`n`$g | Measure-VGuest | Select-Object BytecodesInterpreted, BytecodesCompiled, MethodsCompiled, InstructionsPerBytecode"; Remarks = 'With -JitThreshold 0 no bytecode is interpreted. -Path takes the directory; the main class is the one with a main method.' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Invoke-VStep')
}
'Get-VImport' = @{
  Synopsis = 'Lists a Library guest''s imports and what each is bound to.'
  Description = @(
    'A -Style Library guest runs a Windows PE; its loader read the import directory (PE/COFF specification, the .idata section) and wrote each import address table (IAT) slot: with the address of VirtPS''s translation-layer function of that name (KERNEL32.dll: GetStdHandle, WriteFile, WriteConsoleA, ReadFile, ExitProcess, VirtualAlloc, VirtualFree, HeapAlloc, GetTickCount64, QueryPerformanceCounter, Sleep, GetLastError, SetLastError, ...; msvcrt.dll: printf, fprintf, vfprintf, puts, fputc, fwrite, malloc, calloc, free, memcpy, memset, strlen, exit, atexit, and what mingw-w64''s start-up code calls: __getmainargs, _initterm, __iob_func, _fmode, ...), or with a stub that, when called, prints "virtps: call to unimplemented function DLL.name, aborting" and ends the process with STATUS_ENTRYPOINT_NOT_FOUND (0xC0000139), as Wine binds what it lacks.'
    'Get-VImport writes one object per import, in import-directory order: Dll, Name (or #ordinal for an import by ordinal: the layer exports names only, so those are unimplemented), Hint, Ordinal, IatAddress (the slot''s virtual address), BoundTo (the address written there), Implemented and Binding (the layer function''s label, or unimplemented).'
    'A guest not under -Style Library has no imports: NotLibraryGuest (InvalidOperation).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' }, @{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'A step result; its guest''s imports are listed.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Library.ImportBinding'; Text = 'Dll, Name, Hint, Ordinal, IatAddress, BoundTo, Implemented, Binding.' })
  Examples = @(
    @{ Title = 'The import table of a mingw-w64 program'; Code = "`$dir = [IO.Path]::GetTempPath()`nSet-Content `"`${dir}hello.c`" '#include <windows.h>', 'void start(void) { DWORD n; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), `"hi\n`", 3, &n, 0); ExitProcess(0); }'`nx86_64-w64-mingw32-gcc -nostdlib -e start -s -o `"`${dir}hello.exe`" `"`${dir}hello.c`" -lkernel32`nNew-VGuest -Name win -Style Library -Path `"`${dir}hello.exe`" | Out-Null`nGet-VImport -Guest win"; Remarks = 'Three KERNEL32.dll imports (ExitProcess, GetStdHandle, WriteFile), each bound to the translation layer; x86_64-w64-mingw32-objdump -p hello.exe lists the same table.' }
    @{ Title = 'The imports the layer does not implement'; Code = "`$dir = [IO.Path]::GetTempPath()`nSet-Content `"`${dir}beep.c`" '#include <windows.h>', 'void start(void) { Beep(440, 100); ExitProcess(0); }'`nx86_64-w64-mingw32-gcc -nostdlib -e start -s -o `"`${dir}beep.exe`" `"`${dir}beep.c`" -lkernel32`nNew-VGuest -Name beep -Style Library -Path `"`${dir}beep.exe`" | Invoke-VStep | Out-Null`nGet-VImport beep | Where-Object { -not `$_.Implemented }`nReceive-VConsole beep"; Remarks = 'Beep is bound to a stub: the program stops at the call with "virtps: call to unimplemented function KERNEL32.dll.Beep, aborting".' }
  )
  Links = @('New-VGuest', 'Measure-VGuest')
}
'Get-VTranslationCache' = @{
  Synopsis = 'Lists the translated blocks in a BinaryTranslation guest''s translation cache.'
  Description = @(
    'Under the BinaryTranslation style (VMware''s software VMM, Adams and Agesen, ASPLOS 2006) guest kernel code runs only from a translation cache: each guest basic block is translated on its first execution, keeping innocuous instructions and replacing each sensitive one (CLI, POPF, MOV to CR3, IN, OUT, SYSRET, IRETQ, ...) by a callout into the VMM that emulates it with full CPL-0 fidelity; hot translations are then compiled to .NET code. Guest user code runs directly and is never translated.'
    'Get-VTranslationCache writes one object per live translated block, in address order: Address (the guest linear address of its first instruction), PhysicalAddress, GuestInstructions (NASM text), TranslatedForm (one line per guest instruction: the kept instruction, or callout Name(instruction)), Callouts, Executions and Compiled. Adaptive binary translation shows as a "pte write" callout in place of a kernel instruction that kept writing guest page tables. Blocks whose code the guest overwrote are not listed: their translations were dropped.'
    'A guest that does not run under BinaryTranslation has no translation cache: NoTranslationCache (InvalidOperation).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' }, @{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'A step result; its guest''s cache is listed.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Cpu.TranslatedBlock'; Text = 'Address, PhysicalAddress, GuestInstructions, TranslatedForm, Callouts, Executions, Compiled, Valid.' })
  Examples = @(
    @{ Title = 'The kernel''s translated system-call path'; Code = "New-VGuest -Name bt -Style BinaryTranslation -Workload syscall -Iterations 200 | Invoke-VStep | Out-Null`nGet-VTranslationCache -Guest bt | Where-Object Callouts | Sort-Object Executions -Descending | Select-Object -First 5"; Remarks = 'The hottest blocks with callouts: the SYSRET path shows callout sysretq(...), the console driver callout in(...) and callout out(...).' }
    @{ Title = 'Adaptive binary translation'; Code = "New-VGuest -Name pte -Style BinaryTranslation -Workload ptemod -Iterations 100 | Invoke-VStep | Out-Null`nGet-VTranslationCache pte | Where-Object { `$_.TranslatedForm -match 'pte write' } | ForEach-Object TranslatedForm"; Remarks = 'The kernel''s PTE store has become a "pte write" callout after it took two tracing faults.' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Compare-VStyle')
}
'Get-VTranslation' = @{
  Synopsis = 'Shows how a guest-virtual address translates: every memory reference of the page walk, GVA to GPA to HPA.'
  Description = @(
    'Get-VTranslation translates one guest-virtual (linear) address of a guest as its hardware would now and writes one object: TlbHit and TlbLevel (L1 or Stlb) when the TLB holds the translation (then no reference is made and Walk is empty), otherwise Walk (each memory reference the walk actually makes, in order, with its Dimension, Level, TableGpa, TableHpa, Entry and Flags as text) and WalkCacheHits (entries the paging-structure caches and the nested TLB supplied instead of references); Source says which (L1 TLB, STLB, Walk, WalkCache); Gpa, Hpa, PageSize, References (their count), Cycles (References times the cost model''s PageWalkReference), Paging and User (the access is checked at the guest''s current privilege level). Run Clear-VTlb first to see a cold walk.'
    'Under nested paging (HardwareAssisted, the default) the walk is two-dimensional (Bhargava et al., ASPLOS 2008): each guest table''s entry is a guest-physical address that is first translated through the VMM''s EPT tables (Dimension Nested, 4 references, tables in host memory so TableGpa is empty), then read (Dimension Guest); the final guest-physical address is translated through EPT last: 24 references for 4 KiB guest and EPT pages, 19 with 2 MiB EPT pages. The VMM places the guest at host-physical 0x100000000, so Hpa is Gpa plus that. Under shadow paging the hardware walks the VMM''s shadow tables (Dimension Shadow, 4 references; where the shadow holds no entry yet, the guest''s own tables are shown with Source GuestTables); natively the guest''s tables are the machine''s (Dimension Guest, 4 references, Hpa = Gpa).'
    'Get-VTranslation does not change the guest: no accessed or dirty bit is set, no EPT or shadow entry is made, no VM exit is counted, no untouched guest frame is allocated, and the TLB, walk caches and nested TLB are only looked at (no entry is filled, no recency or statistic changes).'
    'It fails as the hardware would: a page fault is GuestPageFault (ObjectNotFound), with the #PF error code of Intel SDM Vol. 3A, 4.7 in the message; a guest-physical address not mapped in EPT (a frame the guest has not touched yet) is EptViolation (ObjectNotFound), with the exit qualification of SDM Vol. 3C, Table 28-7; a bad EPT entry is EptMisconfiguration (InvalidData). A non-canonical address is NonCanonicalAddress (InvalidArgument), a guest with paging disabled PagingDisabled (InvalidOperation). Addresses with bit 63 set need the u suffix in PowerShell (0xFFFF800000000000u).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Memory.AddressTranslation'; Text = 'Guest, Address, Access, User, Paging, Walk, References, Gpa, Hpa, PageSize, Cycles, TlbHit, TlbLevel, WalkCacheHits, Source.' })
  Examples = @(
    @{ Title = 'The 24 references of a cold nested walk'; Code = "New-VGuest -Name web -Style HardwareAssisted -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`nClear-VTlb -Guest web`n(Get-VTranslation -Guest web -Address 0x40000000).Walk | Format-Table"; Remarks = 'With the TLB, walk caches and nested TLB flushed, the user program''s first page takes four EPT references before each of the four guest entries, and four more for the page itself.' }
    @{ Title = 'What the caches spare'; Code = "New-VGuest -Name warm -Style HardwareAssisted -Workload tlbstride -Iterations 2 | Invoke-VStep | Out-Null`nGet-VTranslation warm 0x40400000 | Select-Object Source, TlbLevel, References, WalkCacheHits"; Remarks = 'After the run the heap page may still be in the TLB (no reference), or its walk starts from the walk caches with a reference or two instead of 24.' }
    @{ Title = 'Nested, shadow and native side by side'; Code = "New-VGuest -Name ept -Style HardwareAssisted -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`nNew-VGuest -Name ept2m -Style HardwareAssisted -EptPageSize 2MB -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`nNew-VGuest -Name spt -Style HardwareAssisted -Paging Shadow -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`nNew-VGuest -Name bare -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`n'ept', 'ept2m', 'spt', 'bare' | ForEach-Object { Get-VTranslation `$_ 0x40000000 } | Format-Table Guest, Paging, References, Cycles, Gpa, Hpa"; Remarks = '24, 19, 4 and 4 references.' }
    @{ Title = 'A write to the user stack, with 2 MiB EPT pages'; Code = "New-VGuest -Name st -Style HardwareAssisted -EptPageSize 2MB -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`nClear-VTlb st`nGet-VTranslation st 0x401FF000 -Access Write | Select-Object Paging, References, PageSize, Gpa, Hpa, Cycles"; Remarks = '19 references: each EPT walk stops at a 2 MiB leaf. A write to read-only user code instead (Get-VTranslation st 0x40000000 -Access Write) is GuestPageFault with error code 0x3.' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Compare-VStyle', 'Get-VTlb', 'Clear-VTlb')
}
'Get-VTlb' = @{
  Synopsis = 'Lists the entries of a guest''s TLB, or its hit and miss statistics per level.'
  Description = @(
    'Every guest''s processor has a TLB sized like an Intel Skylake core''s (Optimization Reference Manual): an L1 ITLB (128 entries 8-way for 4 KiB pages, 8 for 2 MiB), an L1 DTLB (64 entries 4-way for 4 KiB pages, 32 4-way for 2 MiB), and a 1536-entry 12-way STLB shared by both, all with LRU replacement. Every style''s MMU uses it: a data access or an instruction fetch looks it up, a miss walks (the native walk, the shadow tables, or the two-dimensional nested walk) and fills it with the final GVA to HPA translation and its rights. In front of the walks sit paging-structure caches (PML4E, PDPTE and PDE entries, for the guest dimension and for EPT; Intel SDM Vol. 3A, 4.10.3) and a nested TLB of guest-physical translations (Bhargava et al., ASPLOS 2008).'
    'Entries carry a VPID tag (0: untagged) and a PCID (global entries match any). They go as the SDM says: MOV to CR3 drops the non-global entries of the PCID (none with CR4.PCIDE and bit 63 set), INVLPG the page and the walk caches of the PCID, INVPCID by its type, CR0 and CR4 paging changes everything; shadow paging''s zaps drop single pages; EPT changes drop the nested TLB; and a hardware-assisted guest without VPIDs loses its entries at every VM exit and entry.'
    'Get-VTlb writes one VTlbEntry per valid entry: Level, Vpid, Pcid, Global, GvaPage, GpaPage, HpaPage, PageSize and Permissions (RW/RO, US/S, X/XD, D). With -Statistics it writes one VTlbStatistics instead: hits and misses of the L1 ITLB, L1 DTLB (the simulator''s host page caches hold only L1 DTLB entries, so their hits count and refresh LRU as L1 DTLB hits) and STLB (its misses are the walks), flushes, walks and their references (priced as PageWalkReference), the walk caches'' and nested TLB''s hits and misses, and the settings (Set-VGuest -Pcid, -WalkCache, -NestedTlb, the geometry).'
    'With -VHost it lists the TLBs of the host''s physical CPUs instead, which the guests co-scheduled there share: each entry''s Vpid tells whose it is (a guest''s Vpid property: its host gives each guest placed on it its own, 1, 2, ... in order, never reused), and its Guest names the CPU (host/cpuN).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' })
  Outputs = @(@{ Type = 'VirtPS.VTlbEntry'; Text = 'One per valid entry (by default).' }, @{ Type = 'VirtPS.VTlbStatistics'; Text = 'With -Statistics.' })
  Examples = @(
    @{ Title = 'The entries after a run'; Code = "New-VGuest -Name t -Workload compute -Iterations 100 | Invoke-VStep | Out-Null`nGet-VTlb -Guest t | Where-Object Level -like 'L1 DTLB*' | Format-Table"; Remarks = 'The kernel''s and the process''s pages in the L1 DTLB, tagged with the process''s PCID (global for none here: the kernel does not set G).' }
    @{ Title = 'One physical CPU shared by two guests'; Code = "New-VHost -Name cpu1 -PhysicalCpus 1 | Set-VHost -TlbTagging Vpid -Quantum 5000`n1, 2 | ForEach-Object { New-VGuest -Name `"v`$_`" -Workload tlbstride -Iterations 3 -WorkloadParameter @{ Pages = 64 } -Style HardwareAssisted -VHost cpu1 } | Out-Null`nInvoke-VStep -VHost cpu1 | Out-Null`nGet-VTlb -VHost cpu1 | Group-Object Vpid | Format-Table Name, Count"; Remarks = 'The guests took turns on one CPU; its TLB holds entries of both, told apart by VPID 1 and 2.' }
    @{ Title = 'PCIDs keep entries across context switches'; Code = "'On', 'Off' | ForEach-Object { `$g = New-VGuest -Name `"sw`$_`" -Workload tlbswitch -Iterations 100 -Pcid `$_; `$g | Invoke-VStep | Out-Null; Get-VTlb `$g -Statistics } | Format-Table Guest, Pcid, StlbMisses, Flushes"; Remarks = 'Two processes sweep 64 pages each and yield: without PCIDs every switch flushes the TLB and each sweep misses again.' }
  )
  Links = @('Clear-VTlb', 'Get-VTranslation', 'Set-VGuest', 'Measure-VGuest')
}
'Clear-VTlb' = @{
  Synopsis = 'Flushes a guest''s TLB, paging-structure caches and nested TLB.'
  Description = @(
    'Clear-VTlb empties every level of the TLB, both dimensions'' walk caches and the nested TLB of guests named or piped in, so the next translations walk cold (Get-VTranslation then shows the full walk: 24 references for a nested 4 KiB/4 KiB walk). Statistics are kept. The guest''s state is not changed otherwise.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru, the guests.' })
  Examples = @(
    @{ Title = 'A cold walk'; Code = "`$g = New-VGuest -Name c -Style HardwareAssisted -Workload compute -Iterations 100`n`$g | Invoke-VStep | Out-Null`n`$g | Clear-VTlb -PassThru | Get-VTranslation -Address 0x40000000 | Select-Object Source, References"; Remarks = 'Walk, 24 references.' }
    @{ Title = 'Flush several guests, asking first'; Code = "New-VGuest -Name f1 -Workload compute -Iterations 10 | Invoke-VStep | Out-Null`nNew-VGuest -Name f2 -Workload compute -Iterations 10 | Invoke-VStep | Out-Null`n'f1', 'f2' | Clear-VTlb -PassThru | ForEach-Object { '{0}: {1} entries' -f `$_.Name, @(Get-VTlb `$_).Count }"; Remarks = 'Names work as well as objects; both guests are left with 0 entries. -WhatIf would show what would be flushed instead.' }
  )
  Links = @('Get-VTlb', 'Get-VTranslation')
}
'Get-VWorkload' = @{
  Synopsis = 'Lists the built-in kernel''s workloads.'
  Description = @(
    'The built-in kernel runs named user programs, the nanobenchmarks of Adams and Agesen (ASPLOS 2006) plus context switches: each stresses something virtualization makes expensive. Get-VWorkload lists them with what each stresses, its default iteration count and process count. New-VGuest -Workload boots the kernel with one.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Workload names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Workload'; Text = 'Name, Description, DefaultIterations, DefaultProcesses, and the expected counts as methods of iterations and processes.' })
  Examples = @(
    @{ Title = 'List every workload'; Code = 'Get-VWorkload'; Remarks = 'Ten workloads, from compute (no kernel entry at all) to forkwait (spawn and exit).' }
    @{ Title = 'What a workload should count'; Code = "`$w = Get-VWorkload syscall`n`$w.ExpectedSyscalls(1000, 1)"; Remarks = 'The workload''s own arithmetic: 1000 getpid calls plus a write and an exit, 1002 system calls.' }
  )
  Links = @('New-VGuest', 'Invoke-VStep', 'Receive-VConsole')
}
'Receive-VConsole' = @{
  Synopsis = 'Gets what a guest printed on its serial console.'
  Description = @(
    'Every guest has a 16550 UART at port 0x3F8, its serial console. Receive-VConsole returns, as one string, the text the guest transmitted since the last Receive-VConsole for that guest (or everything with -All). Nothing is written when there is nothing new.'
    'With -Wait and nothing new yet, Receive-VConsole runs the guest in small steps until it prints something, halts, faults, or you press Ctrl+C.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests whose console to read.' })
  Outputs = @(@{ Type = 'System.String'; Text = 'The console text.' })
  Examples = @(
    @{ Title = 'Read what a guest printed'; Code = "New-VGuest -Name hello -Bare -Code 'mov dx, 0x3F8', 'mov al, 0x48', 'out dx, al', 'mov al, 0x69', 'out dx, al', 'hlt' | Invoke-VStep | Out-Null`nReceive-VConsole -Guest hello"; Remarks = 'The guest writes H and i to the UART''s transmit register; Receive-VConsole returns Hi.' }
    @{ Title = 'Wait for output'; Code = "New-VGuest -Name late -Bare -Code 'mov ecx, 100000', 'l: dec rcx', 'jnz l', 'mov dx, 0x3F8', 'mov al, 0x21', 'out dx, al', 'hlt' | Out-Null`nReceive-VConsole -Guest late -Wait"; Remarks = 'The guest has not run yet; -Wait runs it until it prints the exclamation mark.' }
  )
  Links = @('Send-VConsole', 'Invoke-VStep')
}
'Set-VInputFocus' = @{
  Synopsis = 'Gives the keyboard and mouse to one guest.'
  Description = @(
    'Set-VInputFocus gives the input focus to a guest, as a desktop hypervisor does when you click into a VM''s window: from then on Send-VInput types on that guest''s keyboard and moves its mouse, and every other guest sees nothing. The focus stays with the guest until it moves to another or the guest is removed.'
    'The guest must have a keyboard: an emulated i8042 controller at ports 0x60 and 0x64 with a PS/2 keyboard (IRQ 1) and mouse (IRQ 12). A guest of the keys workload has one; a guest without one is NoInputDevice. Focus moves no device: each guest keeps its own controller, and only the host''s input is routed.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The guest to give the focus to.' })
  Outputs = @(@{ Type = 'None'; Text = 'Nothing, unless -PassThru.' }, @{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru, the guest that has the focus.' })
  Examples = @(
    @{ Title = 'Type into one of two guests'; Code = "`$a = New-VGuest -Name a -Workload keys; `$b = New-VGuest -Name b -Workload keys`nSet-VInputFocus -Guest a`nSend-VInput -Text 'ls'`n`$a, `$b | Invoke-VStep -Instructions 300000 | Out-Null`nReceive-VConsole -Guest a, b"; Remarks = 'Only a echoes ls; b is still waiting for keys.' }
    @{ Title = 'Move the focus'; Code = "`$a = New-VGuest -Name a -Workload keys; `$b = New-VGuest -Name b -Workload keys`nSet-VInputFocus -Guest a`nSet-VInputFocus -Guest b -PassThru | Select-Object Name`nSend-VInput -Key Escape`n`$a, `$b | Invoke-VStep -Instructions 300000 | Select-Object Guest, StopReason"; Remarks = 'The focus moves from a to b: Escape ends keys in b, which prints keys: done and halts (StopReason Halt); a does not see it and is still waiting (InstructionLimit).' }
  )
  Links = @('Send-VInput', 'New-VGuest', 'Receive-VConsole')
}
'Send-VInput' = @{
  Synopsis = 'Types, presses keys or moves the mouse on the guest with the input focus.'
  Description = @(
    'Send-VInput sends the host''s input to the guest that has the input focus (Set-VInputFocus), and to no other. -Text types characters: each is a key pressed and released, with Shift held around capitals and shifted symbols; newline is Enter. -Key presses named keys in turn (Enter, Escape, F1, Up, ...). -MouseMove moves the mouse by dx, dy counts, right and up positive, with -MouseButton held.'
    'The keyboard sends scancode set 2; the guest''s i8042 translates it to set 1 when its command byte says so (the built-in kernel''s driver asks for that), puts each byte in its output buffer and raises IRQ 1; mouse packets (3 bytes) raise IRQ 12 with AUXB set in the status register. Under the Paravirtual style the kernel polls the controller instead. The guest takes the bytes when it next runs. With no guest focused the input is refused with NoInputFocus.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Text to type.' })
  Outputs = @(@{ Type = 'None'; Text = 'Nothing, unless -PassThru.' }, @{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru, the guest the input went to.' })
  Examples = @(
    @{ Title = 'Type a line'; Code = "`$g = New-VGuest -Name shell -Workload keys`nSet-VInputFocus -Guest shell`nSend-VInput -Text 'Hello!'`n`$g | Invoke-VStep -Instructions 300000 | Out-Null`nReceive-VConsole -Guest shell"; Remarks = 'The keys workload echoes Hello! after the kernel''s boot line.' }
    @{ Title = 'Keys and the mouse'; Code = "`$g = New-VGuest -Name desk -Workload keys`nSet-VInputFocus -Guest desk`n`$g | Invoke-VStep -Instructions 100000 | Out-Null`nSend-VInput -MouseMove 10, 5 -MouseButton Left`nSend-VInput -Key Enter, Escape -PassThru | Invoke-VStep | Select-Object StopReason`n`$g.ReadKernelVariable('kbd_mouse_x')"; Remarks = 'Once the kernel has booted (its driver turns the mouse''s reporting on), the mouse packet reaches the guest''s i8042 and the driver sums its movement: 10. Enter echoes a newline and Escape ends keys, so the step ends with Halt.' }
  )
  Links = @('Set-VInputFocus', 'Send-VConsole', 'Receive-VConsole')
}
'Send-VConsole' = @{
  Synopsis = 'Types text into a guest''s serial console.'
  Description = @(
    'Send-VConsole queues bytes in the receive FIFO of the guest''s UART at 0x3F8, where the guest reads them from the receive register (its line-status register shows data ready). Each string is followed by a carriage return unless -NoNewline. Text is sent as ASCII.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Text to send.' })
  Outputs = @(@{ Type = 'None'; Text = 'Send-VConsole writes nothing.' })
  Examples = @(
    @{ Title = 'An echo'; Code = "`$g = New-VGuest -Name echo -Bare -Code 'mov dx, 0x3F8', 'in al, dx', 'out dx, al', 'hlt'`nSend-VConsole -Guest echo -Text 'x' -NoNewline`n`$g | Invoke-VStep | Out-Null`nReceive-VConsole -Guest echo"; Remarks = 'The guest reads one byte from the UART and writes it back: x.' }
    @{ Title = 'Pipe lines in, echo them all'; Code = "`$g = New-VGuest -Name reader -Bare -Code 'l: mov dx, 0x3FD', 'in al, dx', 'test al, 1', 'jz done', 'mov dx, 0x3F8', 'in al, dx', 'out dx, al', 'jmp l', 'done: hlt'`n'first', 'second' | Send-VConsole -Guest reader`n`$g | Invoke-VStep | Out-Null`nReceive-VConsole -Guest reader"; Remarks = 'Each piped string is queued followed by a carriage return; the guest polls the line-status register (data ready, bit 0) and echoes every byte until the FIFO is empty.' }
  )
  Links = @('Receive-VConsole')
}
'Get-VRegister' = @{
  Synopsis = 'Gets a guest''s registers.'
  Description = @(
    'Get-VRegister reads a guest''s general-purpose registers RAX to R15, RIP, RFLAGS and the FS and GS bases, and its system state: CPL, the CS, SS and TR selectors, CR0, CR2, CR3, CR4, CR8, EFER, the GDTR and IDTR, and, for a guest running the built-in kernel, the pid of the current process. The Flags property names the set RFLAGS bits, lowest first (for example PF ZF IF). The default view shows the values in hexadecimal; the properties are numbers, so they compare and compute as such.'
    'The guests can be given as objects, names or wildcard patterns, or piped, one register set each; a step result from Invoke-VStep binds by its Guest property. A name that matches no guest fails parameter binding with a GuestNotFound error inside.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' }, @{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'A step result; its guest is read.' })
  Outputs = @(@{ Type = 'VirtPS.VRegisters'; Text = 'The register values and decoded flags.' })
  Examples = @(
    @{ Title = 'Registers after a run'; Code = "New-VGuest -Name answer -Bare -Code $answer | Invoke-VStep | Get-VRegister"; Remarks = 'RAX is 0x2A after the guest halts.' }
    @{ Title = 'One register and the flags'; Code = "New-VGuest -Name zero -Bare -Code 'xor eax, eax', 'hlt' | Invoke-VStep | Out-Null`n`$r = Get-VRegister -Guest zero`n'{0:X} {1}' -f `$r.Rip, `$r.Flags"; Remarks = 'Shows RIP in hexadecimal and the flags XOR left set (PF ZF).' }
  )
  Links = @('Invoke-VStep', 'Get-VDisassembly')
}
'Get-VDisassembly' = @{
  Synopsis = 'Disassembles instructions from a guest''s memory or from a program.'
  Description = @(
    'Get-VDisassembly decodes up to -Count instructions and writes each with its address, bytes and NASM-syntax text. From a guest it reads guest-physical memory, starting at the guest''s RIP unless -Address says otherwise; from a program (-Program) it reads the image, starting at its origin.'
    'An address outside the guest''s memory or the program''s image is a non-terminating AddressOutOfRange error (InvalidArgument).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' }, @{ Type = 'VirtPS.VProgram'; Text = 'A program.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Asm.DisassembledInstruction'; Text = 'Address, Bytes and Text of each instruction.' })
  Examples = @(
    @{ Title = 'Disassemble a program'; Code = "ConvertTo-VProgram -Text 'mov ecx, 3', 'l: dec rcx', 'jnz l', 'hlt' | Get-VDisassembly"; Remarks = 'Shows the four instructions at 0x100000 and their encodings.' }
    @{ Title = 'Disassemble a guest at RIP'; Code = 'New-VGuest -Name raw -Bare -Bytes 0x48, 0xC7, 0xC0, 0x2A, 0, 0, 0, 0xF4 | Get-VDisassembly -Count 2'; Remarks = 'Decodes the guest''s next two instructions: mov rax,2Ah and hlt.' }
  )
  Links = @('ConvertTo-VProgram', 'Get-VRegister')
}
'Measure-VGuest' = @{
  Synopsis = 'Measures what guests or steps cost: instructions, cycles, host time and MIPS.'
  Description = @(
    'Measure-VGuest writes a measurement for each guest or step result piped to it. For a step result (from Invoke-VStep) it measures that step; for a guest it measures the guest''s whole life. Each measurement has Name, Style, Scope (Step or Guest), Instructions, Cycles (simulated: every primitive event counted, times the price in the guest''s cost model), HostSeconds, Mips (guest instructions per host second, in millions), Cpi and ResidentBytes. It also reports the virtual machine monitor''s counters over the guest''s life: CostModel, CyclesPerIteration (for a workload), Events (the priced ledger: event, count, cycles each, cycles), Exits and ExitsByReason (HardwareAssisted, by Intel SDM basic exit reason), Traps, Callouts, Hypercalls, WorldSwitches, FidelityViolations (TrapAndEmulate), Translations and TranslationCacheHits (BinaryTranslation: guest instructions translated, retranslations included, and entries into blocks already in the translation cache), the shadow-paging faults: HiddenPageFaults, TracingPageFaults (guest page-table writes) and TruePageFaults, and the paging counters: Paging (Nested or Shadow), PageWalks, WalkReferences and ReferencesPerWalk (the simulator walks on each miss of its host page cache, as no guest TLB is modelled yet; a nested walk makes up to 24 references, a native or shadow one 4), EptViolations and EptMisconfigurations (nested paging).'
    'TLB figures (every style): L1InstructionTlbHits and L1InstructionTlbMisses (the ITLB is looked up whenever execution enters another code page), L1DataTlbHits and L1DataTlbMisses (the simulator''s host page caches hold only L1 DTLB entries, so their hits are L1 DTLB hits), StlbHits and StlbMisses (each STLB miss is a walk), TlbFlushes, TlbHitRate (lookups that did not walk), PageWalks, WalkReferences and ReferencesPerWalk (the walk caches and nested TLB bring a nested walk far below 24), WalkCacheHits and NestedTlbHits. Walk references made because of TLB misses are priced as PageWalkReference. Get-VTlb -Statistics shows the same and more.'
    'Library guests (New-VGuest -Style Library): TranslatedCalls, the calls the program made into the translation layer by API ("KERNEL32.dll.WriteFile", "msvcrt.dll.printf"); TranslatedCallCycles, what each API''s calls cost (the layer''s instructions, the system calls it made and the kernel''s work for them, from entry until control returns to the program; a callback into the program is not the call''s; ExitProcess''s share ends at its exit system call); TranslationLayerCycles, their sum; TranslationLayerInstructions; and ExitCode, the code the program passed to ExitProcess or exit (or returned from main). The program''s own code runs at native cost, with no traps and no exits.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests.' }, @{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'Step results.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.GuestMeasurement'; Text = 'One per input object.' })
  Examples = @(
    @{ Title = 'TLB reach'; Code = "New-VGuest -Name reach -Workload tlbstride -Iterations 2 -WorkloadParameter @{ Pages = 2048 } | Invoke-VStep | Measure-VGuest | Select-Object StlbHits, StlbMisses, TlbHitRate, PageWalks, ReferencesPerWalk"; Remarks = '2048 pages (8 MiB) are more than the STLB''s 1536 entries cover, so each sweep misses on every page it touches.' }
    @{ Title = 'Measure a run'; Code = "New-VGuest -Name count -Bare -Code 'mov ecx, 100000', 'l: dec rcx', 'jnz l', 'hlt' | Invoke-VStep | Measure-VGuest"; Remarks = 'Measures the step that ran the loop to its HLT (200,002 instructions).' }
    @{ Title = 'Measure a guest over several steps'; Code = "`$g = New-VGuest -Name count -Bare -Code 'mov ecx, 1000', 'l: dec rcx', 'jnz l', 'hlt'`n1..3 | ForEach-Object { `$g | Invoke-VStep -Instructions 100 } | Out-Null`n`$g | Measure-VGuest"; Remarks = 'Three steps of 100 instructions; the guest''s measurement totals 300.' }
    @{ Title = 'Compare styles on one workload'; Code = "'Native', 'TrapAndEmulate', 'HardwareAssisted' | ForEach-Object { New-VGuest -Name `$_ -Workload syscall -Iterations 1000 -Style `$_ } | Invoke-VStep | Measure-VGuest | Format-Table Name, CyclesPerIteration, Traps, Exits, FidelityViolations"; Remarks = 'The same kernel and workload under three styles: TrapAndEmulate traps on every SYSRET, HardwareAssisted exits only on IO, CPUID, HLT and the shadow-paging events.' }
    @{ Title = 'See where the cycles went'; Code = "New-VGuest -Name hw -Workload pgfault -Iterations 100 -Style HardwareAssisted | Invoke-VStep | Measure-VGuest | Select-Object -ExpandProperty Events"; Remarks = 'Every primitive event with its count and price: VM exits, shadow updates, emulated page-table writes, injected faults.' }
  )
  Links = @('Invoke-VStep', 'Get-VGuest')
}
'New-VNetwork' = @{
  Synopsis = 'Creates a virtual network: Bridge, Isolated, HostOnly, Routed or Nat.'
  Description = @(
    'New-VNetwork creates a virtual network in the current runspace''s network world and writes it to the pipeline. Each network has its own learning switch; the mode decides what else is attached. Bridge: an uplink into the physical LAN (192.168.1.0/24), guests lease addresses from the LAN gateway''s DHCP server. Isolated: guests only. HostOnly: the host''s interface vnetN at .1 serving DHCP, never forwarded. Routed: as HostOnly, and the host forwards between the subnet and the LAN; the outside reaches the guests only where a static route points at the host (Add-VRoute). Nat: the host at .2 masquerades the guests behind its pnet0 address 192.168.1.10 and serves DHCP from .15, like VirtualBox; inbound traffic only through Add-VPortForward.'
    'The default subnet is 10.0.2.0/24 for Nat and 192.168.56.0/24 otherwise (the next free /24 when taken). A malformed or too small -Subnet is InvalidCidr, one that overlaps another network, the LAN or the internet is SubnetOverlap, a name in use is NetworkExists. Nothing is created when an error is written.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Network names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'The new network.' })
  Examples = @(
    @{ Title = 'A NAT network'; Code = 'New-VNetwork -Name lan -Mode Nat'; Remarks = 'Creates a NAT network on 10.0.2.0/24 with the host at 10.0.2.2.' }
    @{ Title = 'A host-only network on a chosen subnet'; Code = 'New-VNetwork -Name lab -Mode HostOnly -Subnet 172.16.5.0/24'; Remarks = 'The host''s vnet0 takes 172.16.5.1 and serves addresses from 172.16.5.101.' }
  )
  Links = @('Get-VNetwork', 'Set-VNetwork', 'Remove-VNetwork', 'Connect-VNetworkAdapter', 'about_VirtPS')
}
'Get-VNetwork' = @{
  Synopsis = 'Gets the virtual networks of the current runspace.'
  Description = @(
    'Get-VNetwork writes the virtual networks of the current runspace in name order, all of them or those whose names match -Name (wildcards allowed). A name without wildcards that matches nothing is a non-terminating NetworkNotFound error.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Network names or patterns.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'Name, Mode, Subnet, HostInterface and Adapters of each network.' })
  Examples = @(
    @{ Title = 'Every network'; Code = "New-VNetwork -Name nat1 -Mode Nat | Out-Null`nNew-VNetwork -Name priv -Mode Isolated | Out-Null`nGet-VNetwork"; Remarks = 'Lists both networks.' }
    @{ Title = 'Networks by pattern'; Code = "'nat1', 'nat2' | New-VNetwork -Mode Nat | Out-Null`nGet-VNetwork -Name nat* | Select-Object Name, Subnet"; Remarks = 'The second NAT network gets the next free default subnet, 10.0.3.0/24.' }
  )
  Links = @('New-VNetwork', 'Remove-VNetwork')
}
'Set-VNetwork' = @{
  Synopsis = 'Changes the mode of a virtual network live.'
  Description = @(
    'Set-VNetwork changes the mode of existing networks. The guests keep their adapters (and MAC addresses) and are re-addressed as the new mode needs: by the LAN''s DHCP server when bridged, by the host''s DHCP server on HostOnly, Routed and Nat networks, from the network''s own pool on Isolated ones. ARP caches and switch MAC tables are flushed and the network''s NAT sessions are dropped; its port forwards are kept and apply whenever the network is in Nat mode.'
    'It writes nothing unless -PassThru is given. An unknown name is NetworkNotFound.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'Networks to change.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'With -PassThru, the changed networks.' })
  Examples = @(
    @{ Title = 'From NAT to Bridge'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nSet-VNetwork -Name lan -Mode Bridge`nGet-VNetworkAdapter -Guest web"; Remarks = 'The guest keeps its adapter and now has an address on the physical LAN (192.168.1.100).' }
    @{ Title = 'Piped, with -PassThru'; Code = "New-VNetwork -Name lab -Mode Isolated | Set-VNetwork -Mode HostOnly -PassThru"; Remarks = 'The network gains the host interface vnet0.' }
  )
  Links = @('New-VNetwork', 'Get-VReachability')
}
'Remove-VNetwork' = @{
  Synopsis = 'Removes virtual networks.'
  Description = @(
    'Remove-VNetwork removes networks, named with -Name (wildcards allowed) or piped in. The adapters on them are disconnected, their host interface, NAT sessions and port forwards go with them. It supports -WhatIf and -Confirm and writes nothing unless -PassThru is given. A name without wildcards that matches nothing is NetworkNotFound.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Network names.' }, @{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'Networks.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'With -PassThru, the removed networks.' })
  Examples = @(
    @{ Title = 'Remove by name'; Code = "New-VNetwork -Name tmp -Mode Isolated | Out-Null`nRemove-VNetwork -Name tmp -PassThru"; Remarks = 'Removes the network and shows it.' }
    @{ Title = 'See what would go'; Code = "'a', 'b' | New-VNetwork -Mode Isolated | Out-Null`nRemove-VNetwork -Name * -WhatIf`n(Get-VNetwork).Count"; Remarks = '-WhatIf lists both networks and removes neither: the count is still 2.' }
  )
  Links = @('New-VNetwork', 'Disconnect-VNetworkAdapter')
}
'Connect-VNetworkAdapter' = @{
  Synopsis = 'Gives guests a network adapter on a virtual network.'
  Description = @(
    'Connect-VNetworkAdapter adds a new virtual NIC to each guest, plugs it into the network''s switch and addresses it as the network''s mode says (by DHCP on the wire, or from the pool of an Isolated network). Pipe guests in and name the network, or pipe a network in and name the guests, like Hyper-V''s Connect-VMNetworkAdapter.'
    'MAC addresses come from the locally administered range 02:56:50:xx:xx:xx unless -MacAddress is given. A malformed MAC is InvalidMacAddress, a MAC in use is DuplicateMacAddress, an unknown network is NetworkNotFound; nothing is connected when an error is written. It writes nothing unless -PassThru is given.'
    'Without -Mode the adapter is served by the network engine''s own IP stack for the guest. With -Mode Emulated, Paravirtual or Passthrough the guest''s machine gets a NIC (an NE2000, virtio-net, or virtio-net assigned to it) that the built-in kernel drives: its ARP, ICMP and UDP come from the kernel''s own code, it is told its leased address on the command line (ip=), and its frames show in captures like any other. Such a NIC is listed by Get-VDevice and measured by Measure-VGuest; it is added before the guest''s first step.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests to connect.' }, @{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'The network to connect to.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'With -PassThru, the new adapters.' }, @{ Type = 'VirtPS.Engine.Io.Net.NetworkAdapter'; Text = 'With -Mode and -PassThru, the guest''s new NIC.' })
  Examples = @(
    @{ Title = 'Pipe guests in'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`n'web', 'db' | New-VGuest | Connect-VNetworkAdapter -Network lan -PassThru"; Remarks = 'Both guests lease addresses from the host''s NAT DHCP server: 10.0.2.15 and 10.0.2.16.' }
    @{ Title = 'Pipe the network in'; Code = "New-VGuest -Name web | Out-Null`nNew-VNetwork -Name lab -Mode HostOnly | Connect-VNetworkAdapter -Guest web -MacAddress 02:00:00:00:00:42 -PassThru"; Remarks = 'Connects web with a chosen MAC address.' }
    @{ Title = 'Two kernels ping each other through their own drivers'; Code = "New-VNetwork -Name br -Mode Bridge | Out-Null`n'p1', 'p2' | ForEach-Object { New-VGuest -Name `$_ -Workload netping -Iterations 2 -WorkloadParameter @{ Target = if (`$_ -eq 'p1') { 101 } else { 100 } } } | Connect-VNetworkAdapter -Network br -Mode Paravirtual -PassThru | Format-Table GuestName, Name, Mode, Address`nInvoke-VStep -Guest p1, p2 -CoSchedule | Out-Null`nReceive-VConsole p1 -All"; Remarks = 'p1 gets 192.168.1.100 and p2 192.168.1.101 on the bridged LAN; run co-scheduled, each pings the other with virtio-net and answers the other''s echoes in its receive path.' }
  )
  Links = @('Get-VNetworkAdapter', 'Disconnect-VNetworkAdapter', 'New-VNetwork')
}
'Disconnect-VNetworkAdapter' = @{
  Synopsis = 'Removes network adapters from guests.'
  Description = @(
    'Disconnect-VNetworkAdapter unplugs adapters and removes them from their guests: piped adapters (from Get-VNetworkAdapter), or the adapters of -Guest, only those on -Network when it is given. DHCP leases are released and port forwards to the guest on that network are dropped. A guest without a matching adapter is AdapterNotFound. It supports -WhatIf and -Confirm and writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'Adapters.' }, @{ Type = 'System.String'; Text = 'Guest names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'With -PassThru, the disconnected adapters.' })
  Examples = @(
    @{ Title = 'Disconnect a guest from one network'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nDisconnect-VNetworkAdapter -Guest web -Network lan -PassThru"; Remarks = 'Removes web''s adapter on lan and shows it.' }
    @{ Title = 'Disconnect piped adapters'; Code = "New-VNetwork -Name lab -Mode Isolated | Out-Null`n'a', 'b' | New-VGuest | Connect-VNetworkAdapter -Network lab`nGet-VNetworkAdapter -Network lab | Disconnect-VNetworkAdapter`n(Get-VNetwork lab).Adapters.Count"; Remarks = 'Both adapters are gone: the count is 0.' }
  )
  Links = @('Connect-VNetworkAdapter', 'Get-VNetworkAdapter')
}
'Get-VNetworkAdapter' = @{
  Synopsis = 'Gets guests'' network adapters.'
  Description = @(
    'Get-VNetworkAdapter writes the virtual NICs of the current runspace, by guest name: Guest, Name (eth0, eth1...), Network, Mode, MacAddress and IPAddress. -Guest and -Network narrow the list; both take names, wildcard patterns or objects. A -Network name without wildcards that matches nothing is NetworkNotFound; a -Guest name that matches no guest fails parameter binding with a GuestNotFound error inside.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'The matching adapters.' })
  Examples = @(
    @{ Title = 'Every adapter'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`n'web', 'db' | New-VGuest | Connect-VNetworkAdapter -Network lan`nGet-VNetworkAdapter"; Remarks = 'Shows both adapters with their MAC and IP addresses.' }
    @{ Title = 'One guest''s adapters'; Code = "New-VNetwork -Name nat -Mode Nat | Out-Null`nNew-VNetwork -Name priv -Mode Isolated | Out-Null`n`$g = New-VGuest -Name web`n`$g | Connect-VNetworkAdapter -Network nat`n`$g | Connect-VNetworkAdapter -Network priv`n`$g | Get-VNetworkAdapter"; Remarks = 'web has eth0 on nat and eth1 on priv.' }
  )
  Links = @('Connect-VNetworkAdapter', 'Disconnect-VNetworkAdapter')
}
'Test-VConnection' = @{
  Synopsis = 'Probes a connection between two endpoints with ICMP echo, UDP echo or a TCP exchange.'
  Description = @(
    'Test-VConnection sends one probe from -From to -To in simulated time and writes the result: Success, Status (Reply, TimeExceeded, DestinationUnreachable, Reset, NoRoute or Timeout), ReplySource (the reply''s source address as the sender saw it: behind NAT, the internet host sees 192.168.1.10), RoundTripMicroseconds of simulated time and Path, the hop records of every device the packets crossed and what each rewrote.'
    'Each side is a guest (name or object; it needs an adapter), the word host, a simulated machine (gateway, lanhost1, lanhost2, internet) or its address (192.168.1.20, 203.0.113.10). The target may also be any IPv4 address. Icmp pings; Udp sends to the echo service (port 7 unless -Port); Tcp opens a connection (port 80 unless -Port), sends data and closes. An unknown endpoint is EndpointNotFound.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Senders.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.Stack.ProbeResult'; Text = 'One per sender and target.' })
  Examples = @(
    @{ Title = 'A NAT guest pings the internet'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nTest-VConnection -From web -To 203.0.113.10"; Remarks = 'Succeeds; the round trip crosses the host''s NAT and the gateway.' }
    @{ Title = 'The hop path of a TCP connection'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`n(Test-VConnection -From web -To internet -Protocol Tcp).Path | Select-Object -First 12"; Remarks = 'Shows ARP, the NAT rewrite on the host and the forwarding at the gateway.' }
    @{ Title = 'TTL expiry'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nTest-VConnection -From web -To 203.0.113.10 -Ttl 2"; Remarks = 'The gateway answers with ICMP time exceeded: Status is TimeExceeded.' }
  )
  Links = @('Get-VReachability', 'Send-VPacket')
}
'Get-VReachability' = @{
  Synopsis = 'Builds the reachability matrix of a network: who can ping whom.'
  Description = @(
    'Get-VReachability pings every ordered pair of endpoints: the first two guests on the network, a guest on another network (when there is one), the host, a LAN host (192.168.1.20) and the internet host (203.0.113.10). It writes one cell per pair with From, To, TargetAddress, Success, Status and ReplySource: the table courses draw by hand for each network mode.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'Networks.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.ReachabilityCell'; Text = 'One per ordered pair of endpoints.' })
  Examples = @(
    @{ Title = 'The matrix of a NAT network'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`n'a', 'b' | New-VGuest | Connect-VNetworkAdapter -Network lan`nGet-VReachability -Network lan"; Remarks = 'The guests reach everything; the LAN and internet hosts reach no guest.' }
    @{ Title = 'Compare modes'; Code = "New-VNetwork -Name net -Mode Isolated | Out-Null`n'a', 'b' | New-VGuest | Connect-VNetworkAdapter -Network net`n'Isolated', 'HostOnly', 'Nat' | ForEach-Object { Set-VNetwork -Name net -Mode `$_; [pscustomobject]@{ Mode = `$_; Reachable = @(Get-VReachability net | Where-Object Success).Count } }"; Remarks = 'Counts the pairs that reach each other as the mode changes.' }
  )
  Links = @('Test-VConnection', 'Set-VNetwork')
}
'Add-VPortForward' = @{
  Synopsis = 'Forwards a port of the host to a guest on a NAT network.'
  Description = @(
    'Add-VPortForward adds an inbound NAT rule: TCP or UDP traffic to the host''s pnet0 address (192.168.1.10) on -HostPort goes to -Guest on -GuestPort, like VirtualBox''s port forwarding. Without a rule, nothing outside can open a connection to a NAT guest.'
    'A network that is not in Nat mode is NotNatNetwork, a guest without an adapter on it is GuestNotFound, a host port already forwarded is PortForwardExists; no rule is added when an error is written. It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'None'; Text = 'Nothing is read from the pipeline except -Network and -Guest by property name.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.PortForward'; Text = 'With -PassThru, the new rule.' })
  Examples = @(
    @{ Title = 'Publish a guest''s web server'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nAdd-VPortForward -Network lan -Protocol Tcp -HostPort 8080 -Guest web -GuestPort 80 -PassThru`nTest-VConnection -From lanhost1 -To host -Protocol Tcp -Port 8080"; Remarks = 'The LAN host connects to 192.168.1.10:8080 and reaches web''s port 80.' }
    @{ Title = 'A UDP forward'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name dns | Connect-VNetworkAdapter -Network lan`nAdd-VPortForward -Network lan -Protocol Udp -HostPort 7 -Guest dns -PassThru"; Remarks = 'Forwards UDP 7 to the same port on the guest.' }
  )
  Links = @('Get-VNatSession', 'New-VNetwork')
}
'Get-VNatSession' = @{
  Synopsis = 'Gets the host''s NAT translation table.'
  Description = @(
    'Get-VNatSession writes the host''s connection-tracking sessions: for each, the network, protocol, inside address and port (the guest), outside address and port (on pnet0), the remote address and port, and when it expires in simulated microseconds. ICMP sessions are keyed by echo id, UDP and TCP by ports. Expired sessions are dropped first.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNetwork'; Text = 'Networks.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.NatSession'; Text = 'One per session.' })
  Examples = @(
    @{ Title = 'Sessions after a ping and a TCP connection'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nTest-VConnection -From web -To 203.0.113.10 | Out-Null`nTest-VConnection -From web -To 203.0.113.10 -Protocol Tcp | Out-Null`nGet-VNatSession"; Remarks = 'An ICMP and a TCP session, both translated to 192.168.1.10.' }
    @{ Title = 'One network''s sessions'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nTest-VConnection -From web -To lanhost1 -Protocol Udp | Out-Null`nGet-VNatSession -Network lan | Select-Object Protocol, InsidePort, OutsidePort"; Remarks = 'The UDP echo session to the LAN host.' }
  )
  Links = @('Add-VPortForward', 'Test-VConnection')
}
'Add-VRoute' = @{
  Synopsis = 'Adds a static route on a simulated node.'
  Description = @(
    'Add-VRoute adds a static route to the routing table of a node: the LAN gateway (gateway), a LAN host (lanhost1, lanhost2), the internet host, the host, or a guest, named or by address. A route to a Routed network''s subnet via the host''s pnet0 address (192.168.1.10) on the gateway is what lets the LAN and the internet reach Routed guests.'
    'A malformed destination is InvalidCidr, a malformed gateway InvalidIpAddress, a next hop not on a connected subnet GatewayUnreachable, an unknown node EndpointNotFound. A route to the same destination replaces the old one. It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Node names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.Stack.Route'; Text = 'With -PassThru, the new route.' })
  Examples = @(
    @{ Title = 'Make a Routed network reachable from the LAN'; Code = "New-VNetwork -Name r -Mode Routed | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network r`n(Test-VConnection -From lanhost1 -To web).Success`nAdd-VRoute -Node gateway -Destination 192.168.56.0/24 -Gateway 192.168.1.10 -PassThru`n(Test-VConnection -From lanhost1 -To web).Success"; Remarks = 'False before the route, True after: the gateway now sends the guests'' subnet to the host.' }
    @{ Title = 'A route on a LAN host'; Code = 'Add-VRoute -Node lanhost2 -Destination 10.9.0.0/16 -Gateway 192.168.1.1 -PassThru'; Remarks = 'Shows the new route on lanhost2.' }
  )
  Links = @('New-VNetwork', 'Test-VConnection')
}
'Remove-VRoute' = @{
  Synopsis = 'Removes a static route from a simulated node.'
  Description = @(
    'Remove-VRoute removes the static route to -Destination from a node''s routing table (the LAN gateway, a LAN host, the internet host, the host or a guest). Routes live as long as the runspace''s network world, so a script that adds a route on the gateway removes it when done. A node without that route is RouteNotFound. It supports -WhatIf and -Confirm and writes nothing.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Node names.' })
  Outputs = @(@{ Type = 'None'; Text = 'Nothing.' })
  Examples = @(
    @{ Title = 'Add and remove a route'; Code = "New-VNetwork -Name r -Mode Routed | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network r`nAdd-VRoute -Node gateway -Destination 192.168.56.0/24 -Gateway 192.168.1.10`n(Test-VConnection -From lanhost1 -To web).Success`nRemove-VRoute -Node gateway -Destination 192.168.56.0/24`n(Test-VConnection -From lanhost1 -To web).Success"; Remarks = 'True with the route, False without it.' }
    @{ Title = 'See what would be removed'; Code = "Add-VRoute -Node lanhost2 -Destination 10.9.0.0/16 -Gateway 192.168.1.1 -PassThru`nRemove-VRoute -Node lanhost2 -Destination 10.9.0.0/16 -WhatIf"; Remarks = 'Shows the route and what Remove-VRoute would do, removing nothing.' }
  )
  Links = @('Add-VRoute')
}
'Start-VCapture' = @{
  Synopsis = 'Clears a capture point and starts recording frames.'
  Description = @(
    'Every switch and switch port records the frames it carries from the moment it exists (up to 100,000 frames). Start-VCapture clears a capture point and starts it again, so a capture holds one run: a network''s switch (-Network), one adapter''s port (-Adapter), or a physical segment (-Segment Lan for the host''s pnet0 side, Internet). It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'Adapters.' }, @{ Type = 'System.String'; Text = 'Network names.' })
  Outputs = @(@{ Type = 'VirtPS.VCapture'; Text = 'With -PassThru: Name, Running, FrameCount and Limit.' })
  Examples = @(
    @{ Title = 'Capture one ping'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nStart-VCapture -Network lan`nTest-VConnection -From web -To host | Out-Null`nStop-VCapture -Network lan -PassThru"; Remarks = 'The capture holds one run: the ARP request and reply, the echo request and the echo reply (four frames).' }
    @{ Title = 'Capture the LAN side'; Code = 'Start-VCapture -Segment Lan -PassThru'; Remarks = 'Clears the physical LAN''s capture.' }
  )
  Links = @('Stop-VCapture', 'Export-VCapture')
}
'Stop-VCapture' = @{
  Synopsis = 'Stops recording frames into a capture point.'
  Description = @(
    'Stop-VCapture stops a capture point; the frames recorded so far stay for Export-VCapture. Start-VCapture clears and restarts it. It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'Adapters.' }, @{ Type = 'System.String'; Text = 'Network names.' })
  Outputs = @(@{ Type = 'VirtPS.VCapture'; Text = 'With -PassThru: Name, Running, FrameCount and Limit.' })
  Examples = @(
    @{ Title = 'Stop a network''s capture'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nStop-VCapture -Network lan -PassThru"; Remarks = 'The capture keeps the DHCP exchange recorded when web connected.' }
    @{ Title = 'Stop an adapter''s capture'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nGet-VNetworkAdapter -Guest web | Stop-VCapture -PassThru"; Remarks = 'Stops recording at web''s switch port.' }
  )
  Links = @('Start-VCapture', 'Export-VCapture')
}
'Export-VCapture' = @{
  Synopsis = 'Writes a capture to a pcap file that Wireshark and tshark open.'
  Description = @(
    'Export-VCapture writes the frames of one capture point to a libpcap file (link type Ethernet, microsecond timestamps of simulated time): a network''s switch (-Network), one adapter''s port (-Adapter), or a physical segment (-Segment Lan or Internet). On a NAT network the network''s capture shows the guests'' own addresses and the Lan capture the translated ones.'
    'The file is replaced if it exists. More than one matching capture point is AmbiguousCapture; a file that cannot be written is CaptureWriteFailed (WriteError). It writes nothing to the pipeline.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Network.VirtualNic'; Text = 'An adapter.' }, @{ Type = 'System.String'; Text = 'A network name.' })
  Outputs = @(@{ Type = 'None'; Text = 'Nothing.' })
  Examples = @(
    @{ Title = 'Both sides of NAT'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nStart-VCapture -Network lan; Start-VCapture -Segment Lan`nTest-VConnection -From web -To 203.0.113.10 | Out-Null`nExport-VCapture -Network lan -Path Temp:/guest-side.pcap`nExport-VCapture -Segment Lan -Path Temp:/host-side.pcap`nGet-Item Temp:/guest-side.pcap, Temp:/host-side.pcap | Select-Object Name, Length"; Remarks = 'Open the files in Wireshark: 10.0.2.15 on the guest side, 192.168.1.10 on the host side.' }
    @{ Title = 'One adapter''s frames'; Code = "New-VNetwork -Name lab -Mode HostOnly | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lab`nGet-VNetworkAdapter -Guest web | Export-VCapture -Path Temp:/web.pcap`n(Get-Item Temp:/web.pcap).Length"; Remarks = 'Writes the DHCP exchange seen at web''s port.' }
  )
  Links = @('Start-VCapture', 'Stop-VCapture')
}
'Export-VLab' = @{
  Synopsis = 'Writes the lab - hosts, networks, guests, devices, adapters, routes, port forwards - as a JSON file.'
  Description = @(
    'Export-VLab writes this runspace''s lab as one versioned JSON document (about_VirtPS_LabFormat; its schema, VirtPS.Lab.schema.json, ships with the module): every host with its type, CPUs, whole cost model, tagging, quantum and IO model; every network with its mode and subnet; every guest''s specification as New-VGuest made it, with what Set-VGuest changed and its disks; every adapter in the order it was connected; the routes Add-VRoute added; the port forwards. Import-VLab builds it again in another runspace or on another machine.'
    'It keeps what the lab is made of, not how far its guests have run. A -Path in a folder that does not exist is LabFileNotFound. An existing file is replaced; nothing is written to the pipeline unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'None'; Text = 'Nothing.' })
  Outputs = @(@{ Type = 'System.IO.FileInfo'; Text = 'With -PassThru: the file written.' })
  Examples = @(
    @{ Title = 'Save a lab'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web -Workload compute -Style HardwareAssisted | Connect-VNetworkAdapter -Network lan`nAdd-VPortForward -Network lan -Protocol Tcp -HostPort 8080 -Guest web -GuestPort 80`nExport-VLab -Path Temp:/lab.json -PassThru | Select-Object Name, Length"; Remarks = 'One file with the default host, the network, the guest with its adapter, and the port forward.' }
    @{ Title = 'What the file says'; Code = "New-VGuest -Name db -Workload syscall -Style Paravirtual | Out-Null`nExport-VLab -Path Temp:/lab.json`n(Get-Content Temp:/lab.json -Raw | ConvertFrom-Json).guests | Select-Object name, style, kind, workload"; Remarks = 'The guests'' specifications, as plain JSON any tool can read.' }
  )
  Links = @('Import-VLab', 'about_VirtPS_LabFormat')
}
'Import-VLab' = @{
  Synopsis = 'Builds a lab file written by Export-VLab into this runspace.'
  Description = @(
    'Import-VLab reads a lab file and makes its hosts (the file''s default host settings apply to this runspace''s default host), networks, guests with their disks, adapters in their order, routes and port forwards. The file is checked whole first - JSON, format, version, every field''s type, every name against what the runspace already has - and nothing changes unless all of it passes; should a step still fail while the lab is built, everything made so far is taken back.'
    'Errors: LabFileNotFound, LabFileInvalid (not complete JSON, with the line), LabVersionNotSupported, LabFieldInvalid (naming the field''s JSON path), LabConflict (a name the runspace has), and the guests'' own specification errors. It writes nothing unless -PassThru is given, then the guests it made.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'A path, or a file object (its FullName).' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru: the guests made.' })
  Examples = @(
    @{ Title = 'The same lab in a new runspace'; Code = "New-VGuest -Name web -Workload compute -Style HardwareAssisted | Out-Null`nExport-VLab -Path Temp:/lab.json`n`$file = (Get-Item Temp:/lab.json).FullName; `$module = (Get-Module VirtPS).ModuleBase`nStart-ThreadJob { Import-Module `$using:module; Import-VLab -Path `$using:file -PassThru | Invoke-VStep } | Receive-Job -Wait -AutoRemoveJob | Select-Object Guest, StopReason, Instructions"; Remarks = 'The thread job has a lab of its own; the guest is built from the file and runs to its halt.' }
    @{ Title = 'Start over from a saved lab'; Code = "New-VNetwork -Name lab -Mode Isolated | Out-Null`n'web', 'db' | New-VGuest -Workload compute | Connect-VNetworkAdapter -Network lab`nExport-VLab -Path Temp:/lab.json`nGet-VGuest | Remove-VGuest -Confirm:`$false; Remove-VNetwork -Name lab -Confirm:`$false`nImport-VLab -Path Temp:/lab.json -PassThru | Select-Object Name, Style, State`nGet-VNetworkAdapter | Select-Object GuestName, IPAddress"; Remarks = 'The guests come back ready to run from their start, with the same adapters and addresses. A damaged file (LabFileInvalid, LabFieldInvalid naming the field, LabVersionNotSupported, LabConflict) changes nothing.' }
  )
  Links = @('Export-VLab', 'about_VirtPS_LabFormat')
}
'Checkpoint-VGuest' = @{
  Synopsis = 'Takes a checkpoint of a guest: its complete state, kept in memory under a name.'
  Description = @(
    'Checkpoint-VGuest copies a stopped guest''s complete state - the CPU with its MSRs, local APIC and performance counters, every memory frame it has touched, its TLBs, walk caches and nested TLB, its decoded and translated code, its devices, its VMM (shadow or EPT tables, exit controls, the event ledger) and its counters - and keeps it under -Name. It costs what the guest has touched, copied when the checkpoint is taken (not copy-on-write): a 1 GiB guest that touched a few MiB costs a few MiB (Get-VCheckpoint shows each checkpoint''s size). Restore-VGuest rewinds the guest to it; run on, the guest gives exactly the console, registers and counters it gave the first time.'
    'A guest on KVM, or with a disk or NIC (whose state is partly a host file''s or a network''s) is CheckpointNotSupported; a name the guest has a checkpoint by is CheckpointNameInUse. It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Checkpoints.GuestCheckpoint'; Text = 'With -PassThru: the checkpoint.' })
  Examples = @(
    @{ Title = 'Rewind and run again'; Code = "New-VGuest -Name fw -Workload forkwait -Iterations 50 | Invoke-VStep -Instructions 50000 | Out-Null`nCheckpoint-VGuest -Guest fw -Name before -PassThru`nInvoke-VStep -Guest fw | Select-Object Guest, Instructions, Cycles`nRestore-VGuest -Guest fw -Checkpoint before`nInvoke-VStep -Guest fw | Select-Object Guest, Instructions, Cycles"; Remarks = 'Both runs from the checkpoint retire the same instructions and cost the same cycles.' }
    @{ Title = 'What a big guest''s checkpoint costs'; Code = "New-VGuest -Name big -Workload compute -MemoryMB 1024 | Invoke-VStep -Instructions 100000 | Out-Null`nCheckpoint-VGuest -Guest big -Name early -PassThru | Select-Object Name, Instructions, @{ n = 'MiB'; e = { [math]::Round(`$_.Bytes / 1MB, 1) } }"; Remarks = 'A few MiB for a 1 GiB guest: only what it has touched is copied.' }
  )
  Links = @('Restore-VGuest', 'Get-VCheckpoint', 'Remove-VCheckpoint', 'Export-VCheckpoint', 'Import-VCheckpoint')
}
'Restore-VGuest' = @{
  Synopsis = 'Rewinds a guest to one of its checkpoints.'
  Description = @(
    'Restore-VGuest makes every part of a guest''s state what it was when the checkpoint was taken: CPU, memory, TLBs and caches, devices, VMM and counters. The checkpoint stays, to be restored again. A name the guest has no checkpoint by, or another guest''s checkpoint, is CheckpointNotFound. It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Checkpoints.GuestCheckpoint'; Text = 'The checkpoint.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru: the guest.' })
  Examples = @(
    @{ Title = 'Back to the start of the workload'; Code = "`$g = New-VGuest -Name w -Workload syscall -Iterations 1000`nCheckpoint-VGuest -Guest w -Name fresh`n`$g | Invoke-VStep | Out-Null`nRestore-VGuest -Guest w -Checkpoint fresh -PassThru | Select-Object Name, State, Instructions"; Remarks = 'The halted guest is ready again, at instruction 0.' }
    @{ Title = 'Restore by object'; Code = "`$g = New-VGuest -Name w2 -Workload compute -Iterations 1000`n`$g | Invoke-VStep -Instructions 20000 | Out-Null`n`$cp = Checkpoint-VGuest -Guest w2 -Name mid -PassThru`n`$g | Invoke-VStep | Out-Null`n`$cp | Restore-VGuest -Guest w2 -PassThru | Select-Object Name, Instructions"; Remarks = 'The checkpoint object can be piped.' }
  )
  Links = @('Checkpoint-VGuest', 'Get-VCheckpoint')
}
'Get-VCheckpoint' = @{
  Synopsis = 'Lists guests'' checkpoints.'
  Description = @('Get-VCheckpoint writes the checkpoints of the given guests (all guests by default) whose names match -Name: the guest, the name, the instruction count and cycles they were taken at, the guest''s state then, and the memory each holds.')
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Checkpoints.GuestCheckpoint'; Text = 'GuestName, Name, Instructions, Cycles, State, Bytes and Imported.' })
  Examples = @(
    @{ Title = 'Every checkpoint'; Code = "New-VGuest -Name a -Workload compute | Out-Null`nCheckpoint-VGuest -Guest a -Name boot`nInvoke-VStep -Guest a -Instructions 10000 | Out-Null`nCheckpoint-VGuest -Guest a -Name later`nGet-VCheckpoint"; Remarks = 'Two checkpoints of guest a, at instruction 0 and 10,000.' }
    @{ Title = 'By name'; Code = "New-VGuest -Name b -Workload compute | Out-Null`nCheckpoint-VGuest -Guest b -Name start`nGet-VCheckpoint -Guest b -Name st*"; Remarks = 'Wildcards select by name.' }
  )
  Links = @('Checkpoint-VGuest', 'Remove-VCheckpoint')
}
'Remove-VCheckpoint' = @{
  Synopsis = 'Removes checkpoints, freeing the memory they hold.'
  Description = @('Remove-VCheckpoint removes the checkpoints piped to it from their guests. It writes nothing unless -PassThru is given.')
  Inputs = @(@{ Type = 'VirtPS.Engine.Checkpoints.GuestCheckpoint'; Text = 'Checkpoints.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Checkpoints.GuestCheckpoint'; Text = 'With -PassThru: the checkpoints removed.' })
  Examples = @(
    @{ Title = 'Remove every checkpoint of a guest'; Code = "New-VGuest -Name c -Workload compute | Out-Null`nCheckpoint-VGuest -Guest c -Name one`nGet-VCheckpoint -Guest c | Remove-VCheckpoint -Confirm:`$false -PassThru | Select-Object GuestName, Name"; Remarks = 'The removed checkpoint is written with -PassThru.' }
    @{ Title = 'Keep only the latest'; Code = "New-VGuest -Name d -Workload compute | Out-Null`nCheckpoint-VGuest -Guest d -Name old`nCheckpoint-VGuest -Guest d -Name new`nGet-VCheckpoint -Guest d -Name old | Remove-VCheckpoint -Confirm:`$false`nGet-VCheckpoint -Guest d"; Remarks = 'Only new is left.' }
  )
  Links = @('Get-VCheckpoint', 'Checkpoint-VGuest')
}
'Export-VCheckpoint' = @{
  Synopsis = 'Writes a checkpoint to a file.'
  Description = @(
    'Export-VCheckpoint writes a checkpoint as a file: an 8-byte VPSCKPT header, the format version, the SHA-256 of the payload, then the payload - gzip''d JSON (System.Text.Json) holding the guest''s specification and its state as an object graph, memory frames as base64. Import-VCheckpoint reads it into a new guest, in another runspace or session of the same VirtPS build. The host-side translations of code into .NET methods are not written (they are rebuilt as the guest runs).'
    'A folder that does not exist is CheckpointFileNotFound. It writes nothing to the pipeline unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Checkpoints.GuestCheckpoint'; Text = 'The checkpoint.' })
  Outputs = @(@{ Type = 'System.IO.FileInfo'; Text = 'With -PassThru: the file.' })
  Examples = @(
    @{ Title = 'Save a checkpoint'; Code = "New-VGuest -Name e -Workload forkwait -Iterations 20 | Invoke-VStep -Instructions 30000 | Out-Null`nCheckpoint-VGuest -Guest e -Name mid -PassThru | Export-VCheckpoint -Path Temp:/e.vpscheckpoint -PassThru | Select-Object Name, Length"; Remarks = 'A few hundred KiB: what the guest touched, compressed.' }
    @{ Title = 'Every checkpoint of a guest'; Code = "New-VGuest -Name f -Workload compute | Out-Null`nCheckpoint-VGuest -Guest f -Name a; Checkpoint-VGuest -Guest f -Name b`nGet-VCheckpoint -Guest f | ForEach-Object { Export-VCheckpoint -Checkpoint `$_ -Path ""Temp:/f-`$(`$_.Name).vpscheckpoint"" -PassThru } | Select-Object Name"; Remarks = 'One file per checkpoint.' }
  )
  Links = @('Import-VCheckpoint', 'Checkpoint-VGuest')
}
'Import-VCheckpoint' = @{
  Synopsis = 'Reads a checkpoint file into a new guest at the state it holds.'
  Description = @(
    'Import-VCheckpoint builds a guest from the file''s specification, gives it the file''s state and adds it to this runspace''s lab, with the checkpoint among its own (Restore-VGuest rewinds to it again). The file is checked whole first, and nothing is made unless it all passes: CheckpointFileNotFound, CheckpointFileInvalid (not a checkpoint, cut short, not gzip''d JSON), CheckpointChecksumMismatch, CheckpointVersionNotSupported (another format version or VirtPS build), CheckpointFieldInvalid (naming the field), or GuestExists.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'A path, or a file (its FullName).' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The guest made.' })
  Examples = @(
    @{ Title = 'Carry a guest into another runspace'; Code = "New-VGuest -Name g -Workload forkwait -Iterations 20 | Invoke-VStep -Instructions 30000 | Out-Null`nCheckpoint-VGuest -Guest g -Name mid -PassThru | Export-VCheckpoint -Path Temp:/g.vpscheckpoint`n`$file = (Get-Item Temp:/g.vpscheckpoint).FullName; `$module = (Get-Module VirtPS).ModuleBase`nStart-ThreadJob { Import-Module `$using:module; Import-VCheckpoint -Path `$using:file | Invoke-VStep } | Receive-Job -Wait -AutoRemoveJob | Select-Object Guest, StopReason, Instructions"; Remarks = 'The guest runs on from instruction 30,000 in the thread job''s own lab.' }
    @{ Title = 'A second copy under another name'; Code = "New-VGuest -Name h -Workload compute -Iterations 1000 | Invoke-VStep -Instructions 20000 | Out-Null`nCheckpoint-VGuest -Guest h -Name mid -PassThru | Export-VCheckpoint -Path Temp:/h.vpscheckpoint`nImport-VCheckpoint -Path Temp:/h.vpscheckpoint -Name h2 | Select-Object Name, Instructions, State"; Remarks = 'h2 starts where h was at its checkpoint.' }
  )
  Links = @('Export-VCheckpoint', 'Restore-VGuest')
}
'Export-VReport' = @{
  Synopsis = 'Writes measurements, comparisons, reachability and page walks as one HTML report with SVG charts.'
  Description = @(
    'Export-VReport collects what the measuring cmdlets write - Compare-VStyle, Compare-VIoMode, Measure-VGuest, Get-VReachability and Get-VTranslation - from the pipeline, in any mix, and writes one self-contained HTML page: a table and a chart for each group (bars of cycles per iteration by style with the ratio to Native; IO modes by cycles per KiB with the ratio to passthrough; simulated cycles by guest; the reachability matrix as a grid of replies and failures; each page walk as a picture, the nested walk as the 5x5 grid of its up to 24 references). Style comparisons are grouped by workload and cost model. The page has inline CSS and SVG and no script: it opens with no network. With -Format Svg the charts alone are written, stacked in one SVG document.'
    'An object of another kind is a ReportInputNotSupported error and is left out; nothing reportable at all is ReportEmpty and no file is written. A -Path in a folder that does not exist is ReportPathNotFound. An existing file is replaced. It writes nothing to the pipeline unless -PassThru is given.'
  )
  Inputs = @(
    @{ Type = 'VirtPS.Engine.Guests.StyleComparisonRow'; Text = 'Rows of Compare-VStyle.' }
    @{ Type = 'VirtPS.Engine.Guests.IoModeComparisonRow'; Text = 'Rows of Compare-VIoMode.' }
    @{ Type = 'VirtPS.Engine.Guests.GuestMeasurement'; Text = 'Results of Measure-VGuest.' }
    @{ Type = 'VirtPS.Engine.Network.ReachabilityCell'; Text = 'Cells of Get-VReachability.' }
    @{ Type = 'VirtPS.Engine.Memory.AddressTranslation'; Text = 'Results of Get-VTranslation.' }
  )
  Outputs = @(@{ Type = 'System.IO.FileInfo'; Text = 'With -PassThru: the file written.' })
  Examples = @(
    @{ Title = 'Styles side by side'; Code = "Compare-VStyle -Workload syscall -Iterations 500 |`n    Export-VReport -Path Temp:/syscall.html -Title 'syscall by style' -PassThru |`n    Select-Object Name, Length"; Remarks = 'One bar per style, with its cycles per iteration and its ratio to Native, above the table of the comparison.' }
    @{ Title = 'A nested walk and a network in one page'; Code = "`$g = New-VGuest -Name walk -Workload compute -Style HardwareAssisted -Paging Nested`n`$g | Invoke-VStep -Instructions 200000 | Out-Null`nClear-VTlb -Guest walk`nNew-VNetwork -Name lab -Mode Isolated | Out-Null`n'web', 'db' | New-VGuest | Connect-VNetworkAdapter -Network lab`n@(Get-VTranslation -Guest walk -Address 0x40000000) + @(Get-VReachability -Network lab) |`n    Export-VReport -Path Temp:/lab.html -PassThru | Select-Object Name, Length"; Remarks = 'The translation is drawn as the 5x5 picture of the two-dimensional walk, the reachability cells as a grid.' }
    @{ Title = 'Charts alone'; Code = "Compare-VStyle -Workload pgfault -Iterations 64 | Export-VReport -Path Temp:/pgfault.svg -Format Svg -PassThru | Select-Object Name, Length"; Remarks = 'One SVG document holding the charts, for a paper or a slide.' }
  )
  Links = @('Compare-VStyle', 'Compare-VIoMode', 'Measure-VGuest', 'Get-VReachability', 'Get-VTranslation')
}
'Send-VPacket' = @{
  Synopsis = 'Sends a raw Ethernet frame or one UDP datagram and shows what happened to it.'
  Description = @(
    'Send-VPacket puts traffic on the simulated wire from -From (a guest, host, or a simulated machine) and writes the hop records of everything that followed: each device, what it did and when, in simulated microseconds. With -Frame the bytes are sent exactly as given out of the sender''s first adapter, malformed ones included (receivers drop them); a frame shorter than an Ethernet header (14 bytes) is refused with FrameTooShort and nothing is sent. With -To it sends one UDP datagram to -Port (9, discard, by default; 7 echoes) carrying -Data.'
    'A sender without an adapter is AdapterNotConnected, an unknown endpoint EndpointNotFound.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The sender.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Network.HopRecord'; Text = 'TimeMicroseconds, Device and Action of each step.' })
  Examples = @(
    @{ Title = 'A UDP echo'; Code = "New-VNetwork -Name lan -Mode Nat | Out-Null`nNew-VGuest -Name web | Connect-VNetworkAdapter -Network lan`nSend-VPacket -From web -To 203.0.113.10 -Port 7 -Data 'hello'"; Remarks = 'The datagram is translated on its way out and echoed back.' }
    @{ Title = 'A raw broadcast frame'; Code = "New-VNetwork -Name lab -Mode Isolated | Out-Null`n'web', 'db' | New-VGuest | Connect-VNetworkAdapter -Network lab`n`$frame = [byte[]](@(0xff) * 6 + @(2, 0, 0, 0, 0, 9) + @(0x88, 0xb5) + @(0) * 46)`nSend-VPacket -From web -Frame `$frame"; Remarks = 'A 60-byte frame with the local experimental EtherType 0x88B5: the switch floods it to db, whose stack ignores it.' }
  )
  Links = @('Test-VConnection', 'Export-VCapture')
}
'New-VHost' = @{
  Synopsis = 'Creates a host: a physical machine with a hypervisor type, physical CPUs and a cost model.'
  Description = @(
    'New-VHost adds a host to the current runspace''s lab and writes it to the pipeline. A host is the machine guests run on: its hypervisor is Type1 (on the hardware, the default) or Type2 (hosted by an operating system, reached through world switches), it has PhysicalCpus processors, and its cost model prices every primitive event its guests cause (instructions, VM exits, hypercalls, world switches, page-walk references, ...).'
    'The cost model is a built-in profile named with -CostProfile (Modern by default; Pentium4-2006 is the machine of Adams and Agesen, ASPLOS 2006) or a model given with -CostModel: an object from Get-VCostModel or the path of a JSON file with a cycles figure and a source for every event.'
    'There is always a host named default (Type1, 1 CPU, Modern). Everything is checked before the host exists: a name in use is HostNameInUse (ResourceExists), a bad name InvalidHostName, a CPU count outside 1 to 1024 InvalidPhysicalCpus, an unknown profile UnknownCostProfile (ObjectNotFound), a bad JSON model InvalidCostModel (InvalidData) naming the field, and a missing file FileNotFound.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Host names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'The new host.' })
  Examples = @(
    @{ Title = 'The machine of the 2006 paper'; Code = 'New-VHost -Name p4 -CostProfile Pentium4-2006'; Remarks = 'A Type1 host with one CPU whose costs are those of a 3.8 GHz Pentium 4 672.' }
    @{ Title = 'A hosted hypervisor with a model from a file'; Code = "`$m = Get-VCostModel Modern`nNew-VHost -Name laptop -Type Type2 -PhysicalCpus 4 -CostModel `$m | Format-List Name, Type, PhysicalCpus, CostModel"; Remarks = 'A Type2 host with four CPUs priced by the Modern model passed as an object; -CostModel also takes the path of a JSON file.' }
  )
  Links = @('Get-VHost', 'Set-VHost', 'Remove-VHost', 'Get-VCostModel', 'about_VirtPS')
}
'Get-VHost' = @{
  Synopsis = 'Gets the hosts of the current runspace.'
  Description = @(
    'Get-VHost writes the hosts of the current runspace''s lab in name order, all of them or those whose names match -Name (wildcards allowed). There is always a host named default, which guests run on. A name without wildcards that matches nothing is a non-terminating HostNotFound error (ObjectNotFound).'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Host names or patterns.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'Name, Type, PhysicalCpus, CostModel and Guests of each host.' })
  Examples = @(
    @{ Title = 'The default host'; Code = 'Get-VHost'; Remarks = 'A fresh runspace has one host, default: Type1, one CPU, the Modern cost model.' }
    @{ Title = 'Hosts by pattern'; Code = "'lab1', 'lab2' | New-VHost | Out-Null`nGet-VHost -Name lab* | Select-Object Name, Type"; Remarks = 'Writes the two hosts whose names start with lab.' }
  )
  Links = @('New-VHost', 'Set-VHost')
}
'Set-VGuest' = @{
  Synopsis = 'Changes which events make a hardware-assisted guest exit to its VMM, a guest''s translation hardware, and its engine.'
  Description = @(
    'Engine (any style the simulator runs): -Engine Interpreter|Translator switches how the simulator runs the guest''s code from its next instruction on, stopped or between steps; both engines leave the same state and counters, so only host time changes. Translator under Emulation is StyleNeedsInterpreter, any engine on a KVM guest EngineNeedsSimulator. A container''s engine is its host''s shared kernel''s, every container on that host included.'
    'Translation hardware (any style): -Pcid On|Off shows or hides PCIDs in CPUID (the built-in kernel enables them at boot, so New-VGuest -Pcid is the usual place; withdrawing them after the guest set CR4.PCIDE is PcidInUse). -WalkCache On|Off turns the paging-structure caches of both walk dimensions on or off, -NestedTlb On|Off the nested TLB: with them off a cold nested walk makes 24 references. -StlbEntries, -StlbWays, -DtlbEntries and -DtlbWays change the TLB''s geometry (the TLB starts empty); one that does not divide into whole sets is InvalidTlbGeometry naming the value, and nothing changes.'
    'Set-VGuest changes the VM-execution controls of HardwareAssisted guests, named or piped in, by exit reason as the Intel SDM numbers them (Vol. 3D, Appendix C): -ExitOn makes the reasons exit from now on, -NoExitOn stops them. Each reason maps to the control that governs it: Hlt to HLT exiting, IoInstruction to unconditional IO exiting, Rdmsr and Wrmsr (given together) to the MSR bitmap, ControlRegisterAccess to CR3 and CR8 load/store exiting with the TPR shadow off, Invlpg and Invpcid to INVLPG exiting, ExternalInterrupt to external-interrupt exiting, ExceptionOrNmi to the whole exception bitmap, Wbinvd to WBINVD exiting.'
    'Everything is checked before anything changes. A reason that always exits (Cpuid, Vmcall, Invd, TripleFault) cannot be turned off (UnconditionalExit); one that no control governs is ExitReasonNotControllable; the same reason in both lists is ConflictingExitControls; turning off what shadow paging needs (ControlRegisterAccess, Invlpg, Invpcid, ExceptionOrNmi) on a guest made with -Paging Shadow is ShadowPagingNeedsExit (under nested paging, the default, those exits may go); a guest of another style is NotHardwareAssisted.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests to change.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'With -PassThru, the changed guests.' })
  Examples = @(
    @{ Title = 'Let port IO through'; Code = "`$g = New-VGuest -Name io -Workload in -Iterations 100 -Style HardwareAssisted`nSet-VGuest `$g -NoExitOn IoInstruction`n`$g | Invoke-VStep | Out-Null`n(Measure-VGuest `$g).ExitsByReason"; Remarks = 'Without IO exiting the kernel''s port reads and console output reach the devices directly: no IoInstruction exits are left.' }
    @{ Title = 'Nested walks without walk caches'; Code = "`$g = New-VGuest -Name nw -Workload tlbstride -Iterations 2 -Style HardwareAssisted`nSet-VGuest `$g -WalkCache Off -NestedTlb Off`n`$g | Invoke-VStep | Measure-VGuest | Select-Object PageWalks, ReferencesPerWalk"; Remarks = 'Every walk makes close to the full 24 references; with the caches on (the default) one or two.' }
    @{ Title = 'A smaller STLB'; Code = "`$g = New-VGuest -Name small -Workload tlbstride -Iterations 2`nSet-VGuest `$g -StlbEntries 512 -StlbWays 8`n`$g | Invoke-VStep | Out-Null`n(Get-VTlb `$g -Statistics).StlbMisses"; Remarks = '-StlbEntries 500 -StlbWays 8 would be InvalidTlbGeometry: 500 entries do not divide into sets of 8.' }
    @{ Title = 'Switch engines between steps'; Code = "`$g = New-VGuest -Name sw -Workload compute -Iterations 100000 -Engine Interpreter`n`$g | Invoke-VStep -Instructions 200000 | Out-Null`nSet-VGuest `$g -Engine Translator -PassThru | Invoke-VStep | Format-Table Name, StopReason, Instructions"; Remarks = 'The first 200,000 instructions run interpreted, the rest with hot blocks compiled; the guest ends as it would under either engine alone.' }
    @{ Title = 'Exit on every CR8 write'; Code = "`$g = New-VGuest -Name tpr -Workload cr8wr -Iterations 100 -Style HardwareAssisted`nSet-VGuest `$g -ExitOn ControlRegisterAccess -PassThru | Invoke-VStep | Out-Null`n(Measure-VGuest `$g).ExitsByReason"; Remarks = 'With the TPR shadow off, each of the 100 CR8 writes is a control-register-access exit (reason 28).' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Compare-VStyle')
}
'Set-VHost' = @{
  Synopsis = 'Changes a host''s hypervisor type, physical CPUs or cost model.'
  Description = @(
    'Set-VHost changes hosts named with -Name (wildcards allowed), or given to -VHost (piped in) as objects, names or patterns. -CostProfile picks a built-in profile, -CostModel a model object or a JSON file; give one of them, not both (ConflictingCostParameters). From then on every guest on the host is priced by the new model.'
    'Everything is checked before anything changes: an unknown profile is UnknownCostProfile, a bad JSON model InvalidCostModel naming the field, a CPU count outside 1 to 1024 InvalidPhysicalCpus. It writes nothing unless -PassThru is given.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'Hosts to change.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'With -PassThru, the changed hosts.' })
  Examples = @(
    @{ Title = 'Price the default host like a 2006 Pentium 4'; Code = 'Set-VHost -Name default -CostProfile Pentium4-2006 -PassThru'; Remarks = 'Guests on the default host are now priced by the Pentium4-2006 model.' }
    @{ Title = 'A model from a JSON file'; Code = "`$path = Join-Path ([IO.Path]::GetTempPath()) 'mine.json'`n`$m = Get-VCostModel Modern`n`$costs = [ordered]@{}`nforeach (`$c in `$m.Costs) { `$costs[`"`$(`$c.Event)`"] = @{ cycles = `$c.Cycles; source = `$c.Source } }`n`$costs.VmExit = @{ cycles = 600; source = 'what-if: a VM exit twice as fast' }`n@{ name = 'Faster-exits'; description = 'Modern with cheaper exits'; costs = `$costs } | ConvertTo-Json -Depth 4 | Set-Content `$path`nNew-VHost -Name fast | Set-VHost -CostModel `$path -PassThru | Select-Object Name, @{ n = 'VmExit'; e = { `$_.CostModel.Cycles('VmExit') } }"; Remarks = 'Writes a copy of the Modern model with VM exits at 600 cycles and gives it to a new host.' }
  )
  Links = @('New-VHost', 'Get-VCostModel')
}
'Remove-VHost' = @{
  Synopsis = 'Removes hosts.'
  Description = @(
    'Remove-VHost removes hosts named with -Name (wildcards allowed), or given to -VHost (piped in) as objects, names or patterns. It supports -WhatIf and -Confirm and writes nothing unless -PassThru is given.'
    'The host named default cannot be removed (DefaultHostCannotBeRemoved, InvalidOperation), nor can a host that still has guests (HostHasGuests, InvalidOperation). A -Name without wildcards that matches nothing is a non-terminating HostNotFound; a -VHost name that matches no host fails parameter binding with a HostNotFound error inside.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'Hosts.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'With -PassThru, the removed hosts.' })
  Examples = @(
    @{ Title = 'Remove by name'; Code = "New-VHost -Name tmp | Out-Null`nRemove-VHost -Name tmp -PassThru"; Remarks = 'Removes the host and shows it.' }
    @{ Title = 'The default host stays'; Code = "'a', 'b' | New-VHost | Out-Null`nGet-VHost | Where-Object Name -ne 'default' | Remove-VHost`n(Get-VHost).Name"; Remarks = 'Removes every host but default, which is always present.' }
  )
  Links = @('New-VHost', 'Get-VHost')
}
'Get-VCostModel' = @{
  Synopsis = 'Gets cost models: built-in profiles, JSON files, or the model a host uses.'
  Description = @(
    'A cost model assigns cycles to primitive events only: a natively executed instruction, SYSCALL, an exception delivered through the IDT, a CR3 load, an interpreted or translated instruction, a callout, a trap into the VMM, a VM exit round trip, a hypercall, a world switch, an interrupt injection, a page-walk memory reference, a shadow page-table update and more. Every number carries its source. Composite figures such as a workload''s cycles are counted events times these prices; no composite is ever an input.'
    'Get-VCostModel writes the built-in profiles (Modern, Pentium4-2006) by name or pattern, reads and checks JSON files with -Path, or gets the model of hosts with -VHost (alias -Host; objects, names or patterns, or hosts piped in). The Costs property lists each event with its cycles and source.'
    'An unknown profile name is UnknownCostProfile (ObjectNotFound); a file that is not a valid model is InvalidCostModel (InvalidData), whose message names the field: a missing event (costs.VmExit is missing), a negative or non-numeric cycles figure, an empty source, an unknown event, or malformed JSON with its line and position.'
  )
  Inputs = @(@{ Type = 'System.String'; Text = 'Profile names.' }, @{ Type = 'VirtPS.Engine.Guests.VHost'; Text = 'Hosts.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Costs.CostModel'; Text = 'Name, Description, Origin and Costs (Event, Cycles, Source) of each model.' })
  Examples = @(
    @{ Title = 'Every primitive of the 2006 machine with its source'; Code = 'Get-VCostModel Pentium4-2006 | Select-Object -ExpandProperty Costs'; Remarks = 'One row per event: its cycles and where the number comes from.' }
    @{ Title = 'Compare the profiles'; Code = "Get-VCostModel | ForEach-Object { [pscustomobject]@{ Name = `$_.Name; VmExit = `$_.Cycles('VmExit'); Hypercall = `$_.Cycles('Hypercall'); WorldSwitch = `$_.Cycles('WorldSwitch') } }"; Remarks = 'Transition costs of both built-in profiles side by side.' }
    @{ Title = 'The model of a host'; Code = 'Get-VCostModel -Host default'; Remarks = 'The default host uses Modern.' }
  )
  Links = @('Set-VHost', 'New-VHost', 'about_VirtPS')
}
'Add-VDisk' = @{
  Synopsis = 'Gives a guest a disk backed by a raw image file, as an emulated ATA disk, a virtio-blk device or an assigned (passthrough) device.'
  Description = @(
    'Add-VDisk plugs a disk into a guest before its first step (or once it has stopped). The disk is a raw image file on the host: created sparse with -SizeMB when it does not exist; an existing image keeps its size and must be a whole number of 512-byte sectors. What the guest writes is in the file when the write completes; a flush makes it durable.'
    'The mode decides what the guest''s kernel finds and how each access is handled. Emulated: an ATA disk on the legacy ports 0x1F0-0x1F7 and 0x3F6 with PIO transfers and IRQ 14; every register access is a VM exit, trap or callout into the VMM''s device model. Paravirtual: a virtio 1.2 block device on PCI (vendor 1AF4, device 1042), its split virtqueue in guest memory; the backend in the VMM (or, by Set-VHost -IoModel, in a service domain or the host OS) is reached once per notification. Passthrough: the same virtio function assigned to the guest; under HardwareAssisted its registers are reached with no exits, its DMA is remapped by the guest''s IOMMU domain (Intel VT-d second-level tables) and its interrupts are posted. A passthrough device belongs to one guest at a time.'
    'Errors: ImageDirectoryNotFound, ImageNotFound (no file and no -SizeMB), ImageTooSmall, ImageSizeNotSectorMultiple, ImageReadOnly (PermissionDenied), DeviceAlreadyAssigned (ResourceBusy), DeviceNameInUse, DeviceChangeWhileRunning. On error nothing is added.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests, or their names, from the pipeline.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Io.GuestDevice'; Text = 'The new device: Name (vda, hda, ...), Class, Mode, Model, Irq, PciSlot, Counters.' })
  Examples = @(
    @{ Title = 'A virtio disk on a new image'; Code = "New-VGuest -Name db -Workload diskread -Style HardwareAssisted | Add-VDisk -Path (Join-Path ([IO.Path]::GetTempPath()) `"db-`$(New-Guid).img`") -SizeMB 4 -Mode Paravirtual"; Remarks = 'The image is created sparse (4 MiB of zeros); the guest''s kernel finds a virtio-blk function on PCI bus 0 at boot.' }
    @{ Title = 'An emulated ATA disk, written by the guest'; Code = "`$g = New-VGuest -Name app -Workload diskwrite`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"app-`$(New-Guid).img`") -SizeMB 1 -Mode Emulated | Out-Null`nInvoke-VStep `$g | Out-Null`nGet-VDevice `$g"; Remarks = 'diskwrite fills sector n with the 8-byte value n; every sector went through the ATA data port, 256 words at a time.' }
  )
  Links = @('Get-VDevice', 'Set-VDevice', 'Remove-VDevice', 'Compare-VIoMode', 'about_VirtPS')
}
'Get-VDevice' = @{
  Synopsis = 'Lists guests'' devices: name, class, IO mode, the hardware the guest sees and what each has done.'
  Description = @(
    'Get-VDevice writes the devices of the given guests (all guests by default), filtered by -Name patterns: disks, network adapters and input devices with their mode (Emulated, Paravirtual, Passthrough), the model the guest sees (for example "virtio-blk (PCI)"), the IRQ, the PCI slot, and the counters so far: requests, bytes, intercepted register accesses by how the VMM was entered, notifications, interrupts, IOMMU translations and faults, and the driver model''s domain or world switches.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests, or their names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Io.GuestDevice'; Text = 'Name, GuestName, Class, Mode, Model, Modes, Irq, PciSlot, PortRanges, Counters.' })
  Examples = @(
    @{ Title = 'Every device in the lab'; Code = "New-VGuest -Name g1 -Workload diskread | Add-VDisk -Path (Join-Path ([IO.Path]::GetTempPath()) `"g1-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nGet-VDevice"; Remarks = 'One row per device.' }
    @{ Title = 'What a run did to its disk'; Code = "`$g = New-VGuest -Name g2 -Workload diskread -Style HardwareAssisted`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"g2-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nInvoke-VStep `$g | Out-Null`n(Get-VDevice `$g vda).Counters"; Remarks = 'Requests, bytes, the IO exits it took (InterceptsBy), notifications and interrupts.' }
  )
  Links = @('Add-VDisk', 'Set-VDevice', 'Measure-VGuest')
}
'Set-VDevice' = @{
  Synopsis = 'Changes a guest device''s IO mode, or a virtio disk''s EVENT_IDX offer, while the guest is stopped.'
  Description = @(
    'Set-VDevice unplugs the device and plugs it in again in the new mode: an ATA disk becomes a virtio-blk device, a virtio device becomes an assigned one behind the IOMMU, and back. The guest''s kernel found its devices at boot, so a change while the guest runs would leave its driver talking to hardware that is gone: it is refused with DeviceChangeWhileRunning (InvalidOperation) and nothing changes. Before the first step, or once the guest has halted, it is done. A mode the device cannot take gives DeviceModeNotSupported; a passthrough image already assigned elsewhere gives DeviceAlreadyAssigned.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests, or their names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Io.GuestDevice'; Text = 'With -PassThru, the changed device.' })
  Examples = @(
    @{ Title = 'From virtio to passthrough'; Code = "New-VGuest -Name s1 -Workload diskread -Style HardwareAssisted | Add-VDisk -Path (Join-Path ([IO.Path]::GetTempPath()) `"s1-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nSet-VDevice s1 vda -Mode Passthrough -PassThru"; Remarks = 'The virtio function is now assigned to s1: its ports leave the VT-x IO bitmap and its DMA goes through the IOMMU.' }
    @{ Title = 'Without VIRTIO_F_EVENT_IDX'; Code = "New-VGuest -Name s2 -Workload diskread | Add-VDisk -Path (Join-Path ([IO.Path]::GetTempPath()) `"s2-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nSet-VDevice s2 vda -EventIdx Off -PassThru | Format-List Name, Mode, EventIdx"; Remarks = 'The device no longer offers EVENT_IDX, so the driver can only turn used buffer notifications on or off as a whole.' }
  )
  Links = @('Add-VDisk', 'Get-VDevice', 'Compare-VIoMode')
}
'Remove-VDevice' = @{
  Synopsis = 'Unplugs a device from a stopped guest.'
  Description = @(
    'Remove-VDevice takes the device off the guest''s buses and releases what it holds on the host: an image file is closed (it stays on disk), a passthrough device is free to be assigned to another guest. Refused while the guest runs (DeviceChangeWhileRunning); an unknown name gives DeviceNotFound.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests, or their names.' })
  Outputs = @(@{ Type = 'None'; Text = 'Nothing.' })
  Examples = @(
    @{ Title = 'Take one disk away'; Code = "`$g = New-VGuest -Name r1 -Workload diskread`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"r1a-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"r1b-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nRemove-VDevice `$g vda`nGet-VDevice `$g"; Remarks = 'vdb remains.' }
    @{ Title = 'Free a passthrough device for another guest'; Code = "`$img = (Join-Path ([IO.Path]::GetTempPath()) `"r2-`$(New-Guid).img`")`nNew-VGuest -Name r2 -Workload diskread | Add-VDisk -Path `$img -SizeMB 1 -Mode Passthrough | Out-Null`nRemove-VDevice r2 vda`nNew-VGuest -Name r3 -Workload diskread | Add-VDisk -Path `$img -Mode Passthrough"; Remarks = 'A passthrough device belongs to one guest at a time; once r2 lets it go, r3 can have it.' }
  )
  Links = @('Add-VDisk', 'Get-VDevice')
}
'Get-VVirtqueue' = @{
  Synopsis = 'Decodes a virtio device''s split virtqueue from guest memory.'
  Description = @(
    'Get-VVirtqueue reads a queue of a Paravirtual or Passthrough device where the guest''s driver put it, by the structure layouts of virtio 1.2 section 2.7: the descriptor table (addr, len, flags, next), the available ring (flags, idx, ring, used_event) and the used ring (flags, idx, id/len elements, avail_event), with the device''s own position (DeviceLastAvailIdx) and the negotiated EVENT_IDX and INDIRECT_DESC. Before the driver enables the queue there is nothing to decode and a warning says so. An Emulated device has no queues: NotAVirtioDevice.'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests, or their names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Io.Virtio.VirtqueueSnapshot'; Text = 'Device, Queue, Size, DescriptorTable, AvailRing, UsedRing, Descriptors, AvailFlags, AvailIdx, AvailEntries, UsedEvent, UsedFlags, UsedIdx, UsedElements, AvailEvent, DeviceLastAvailIdx, EventIdx, IndirectDescriptors, Counters.' })
  Examples = @(
    @{ Title = 'The request queue after a run'; Code = "`$g = New-VGuest -Name q1 -Workload diskread -Style HardwareAssisted`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"q1-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nInvoke-VStep `$g | Out-Null`nGet-VVirtqueue `$g vda"; Remarks = 'avail.idx and used.idx are equal: every request the driver made was completed.' }
    @{ Title = 'The first descriptors'; Code = "`$g = New-VGuest -Name q2 -Workload diskread`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"q2-`$(New-Guid).img`") -SizeMB 1 | Out-Null`nInvoke-VStep `$g | Out-Null`n(Get-VVirtqueue `$g vda).Descriptors | Select-Object -First 3"; Remarks = 'A request''s chain: the 16-byte header, the data buffer (device-writable for a read), the status byte.' }
  )
  Links = @('Add-VDisk', 'Get-VDevice')
}
'Get-VIommu' = @{
  Synopsis = 'Shows a guest''s IOMMU domain: its mappings, assigned devices and DMA-remapping faults.'
  Description = @(
    'A guest with a passthrough device has an IOMMU domain (Intel VT-d, legacy-mode second-level translation): the domain''s tables map the guest''s memory, guest-physical to host-physical, and every DMA of an assigned device is translated through them; a DMA outside is blocked and recorded in the fault-recording registers with its VT-d fault reason. Get-VIommu writes the domain: Mappings (read from the tables), Devices (requester IDs), Translations, IOTLB hits and misses, FaultCount and the recorded Faults. A guest without a passthrough device has no domain and writes nothing (see -Verbose).'
  )
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests, or their names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.GuestIommu'; Text = 'Guest, Domain, AddressWidth, Levels, Mappings, Devices, Translations, IotlbHits, IotlbMisses, PageWalkReferences, FaultCount, Faults, FaultStatus.' })
  Examples = @(
    @{ Title = 'An assigned disk''s domain'; Code = "`$g = New-VGuest -Name pt -Workload diskread -Style HardwareAssisted`nAdd-VDisk `$g -Path (Join-Path ([IO.Path]::GetTempPath()) `"pt-`$(New-Guid).img`") -SizeMB 1 -Mode Passthrough | Out-Null`nInvoke-VStep `$g | Out-Null`nGet-VIommu `$g"; Remarks = 'Every DMA of the disk was translated; no faults.' }
    @{ Title = 'The mappings'; Code = "New-VGuest -Name pt2 -Workload diskread | Add-VDisk -Path (Join-Path ([IO.Path]::GetTempPath()) `"pt2-`$(New-Guid).img`") -SizeMB 1 -Mode Passthrough | Out-Null`n(Get-VIommu pt2).Mappings"; Remarks = 'The guest''s memory, mapped with 2 MiB pages where it can be.' }
  )
  Links = @('Add-VDisk', 'Set-VDevice')
}
'Compare-VIoMode' = @{
  Synopsis = 'Runs an IO workload under each IO mode and compares exits, notifications and cycles per KiB.'
  Description = @(
    'Compare-VIoMode boots a fresh guest per IO mode (Emulated, Paravirtual, Passthrough), per style and per driver model asked for, gives it a disk in that mode on the same image (diskread, diskwrite) or a NIC in that mode on a bridged network of its own (netperf, a UDP stream of -Datagrams to the LAN host''s discard port), runs the workload to the end, and writes one row per run: ExitsPerRequest (the device''s register accesses the VMM intercepted: VM exits, traps or callouts), NotificationsPerRequest (kicks to the device and used buffer notifications back), InterruptsPerRequest, the driver model''s domain and world switches, CyclesPerKiB (the whole run priced by the cost model, over the bytes moved) and RatioToPassthrough. Nothing in a row is a constant of the mode: it is counted events times the cost model''s prices.'
    'Without -Path the runs use a scratch image of -SizeMB in the temp directory, deleted afterwards; with -Path that image (diskwrite overwrites it). -EventIdx Off runs the virtio disks without VIRTIO_F_EVENT_IDX.'
  )
  Inputs = @(@{ Type = 'None'; Text = 'Nothing is read from the pipeline.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.IoModeComparisonRow'; Text = 'Workload, Mode, Style, IoModel, Requests, Bytes, ExitsPerRequest, NotificationsPerRequest, InterruptsPerRequest, DomainSwitches, WorldSwitches, Cycles, CyclesPerKiB, RatioToPassthrough, Output.' })
  Examples = @(
    @{ Title = 'The three IO modes'; Code = 'Compare-VIoMode -Workload diskread -SizeMB 1'; Remarks = 'Under HardwareAssisted: the ATA disk exits on every register access, virtio-blk about once per batch of requests, the assigned device not at all.' }
    @{ Title = 'Where the backend runs'; Code = 'Compare-VIoMode diskwrite -SizeMB 1 -Mode Emulated -IoModel Autonomous, Hybrid, Hosted | Format-Table IoModel, ExitsPerRequest, DomainSwitches, WorldSwitches, CyclesPerKiB'; Remarks = 'Each backend request costs a domain switch to the service domain (Hybrid) or a world switch to the host OS (Hosted).' }
    @{ Title = 'A UDP stream through each kind of NIC'; Code = 'Compare-VIoMode netperf -Datagrams 200 | Format-Table Mode, Requests, ExitsPerRequest, CyclesPerKiB, RatioToPassthrough'; Remarks = 'An NE2000 exits on every register access of every frame; virtio-net once per frame (the transmit kick); the assigned virtio-net not at all.' }
  )
  Links = @('Add-VDisk', 'Set-VHost', 'Compare-VStyle', 'Measure-VGuest')
}
}
