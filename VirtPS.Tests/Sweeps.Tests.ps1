# A sweep in PowerShell's own parallel engine: each ForEach-Object -Parallel runspace has its own lab, and the rows it
# writes are exactly those of the sequential sweep (the engine is deterministic; only host seconds differ). How much
# faster the parallel sweep is on this machine is measured by ./build.ps1 Bench, not asserted here.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $script:modulePath = (Get-Module VirtPS).ModuleBase
    # The seven nanobenchmarks of Adams & Agesen (ASPLOS 2006), at AdamsAgesen.Tests.ps1's sizes.
    $script:sizes = [ordered]@{ syscall = 2000; in = 2000; cr8wr = 4000; callret = 4000; pgfault = 256; divzero = 2000; ptemod = 4000 }
    $script:sweep = {
        param($w, $n)
        Compare-VStyle -Workload $w -Style BinaryTranslation, HardwareAssisted -Paging Shadow -Iterations $n -CostProfile Pentium4-2006
    }
    # Everything a row says except the host time it took.
    function Format-Rows($rows) {
        $rows | Select-Object -Property * -ExcludeProperty HostSeconds | ForEach-Object { $_ | ConvertTo-Json -Compress }
    }
}

Describe 'A Compare-VStyle sweep under ForEach-Object -Parallel' {
    It 'gives exactly the sequential rows, in each runspace''s own lab' {
        $sequential = foreach ($w in $sizes.Keys) { & $sweep $w $sizes[$w] }
        $sizes = $script:sizes; $sweepText = $script:sweep.ToString(); $modulePath = $script:modulePath
        $parallel = $sizes.Keys | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:modulePath
            $run = [scriptblock]::Create($using:sweepText)
            [pscustomobject]@{ Workload = $_; Rows = @(& $run $_ ($using:sizes)[$_]); Guests = @(Get-VGuest).Count }
        }
        # Ordered as the sequential sweep was, and compared row by row.
        $byWorkload = @{}; foreach ($p in $parallel) { $byWorkload[$p.Workload] = $p }
        $merged = foreach ($w in $sizes.Keys) { $byWorkload[$w].Rows }
        $merged.Count | Should -Be 21
        Format-Rows $merged | Should -Be (Format-Rows $sequential)
        # Compare-VStyle makes its guests outside the lab: no runspace's lab was touched.
        $parallel.Guests | Should -Be (@(0) * 7)
    }

    It 'merges into one report' {
        $rows = $script:sizes.Keys | Select-Object -First 2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:modulePath
            Compare-VStyle -Workload $_ -Style BinaryTranslation -Iterations 200
        }
        $file = Join-Path ([IO.Path]::GetTempPath()) "virtps-sweep-$PID.html"
        try {
            $rows | Export-VReport -Path $file -Title 'A sweep in two runspaces'
            ([regex]::Matches((Get-Content $file -Raw), '<svg\b')).Count | Should -Be 2
        } finally { Remove-Item $file -ErrorAction Ignore }
    }
}
