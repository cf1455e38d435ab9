# The KVM backend from PowerShell: New-VGuest -Backend Kvm runs a guest on the host's processor through /dev/kvm,
# Measure-VGuest reports its real exits, and Compare-VBackend sets the simulator's HardwareAssisted style against it.
# Tests that need KVM are skipped, with the reason, where /dev/kvm cannot be used.
BeforeDiscovery {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $script:Kvm = [VirtPS.Engine.Kvm.KvmBackend]::Probe('/dev/kvm')
    if (-not $Kvm.Available) { Write-Host "KVM tests skipped: $($Kvm.Reason)" -ForegroundColor Yellow }
}

BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    # A thousand port reads, then a checksum in rax and the count in rdx: IO exits both backends must count alike.
    $script:Ports = ConvertTo-VProgram -Text 'mov ecx, 1000', 'xor eax, eax', 'xor edx, edx', 'next: in al, 0x80', 'add rdx, rax',
        'imul rdx, rdx, 31', 'dec ecx', 'jnz next', 'mov rax, 42', 'hlt'
}

Describe 'New-VGuest -Backend Kvm' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'runs a bare program on the host processor to the same registers as the simulator' -Skip:(-not $Kvm.Available) {
        $sim = New-VGuest -Name sim -Bare -Program $Ports -Style HardwareAssisted
        $kvm = New-VGuest -Name kvm -Bare -Program $Ports -Style HardwareAssisted -Backend Kvm
        $kvm.Backend | Should -Be 'Kvm'
        $sim | Invoke-VStep | Should -HaveStopReason Halt
        $kvm | Invoke-VStep | Should -HaveStopReason Halt
        $s = Get-VRegister -Guest sim; $k = Get-VRegister -Guest kvm
        $k.Rax | Should -Be 42
        $k.Rdx | Should -Be $s.Rdx
        $k.Rip | Should -Be $s.Rip
    }

    It 'reports the real exits by KVM exit reason, with host time per exit' -Skip:(-not $Kvm.Available) {
        $g = New-VGuest -Name kvm -Bare -Program $Ports -Backend Kvm
        $g | Invoke-VStep | Out-Null
        $m = Measure-VGuest -Guest kvm
        $m.Backend | Should -Be 'Kvm'
        $m.ExitsByReason['Io'] | Should -Be 1000
        $m.ExitsByReason['Hlt'] | Should -Be 1
        $m.MicrosecondsPerExit | Should -BeGreaterThan 0
    }

    It 'stops an endless loop at its time limit, leaving the guest able to run on' -Skip:(-not $Kvm.Available) {
        $g = New-VGuest -Name spin -Bare -Code 'jmp $' -Backend Kvm
        $r = $g | Invoke-VStep -TimeLimit 00:00:00.3
        $r | Should -HaveStopReason TimeLimit
        $g.State | Should -Be 'Ready'
        $g | Invoke-VStep -TimeLimit 00:00:00.1 | Should -HaveStopReason TimeLimit
    }

    It 'refuses a style only the simulator has, before touching the device, and makes nothing' {
        New-VGuest -Name em -Bare -Code 'hlt' -Style Emulation -Backend Kvm -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'BackendUnsupportedStyle,*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-VGuest | Should -BeNullOrEmpty
    }

    It 'refuses an instruction count on a KVM guest (it cannot count them)' -Skip:(-not $Kvm.Available) {
        $g = New-VGuest -Name kvm -Bare -Code 'hlt' -Backend Kvm
        $g | Invoke-VStep -Instructions 10 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'InstructionBudgetOnKvm,*'
        $g.State | Should -Be 'Ready'
    }

    It 'runs the built-in kernel on KVM only where the host can, and says why not' -Skip:(-not $Kvm.Available) {
        $profile = [VirtPS.Engine.Kvm.KvmHostProfile]::For('/dev/kvm')
        $g = New-VGuest -Name k -Workload syscall -Iterations 10 -Style HardwareAssisted -Backend Kvm -ErrorVariable e -ErrorAction SilentlyContinue
        if ($profile.CanRunBuiltInKernel) {
            $e | Should -BeNullOrEmpty
            $g | Invoke-VStep | Should -HaveStopReason Halt
        } else {
            $e[0].FullyQualifiedErrorId | Should -BeLike 'KvmUnavailable,*'
            $e[0].Exception.Message | Should -Match ([regex]::Escape($profile.Divergences[0]))
            Get-VGuest | Should -BeNullOrEmpty
        }
    }
}

Describe 'Compare-VBackend' {
    It 'counts the IO exits alike on both backends and lists every disagreement with its reason' -Skip:(-not $Kvm.Available) {
        $c = Compare-VBackend -Program $Ports
        $c.Simulator | Should -HaveStopReason Halt
        $c.Kvm | Should -HaveStopReason Halt
        $c.RegistersMatch | Should -BeTrue
        $io = $c.Exits | Where-Object Exit -eq 'IoInstruction: port 0x80'
        $io.Simulator | Should -Be 1000
        $io.Kvm | Should -Be 1000
        $io.Agrees | Should -BeTrue
        foreach ($d in $c.Exits | Where-Object { -not $_.Agrees }) { $d.Note | Should -Not -BeNullOrEmpty }
        $c.Kvm.MicrosecondsPerExit | Should -BeGreaterThan 0
    }
}
