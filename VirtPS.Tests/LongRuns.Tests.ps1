# Long runs behave: the cmdlets that can run long write progress (with a percentage where the total is known) and stop
# within 100 ms of a stop request — the runspace's Stop(), which is what Ctrl+C sends — leaving the guest usable.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $script:rs = [runspacefactory]::CreateRunspace()
    $rs.Open()
    $ps = [powershell]::Create($rs)
    $null = $ps.AddScript("Import-Module '$((Get-Module VirtPS).ModuleBase)'").Invoke()
    $ps.Dispose()

    # Starts $Script in the runspace, waits for its first progress record, stops it; returns the stop's latency and what
    # the progress said.
    function Stop-WhileRunning([string] $Script) {
        $ps = [powershell]::Create($script:rs)
        try {
            $null = $ps.AddScript($Script)
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ($ps.Streams.Progress.Count -eq 0 -and -not $handle.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
            $handle.IsCompleted | Should -BeFalse -Because 'the run must still be going when the stop arrives'
            $progress = @($ps.Streams.Progress)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            [pscustomobject]@{ Milliseconds = $clock.Elapsed.TotalMilliseconds; State = $ps.InvocationStateInfo.State; Progress = $progress }
        } finally { $ps.Dispose() }
    }

    function Invoke-InRunspace([string] $Script) {
        $ps = [powershell]::Create($script:rs)
        try { $ps.AddScript($Script).Invoke() } finally { $ps.Dispose() }
    }
}

AfterAll { $rs.Dispose() }

Describe 'Stopping a long run' {
    It 'Invoke-VStep shows progress with a percentage and returns within 100 ms of the stop; the guest runs on' {
        $null = Invoke-InRunspace 'New-VGuest -Name long -Workload compute -Iterations 1000000000'
        $stop = Stop-WhileRunning 'Invoke-VStep -Guest long -Instructions 2000000000'
        $stop.State | Should -Be 'Stopped'
        $stop.Progress[-1].StatusDescription | Should -Match 'instructions retired'
        $stop.Progress[-1].PercentComplete | Should -BeIn (0..100)
        Write-Host ("    Invoke-VStep stopped in {0:N1} ms" -f $stop.Milliseconds)
        $stop.Milliseconds | Should -BeLessThan 100
        # Consistent: it steps on exactly as asked.
        $r = Invoke-InRunspace 'Invoke-VStep -Guest long -Instructions 5000'
        $r.Instructions | Should -Be 5000
        $r | Should -HaveStopReason InstructionLimit
    }

    It 'Compare-VStyle shows its percentage and stops within 100 ms, in the middle of a run' {
        $stop = Stop-WhileRunning 'Compare-VStyle -Workload compute -Style Native, Emulation -Iterations 1000000'
        $stop.State | Should -Be 'Stopped'
        $stop.Progress[0].PercentComplete | Should -BeGreaterThan 0
        Write-Host ("    Compare-VStyle stopped in {0:N1} ms" -f $stop.Milliseconds)
        $stop.Milliseconds | Should -BeLessThan 100
    }
}
