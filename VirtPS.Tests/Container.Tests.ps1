# OS-level virtualization from PowerShell (issue 14): containers on one host's shared kernel, each with its own
# console and namespaces; the checks are the kernel's, observed from the guests' own output.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    # getpid, printed as one digit and a newline from the data page
    $printPid = 'mov eax, 2', 'syscall', 'add al, 0x30', 'mov [0x40100000], al', 'mov byte [0x40100001], 10',
        'mov eax, 1', 'mov edi, 0x40100000', 'mov esi, 2', 'syscall', 'xor eax, eax', 'syscall'
}

Describe 'Containers' {
    BeforeEach { New-VHost -Name ch | Out-Null }
    AfterEach {
        Get-VGuest | Remove-VGuest -Confirm:$false
        Get-VHost ch -ErrorAction SilentlyContinue | Remove-VHost -Confirm:$false -ErrorAction SilentlyContinue
    }

    It 'gives two containers on one host pid 1 each; Get-VProcess shows distinct host pids' {
        $a = New-VGuest -Name a -Style Container -VHost ch -Code $printPid -HostName alpha
        $b = New-VGuest -Name b -Style Container -VHost ch -Code $printPid -CpuQuota 0.5 -MemoryLimitMB 1
        $a.Style | Should -Be 'Container'
        Invoke-VStep -VHost ch | Out-Null
        Receive-VConsole -Guest a | Should -Be "1`n"
        Receive-VConsole -Guest b | Should -Be "1`n"
        $ps = Get-VProcess -VHost ch
        $ps.HostPid | Should -Be 1, 2
        $ps.Container | Should -Be 'a', 'b'
        $ps.NamespacePid | Should -Be 1, 1
        ($ps | Format-Table | Out-String) | Should -Match 'HostPid'
        $a.ContainerUserInstructions | Should -BeGreaterThan 0
        ($a | Measure-VGuest).Style | Should -Be 'Container'
    }

    It 'refuses bad input with <Id> and makes nothing' -TestCases @(
        @{ Id = 'InvalidCpuQuota'; Extra = @{ Style = 'Container'; CpuQuota = 0 } }
        @{ Id = 'InvalidCpuQuota'; Extra = @{ Style = 'Container'; CpuQuota = 1.25 } }
        @{ Id = 'UnknownNamespace'; Extra = @{ Style = 'Container'; Namespace = 'pid', 'ipc2' } }
        @{ Id = 'MemoryLimitTooSmall'; Extra = @{ Style = 'Container'; MemoryLimitMB = 0.01 } }
        @{ Id = 'ContainerOptionNeedsContainerStyle'; Extra = @{ Style = 'HardwareAssisted'; CpuQuota = 0.5 } }
    ) {
        New-VGuest -Name bad -VHost ch -Code $printPid @Extra -ErrorAction SilentlyContinue -ErrorVariable e | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        Get-VGuest | Should -BeNullOrEmpty
        (Get-VHost ch).ContainerKernel | Should -BeNullOrEmpty
    }

    It 'refuses a container on a host whose guests run the paravirtual build' {
        New-VGuest -Name xen -Style Paravirtual -VHost ch -Workload syscall -Iterations 10 | Out-Null
        New-VGuest -Name c -Style Container -VHost ch -Code $printPid -ErrorAction SilentlyContinue -ErrorVariable e | Out-Null
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ContainerKernelMismatch,*'
        (Get-VGuest).Name | Should -Be 'xen'
    }

    It 'prints the side-by-side table: a container costs Native within 5%, starts 10x sooner, HardwareAssisted costs more' {
        $rows = Compare-VStyle -Workload syscall -Style Native, Container, HardwareAssisted, Paravirtual -Iterations 50000
        $rows | Format-Table -View StartUp | Out-String | Write-Host
        $native = $rows | Where-Object Style -eq Native
        $container = $rows | Where-Object Style -eq Container
        $vm = $rows | Where-Object Style -eq HardwareAssisted
        [math]::Abs($container.CyclesPerIteration / $native.CyclesPerIteration - 1) | Should -BeLessOrEqual 0.05
        $vm.CyclesPerIteration | Should -BeGreaterThan $container.CyclesPerIteration
        $container.StartupInstructions * 10 | Should -BeLessOrEqual $vm.StartupInstructions
        $container.PagesHeld | Should -BeLessThan $vm.PagesHeld
    }

    It 'gives each container an interface of its own on a network: containers ping each other on a Bridge network; Isolated keeps them from the outside' {
        $a = New-VGuest -Name a -Style Container -VHost ch -Code $printPid
        $b = New-VGuest -Name b -Style Container -VHost ch -Code $printPid
        New-VNetwork -Name clan -Mode Bridge | Out-Null
        try {
            Connect-VNetworkAdapter -Guest a, b -Network clan
            (Test-VConnection -From a -To b).Status | Should -Be 'Reply'
            (Test-VConnection -From a -To internet).Success | Should -BeTrue
            Set-VNetwork -Name clan -Mode Isolated
            (Test-VConnection -From a -To b).Status | Should -Be 'Reply'
            (Test-VConnection -From a -To internet).Success | Should -BeFalse
            Connect-VNetworkAdapter -Guest a -Network clan -Mode Paravirtual -ErrorAction SilentlyContinue -ErrorVariable e
            $e[0].FullyQualifiedErrorId | Should -BeLike 'ContainerHasNoDevices,*'
            New-VGuest -Name shared -Style Container -VHost ch -Code $printPid -Namespace pid, uts, mount | Out-Null
            Connect-VNetworkAdapter -Guest shared -Network clan -ErrorAction SilentlyContinue -ErrorVariable e2
            $e2[0].FullyQualifiedErrorId | Should -BeLike 'ContainerSharesHostNetwork,*'
        }
        finally { Get-VNetworkAdapter | Disconnect-VNetworkAdapter -Confirm:$false -ErrorAction SilentlyContinue; Remove-VNetwork -Name clan -Confirm:$false -ErrorAction SilentlyContinue }
    }
}
