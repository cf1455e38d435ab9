# The built-in kernel and its workloads, from PowerShell: every workload at its default size and at ten
# times that, with the kernel's summary line checked against the workload's own arithmetic and against the
# machine's independent counters.
BeforeDiscovery {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    # keys waits for keyboard input (Input.Tests.ps1 gives it some)
    $cases = foreach ($w in Get-VWorkload | Where-Object { -not $_.UsesKeyboard }) {
        foreach ($scale in 1, 10) { @{ Name = $w.Name; Iterations = $w.DefaultIterations * $scale; Scale = $scale } }
    }
}
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
}

Describe 'Workloads under the kernel' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It '<Name> x<Scale> runs to completion with the counts its arithmetic predicts' -TestCases $cases {
        $w = Get-VWorkload $Name
        $p = $w.DefaultProcesses
        # Preemption off, so context switches are exactly the workload's own (yield and exit).
        $g = New-VGuest -Name "$Name-$Scale" -Workload $Name -Iterations $Iterations -TimerPeriod 0
        $r = $g | Invoke-VStep
        $r | Should -HaveStopReason Halt
        Receive-VConsole -Guest $g -All | Should -Match 'virtps: \d+ processes'
        $s = $g.KernelSummary
        $events = $g.Machine.Cpu.Events
        $s.Syscalls | Should -Be $w.ExpectedSyscalls($Iterations, $p)
        $events.Syscalls | Should -Be $s.Syscalls
        $s.PageFaults | Should -Be $w.ExpectedPageFaults($Iterations, $p)
        $events.PageFaults | Should -Be $s.PageFaults
        $s.ContextSwitches | Should -Be $w.ExpectedContextSwitches($Iterations, $p)
        $events.Cr3Loads | Should -Be $s.Cr3Loads
    }

    It 'preempts on timer ticks when the timer is on' {
        $g = New-VGuest -Name tick -Workload compute -Processes 2
        $g | Invoke-VStep | Should -HaveStopReason Halt
        $g.KernelSummary.TimerSwitches | Should -BeGreaterThan 0
        $g.KernelSummary.Ticks + 1 | Should -Be $g.Machine.Cpu.Events.Interrupts   # + the boot self-test's SELF IPI
        # each tick a performance-monitoring interrupt: IA32_PMC0 wrapped after 100000 user instructions
        $g.Machine.Cpu.Apic.PerformanceMonitoringInterrupts - $g.KernelSummary.Ticks | Should -BeIn 0, 1
        $g.Machine.Cpu.Apic.TimerInterrupts | Should -Be 0
    }

    It 'stops on the first system call with -Until Syscall and traces page faults' {
        $g = New-VGuest -Name until -Workload pgfault -Iterations 8
        $g | Invoke-VStep -Until Syscall | Should -HaveStopReason Syscall
        $faults = @($g | Invoke-VStep -Trace | Where-Object Kind -eq PageFault)
        $faults.Count | Should -Be 8
        $faults | ForEach-Object { $_.Cpl | Should -Be 3 }
    }

    It 'names the running process in trace events and in Get-VRegister' {
        $g = New-VGuest -Name pids -Workload ctxswitch -Iterations 3 -TimerPeriod 0
        $switches = @($g | Invoke-VStep -Trace | Where-Object Kind -eq ContextSwitch)
        # Two processes yielding to each other: the pids alternate, 1 and 2.
        @($switches.ProcessId | Select-Object -Unique | Sort-Object) | Should -Be @(1, 2)
        $h = New-VGuest -Name pid1 -Workload compute -Iterations 1000
        $h | Invoke-VStep -Until ContextSwitch | Out-Null
        (Get-VRegister -Guest $h).ProcessId | Should -Be 1
        (New-VGuest -Name bare | Get-VRegister).ProcessId | Should -BeNullOrEmpty
    }

    It 'rejects an unknown workload and leaves no guest' {
        $e = try { New-VGuest -Name nope -Workload nosuch -ErrorAction Stop } catch { $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'UnknownWorkload*'
        Get-VGuest -Name nope -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'User programs under the kernel (-Program, -Code, -Bytes) and -Bare' {
    BeforeAll {
        # write(msg, len), then exit: the syscall ABI a user program sees
        $Hello = @'
    mov eax, 1
    lea rdi, [rel msg]
    mov esi, len
    syscall
    xor eax, eax
    syscall
msg: db 'hello from user space', 10
len equ $ - msg
'@
    }
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'runs -Code as the first process: its write, then the kernel''s summary, then the halt' {
        $g = New-VGuest -Name hello -Code $Hello
        $g.MemoryMB | Should -Be 128
        $g | Invoke-VStep | Should -HaveStopReason Halt
        $g.State | Should -Be 'Halted'
        $out = Receive-VConsole -Guest hello
        $out | Should -Match '(?s)hello from user space\n.*virtps: 1 processes, 2 syscalls'
        $out | Should -Not -Match 'killed'
        $out.IndexOf('hello from user space') | Should -BeGreaterThan $out.IndexOf('virtps kernel: booting')
    }

    It 'runs the program at CPL 3 at the user base' {
        $g = New-VGuest -Name cpl -Code $Hello
        $events = @($g | Invoke-VStep -Until Syscall -Trace | Where-Object Kind -eq Syscall)
        $events.Count | Should -Be 1
        $events[0].Cpl | Should -Be 3
        $events[0].Rip | Should -Be 0x40000011        # the first SYSCALL, after mov (5 bytes), lea (7) and mov (5)
        $events[0].ProcessId | Should -Be 1
    }

    It 'kills a process that executes HLT with #GP and a console line, then the kernel finishes' {
        $g = New-VGuest -Name halter -Code 'nop', 'hlt'
        $g | Invoke-VStep | Should -HaveStopReason Halt
        $out = Receive-VConsole -Guest halter
        $out | Should -Match '(?s)virtps: pid 1 killed by #GP\(0\) at rip 0x40000001\n.*virtps: 1 processes, 0 syscalls'
        $g.Machine.Cpu.Events.Exceptions([VirtPS.Engine.ExceptionVector]::GP) | Should -Be 1
        (Get-VRegister -Guest halter).Cpl | Should -Be 0      # the machine halted in the kernel, not in the process
    }

    It 'loads -Bytes at the user base and exits cleanly' {
        $g = New-VGuest -Name raw -Bytes 0x31, 0xC0, 0x0F, 0x05     # xor eax, eax ; syscall (exit)
        $g | Invoke-VStep | Should -HaveStopReason Halt
        $g.KernelSummary.Processes | Should -Be 1
        $g.KernelSummary.Syscalls | Should -Be 1
        Receive-VConsole -Guest raw | Should -Not -Match 'killed'
    }

    It 'runs a program in several processes with -Processes and -TimerPeriod' {
        $g = New-VGuest -Name many -Code $Hello -Processes 3 -TimerPeriod 0
        $g | Invoke-VStep | Should -HaveStopReason Halt
        ([regex]::Matches((Receive-VConsole -Guest many), 'hello from user space')).Count | Should -Be 3
        $g.KernelSummary.Processes | Should -Be 3
        $g.KernelSummary.Ticks | Should -Be 0
    }

    It 'runs a -Program linked at the user base, from its entry point; -Define works for -Code' {
        $p = ConvertTo-VProgram -Text 'ud2', '_start: mov eax, N', 'syscall' -Origin 0x40000000 -Define @{ N = 0 }
        $g = New-VGuest -Name prog -Program $p
        $g | Invoke-VStep | Should -HaveStopReason Halt
        Receive-VConsole -Guest prog | Should -Not -Match 'killed'
        $h = New-VGuest -Name def -Code 'mov eax, 1', 'lea rdi, [rel msg]', 'mov esi, N', 'syscall', 'xor eax, eax', 'syscall', "msg: db 'abcdef'" -Define @{ N = 3 }
        $h | Invoke-VStep | Should -HaveStopReason Halt
        Receive-VConsole -Guest def | Should -Match '^(?s)virtps kernel: booting\nabcvirtps: 1 processes'
    }

    It 'refuses a -Program linked elsewhere, naming both addresses, and leaves no guest' {
        $p = ConvertTo-VProgram -Text 'xor eax, eax', 'syscall'
        $e = try { New-VGuest -Name elsewhere -Program $p -ErrorAction Stop } catch { $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'ProgramOriginNotUserBase,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$e" | Should -Match '0x100000'
        "$e" | Should -Match '0x40000000'
        "$e" | Should -Match '-Bare'
        Get-VGuest | Should -BeNullOrEmpty
        New-VGuest -Name elsewhere -Program $p -Bare | Should -Not -BeNullOrEmpty      # the same program without the kernel
    }

    It 'keeps the bare machine with -Bare: loaded at 0x100000, CPL 0, HLT halts the machine' {
        $g = New-VGuest -Name bare -Bare -Code 'mov rax, 42', 'hlt'
        $g.Machine.Cpu.Rip | Should -Be 0x100000
        $g.MemoryMB | Should -Be 64
        $r = $g | Invoke-VStep
        $r | Should -HaveStopReason Halt
        $r.Instructions | Should -Be 2
        (Get-VRegister -Guest bare).Cpl | Should -Be 0
        Receive-VConsole -Guest bare -All | Should -BeNullOrEmpty
        (New-VGuest -Name bb -Bare -Bytes 0xF4 | Invoke-VStep).Instructions | Should -Be 1
    }

    It 'rejects <Case> at parameter binding' -TestCases @(
        @{ Case = '-Bare with -Workload'; Block = { New-VGuest -Name x -Bare -Workload compute -ErrorAction Stop } }
        @{ Case = '-Bare alone'; Block = { New-VGuest -Name x -Bare -ErrorAction Stop } }
        @{ Case = '-Bare with -Processes'; Block = { New-VGuest -Name x -Bare -Code 'hlt' -Processes 2 -ErrorAction Stop } }
        @{ Case = '-Iterations with -Code'; Block = { New-VGuest -Name x -Code 'hlt' -Iterations 2 -ErrorAction Stop } }
    ) {
        $e = try { & $Block } catch { $_ }
        $e.Exception | Should -BeOfType ([System.Management.Automation.ParameterBindingException])
        Get-VGuest | Should -BeNullOrEmpty
    }

    It 'checks the kernel''s limits: too little memory is InvalidMemorySize' {
        $e = try { New-VGuest -Name small -Code 'hlt' -MemoryMB 2 -ErrorAction Stop } catch { $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidMemorySize,*'
        Get-VGuest | Should -BeNullOrEmpty
    }
}
