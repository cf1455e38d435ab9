# CPU virtualization styles from PowerShell: the same guest under each style, what each style counts, and
# the fidelity problem of trap-and-emulate on x86 (Robin & Irvine 2000) seen from a guest's registers.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
}

Describe 'Virtualization styles' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'runs <Style> to the same console output as Native' -TestCases @(
        @{ Style = 'Emulation' }, @{ Style = 'TrapAndEmulate' }, @{ Style = 'BinaryTranslation' }, @{ Style = 'HardwareAssisted' }) {
        $native = New-VGuest -Name n -Workload syscall -Iterations 200
        $other = New-VGuest -Name o -Workload syscall -Iterations 200 -Style $Style
        $native, $other | Invoke-VStep | Out-Null
        Receive-VConsole -Guest $other -All | Should -Be (Receive-VConsole -Guest $native -All)
        $other.Instructions | Should -Be $native.Instructions
    }

    It 'preempts at the same user instruction under every style, the paravirtual build included' {
        # The tick is a PMI after 100000 user instructions, so the consoles agree byte for byte, tick and
        # switch counts too.
        $guests = 'Native', 'Emulation', 'TrapAndEmulate', 'BinaryTranslation', 'HardwareAssisted', 'Paravirtual' |
            ForEach-Object { New-VGuest -Name "pmi-$_" -Workload compute -Iterations 100000 -Processes 3 -Style $_ }
        $guests | Invoke-VStep | Out-Null
        $guests[0].KernelSummary.TimerSwitches | Should -BeGreaterThan 0
        $native = Receive-VConsole -Guest $guests[0] -All
        $guests | ForEach-Object { Receive-VConsole -Guest $_ -All | Should -Be $native }
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

    It 'finds Emulation the slowest style on compute, by the factor it prints' -TestCases @(
        @{ Profile = 'Pentium4-2006' }, @{ Profile = 'Modern' }) {
        $rows = @(Compare-VStyle -Workload compute -Iterations 20000 -CostProfile $Profile)
        $rows.Count | Should -BeGreaterThan 3
        $slowest = $rows | Sort-Object CyclesPerIteration -Descending
        $slowest[0].Style | Should -Be 'Emulation'
        $factor = $slowest[0].CyclesPerIteration / $slowest[1].CyclesPerIteration
        Write-Host ("compute under {0}: Emulation {1:N1} cycles per iteration, {2:N1}x Native and {3:N1}x the next slowest ({4})" -f
            $Profile, $slowest[0].CyclesPerIteration, $slowest[0].RatioToNative, $factor, $slowest[1].Style)
        # Every other style runs user code directly; the emulator interprets each instruction and looks up
        # each access in its software MMU, so it is an order of magnitude behind.
        $factor | Should -BeGreaterThan 10
    }

    It 'gives <Id> for <Case>' -TestCases @(
        @{ Case = 'an unknown workload'; Id = 'WorkloadNotFound'; Splat = @{ Workload = 'nosuch' } }
        @{ Case = 'an unknown cost profile'; Id = 'UnknownCostProfile'; Splat = @{ Workload = 'syscall'; CostProfile = 'Pentium3' } }) {
        { Compare-VStyle @Splat -Iterations 10 -ErrorAction Stop } | Should -Throw -ErrorId "$Id,VirtPS.Commands.CompareVStyleCommand"
    }
}

Describe 'Set-VGuest: VM-execution controls by exit reason' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'stops IO exits with -NoExitOn IoInstruction, the guest still printing what Native prints' {
        $native = New-VGuest -Name n -Workload in -Iterations 50
        $g = New-VGuest -Name io -Workload in -Iterations 50 -Style HardwareAssisted
        Set-VGuest $g -NoExitOn IoInstruction
        $native, $g | Invoke-VStep | Out-Null
        Receive-VConsole -Guest $g -All | Should -Be (Receive-VConsole -Guest $native -All)
        (Measure-VGuest $g).ExitsByReason.Keys | Should -Not -Contain 'IoInstruction'
        $g.Vmm.Controls.HasFlag([VirtPS.Engine.Styles.VmExecutionControls]::UnconditionalIoExiting) | Should -BeFalse
    }

    It 'makes each of the workload''s CR8 writes exit with -ExitOn ControlRegisterAccess' {
        $n = 120
        # Shadow paging: the CR3 loads exit in both guests, so the difference is the CR8 writes alone.
        $shadowed = New-VGuest -Name s -Workload cr8wr -Iterations $n -Style HardwareAssisted -Paging Shadow
        $exiting = New-VGuest -Name e -Workload cr8wr -Iterations $n -Style HardwareAssisted -Paging Shadow
        Set-VGuest $exiting -ExitOn ControlRegisterAccess -PassThru | Should -Be $exiting
        $shadowed, $exiting | Invoke-VStep | Out-Null
        $before = (Measure-VGuest $shadowed).ExitsByReason['ControlRegisterAccess']
        $after = (Measure-VGuest $exiting).ExitsByReason['ControlRegisterAccess']
        # The TPR shadow kept every CR8 write in the guest; without it each one of the n exits (SDM 25.1.3).
        $after - $before | Should -Be $n
    }

    It 'gives <Id> for <Case>, changing nothing' -TestCases @(
        @{ Case = 'turning off an unconditional exit'; Id = 'UnconditionalExit'; Splat = @{ NoExitOn = 'Cpuid' } }
        @{ Case = 'turning off what shadow paging needs'; Id = 'ShadowPagingNeedsExit'; Splat = @{ ExitOn = 'Hlt'; NoExitOn = 'Invlpg' } }
        @{ Case = 'a reason in both lists'; Id = 'ConflictingExitControls'; Splat = @{ ExitOn = 'Hlt'; NoExitOn = 'Hlt' } }
        @{ Case = 'an MSR reason without its pair'; Id = 'MsrExitsPaired'; Splat = @{ NoExitOn = 'Rdmsr' } }
        @{ Case = 'a reason no control governs'; Id = 'ExitReasonNotControllable'; Splat = @{ ExitOn = 'EptViolation' } }) {
        $g = New-VGuest -Name h -Workload syscall -Iterations 10 -Style HardwareAssisted -Paging Shadow
        Set-VGuest $g -NoExitOn Hlt
        $controls = $g.Vmm.Controls
        { Set-VGuest $g @Splat -ErrorAction Stop } | Should -Throw -ErrorId "$Id,VirtPS.Commands.SetVGuestCommand"
        $g.Vmm.Controls | Should -Be $controls
    }

    It 'lets a nested-paging guest keep its CR3 loads, INVLPG and exceptions' {
        $g = New-VGuest -Name np -Workload ptemod -Iterations 50 -Style HardwareAssisted
        Set-VGuest $g -ExitOn Invlpg
        $g.Vmm.Controls.HasFlag([VirtPS.Engine.Styles.VmExecutionControls]::InvlpgExiting) | Should -BeTrue
        Set-VGuest $g -NoExitOn Invlpg, ControlRegisterAccess, ExceptionOrNmi
        $g.Vmm.Controls.HasFlag([VirtPS.Engine.Styles.VmExecutionControls]::InvlpgExiting) | Should -BeFalse
        $g.Vmm.ExceptionBitmap | Should -Be 0
    }

    It 'refuses a guest of another style with NotHardwareAssisted' {
        New-VGuest -Name t -Workload syscall -Iterations 10 -Style TrapAndEmulate | Out-Null
        { Set-VGuest t -ExitOn Hlt -ErrorAction Stop } | Should -Throw -ErrorId 'NotHardwareAssisted,VirtPS.Commands.SetVGuestCommand'
    }
}

