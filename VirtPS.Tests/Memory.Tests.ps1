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
        $t = Get-VTranslation n2 $UserCode
        $t.References | Should -Be 19
        @($t.Walk | Where-Object Dimension -eq Nested | Where-Object Level -eq 1) | Should -BeNullOrEmpty
        ($t.Walk | Where-Object Dimension -eq Nested | Select-Object -Last 1).Flags | Should -Match '2M'
    }

    It 'makes 4 references under <Paging>' -TestCases @(
        @{ Paging = 'Shadow'; Splat = @{ Style = 'HardwareAssisted'; Paging = 'Shadow' }; Dimension = 'Shadow' }
        @{ Paging = 'Native'; Splat = @{}; Dimension = 'Guest' }) {
        New-VGuest -Name s -Workload compute -Iterations 100 @Splat | Invoke-VStep | Out-Null
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
        $m.ReferencesPerWalk | Should -BeGreaterThan 4
        $m.ReferencesPerWalk | Should -BeLessOrEqual 24
        $m.EptViolations | Should -BeGreaterThan 50      # each demand-paged frame is a first touch
        $m.EptViolations | Should -Be $m.ExitsByReason['EptViolation']
        $s = New-VGuest -Name ms -Style HardwareAssisted -Paging Shadow -Workload pgfault -Iterations 50 | Invoke-VStep | Measure-VGuest
        $s.ReferencesPerWalk | Should -Be 4
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
