# Several guests on one host: Invoke-VStep -CoSchedule (or -VHost) co-schedules them on the host's physical CPUs, a
# quantum at a time, and every hand-over of a CPU between guests is a world switch the incoming guest pays for.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
}

Describe 'Co-scheduling guests on a host' {
    AfterEach {
        Get-VGuest | Remove-VGuest -Confirm:$false
        Get-VHost | Where-Object Name -ne 'default' | Remove-VHost -Confirm:$false
    }

    It 'time-slices two guests on one physical CPU: each ends as it would alone, with the switches round-robin implies' {
        # Hardware-assisted guests on VPID hosts keep their translations, so apart from the switches themselves
        # sharing a CPU changes nothing they count. Alone: each on a CPU of its own.
        New-VHost -Name own -PhysicalCpus 2 | Set-VHost -Quantum 20000
        New-VHost -Name one -PhysicalCpus 1 | Set-VHost -Quantum 20000
        $alone = 'syscall', 'compute' | ForEach-Object { New-VGuest -Name "alone-$_" -Workload $_ -Iterations 3000 -Style HardwareAssisted -VHost own }
        Invoke-VStep -VHost own | Out-Null
        $a = New-VGuest -Name a -Workload syscall -Iterations 3000 -Style HardwareAssisted -VHost one
        $b = New-VGuest -Name b -Workload compute -Iterations 3000 -Style HardwareAssisted -VHost one
        $results = @($a, $b | Invoke-VStep -CoSchedule)
        $results.Guest.Name | Should -Be @('a', 'b')
        $results.StopReason | Should -Be @('Halt', 'Halt')
        Receive-VConsole -Guest a -All | Should -Be (Receive-VConsole -Guest alone-syscall -All)
        Receive-VConsole -Guest b -All | Should -Be (Receive-VConsole -Guest alone-compute -All)
        $a.Instructions | Should -Be $alone[0].Instructions
        $b.Instructions | Should -Be $alone[1].Instructions
        # Round-robin a, b, a, b, ...: with sa and sb slices (sa >= sb) the CPU changes hands 2*sb - 1 times,
        # once more if the longer guest still has slices left.
        $slices = $alone | ForEach-Object { [math]::Ceiling($_.Instructions / 20000) }
        $long, $short = ($slices | Sort-Object -Descending)
        $expected = 2 * $short - 1 + [int]($long -gt $short)
        $a.WorldSwitchesIn + $b.WorldSwitchesIn | Should -Be $expected
        # Sharing costs the switches, plus the walks for guest-physical mappings the other guest's EPT displaced
        # (this model does not tag those by EPT root); nothing else.
        $model = (Get-VHost one).CostModel
        foreach ($pair in @($a, $alone[0]), @($b, $alone[1])) {
            $shared, $own = $pair
            $walks = $shared.Machine.Cpu.TlbMissReferences - $own.Machine.Cpu.TlbMissReferences
            $walks | Should -BeGreaterOrEqual 0
            $shared.Cycles - $own.Cycles | Should -Be ($shared.WorldSwitchesIn * $model.Cycles('WorldSwitch') + $walks * $model.Cycles('PageWalkReference'))
        }
    }

    It 'runs piped guests one after another without -CoSchedule: no world switches on a shared CPU' {
        New-VHost -Name one -PhysicalCpus 1 | Set-VHost -Quantum 20000
        $g = 'p', 'q' | ForEach-Object { New-VGuest -Name $_ -Workload syscall -Iterations 3000 -Style HardwareAssisted -VHost one }
        ($g | Invoke-VStep).StopReason | Should -Be @('Halt', 'Halt')
        $g.WorldSwitchesIn | Should -Be @(0, 0)
        # The same pair co-scheduled takes turns on the CPU.
        $h = 'r', 's' | ForEach-Object { New-VGuest -Name $_ -Workload syscall -Iterations 3000 -Style HardwareAssisted -VHost one }
        ($h | Invoke-VStep -CoSchedule).StopReason | Should -Be @('Halt', 'Halt')
        ($h.WorldSwitchesIn | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
    }

    It 'gives each guest its own physical CPU when the host has enough: no world switches' {
        New-VHost -Name two -PhysicalCpus 2 | Out-Null
        $g = 'x', 'y' | ForEach-Object { New-VGuest -Name $_ -Workload syscall -Iterations 500 -VHost two }
        Invoke-VStep -VHost two | ForEach-Object StopReason | Should -Be @('Halt', 'Halt')
        $g.WorldSwitchesIn | Should -Be @(0, 0)
    }

    It 'gives <Id> for <Case>' -TestCases @(
        @{ Case = 'a quantum of zero'; Id = 'InvalidQuantum,VirtPS.Commands.SetVHostCommand'; Run = { Set-VHost -Name default -Quantum 0 -ErrorAction Stop } }
        # -VHost takes names through the one host transformation: a name that matches no host fails binding, HostNotFound inside.
        @{ Case = 'an unknown host for a new guest'; Id = 'ParameterArgumentTransformationError,VirtPS.Commands.NewVGuestCommand'; Inner = 'HostNotFound'; Run = { New-VGuest -Name z -VHost nosuch -ErrorAction Stop } }
        @{ Case = 'running an unknown host'; Id = 'ParameterArgumentTransformationError,VirtPS.Commands.InvokeVStepCommand'; Inner = 'HostNotFound'; Run = { Invoke-VStep -VHost nosuch -ErrorAction Stop } }) {
        $err = $Run | Should -Throw -ErrorId $Id -PassThru
        if ($Inner) {
            $e = $err.Exception
            while ($e -and $e -isnot [VirtPS.Engine.VirtPSException]) { $e = $e.InnerException }
            $e.ErrorId | Should -Be $Inner
            $e.Kind | Should -Be 'ObjectNotFound'
        }
        Get-VGuest | Should -BeNullOrEmpty
    }
}

Describe 'TLB tagging across world switches' {
    AfterEach {
        Get-VGuest | Remove-VGuest -Confirm:$false
        Get-VHost | Where-Object Name -ne 'default' | Remove-VHost -Confirm:$false
    }

    It 'lists a physical CPU''s TLB with each guest''s entries under its own VPID' {
        New-VHost -Name tagged -PhysicalCpus 1 | Set-VHost -Quantum 5000 -TlbTagging Vpid
        $g = 1, 2 | ForEach-Object { New-VGuest -Name "t$_" -Workload tlbstride -Iterations 3 -WorkloadParameter @{ Pages = 64 } -Style HardwareAssisted -VHost tagged }
        Invoke-VStep -VHost tagged | Out-Null
        $entries = @(Get-VTlb -VHost tagged)
        $entries.Guest | Sort-Object -Unique | Should -Be 'tagged/cpu0'
        # VPIDs 1 and 2, as the host pinned them; 0 is the host's own and no guest uses it (SDM Vol. 3C, 28.1).
        $entries.Vpid | Sort-Object -Unique | Should -Be @(1, 2)
        Clear-VTlb -Host tagged -Confirm:$false
        @(Get-VTlb -Host tagged).Count | Should -Be 0
        $stats = Get-VTlb -VHost tagged -Statistics
        $stats.Walks | Should -Be (($g | ForEach-Object { $_.Machine.Cpu.PageWalks }) | Measure-Object -Sum).Sum
    }

    It 'sizes its physical CPUs'' TLBs as the host says, refusing a geometry that does not divide into sets' {
        New-VHost -Name small -PhysicalCpus 1 | Out-Null
        { Set-VHost -Name small -StlbEntries 100 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidTlbGeometry,VirtPS.Commands.SetVHostCommand'
        (Get-VHost small).TlbConfiguration.SecondLevel.Entries | Should -Be 1536
        Set-VHost -Name small -StlbEntries 96 -StlbWays 6
        New-VGuest -Name s1 -Workload compute -Iterations 10 -Style HardwareAssisted -VHost small | Out-Null
        New-VGuest -Name s2 -Workload compute -Iterations 10 -Style HardwareAssisted -VHost small | Out-Null
        Invoke-VStep -VHost small | Out-Null
        $c = (Get-VTlb -VHost small -Statistics).Configuration
        $c.SecondLevel.Entries, $c.SecondLevel.Ways | Should -Be @(96, 6)
    }

    It 'cuts the TLB misses two time-sliced guests suffer after world switches by at least 90% with VPIDs' {
        # Two hardware-assisted guests sweep 384 pages each: both working sets fit the STLB (1536 entries)
        # together, so with tags a guest finds its translations again after the other's turn. Each tagging is
        # run twice: the guests sharing one physical CPU, and each on a CPU of its own; the difference is what
        # the world switches cost them.
        $runs = foreach ($tagging in 'None', 'Vpid') {
            foreach ($cpus in 2, 1) {
                $h = "$tagging$cpus"
                New-VHost -Name $h -PhysicalCpus $cpus -CostProfile Modern | Set-VHost -Quantum 10000 -TlbTagging $tagging
                $g = 1, 2 | ForEach-Object {
                    New-VGuest -Name "$h-$_" -Workload tlbstride -Iterations 60 -WorkloadParameter @{ Pages = 384 } -Style HardwareAssisted -VHost $h
                }
                Invoke-VStep -VHost $h | Out-Null
                $m = $g | Measure-VGuest
                [pscustomobject]@{ Tagging = $tagging; PhysicalCpus = $cpus; WorldSwitches = ($g.WorldSwitchesIn | Measure-Object -Sum).Sum
                    TlbMisses = ($m.TlbMisses | Measure-Object -Sum).Sum; Cycles = ($m.Cycles | Measure-Object -Sum).Sum }
            }
        }
        Write-Host ($runs | Format-Table | Out-String)
        $noneAlone, $noneShared, $vpidAlone, $vpidShared = $runs
        $noneAlone.WorldSwitches + $vpidAlone.WorldSwitches | Should -Be 0
        $noneShared.WorldSwitches | Should -Be $vpidShared.WorldSwitches
        $noneShared.WorldSwitches | Should -BeGreaterThan 20
        $afterNone = $noneShared.TlbMisses - $noneAlone.TlbMisses
        $afterVpid = $vpidShared.TlbMisses - $vpidAlone.TlbMisses
        Write-Host ("TLB misses caused by world switches: untagged {0:N0}, VPID {1:N0}: {2:P1} fewer" -f $afterNone, $afterVpid, (1 - $afterVpid / $afterNone))
        $afterNone | Should -BeGreaterThan 0
        $afterVpid | Should -BeLessOrEqual (0.1 * $afterNone)
    }
}
