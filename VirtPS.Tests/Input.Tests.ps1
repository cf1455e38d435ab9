# Keyboard and mouse from PowerShell: Set-VInputFocus gives them to one guest, Send-VInput reaches only that guest.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $boot = "virtps kernel: booting`n"
}

Describe 'Input focus' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'refuses input while no guest has the focus' {
        Send-VInput -Text 'x' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NoInputFocus*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'types only into the guest with the focus, and follows the focus when it moves' {
        $a = New-VGuest -Name a -Workload keys -MemoryMB 16
        $b = New-VGuest -Name b -Workload keys -MemoryMB 16
        Set-VInputFocus -Guest a
        Send-VInput -Text 'ab'
        $a, $b | Invoke-VStep -Instructions 300000 | Out-Null
        (Receive-VConsole -Guest a) | Should -Be "${boot}ab"
        (Receive-VConsole -Guest b) | Should -Be $boot
        (Set-VInputFocus -Guest b -PassThru).Name | Should -Be 'b'
        Send-VInput -Text 'c'
        $a, $b | Invoke-VStep -Instructions 300000 | Out-Null
        Receive-VConsole -Guest a | Should -BeNullOrEmpty
        Receive-VConsole -Guest b | Should -Be 'c'
        Send-VInput -Key Escape
        Invoke-VStep -Guest b | Should -HaveStopReason Halt
        Receive-VConsole -Guest b | Should -Match 'keys: done'
        $a.State | Should -Be 'Ready'
    }

    It 'sends named keys and mouse moves, refusing what the keyboard lacks' {
        $g = New-VGuest -Name k -Workload keys -MemoryMB 16
        Set-VInputFocus -Guest k
        $g | Invoke-VStep -Instructions 100000 | Out-Null
        (Send-VInput -Key Enter, Tab -PassThru).Name | Should -Be 'k'
        Send-VInput -MouseMove 10, 5 -MouseButton Left
        Send-VInput -Text 'é' -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'InputNotTypeable*'
        Send-VInput -Key Hyper -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'InputKeyNotFound*'
        $g | Invoke-VStep -Instructions 100000 | Out-Null
        Receive-VConsole -Guest k -All | Should -Be "$boot`n`t"
        $g.ReadKernelVariable('kbd_mouse_packets') | Should -Be 1
        $g.ReadKernelVariable('kbd_mouse_x') | Should -Be 10
        $g.Device('kbd').Counters.Interrupts | Should -BeGreaterThan 0
    }

    It 'refuses the focus for a guest without a keyboard' {
        New-VGuest -Name plain -Workload compute | Out-Null
        Set-VInputFocus -Guest plain -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NoInputDevice*'
    }
}
