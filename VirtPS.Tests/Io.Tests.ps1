# Guest devices from PowerShell: disks backed by real image files in the three IO modes, device management, the IOMMU
# view, the driver models, and bad input that leaves nothing behind.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $Dir = Join-Path ([IO.Path]::GetTempPath()) "virtps-io-$(New-Guid)"
    New-Item -ItemType Directory $Dir | Out-Null
}

AfterAll {
    Get-VGuest | Remove-VGuest
    if ($IsLinux) { Get-ChildItem $Dir | ForEach-Object { chmod u+w $_.FullName } }
    Remove-Item $Dir -Recurse -Force
}

Describe 'Add-VDisk' {
    AfterEach { Get-VGuest | Remove-VGuest }

    It 'creates a sparse image of -SizeMB and plugs a virtio disk in' {
        $img = Join-Path $Dir 'new.img'
        $d = New-VGuest -Name a -Workload compute | Add-VDisk -Path $img -SizeMB 2
        $d.Name | Should -Be 'vda'
        $d.Mode | Should -Be 'Paravirtual'
        $d.Model | Should -Match 'virtio-blk'
        (Get-Item $img).Length | Should -Be 2MB
        $d.PciSlot | Should -Be 1
        (Get-VDevice a).Name | Should -Be 'vda'
    }

    It 'names an emulated disk hda and puts it on the legacy IDE ports with IRQ 14' {
        $d = New-VGuest -Name a -Workload compute | Add-VDisk -Path (Join-Path $Dir 'ata.img') -SizeMB 1 -Mode Emulated
        $d.Name | Should -Be 'hda'
        $d.Irq | Should -Be 14
        $d.Ports | Should -Be '0x1F0-0x1F7, 0x3F6'
    }

    It 'refuses a missing directory with ImageDirectoryNotFound and adds nothing' {
        New-VGuest -Name a -Workload compute | Out-Null
        $e = { Add-VDisk a -Path (Join-Path $Dir 'no/such/dir/x.img') -SizeMB 1 -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ImageDirectoryNotFound*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        @(Get-VDevice a).Count | Should -Be 0
    }

    It 'refuses a read-only image opened for writing with ImageReadOnly (PermissionDenied)' -Skip:(-not $IsLinux) {
        $img = Join-Path $Dir 'ro.img'
        [IO.File]::WriteAllBytes($img, [byte[]]::new(4096))
        chmod 444 $img
        New-VGuest -Name a -Workload compute | Out-Null
        $e = { Add-VDisk a -Path $img -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ImageReadOnly*'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        @(Get-VDevice a).Count | Should -Be 0
    }

    It 'refuses an image smaller than one sector with ImageTooSmall' {
        $img = Join-Path $Dir 'tiny.img'
        [IO.File]::WriteAllBytes($img, [byte[]]::new(100))
        New-VGuest -Name a -Workload compute | Out-Null
        $e = { Add-VDisk a -Path $img -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ImageTooSmall*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        @(Get-VDevice a).Count | Should -Be 0
        (Get-Item $img).Length | Should -Be 100
    }

    It 'refuses a passthrough device assigned twice with DeviceAlreadyAssigned (ResourceBusy)' {
        $img = Join-Path $Dir 'pt.img'
        'a', 'b' | New-VGuest -Workload compute | Out-Null
        Add-VDisk a -Path $img -SizeMB 1 -Mode Passthrough | Out-Null
        $e = { Add-VDisk b -Path $img -Mode Passthrough -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'DeviceAlreadyAssigned*'
        $e.CategoryInfo.Category | Should -Be 'ResourceBusy'
        @(Get-VDevice b).Count | Should -Be 0
        Remove-VGuest a
        (Add-VDisk b -Path $img -Mode Passthrough).Mode | Should -Be 'Passthrough'
    }
}

Describe 'Set-VDevice and Remove-VDevice' {
    AfterEach { Get-VGuest | Remove-VGuest }

    It 'refuses a mode change while the guest runs, and changes nothing' {
        $g = New-VGuest -Name a -Workload compute -Iterations 100000
        Add-VDisk $g -Path (Join-Path $Dir 'run.img') -SizeMB 1 | Out-Null
        Invoke-VStep $g -Instructions 20000 | Out-Null
        $e = { Set-VDevice $g vda -Mode Emulated -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'DeviceChangeWhileRunning*'
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-VDevice $g vda).Mode | Should -Be 'Paravirtual'
        { Remove-VDevice $g vda -ErrorAction Stop } | Should -Throw -ErrorId 'DeviceChangeWhileRunning*'
        Invoke-VStep $g | Out-Null
        (Set-VDevice $g vda -Mode Emulated -PassThru).Model | Should -Match 'ATA'
    }

    It 'changes the mode of a stopped guest''s device, and removes it' {
        $g = New-VGuest -Name a -Workload compute
        Add-VDisk $g -Path (Join-Path $Dir 'm.img') -SizeMB 1 | Out-Null
        (Set-VDevice $g vda -Mode Passthrough -PassThru).Mode | Should -Be 'Passthrough'
        (Get-VIommu $g).Mappings.Count | Should -BeGreaterThan 0
        Remove-VDevice $g vda
        @(Get-VDevice $g).Count | Should -Be 0
    }

    It 'names an unknown device with DeviceNotFound' {
        New-VGuest -Name a -Workload compute | Out-Null
        { Set-VDevice a vdz -Mode Emulated -ErrorAction Stop } | Should -Throw -ErrorId 'DeviceNotFound*'
    }
}

Describe 'Get-VIommu' {
    AfterEach { Get-VGuest | Remove-VGuest }

    It 'lists a domain that maps exactly the guest''s memory, read from its tables' {
        $g = New-VGuest -Name a -Workload compute -MemoryMB 16
        Add-VDisk $g -Path (Join-Path $Dir 'io.img') -SizeMB 1 -Mode Passthrough | Out-Null
        $v = Get-VIommu $g
        ($v.Mappings | Measure-Object Size -Sum).Sum | Should -Be 16MB
        $v.Devices | Should -Be '00:01.0'
        $v.FaultCount | Should -Be 0
    }
}

Describe 'Set-VHost -IoModel' {
    It 'puts the backends in a service domain, shown by Get-VHost' {
        New-VHost -Name h1 | Out-Null
        try {
            Set-VHost h1 -IoModel Hybrid
            (Get-VHost h1).IoModel | Should -Be 'Hybrid'
            (Get-VHost h1).ServiceDomain.Name | Should -Be 'Dom0'
            Set-VHost h1 -Type Type2 -IoModel Hosted
            (Get-VHost h1).ServiceDomain | Should -BeNullOrEmpty
        } finally { Remove-VHost h1 }
    }
}
