# Several guests on one host: Invoke-VStep co-schedules them on the host's physical CPUs, a quantum at a
# time, and every hand-over of a CPU between guests is a world switch the incoming guest pays for.
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
        New-VHost -Name one -PhysicalCpus 1 | Set-VHost -Quantum 20000
        $alone = 'syscall', 'compute' | ForEach-Object { New-VGuest -Name "alone-$_" -Workload $_ -Iterations 3000 }
        $alone | ForEach-Object { $_ | Invoke-VStep | Out-Null }
        $a = New-VGuest -Name a -Workload syscall -Iterations 3000 -VHost one
        $b = New-VGuest -Name b -Workload compute -Iterations 3000 -VHost one
        $results = @($a, $b | Invoke-VStep)
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
        # With tags, the only price of sharing the CPU is the world switches themselves.
        $cost = (Get-VHost one).CostModel.Cycles('WorldSwitch')
        $a.Cycles - $alone[0].Cycles | Should -Be ($a.WorldSwitchesIn * $cost)
    }

    It 'gives each guest its own physical CPU when the host has enough: no world switches' {
        New-VHost -Name two -PhysicalCpus 2 | Out-Null
        $g = 'x', 'y' | ForEach-Object { New-VGuest -Name $_ -Workload syscall -Iterations 500 -VHost two }
        Invoke-VStep -VHost two | ForEach-Object StopReason | Should -Be @('Halt', 'Halt')
        $g.WorldSwitchesIn | Should -Be @(0, 0)
    }

    It 'gives <Id> for <Case>' -TestCases @(
        @{ Case = 'a quantum of zero'; Id = 'InvalidQuantum,VirtPS.Commands.SetVHostCommand'; Run = { Set-VHost -Name default -Quantum 0 -ErrorAction Stop } }
        @{ Case = 'an unknown host for a new guest'; Id = 'HostNotFound,VirtPS.Commands.NewVGuestCommand'; Run = { New-VGuest -Name z -VHost nosuch -ErrorAction Stop } }
        @{ Case = 'running an unknown host'; Id = 'HostNotFound,VirtPS.Commands.InvokeVStepCommand'; Run = { Invoke-VStep -VHost nosuch -ErrorAction Stop } }) {
        $Run | Should -Throw -ErrorId $Id
        Get-VGuest | Should -BeNullOrEmpty
    }
}
