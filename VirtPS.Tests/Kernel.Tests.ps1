# The built-in kernel and its workloads, from PowerShell: every workload at its default size and at ten
# times that, with the kernel's summary line checked against the workload's own arithmetic and against the
# machine's independent counters.
BeforeDiscovery {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $cases = foreach ($w in Get-VWorkload) {
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
        $r.StopReason | Should -Be 'Halt'
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
        ($g | Invoke-VStep).StopReason | Should -Be 'Halt'
        $g.KernelSummary.TimerSwitches | Should -BeGreaterThan 0
        $g.KernelSummary.Ticks | Should -Be $g.Machine.Cpu.Events.Interrupts
    }

    It 'stops on the first system call with -Until Syscall and traces page faults' {
        $g = New-VGuest -Name until -Workload pgfault -Iterations 8
        ($g | Invoke-VStep -Until Syscall).StopReason | Should -Be 'Syscall'
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
