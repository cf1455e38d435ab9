# VirtPS's Should operators (VirtPS/VirtPS.Pester.psm1): each passes on what it should, and a wrong expectation fails
# with a message that gives what was measured and what was expected.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    # The message a failing assertion throws.
    function Get-FailureMessage([scriptblock] $Assertion) {
        try { & $Assertion; throw 'the assertion passed' } catch { $_.Exception.Message }
    }
}

Describe 'VirtPS Should operators' {
    It 'are registered with Pester once VirtPS is imported' {
        $names = (Get-ShouldOperator).Name
        foreach ($n in 'BeWithinFactor', 'HaveStopReason', 'HaveExit', 'Reach') { $names | Should -Contain $n }
    }

    It 'are documented in about_VirtPS_Pester, with the message a failure really gives' {
        $help = Get-Help about_VirtPS_Pester | Out-String
        $help | Should -Match 'HaveExit'
        $real = Get-FailureMessage { 600 | Should -BeWithinFactor 2 -Of 242 }
        ($help -replace '\s+', ' ') | Should -BeLike ('*' + ($real -replace '^.*?(Expected)', '$1' -replace '\s+', ' ') + '*')
    }

    Context '-BeWithinFactor' {
        It 'accepts values inside the factor, at both ends' {
            121 | Should -BeWithinFactor 2 -Of 242
            484 | Should -BeWithinFactor 2 -Of 242
            300 | Should -Not -BeWithinFactor 1.1 -Of 242
        }
        It 'fails a wrong expectation with both numbers and the ratio' {
            $m = Get-FailureMessage { 600 | Should -BeWithinFactor 2 -Of 242 -Because 'the paper says so' }
            $m | Should -BeLike '*within a factor of 2 of 242 (121 to 484)*got 600, 2.48 times 242*because the paper says so*'
        }
        It 'refuses a factor below 1' {
            { 1 | Should -BeWithinFactor 0.5 -Of 1 } | Should -Throw '*factor of 1 or more*'
        }
    }

    Context 'on a guest''s run' {
        BeforeAll {
            $script:step = New-VGuest -Name pester-io -Workload in -Iterations 5 -Style HardwareAssisted | Invoke-VStep
        }
        It '-HaveStopReason reads the step result' {
            $step | Should -HaveStopReason Halt
            $m = Get-FailureMessage { $step | Should -HaveStopReason TripleFault }
            $m | Should -BeLike "*guest 'pester-io' to stop on TripleFault, but it stopped on Halt*"
        }
        It '-HaveExit counts VM exits by SDM reason from the ledger' {
            # The in workload's 5 iterations are 5 IN instructions at CPL 0, each an IO-instruction exit (SDM reason 30),
            # plus whatever the kernel's own boot does: measure what the ledger holds and compare with the operator.
            $n = (Measure-VGuest -Guest pester-io).ExitsByReason['IoInstruction']
            $n | Should -BeGreaterOrEqual 5
            Get-VGuest pester-io | Should -HaveExit IoInstruction -Times $n
            Get-VGuest pester-io | Should -HaveExit IoInstruction
        }
        It '-HaveExit fails with the count it found and the exits it saw' {
            $m = Get-FailureMessage { Get-VGuest pester-io | Should -HaveExit IoInstruction -Times 1 }
            $m | Should -BeLike "*guest 'pester-io' to have 1 IoInstruction exits, but it had *IoInstruction*"
        }
    }

    Context '-Reach' {
        BeforeAll {
            $script:lan = New-VNetwork -Name pester-lan -Mode Isolated -Subnet 10.9.0.0/24
            New-VGuest -Name pa -Workload compute | Connect-VNetworkAdapter -Network pester-lan
            New-VGuest -Name pb -Workload compute | Connect-VNetworkAdapter -Network pester-lan
        }
        AfterAll { Get-VGuest p? | Remove-VGuest -Confirm:$false; Remove-VNetwork -Name pester-lan -Confirm:$false }
        It 'passes when a probe gets its reply' { 'pa' | Should -Reach pb }
        It 'fails with where the probe ended when it cannot' {
            $m = Get-FailureMessage { 'pa' | Should -Reach 192.0.2.1 }
            $m | Should -BeLike "*'pa' to reach 192.0.2.1, but the probe ended in *"
            'pa' | Should -Not -Reach 192.0.2.1
        }
    }
}
