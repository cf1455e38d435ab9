# CPU virtualization styles from PowerShell: the same guest under each style, what each style counts, and
# the fidelity problem of trap-and-emulate on x86 (Robin & Irvine 2000) seen from a guest's registers.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
}

Describe 'Virtualization styles' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'runs <Style> to the same console output as Native' -TestCases @(
        @{ Style = 'Emulation' }, @{ Style = 'TrapAndEmulate' }, @{ Style = 'HardwareAssisted' }) {
        $native = New-VGuest -Name n -Workload syscall -Iterations 200
        $other = New-VGuest -Name o -Workload syscall -Iterations 200 -Style $Style
        $native, $other | Invoke-VStep | Out-Null
        Receive-VConsole -Guest $other -All | Should -Be (Receive-VConsole -Guest $native -All)
        $other.Instructions | Should -Be $native.Instructions
    }

    It 'counts VM exits by SDM reason under HardwareAssisted' {
        $m = New-VGuest -Name h -Workload in -Iterations 100 -Style HardwareAssisted | Invoke-VStep | Measure-VGuest
        $m.Style | Should -Be 'HardwareAssisted'
        # The in workload reads port 0x80 once per iteration; the console's UART accesses exit too.
        $m.ExitsByReason['IoInstruction'] | Should -BeGreaterOrEqual 100
        $m.ExitsByReason['Cpuid'] | Should -Be 1
        $m.Exits | Should -Be ($m.ExitsByReason.Values | Measure-Object -Sum).Sum
        ($m.Events | Where-Object Event -eq 'VmExit').Count | Should -Be $m.Exits
    }

    It 'prices cycles as the sum of counted events times the cost model' {
        $m = New-VGuest -Name c -Workload syscall -Iterations 100 -Style TrapAndEmulate | Invoke-VStep | Measure-VGuest
        $sum = ($m.Events | Measure-Object -Property Cycles -Sum).Sum
        [math]::Abs($m.Cycles - $sum) | Should -BeLessOrEqual 1
        $m.Traps | Should -BeGreaterThan 100          # SYSRET at CPL 1 traps once per call
        $m.CyclesPerIteration | Should -BeGreaterThan 0
    }

    It 'shows trap-and-emulate misbehaving where real x86 would' {
        # Guest kernel code: interrupts off, then POPF of a flags image with IF set. At CPL 0 that enables
        # interrupts; deprivileged to CPL 1 with IOPL 0, POPF silently leaves IF alone.
        $code = 'cli', 'pushfq', 'pop rbx', 'mov ax, cs', 'push 0x202', 'popfq', 'hlt'
        $te = New-VGuest -Name te -Bare -Code $code -Style TrapAndEmulate
        $hw = New-VGuest -Name hw -Bare -Code $code -Style HardwareAssisted
        $te, $hw | Invoke-VStep | Out-Null
        (Get-VRegister -Guest $te).Flags -split ' ' | Should -Not -Contain 'IF'
        (Get-VRegister -Guest $hw).Flags -split ' ' | Should -Contain 'IF'
        (Get-VRegister -Guest $te).Rax -band 3 | Should -Be 1
        ($te | Measure-VGuest).FidelityViolations | Should -Be 3
        ($hw | Measure-VGuest).FidelityViolations | Should -Be 0
        $te.Vmm.Violations.Instruction | Should -Be @('pushf', 'mov ax, cs', 'popf')
    }

    It 'refuses a style that is not built yet, leaving no guest' {
        { New-VGuest -Name bt -Workload syscall -Style BinaryTranslation -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsupportedStyle,VirtPS.Commands.NewVGuestCommand'
        Get-VGuest -Name bt -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'compares styles on a workload, one row each, Native first and as the baseline' {
        $rows = Compare-VStyle -Workload syscall -Style TrapAndEmulate, HardwareAssisted -Iterations 300 -CostProfile Pentium4-2006
        $rows.Style | Should -Be @('Native', 'TrapAndEmulate', 'HardwareAssisted')
        $rows[0].RatioToNative | Should -Be 1
        $rows.CostModel | Sort-Object -Unique | Should -Be 'Pentium4-2006'
        $rows | ForEach-Object { $_.Console | Should -Be $rows[0].Console }
        # Trap-and-emulate pays a trap per SYSRET that the hardware VMM does not: it must cost more per call.
        $rows[1].CyclesPerIteration | Should -BeGreaterThan $rows[2].CyclesPerIteration
        $rows[1].Traps | Should -BeGreaterOrEqual 300
        (Get-VGuest).Count | Should -Be 0      # the comparison's guests are not left in the lab
    }

    It 'gives <Id> for <Case>' -TestCases @(
        @{ Case = 'a style that cannot run the kernel'; Id = 'UnsupportedStyle'; Splat = @{ Workload = 'syscall'; Style = 'BinaryTranslation' } }
        @{ Case = 'an unknown workload'; Id = 'WorkloadNotFound'; Splat = @{ Workload = 'nosuch' } }
        @{ Case = 'an unknown cost profile'; Id = 'UnknownCostProfile'; Splat = @{ Workload = 'syscall'; CostProfile = 'Pentium3' } }) {
        { Compare-VStyle @Splat -Iterations 10 -ErrorAction Stop } | Should -Throw -ErrorId "$Id,VirtPS.Commands.CompareVStyleCommand"
    }
}

Describe 'Paravirtual (Xen)' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'runs the kernel''s paravirtual build to the same console as Native, by hypercalls' {
        $native = New-VGuest -Name n -Workload syscall -Iterations 200
        $pv = New-VGuest -Name p -Workload syscall -Iterations 200 -Style Paravirtual
        $native, $pv | Invoke-VStep | Out-Null
        Receive-VConsole -Guest $pv -All | Should -Be (Receive-VConsole -Guest $native -All)
        $m = $pv | Measure-VGuest
        $m.FidelityViolations | Should -Be 0
        $m.Hypercalls | Should -Be ($m.HypercallsByName.Values | Measure-Object -Sum).Sum
        $m.HypercallsByName['iret'] | Should -Be 202          # 202 system calls, all but exit return by iret; and the first run
        $m.HypercallsByName['console_io'] | Should -BeGreaterThan 0
        $m.HypercallBatchEntries | Should -BeGreaterThan 0
        $m.RefusedUpdates | Should -Be 0
        ($m.Events | Where-Object Event -eq 'Hypercall').Count | Should -Be $m.Hypercalls
    }

    It 'costs less than shadow paging on <Workload> (Pentium4-2006)' -TestCases @(@{ Workload = 'forkwait' }, @{ Workload = 'ptemod' }) {
        $rows = Compare-VStyle -Workload $Workload -Style HardwareAssisted, Paravirtual -CostProfile Pentium4-2006
        $ha = $rows | Where-Object Style -eq 'HardwareAssisted'
        $pv = $rows | Where-Object Style -eq 'Paravirtual'
        $rows | Format-Table Workload, Style, Iterations, Cycles, CyclesPerIteration, RatioToNative, Exits, Hypercalls | Out-String | Write-Host
        Write-Host ("{0}: HardwareAssisted / Paravirtual = {1:N3} per iteration, {2:N2} over the whole run" -f $Workload,
            ($ha.CyclesPerIteration / $pv.CyclesPerIteration), ($ha.Cycles / $pv.Cycles))
        # Another build of the kernel retires other instructions, and the timer counts instructions: only where
        # ticks fall (and the switches they cause) may differ.
        $timing = '\d+ context switches, \d+ ticks \(switches: \d+ yield, \d+ timer, \d+ exit'
        ($pv.Console -replace $timing) | Should -Be ($rows[0].Console -replace $timing)
        $pv.FidelityViolations | Should -Be 0
        $pv.Hypercalls | Should -BeGreaterThan 0
        $pv.Cycles | Should -BeLessThan $ha.Cycles
        if ($Workload -eq 'forkwait') { $pv.CyclesPerIteration | Should -BeLessThan $ha.CyclesPerIteration }
        # ptemod's marginal figure goes the other way: after four traced writes the shadow stops tracing the
        # page (write flooding), so one more rewrite costs HardwareAssisted a plain store, and Paravirtual a
        # validated mmu_update entry.
    }

    It 'refuses a bare program, which has no hypercalls to make, leaving no guest' {
        { New-VGuest -Name bare -Bare -Code 'hlt' -Style Paravirtual -ErrorAction Stop } |
            Should -Throw -ErrorId 'StyleNeedsParavirtualKernel,VirtPS.Commands.NewVGuestCommand'
        Get-VGuest -Name bare -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
