# Memory virtualization from PowerShell: Get-VTranslation's walk of a guest-virtual address under nested paging
# (EPT), shadow paging and the bare machine, the reference counts Bhargava et al. (ASPLOS 2008) give for a
# two-dimensional walk, the faults it reports, and what nested paging saves over shadow paging.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    # The built-in kernel maps user code at 0x40000000 with 4 KiB pages in 4 levels.
    $script:UserCode = 0x40000000
}

Describe 'Get-VTranslation' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'lists the 24 references of a cold nested 4 KiB/4 KiB walk in the order the hardware makes them' {
        $g = New-VGuest -Name n -Style HardwareAssisted -Workload compute -Iterations 100
        $g | Invoke-VStep | Out-Null
        Clear-VTlb -Guest n   # cold: the walk the engine makes with nothing cached
        $t = Get-VTranslation -Guest n -Address $UserCode
        $t.Paging | Should -Be 'Nested'
        $t.References | Should -Be 24
        @($t.Walk).Count | Should -Be 24
        # Each guest table's entry is reached through an EPT walk of its GPA (4 references), then read; the final
        # GPA gets an EPT walk of its own.
        $expected = foreach ($level in 4, 3, 2, 1) { 'Nested4', 'Nested3', 'Nested2', 'Nested1', "Guest$level" }
        $expected += 'Nested4', 'Nested3', 'Nested2', 'Nested1'
        @($t.Walk | ForEach-Object { "$($_.Dimension)$($_.Level)" }) | Should -Be $expected
        # A guest table's HPA is its GPA plus where the VMM placed the guest; EPT tables have no GPA.
        foreach ($r in $t.Walk | Where-Object Dimension -eq Guest) { $r.TableHpa | Should -Be ($r.TableGpa + 0x100000000) }
        ($t.Walk | Where-Object Dimension -eq Nested | Where-Object { $null -ne $_.TableGpa }) | Should -BeNullOrEmpty
        $t.Hpa | Should -Be ($t.Gpa + 0x100000000)
        $t.PageSize | Should -Be 4096
        $t.Cycles | Should -Be (24 * ($g.Costs.Cycles('PageWalkReference')))
        $t.TlbHit | Should -BeFalse
        $t.Source | Should -Be 'Walk'
    }

    It 'makes 19 references when EPT maps 2 MiB pages' {
        New-VGuest -Name n2 -Style HardwareAssisted -Workload compute -Iterations 100 -EptPageSize 2MB | Invoke-VStep | Out-Null
        Clear-VTlb n2
        $t = Get-VTranslation n2 $UserCode
        $t.References | Should -Be 19
        @($t.Walk | Where-Object Dimension -eq Nested | Where-Object Level -eq 1) | Should -BeNullOrEmpty
        ($t.Walk | Where-Object Dimension -eq Nested | Select-Object -Last 1).Flags | Should -Match '2M'
    }

    It 'makes 4 references under <Paging>' -TestCases @(
        @{ Paging = 'Shadow'; Splat = @{ Style = 'HardwareAssisted'; Paging = 'Shadow' }; Dimension = 'Shadow' }
        @{ Paging = 'Native'; Splat = @{}; Dimension = 'Guest' }) {
        New-VGuest -Name s -Workload compute -Iterations 100 @Splat | Invoke-VStep | Out-Null
        Clear-VTlb s
        $t = Get-VTranslation s $UserCode
        $t.Paging | Should -Be $Paging
        $t.References | Should -Be 4
        @($t.Walk.Dimension | Sort-Object -Unique) | Should -Be $Dimension
        $t.Hpa | Should -Be $t.Gpa
    }

    It 'leaves the guest as it was' {
        $g = New-VGuest -Name q -Style HardwareAssisted -Workload compute -Iterations 100
        $g | Invoke-VStep | Out-Null
        $mappings = $g.Vmm.Ept.Mappings
        $exits = $g.Vmm.TotalExits
        { Get-VTranslation q 0x7000000 -ErrorAction Stop } | Should -Throw
        Get-VTranslation q $UserCode | Out-Null
        $g.Vmm.Ept.Mappings | Should -Be $mappings
        $g.Vmm.TotalExits | Should -Be $exits
    }

    It 'gives <Id> (<Category>) for <Case>' -TestCases @(
        @{ Case = 'an unmapped address'; Id = 'GuestPageFault'; Category = 'ObjectNotFound'; Address = 0x7000000000; Message = 'error code 0x0 \(P=0 not present' }
        @{ Case = 'a frame the guest never touched'; Id = 'EptViolation'; Category = 'ObjectNotFound'; Address = 0x7000000; Message = 'exit qualification 0x181' }
        @{ Case = 'a non-canonical address'; Id = 'NonCanonicalAddress'; Category = 'InvalidArgument'; Address = 0x0000800000000000; Message = '0x800000000000' }) {
        New-VGuest -Name e -Style HardwareAssisted -Workload compute -Iterations 100 | Invoke-VStep | Out-Null
        $err = $null
        Get-VTranslation -Guest e -Address $Address -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtPS.Commands.GetVTranslationCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].Exception.Message | Should -Match $Message
    }

    It 'reports an EPT misconfiguration (an entry with write but no read access) as such' {
        $g = New-VGuest -Name m -Style HardwareAssisted -Workload compute -Iterations 100
        $g | Invoke-VStep | Out-Null
        $t = Get-VTranslation m $UserCode
        $ept = $g.Vmm.Ept
        $slot = $ept.EntryAddress($t.Gpa, 0)
        $ept.WriteEntryAt($slot, ($ept.ReadEntryAt($slot) -band -bnot [uint64]7) -bor 2)
        { Get-VTranslation m $UserCode -ErrorAction Stop } |
            Should -Throw -ErrorId 'EptMisconfiguration,VirtPS.Commands.GetVTranslationCommand'
    }

    It 'checks the access: a write to read-only user code is a protection #PF with W/R set' {
        New-VGuest -Name w -Style HardwareAssisted -Workload compute -Iterations 100 | Invoke-VStep | Out-Null
        { Get-VTranslation w $UserCode -Access Write -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*error code 0x3 (P=1 protection violation, W/R=1 write*'
    }
}

Describe 'Paging modes' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'refuses -Paging without HardwareAssisted, leaving no guest' {
        { New-VGuest -Name p -Workload compute -Paging Shadow -ErrorAction Stop } |
            Should -Throw -ErrorId 'PagingModeNeedsHardwareAssisted,VirtPS.Commands.NewVGuestCommand'
        Get-VGuest -Name p -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'measures page walks, references per walk and EPT violations' {
        $m = New-VGuest -Name mv -Style HardwareAssisted -Workload pgfault -Iterations 50 | Invoke-VStep | Measure-VGuest
        $m.Paging | Should -Be 'Nested'
        $m.PageWalks | Should -BeGreaterThan 0
        $m.ReferencesPerWalk | Should -BeGreaterThan 0
        $m.ReferencesPerWalk | Should -BeLessOrEqual 24     # the walk caches and nested TLB spare most of the 24
        $m.StlbMisses | Should -BeLessOrEqual $m.PageWalks   # a walk also follows a hit whose rights do not allow the access
        $m.EptViolations | Should -BeGreaterThan 50      # each demand-paged frame is a first touch
        $m.EptViolations | Should -Be $m.ExitsByReason['EptViolation']
        $s = New-VGuest -Name ms -Style HardwareAssisted -Paging Shadow -Workload pgfault -Iterations 50 | Invoke-VStep | Measure-VGuest
        $s.ReferencesPerWalk | Should -BeLessOrEqual 8       # 4 per walk of the shadow, less with the walk caches; 4 more when the shadow missed
        $s.EptViolations | Should -Be 0
    }

    It 'takes fewer exits and fewer cycles per iteration with nested paging than with shadow paging on <Workload>' -TestCases @(
        @{ Workload = 'ptemod' }, @{ Workload = 'forkwait' }) {
        $nested = Compare-VStyle -Workload $Workload -Style HardwareAssisted -Paging Nested -Iterations 200 -CostProfile Modern
        $shadow = Compare-VStyle -Workload $Workload -Style HardwareAssisted -Paging Shadow -Iterations 200 -CostProfile Modern
        $n = $nested | Where-Object Style -eq HardwareAssisted
        $s = $shadow | Where-Object Style -eq HardwareAssisted
        Write-Host (@($nested[0], $n, $s) | Format-Table | Out-String).TrimEnd()
        $n.Paging | Should -Be 'Nested'
        $s.Paging | Should -Be 'Shadow'
        $n.Console | Should -Be $s.Console
        $n.Exits | Should -BeLessThan $s.Exits
        $n.CyclesPerIteration | Should -BeLessThan $s.CyclesPerIteration
    }
}

Describe 'The TLB' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'serves a translation it holds without a reference, and Get-VTranslation does not disturb it' {
        # Stopped mid-sweep: the process's heap pages are in the TLB.
        $g = New-VGuest -Name t -Style HardwareAssisted -Workload tlbstride -Iterations 1000 -WorkloadParameter @{ Pages = 8 } -TimerPeriod 0
        $g | Invoke-VStep -Instructions 30000 | Out-Null
        $before = Get-VTlb $g -Statistics
        $entries = @(Get-VTlb $g | ForEach-Object { "$($_.Level) $($_.GvaPage)" })
        $heap = Get-VTranslation t 0x40400000
        $heap.TlbHit | Should -BeTrue
        $heap.Source | Should -Match 'TLB'
        $heap.References | Should -Be 0
        $after = Get-VTlb $g -Statistics
        $after.L1DataHits | Should -Be $before.L1DataHits
        $after.StlbMisses | Should -Be $before.StlbMisses
        @(Get-VTlb $g | ForEach-Object { "$($_.Level) $($_.GvaPage)" }) | Should -Be $entries
    }

    It 'lists entries with their tags, pages and rights' {
        New-VGuest -Name e -Workload tlbstride -Iterations 1000 -WorkloadParameter @{ Pages = 8 } -TimerPeriod 0 | Invoke-VStep -Instructions 30000 | Out-Null
        $e = @(Get-VTlb e)
        $heap = $e | Where-Object { $_.GvaPage -eq 0x40400000 -and $_.Level -like 'L1 DTLB*' }
        $heap | Should -Not -BeNullOrEmpty
        $heap[0].Permissions | Should -Match 'RW US'
        $heap[0].Pcid | Should -Be 1     # the kernel tags process slot 0 with PCID 1
        $heap[0].PageSize | Should -Be 4096
    }

    It 'flushes everything with Clear-VTlb, and -WhatIf flushes nothing' {
        $g = New-VGuest -Name c -Style HardwareAssisted -Workload tlbstride -Iterations 1000 -WorkloadParameter @{ Pages = 8 } -TimerPeriod 0
        $g | Invoke-VStep -Instructions 30000 | Out-Null
        Clear-VTlb c -WhatIf
        @(Get-VTlb c).Count | Should -BeGreaterThan 0
        Clear-VTlb c
        @(Get-VTlb c).Count | Should -Be 0
        (Get-VTranslation c 0x40400000).References | Should -Be 24
    }

    It 'refuses a TLB geometry that does not divide into sets, naming the value, and changes nothing' {
        $g = New-VGuest -Name geo -Workload compute -Iterations 10
        { Set-VGuest geo -StlbEntries 1000 -StlbWays 12 -WalkCache Off -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidTlbGeometry,VirtPS.Commands.SetVGuestCommand' -ExpectedMessage '*1000*'
        (Get-VTlb geo -Statistics).Configuration.SecondLevel.Entries | Should -Be 1536
        $g.WalkCaches | Should -BeTrue
        Set-VGuest geo -StlbEntries 512 -StlbWays 8
        (Get-VTlb geo -Statistics).Configuration.SecondLevel.Entries | Should -Be 512
    }

    It 'hides PCIDs with -Pcid Off, and the kernel then flushes the TLB on every switch' {
        $on = New-VGuest -Name pon -Workload tlbswitch -Iterations 100 | Invoke-VStep | Measure-VGuest
        $off = New-VGuest -Name poff -Workload tlbswitch -Iterations 100 -Pcid Off | Invoke-VStep | Measure-VGuest
        (Get-VGuest poff).Machine.Cpu.Cr4 -band (1 -shl 17) | Should -Be 0
        Write-Host ('tlbswitch STLB misses: PCID on {0}, off {1}' -f $on.StlbMisses, $off.StlbMisses)
        $on.StlbMisses * 10 | Should -BeLessOrEqual $off.StlbMisses
        { Set-VGuest pon -Pcid Off -ErrorAction Stop } | Should -Throw -ErrorId 'PcidInUse,VirtPS.Commands.SetVGuestCommand'
    }

    It 'needs well under 24 references per nested walk with the walk caches, 24 for a cold miss without' {
        $with = New-VGuest -Name wc -Style HardwareAssisted -Workload tlbstride -Iterations 2 | Invoke-VStep | Measure-VGuest
        $g = New-VGuest -Name nc -Style HardwareAssisted -Workload tlbstride -Iterations 2
        Set-VGuest $g -WalkCache Off -NestedTlb Off
        $without = $g | Invoke-VStep | Measure-VGuest
        Write-Host ('nested references per walk: walk caches on {0}, off {1}' -f $with.ReferencesPerWalk, $without.ReferencesPerWalk)
        $with.ReferencesPerWalk | Should -BeLessThan 8
        $without.ReferencesPerWalk | Should -BeGreaterThan 20
        Clear-VTlb $g
        (Get-VTranslation nc 0x40400000).References | Should -Be 24
    }

    It 'refuses an unknown workload parameter' {
        { New-VGuest -Name wp -Workload tlbstride -WorkloadParameter @{ Pagez = 4 } -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnknownWorkloadParameter,VirtPS.Commands.NewVGuestCommand'
        Get-VGuest wp -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Nested against shadow paging' {
    It 'nested wins by far on ptemod and forkwait, loses beyond the STLB''s reach on tlbstride, and 2 MiB EPT pages narrow that' {
        $ha = { $input | Where-Object Style -eq HardwareAssisted }
        $rows = @(
            foreach ($w in 'ptemod', 'forkwait') { Compare-VStyle -Workload $w -Style HardwareAssisted -Paging Nested, Shadow -Iterations 100 -CostProfile Modern | & $ha }
            $big = @{ Pages = 2048 }   # 8 MiB: more than 1536 STLB entries x 4 KiB = 6 MiB
            Compare-VStyle -Workload tlbstride -Style HardwareAssisted -Paging Nested, Shadow -EptPageSize 4KB, 2MB -Iterations 2 -CostProfile Modern -WorkloadParameter $big | & $ha
        )
        $rows | Format-Table -View Memory | Out-String | Write-Host
        $get = { param($w, $setup) $rows | Where-Object { $_.Workload -eq $w -and $_.Setup -eq $setup } }
        foreach ($w in 'ptemod', 'forkwait') {
            (& $get $w HWAssist/Nested).CyclesPerIteration * 2 | Should -BeLessThan (& $get $w HWAssist/Shadow).CyclesPerIteration
        }
        $nested = & $get tlbstride HWAssist/Nested; $shadow = & $get tlbstride HWAssist/Shadow; $large = & $get tlbstride 'HWAssist/Nested 2M'
        $large.EptPageSize | Should -Be 2MB
        $nested.EptPageSize | Should -Be 4KB
        $nested.CyclesPerIteration | Should -BeGreaterThan $shadow.CyclesPerIteration
        $large.CyclesPerIteration | Should -BeLessThan $nested.CyclesPerIteration
        ($large.CyclesPerIteration - $shadow.CyclesPerIteration) | Should -BeLessThan ($nested.CyclesPerIteration - $shadow.CyclesPerIteration)
    }

    It 'writes one HardwareAssisted row per paging mode and EPT page size, after Native' {
        $rows = Compare-VStyle -Workload syscall -Style HardwareAssisted -Paging Shadow, Nested -EptPageSize 2MB, 4KB -Iterations 5
        $rows.Setup | Should -Be 'Native', 'HWAssist/Shadow', 'HWAssist/Nested 2M', 'HWAssist/Nested'
        ($rows | Select-Object -Skip 1).Paging | Should -Be 'Shadow', 'Nested', 'Nested'
    }

    It 'refuses an EPT page size other than 4 KiB or 2 MiB before running anything' {
        $err = $null
        $rows = Compare-VStyle -Workload syscall -Style HardwareAssisted -EptPageSize 4KB, 1GB -ErrorVariable err -ErrorAction SilentlyContinue
        $rows | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidEptPageSize,VirtPS.Commands.CompareVStyleCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match '1073741824'
    }
}