Describe 'Binary translation' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'lists the translation cache: kernel blocks only, callouts by name, hot blocks compiled' {
        $bt = New-VGuest -Name bt -Workload syscall -Iterations 300 -Style BinaryTranslation
        $bt | Invoke-VStep | Out-Null
        $blocks = @(Get-VTranslationCache -Guest bt)
        $blocks.Count | Should -BeGreaterThan 0
        # The kernel is loaded at 1 MiB and user programs at 1 GiB (about_VirtPS): no user block is translated.
        $blocks | ForEach-Object { $_.Address | Should -BeLessThan 0x40000000 }
        $blocks | Where-Object Compiled | Should -Not -BeNullOrEmpty
        $forms = $blocks.TranslatedForm
        $forms | Where-Object { $_ -like 'callout sysretq(*' } | Should -Not -BeNullOrEmpty
        $forms | Where-Object { $_ -like 'callout out(out dx, al)' } | Should -Not -BeNullOrEmpty
        $blocks | ForEach-Object { $_.GuestInstructions.Count | Should -Be $_.TranslatedForm.Count }
        $blocks | ForEach-Object { @($_.TranslatedForm -like 'callout *').Count | Should -Be $_.Callouts }
        $m = $bt | Measure-VGuest
        $m.Translations | Should -Be ($blocks.GuestInstructions.Count | Measure-Object -Sum).Sum
        $m.TranslationCacheHits | Should -BeGreaterThan 0
        $m.FidelityViolations | Should -Be 0
        (Get-VTranslationCache bt | Format-Table | Out-String) | Should -Match 'TranslatedForm'
    }

    It 'gives NoTranslationCache for a guest that is not translated' {
        New-VGuest -Name te -Workload syscall -Iterations 10 -Style TrapAndEmulate | Out-Null
        { Get-VTranslationCache -Guest te -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoTranslationCache,VirtPS.Commands.GetVTranslationCacheCommand'
        $err = Get-VTranslationCache -Guest te -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
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
        $rows = Compare-VStyle -Workload $Workload -Style HardwareAssisted, Paravirtual -Paging Shadow -CostProfile Pentium4-2006
        $ha = $rows | Where-Object Style -eq 'HardwareAssisted'
        $pv = $rows | Where-Object Style -eq 'Paravirtual'
        $rows | Format-Table Workload, Style, Iterations, Cycles, CyclesPerIteration, RatioToNative, Exits, Hypercalls | Out-String | Write-Host
        Write-Host ("{0}: HardwareAssisted / Paravirtual = {1:N3} per iteration, {2:N2} over the whole run" -f $Workload,
            ($ha.CyclesPerIteration / $pv.CyclesPerIteration), ($ha.Cycles / $pv.Cycles))
        # The tick counts user instructions, which both builds of the kernel execute alike: the same console.
        $pv.Console | Should -Be $rows[0].Console
        $pv.FidelityViolations | Should -Be 0
        $pv.Hypercalls | Should -BeGreaterThan 0
        # A validated entry in a batched mmu_update against a shadow-paging exit per page-table write.
        $pv.CyclesPerIteration | Should -BeLessThan $ha.CyclesPerIteration
        $pv.Cycles | Should -BeLessThan $ha.Cycles
    }

    It 'refuses a bare program, which has no hypercalls to make, leaving no guest' {
        { New-VGuest -Name bare -Bare -Code 'hlt' -Style Paravirtual -ErrorAction Stop } |
            Should -Throw -ErrorId 'StyleNeedsParavirtualKernel,VirtPS.Commands.NewVGuestCommand'
        Get-VGuest -Name bare -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
