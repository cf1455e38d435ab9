# Text of the VirtPS cmdlet help; New-Help.ps1 merges it with the cmdlets' metadata into MAML.
$answer = '"mov rax, 42`nhlt"'
@{
'ConvertTo-VProgram' = @{
  Synopsis = 'Assembles x86-64 source text into a program a guest can run.'
  Description = @(
    'ConvertTo-VProgram assembles source in the NASM dialect (64-bit mode) into a flat image that loads at -Origin (0x100000 unless you say otherwise). The result is a VProgram: the bytes, the origin, the entry point (the first byte, or the _start or start label), the symbols and a listing that maps each source line to its address and bytes.'
    'Source comes from -Text or from a file with -Path. Strings piped in are joined line by line into one source, so Get-Content file.asm | ConvertTo-VProgram assembles the file as a whole. -Define sets symbols before assembly, like nasm -D.'
    'An error in the source is reported as a non-terminating AssemblyError (category ParserError) whose message gives the line and column. A missing file is FileNotFound (ObjectNotFound).'
  )
  Parameters = @{
    Text = 'The assembly source. Several strings (as arguments or from the pipeline) are joined with newlines into one source.'
    Path = 'The path of a source file. PowerShell paths are resolved, so relative paths and drives such as Temp: work.'
    Define = 'Symbols defined before assembly, as a hashtable of names and integers: @{ ITER = 1000 }. A value that is not an integer is an InvalidDefine error.'
    Origin = 'The guest-physical address the program is assembled for and loaded at. The default is 0x100000, where New-VGuest loads images.'
  }
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
    'New-VGuest creates a guest in the current runspace''s lab and writes it to the pipeline. The guest starts in 64-bit mode at privilege level 0, the image loaded at its origin (0x100000 for -Code and -Bytes), RIP at the entry point and RSP at the top of its memory.'
    'Give the code as an assembled program (-Program, from ConvertTo-VProgram), as source text (-Code, assembled on the spot, with -Define for symbols) or as raw machine code (-Bytes). With none of them the guest holds a single HLT instruction: an empty machine that halts on its first step, like a virtual machine with no boot disk.'
    'Everything is checked before the guest exists, so a failure leaves nothing behind: an invalid name is InvalidGuestName, a name already in use is GuestExists (ResourceExists), a program that does not fit in memory is ProgramTooLarge (LimitsExceeded), bad source is AssemblyError (ParserError) and a memory size outside 1 to 4096 MB is InvalidMemorySize. Guest memory is backed by host memory only where the guest touches it.'
    'Names are unique per runspace and compared without case. Guests live in the runspace that created them: runspaces of ForEach-Object -Parallel each have their own.'
  )
  Parameters = @{
    Name = 'The guest''s name: 1 to 64 letters, digits, underscores, hyphens or dots, starting with a letter, digit or underscore. Names are unique in the runspace, compared without case. Several names piped in create several guests.'
    Program = 'An assembled program from ConvertTo-VProgram. It is loaded at its origin and started at its entry point.'
    Code = 'Assembly source to assemble at 0x100000 and load. Several strings are joined as lines.'
    Bytes = 'Raw x86-64 machine code, loaded at 0x100000 and started at its first byte.'
    Style = 'How the guest''s CPU is virtualized. Native, the bare simulated machine, is the default and, for now, the only style.'
    MemoryMB = 'Guest-physical memory in megabytes, 1 to 4096. The default is 64.'
    Define = 'Symbols for assembling -Code, as a hashtable of names and integers: @{ N = 10 }.'
    Workload = 'Boot the built-in kernel (its own GDT, IDT, TSS, page tables per process, SYSCALL, the APIC timer) running this workload in user processes. Get-VWorkload lists them: compute, syscall, in, cr8wr, callret, pgfault, divzero, ptemod, ctxswitch, forkwait. An unknown name is UnknownWorkload.'
    Iterations = 'How many iterations the workload runs, 1 or more; the default is the workload''s own (see Get-VWorkload).'
    Processes = 'How many user processes run the workload, 1 to 16; the default is the workload''s own.'
    TimerPeriod = 'Instructions between the kernel''s timer interrupts (the default is 100000); 0 turns preemption off, so context switches happen only on yield and exit.'
  }
  Inputs = @(@{ Type = 'System.String'; Text = 'Guest names.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The new guest.' })
  Examples = @(
    @{ Title = 'Boot the kernel with a workload'; Code = "New-VGuest -Name sys -Workload syscall -Iterations 1000 | Invoke-VStep | Out-Null`n(Get-VGuest sys).KernelSummary"; Remarks = 'The kernel runs getpid 1000 times in one user process and prints its summary line; KernelSummary parses it: 1002 system calls (the loop, one write, one exit).' }
    @{ Title = 'A guest from source text'; Code = "New-VGuest -Name answer -Code $answer"; Remarks = 'Creates a 64 MB guest whose program puts 42 in RAX and halts.' }
    @{ Title = 'A guest from raw machine code'; Code = 'New-VGuest -Name raw -Bytes 0x48, 0xC7, 0xC0, 0x2A, 0, 0, 0, 0xF4 -MemoryMB 16'; Remarks = 'The same program as bytes: mov rax, 42 (48 C7 C0 2A 00 00 00) then hlt (F4), in a 16 MB guest.' }
    @{ Title = 'Several guests from one program'; Code = "`$program = ConvertTo-VProgram -Text 'mov ecx, N', 'l: dec rcx', 'jnz l', 'hlt' -Define @{ N = 100 }`n'left', 'right' | New-VGuest -Program `$program"; Remarks = 'Assembles once and creates two guests that run the same countdown loop.' }
    @{ Title = 'An empty machine'; Code = 'New-VGuest -Name empty | Invoke-VStep'; Remarks = 'A guest made without code holds one HLT instruction and halts after one instruction.' }
  )
  Links = @('ConvertTo-VProgram', 'Get-VGuest', 'Invoke-VStep', 'Remove-VGuest')
}
'Get-VGuest' = @{
  Synopsis = 'Gets the guests of the current runspace.'
  Description = @(
    'Get-VGuest writes the guests of the current runspace''s lab, in name order. With -Name it writes only the guests whose names match; wildcards are allowed.'
    'A name without wildcards that matches no guest is a non-terminating GuestNotFound error (ObjectNotFound). A wildcard that matches nothing writes nothing.'
  )
  Parameters = @{
    Name = 'Names or wildcard patterns of the guests to get, compared without case. Without -Name, every guest is written.'
  }
  Inputs = @(@{ Type = 'System.String'; Text = 'Guest names or patterns.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'The matching guests.' })
  Examples = @(
    @{ Title = 'Every guest'; Code = "New-VGuest -Name web1 | Out-Null`nNew-VGuest -Name web2 | Out-Null`nGet-VGuest"; Remarks = 'Creates two guests and lists both, in name order.' }
    @{ Title = 'Guests by pattern'; Code = "'web1', 'web2', 'db1' | New-VGuest | Out-Null`nGet-VGuest -Name web*"; Remarks = 'Writes web1 and web2, not db1.' }
  )
  Links = @('New-VGuest', 'Remove-VGuest')
}
'Remove-VGuest' = @{
  Synopsis = 'Removes guests from the current runspace.'
  Description = @(
    'Remove-VGuest removes guests, named with -Name (wildcards allowed) or piped in as objects. It asks for confirmation as a Medium-impact change does, and supports -WhatIf and -Confirm. It writes nothing unless -PassThru is given.'
    'A name without wildcards that matches no guest is a non-terminating GuestNotFound error (ObjectNotFound). A removed guest''s name may be used again at once.'
  )
  Parameters = @{
    Name = 'Names or wildcard patterns of the guests to remove.'
    Guest = 'Guest objects to remove, usually piped from Get-VGuest or New-VGuest.'
    PassThru = 'Writes each removed guest to the pipeline.'
    WhatIf = 'Shows which guests would be removed without removing them.'
    Confirm = 'Asks for confirmation before removing each guest.'
  }
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
    'Invoke-VStep runs each guest it is given (piped, by -Guest as objects or names, or by -Name) and writes a StepResult for each: the instructions retired and simulated cycles counted in this step, why it stopped (InstructionLimit, Halt, Exception or Cancelled), the host seconds it took and the resulting MIPS.'
    'With -Instructions the step ends after that many instructions, or earlier if the guest halts or faults; with -Until Halt, or with neither parameter, it runs until the guest halts or faults. A guest stopped by -Instructions can be stepped again and continues where it left off.'
    '-Until can also name events that a guest kernel sees: Exception, PageFault, Interrupt, Syscall (SYSCALL or INT n) and ContextSwitch (a CR3 load). The step then ends right after the first such event, with that StopReason, and the guest stays ready to continue. -Trace writes a TraceEvent for every such event and for the halt, as they happen (Instruction, Kind, Rip, Cpl, Vector, ErrorCode, Cr2, Cr3), so Group-Object Kind and Where-Object work on them.'
    'Long runs write progress. Ctrl+C stops the run within a few milliseconds and leaves the guest consistent and ready to run again.'
    'A halted guest cannot be stepped again: that is a non-terminating GuestHalted error (InvalidOperation); a guest stopped by an exception gives GuestFaulted. A -Name that matches no guest is GuestNotFound.'
  )
  Parameters = @{
    Guest = 'The guests to run, as objects (usually piped) or names.'
    Name = 'Names of the guests to run.'
    Instructions = 'The most instructions to retire in this step, 1 or more.'
    Until = 'Run until one of these events: Halt (the default), or stop right after an Exception, PageFault, Interrupt, Syscall or ContextSwitch. With -Instructions too, whichever comes first ends the step.'
    Trace = 'Also write a TraceEvent object for each exception, page fault, interrupt, system call, context switch and halt, before the step result.'
  }
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests to run.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'One per guest: Guest, Instructions, Cycles, StopReason, HostSeconds, Mips.' })
  Examples = @(
    @{ Title = 'Run a guest until it halts'; Code = "New-VGuest -Name answer -Code $answer | Invoke-VStep"; Remarks = 'Runs two instructions and stops with StopReason Halt.' }
    @{ Title = 'Run in slices'; Code = "`$g = New-VGuest -Name count -Code 'mov ecx, 1000', 'l: dec rcx', 'jnz l', 'hlt'`n`$g | Invoke-VStep -Instructions 500`n`$g | Invoke-VStep -Until Halt"; Remarks = 'The first step stops after 500 instructions (InstructionLimit); the second continues from there to the HLT.' }
    @{ Title = 'Run guests by name'; Code = "'a', 'b' | New-VGuest | Out-Null`nInvoke-VStep -Name a, b"; Remarks = 'Runs two empty guests, one instruction each.' }
    @{ Title = 'Trace the events of a run'; Code = "New-VGuest -Name traced -Code 'mov ecx, 10', 'l: dec rcx', 'jnz l', 'hlt' | Invoke-VStep -Trace | Where-Object Kind -eq Halt"; Remarks = 'With -Trace the run writes a TraceEvent per event before its step result; this bare program has only one, the halt.' }
  )
  Links = @('New-VGuest', 'Measure-VGuest', 'Get-VRegister')
}
'Get-VWorkload' = @{
  Synopsis = 'Lists the built-in kernel''s workloads.'
  Description = @(
    'The built-in kernel runs named user programs, the nanobenchmarks of Adams and Agesen (ASPLOS 2006) plus context switches: each stresses something virtualization makes expensive. Get-VWorkload lists them with what each stresses, its default iteration count and process count. New-VGuest -Workload boots the kernel with one.'
  )
  Parameters = @{
    Name = 'Names of the workloads to get; wildcards are allowed. A name without wildcards that matches no workload is WorkloadNotFound (ObjectNotFound).'
  }
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
  Parameters = @{
    Guest = 'The guest whose console to read, as an object or a name.'
    All = 'Return everything printed since the guest started, not only what is new.'
    Wait = 'If nothing new has been printed, run the guest until it prints, stops, or Ctrl+C.'
  }
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests whose console to read.' })
  Outputs = @(@{ Type = 'System.String'; Text = 'The console text.' })
  Examples = @(
    @{ Title = 'Read what a guest printed'; Code = "New-VGuest -Name hello -Code 'mov dx, 0x3F8', 'mov al, 0x48', 'out dx, al', 'mov al, 0x69', 'out dx, al', 'hlt' | Invoke-VStep | Out-Null`nReceive-VConsole -Guest hello"; Remarks = 'The guest writes H and i to the UART''s transmit register; Receive-VConsole returns Hi.' }
    @{ Title = 'Wait for output'; Code = "New-VGuest -Name late -Code 'mov ecx, 100000', 'l: dec rcx', 'jnz l', 'mov dx, 0x3F8', 'mov al, 0x21', 'out dx, al', 'hlt' | Out-Null`nReceive-VConsole -Guest late -Wait"; Remarks = 'The guest has not run yet; -Wait runs it until it prints the exclamation mark.' }
  )
  Links = @('Send-VConsole', 'Invoke-VStep')
}
'Send-VConsole' = @{
  Synopsis = 'Types text into a guest''s serial console.'
  Description = @(
    'Send-VConsole queues bytes in the receive FIFO of the guest''s UART at 0x3F8, where the guest reads them from the receive register (its line-status register shows data ready). Each string is followed by a carriage return unless -NoNewline. Text is sent as ASCII.'
  )
  Parameters = @{
    Guest = 'The guest to type into, as an object or a name.'
    Text = 'The text to send; several strings, or strings from the pipeline, are sent one after another.'
    NoNewline = 'Do not add a carriage return after each string.'
  }
  Inputs = @(@{ Type = 'System.String'; Text = 'Text to send.' })
  Outputs = @(@{ Type = 'None'; Text = 'Send-VConsole writes nothing.' })
  Examples = @(
    @{ Title = 'An echo'; Code = "`$g = New-VGuest -Name echo -Code 'mov dx, 0x3F8', 'in al, dx', 'out dx, al', 'hlt'`nSend-VConsole -Guest echo -Text 'x' -NoNewline`n`$g | Invoke-VStep | Out-Null`nReceive-VConsole -Guest echo"; Remarks = 'The guest reads one byte from the UART and writes it back: x.' }
    @{ Title = 'Pipe lines in, echo them all'; Code = "`$g = New-VGuest -Name reader -Code 'l: mov dx, 0x3FD', 'in al, dx', 'test al, 1', 'jz done', 'mov dx, 0x3F8', 'in al, dx', 'out dx, al', 'jmp l', 'done: hlt'`n'first', 'second' | Send-VConsole -Guest reader`n`$g | Invoke-VStep | Out-Null`nReceive-VConsole -Guest reader"; Remarks = 'Each piped string is queued followed by a carriage return; the guest polls the line-status register (data ready, bit 0) and echoes every byte until the FIFO is empty.' }
  )
  Links = @('Receive-VConsole')
}
'Get-VRegister' = @{
  Synopsis = 'Gets a guest''s registers.'
  Description = @(
    'Get-VRegister reads a guest''s general-purpose registers RAX to R15, RIP, RFLAGS and the FS and GS bases, and its system state: CPL, the CS, SS and TR selectors, CR0, CR2, CR3, CR4, CR8, EFER, and the GDTR and IDTR. The Flags property names the set RFLAGS bits, lowest first (for example PF ZF IF). The default view shows the values in hexadecimal; the properties are numbers, so they compare and compute as such.'
    'The guest can be given as an object, as a name, or piped; a step result from Invoke-VStep binds by its Guest property.'
  )
  Parameters = @{
    Guest = 'The guest to read, as an object or a name. A name that matches no guest fails parameter binding with a GuestNotFound error.'
  }
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' }, @{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'A step result; its guest is read.' })
  Outputs = @(@{ Type = 'VirtPS.VRegisters'; Text = 'The register values and decoded flags.' })
  Examples = @(
    @{ Title = 'Registers after a run'; Code = "New-VGuest -Name answer -Code $answer | Invoke-VStep | Get-VRegister"; Remarks = 'RAX is 0x2A after the guest halts.' }
    @{ Title = 'One register and the flags'; Code = "New-VGuest -Name zero -Code 'xor eax, eax', 'hlt' | Invoke-VStep | Out-Null`n`$r = Get-VRegister -Guest zero`n'{0:X} {1}' -f `$r.Rip, `$r.Flags"; Remarks = 'Shows RIP in hexadecimal and the flags XOR left set (PF ZF).' }
  )
  Links = @('Invoke-VStep', 'Get-VDisassembly')
}
'Get-VDisassembly' = @{
  Synopsis = 'Disassembles instructions from a guest''s memory or from a program.'
  Description = @(
    'Get-VDisassembly decodes up to -Count instructions and writes each with its address, bytes and NASM-syntax text. From a guest it reads guest-physical memory, starting at the guest''s RIP unless -Address says otherwise; from a program (-Program) it reads the image, starting at its origin.'
    'An address outside the guest''s memory or the program''s image is a non-terminating AddressOutOfRange error (InvalidArgument).'
  )
  Parameters = @{
    Guest = 'The guest whose memory is decoded, as an object or a name.'
    Program = 'An assembled program from ConvertTo-VProgram.'
    Address = 'The address of the first instruction. The default is the guest''s RIP or the program''s origin.'
    Count = 'How many instructions to decode, 1 to 10000. The default is 10. Fewer are written when the code ends first.'
  }
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'A guest.' }, @{ Type = 'VirtPS.VProgram'; Text = 'A program.' })
  Outputs = @(@{ Type = 'VirtPS.Engine.Asm.DisassembledInstruction'; Text = 'Address, Bytes and Text of each instruction.' })
  Examples = @(
    @{ Title = 'Disassemble a program'; Code = "ConvertTo-VProgram -Text 'mov ecx, 3', 'l: dec rcx', 'jnz l', 'hlt' | Get-VDisassembly"; Remarks = 'Shows the four instructions at 0x100000 and their encodings.' }
    @{ Title = 'Disassemble a guest at RIP'; Code = 'New-VGuest -Name raw -Bytes 0x48, 0xC7, 0xC0, 0x2A, 0, 0, 0, 0xF4 | Get-VDisassembly -Count 2'; Remarks = 'Decodes the guest''s next two instructions: mov rax,2Ah and hlt.' }
  )
  Links = @('ConvertTo-VProgram', 'Get-VRegister')
}
'Measure-VGuest' = @{
  Synopsis = 'Measures what guests or steps cost: instructions, cycles, host time and MIPS.'
  Description = @(
    'Measure-VGuest writes a measurement for each guest or step result piped to it. For a step result (from Invoke-VStep) it measures that step; for a guest it measures the guest''s whole life. Each measurement has Name, Style, Scope (Step or Guest), Instructions, Cycles (simulated, from the guest''s cost profile), HostSeconds, Mips (guest instructions per host second, in millions), Cpi and ResidentBytes.'
  )
  Parameters = @{
    Guest = 'Guests to measure over their whole life, as objects or names.'
    StepResult = 'Step results from Invoke-VStep, measured one by one.'
  }
  Inputs = @(@{ Type = 'VirtPS.Engine.Guests.Guest'; Text = 'Guests.' }, @{ Type = 'VirtPS.Engine.Guests.StepResult'; Text = 'Step results.' })
  Outputs = @(@{ Type = 'VirtPS.VMeasurement'; Text = 'One per input object.' })
  Examples = @(
    @{ Title = 'Measure a run'; Code = "New-VGuest -Name count -Code 'mov ecx, 100000', 'l: dec rcx', 'jnz l', 'hlt' | Invoke-VStep | Measure-VGuest"; Remarks = 'Measures the step that ran the loop to its HLT (200,002 instructions).' }
    @{ Title = 'Measure a guest over several steps'; Code = "`$g = New-VGuest -Name count -Code 'mov ecx, 1000', 'l: dec rcx', 'jnz l', 'hlt'`n1..3 | ForEach-Object { `$g | Invoke-VStep -Instructions 100 } | Out-Null`n`$g | Measure-VGuest"; Remarks = 'Three steps of 100 instructions; the guest''s measurement totals 300.' }
  )
  Links = @('Invoke-VStep', 'Get-VGuest')
}
}
