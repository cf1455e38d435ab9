# The engine's diagnostics channel: what the engine reports besides errors (IEngineDiagnostics) reaches the cmdlets'
# verbose and warning streams, and only when something happened.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
}

Describe 'Engine diagnostics' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'notes each page table a software VMM gives up after a write flood, once per frame the shadow unprotected' -TestCases @(
        @{ Style = 'BinaryTranslation' }, @{ Style = 'TrapAndEmulate' }) {
        param($Style)
        # forkwait frees its children's page tables and reuses the frames as data: the shadow sees writes with no walk.
        $g = New-VGuest -Name flood -Workload forkwait -Iterations 20 -Style $Style
        $records = $g | Invoke-VStep -Verbose 4>&1
        $notes = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'write-flood' })
        $unprotected = $g.Vmm.Mmu.Tables.Unprotected   # the shadow's own count of frames it gave up
        $unprotected | Should -BeGreaterThan 0
        $notes.Count | Should -Be $unprotected
        $notes[0].Message | Should -Match "^${Style}: guest frame 0x[0-9A-F]+ was written 4 times"
        @($records | Where-Object { $_ -is [VirtPS.Engine.Guests.StepResult] }).Count | Should -Be 1
    }

    It 'says nothing where nothing happened (no shadow paging, no VPID shortage)' {
        $g = New-VGuest -Name quiet -Workload forkwait -Iterations 20 -Style HardwareAssisted -Verbose -WarningVariable w 4>&1 |
            Where-Object { $_ -is [VirtPS.Engine.Guests.Guest] }
        $w | Should -BeNullOrEmpty
        @($g | Invoke-VStep -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -Be 0
    }
}
