# Hosts and cost models: the default host, New/Get/Set/Remove-VHost, Get-VCostModel; error ids and categories.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $ModulePath = (Get-Module VirtPS).ModuleBase

    function Get-ErrorOf([scriptblock] $Block) {
        # Runs $Block and returns the first error it wrote (non-terminating) or threw.
        $out = try { & $Block 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }

    function New-ModelFile([scriptblock] $Edit = {}) {
        # A copy of Modern as JSON, changed by $Edit (which gets the ordered costs table).
        $costs = [ordered]@{}
        foreach ($c in (Get-VCostModel Modern).Costs) { $costs["$($c.Event)"] = [ordered]@{ cycles = $c.Cycles; source = $c.Source } }
        & $Edit $costs
        $path = Join-Path ([IO.Path]::GetTempPath()) "virtps-model-$([guid]::NewGuid().ToString('N')).json"
        [ordered]@{ name = 'Test'; description = 'a test model'; costs = $costs } | ConvertTo-Json -Depth 4 | Set-Content $path
        $path
    }
}

Describe 'VirtPS hosts' {
    AfterEach {
        Get-VGuest | Remove-VGuest -Confirm:$false
        Get-VHost | Where-Object Name -ne 'default' | Remove-VHost -Confirm:$false
        Set-VHost -Name default -CostProfile Modern -Type Type1 -PhysicalCpus 1
    }

    It 'always has a default host: Type1, one CPU, Modern' {
        $h = Get-VHost
        $h.Name | Should -Be 'default'
        $h.Type | Should -Be 'Type1'
        $h.PhysicalCpus | Should -Be 1
        $h.CostModel.Name | Should -Be 'Modern'
        (Get-VHost default | Out-String) | Should -Match 'Modern'
    }

    It 'puts new guests on the default host' {
        $g = New-VGuest -Name g1
        $g.Host.Name | Should -Be 'default'
        (Get-VHost default).Guests.Name | Should -Be 'g1'
    }

    It 'makes a hosted (Type2) VMM switch worlds for every device access it intercepts' {
        $g1 = New-VGuest -Name bare1 -Workload in -Iterations 40 -Style HardwareAssisted
        $g1 | Invoke-VStep | Out-Null
        (Measure-VGuest $g1).WorldSwitches | Should -Be 0
        Set-VHost -Name default -Type Type2
        $g2 = New-VGuest -Name hosted -Workload in -Iterations 40 -Style HardwareAssisted
        $g2 | Invoke-VStep | Out-Null
        $m = Measure-VGuest $g2
        # The device models live in the host OS: each IO exit goes there and back (Sugerman et al., USENIX 2001).
        $m.WorldSwitches | Should -Be $m.ExitsByReason['IoInstruction']
        $m.WorldSwitches | Should -BeGreaterThan 40
    }

    It 'creates, finds by pattern and removes hosts' {
        $h = New-VHost -Name lab1 -Type Type2 -PhysicalCpus 4 -CostProfile pentium4-2006
        $h.Type | Should -Be 'Type2'
        $h.PhysicalCpus | Should -Be 4
        $h.CostModel.Name | Should -Be 'Pentium4-2006'
        'lab2' | New-VHost | Out-Null
        (Get-VHost lab*).Name | Should -Be @('lab1', 'lab2')
        Remove-VHost -Name lab1 -PassThru | ForEach-Object Name | Should -Be 'lab1'
        Get-VHost lab2 | Remove-VHost
        (Get-VHost).Name | Should -Be 'default'
    }

    It 'changes a host by name and by object, with -PassThru only when asked' {
        Set-VHost -Name default -CostProfile Pentium4-2006 | Should -BeNullOrEmpty
        (Get-VHost default).CostModel.Name | Should -Be 'Pentium4-2006'
        $h = Get-VHost default | Set-VHost -Type Type2 -PhysicalCpus 8 -PassThru
        $h.Type | Should -Be 'Type2'
        $h.PhysicalCpus | Should -Be 8
    }

    It 'prices guests with their host''s model' {
        Set-VHost -Name default -CostModel (Get-VCostModel Pentium4-2006)
        $g = New-VGuest -Name g2 -Bare -Code 'nop', 'hlt'
        $g.Costs.Name | Should -Be 'Pentium4-2006'
        # two instructions, and the walk references of the cold TLB's misses (the code page), at Pentium 4 prices
        ($g | Invoke-VStep | Measure-VGuest).Cycles | Should -Be (2 + $g.Machine.Cpu.TlbMissReferences * $g.Costs.Cycles('PageWalkReference'))
    }

    It 'takes -CostModel from a path and from an object' {
        $path = New-ModelFile { param($c) $c.VmExit.cycles = 600 }
        try {
            Set-VHost -Name default -CostModel $path
            (Get-VHost default).CostModel.Cycles('VmExit') | Should -Be 600
            (Get-VHost default).CostModel.Origin | Should -Be (Resolve-Path $path).Path
            $m = Get-VCostModel -Path $path
            (New-VHost -Name fromobj -CostModel $m).CostModel | Should -Be $m
            (Get-VCostModel -Host fromobj) | Should -Be $m
            (Get-VHost fromobj | Get-VCostModel).Name | Should -Be 'Test'
        } finally { Remove-Item $path }
    }

    It 'lists every primitive with cycles and source' {
        $rows = Get-VCostModel Pentium4-2006 | Select-Object -ExpandProperty Costs
        $rows.Count | Should -Be ([Enum]::GetNames([VirtPS.Engine.Costs.CostEvent]).Count)
        $rows | ForEach-Object { $_.Source | Should -Not -BeNullOrEmpty }
        ($rows | Out-String) | Should -Match 'VmExit'
        (Get-VCostModel).Name | Should -Be @('Modern', 'Pentium4-2006')
        (Get-VCostModel P*).Name | Should -Be 'Pentium4-2006'
    }

    It 'supports -WhatIf on Remove-VHost and Set-VHost' {
        New-VHost -Name keep | Out-Null
        Remove-VHost -Name keep -WhatIf
        Set-VHost -Name keep -PhysicalCpus 9 -WhatIf
        (Get-VHost keep).PhysicalCpus | Should -Be 1
    }

    It 'completes host and profile names' {
        New-VHost -Name alpha | Out-Null
        function Complete([string] $Line) { (TabExpansion2 $Line $Line.Length).CompletionMatches.CompletionText }
        Complete 'Get-VHost al' | Should -Be 'alpha'
        Complete 'New-VHost x -CostProfile Pent' | Should -Be 'Pentium4-2006'
        Complete 'Get-VCostModel -Host def' | Should -Be 'default'
    }

    It 'keeps hosts per runspace' {
        New-VHost -Name mine | Out-Null
        $ps = [powershell]::Create()
        try {
            $names = $ps.AddScript("Import-Module '$ModulePath'; (Get-VHost).Name").Invoke()
            $names | Should -Be 'default'
        } finally { $ps.Dispose() }
    }

    Context 'errors' {
        It '<Id> (<Category>)' -ForEach @(
            @{ Id = 'HostNotFound'; Category = 'ObjectNotFound'; Block = { Get-VHost nosuch } }
            # -VHost (alias -Host) takes names through the one host transformation: an unknown name fails binding, HostNotFound inside.
            @{ Id = 'HostNotFound'; Category = 'ObjectNotFound'; Binding = $true; Block = { Get-VCostModel -Host nosuch } }
            @{ Id = 'HostNameInUse'; Category = 'ResourceExists'; Block = { New-VHost -Name Default } }
            @{ Id = 'InvalidHostName'; Category = 'InvalidArgument'; Block = { New-VHost -Name 'a b' } }
            @{ Id = 'InvalidPhysicalCpus'; Category = 'InvalidArgument'; Block = { New-VHost -Name c0 -PhysicalCpus 0 } }
            @{ Id = 'InvalidPhysicalCpus'; Category = 'InvalidArgument'; Block = { Set-VHost -Name default -PhysicalCpus 5000 } }
            @{ Id = 'DefaultHostCannotBeRemoved'; Category = 'InvalidOperation'; Block = { Remove-VHost -Name default -Confirm:$false } }
            @{ Id = 'UnknownCostProfile'; Category = 'ObjectNotFound'; Block = { New-VHost -Name u -CostProfile Pentium3 } }
            @{ Id = 'UnknownCostProfile'; Category = 'ObjectNotFound'; Block = { Get-VCostModel Pentium3 } }
            @{ Id = 'UnknownCostProfile'; Category = 'ObjectNotFound'; Block = { Set-VHost -Name default -CostProfile Pentium3 } }
            @{ Id = 'FileNotFound'; Category = 'ObjectNotFound'; Block = { Get-VCostModel -Path (Join-Path ([IO.Path]::GetTempPath()) 'virtps-none.json') } }
            @{ Id = 'ConflictingCostParameters'; Category = 'InvalidArgument'; Block = { Set-VHost -Name default -CostProfile Modern -CostModel (Get-VCostModel Modern) } }
            @{ Id = 'InvalidCostModelArgument'; Category = 'InvalidArgument'; Block = { Set-VHost -Name default -CostModel 42 } }
        ) {
            $e = Get-ErrorOf $Block
            $e | Should -Not -BeNullOrEmpty
            if ($Binding) {
                $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
                $inner = $e.Exception
                while ($inner -and $inner -isnot [VirtPS.Engine.VirtPSException]) { $inner = $inner.InnerException }
                $inner.ErrorId | Should -Be $Id
                "$($inner.Kind)" | Should -Be $Category
                return
            }
            $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            "$($e.CategoryInfo.Category)" | Should -Be $Category
        }

        It 'names a missing profile and the known ones' {
            $e = Get-ErrorOf { New-VHost -Name u -CostProfile Pentium3 }
            "$e" | Should -Match "Pentium3"
            "$e" | Should -Match 'Modern'
            "$e" | Should -Match 'Pentium4-2006'
        }

        It 'refuses a model with a <What> naming the field' -ForEach @(
            @{ What = 'missing event'; Field = 'costs.VmExit is missing'; Edit = { param($c) $c.Remove('VmExit') } }
            @{ What = 'negative cost'; Field = 'costs.Hypercall.cycles'; Edit = { param($c) $c.Hypercall.cycles = -5 } }
            @{ What = 'string cost'; Field = 'costs.Trap.cycles'; Edit = { param($c) $c.Trap.cycles = 'NaN' } }
            @{ What = 'unknown event'; Field = 'costs.VmEntry'; Edit = { param($c) $c.VmEntry = @{ cycles = 1; source = 's' } } }
            @{ What = 'empty source'; Field = 'costs.Cpuid.source'; Edit = { param($c) $c.Cpuid.source = '' } }
        ) {
            $path = New-ModelFile $Edit
            try {
                $e = Get-ErrorOf { Set-VHost -Name default -CostModel $path }
                $e.FullyQualifiedErrorId | Should -BeLike 'InvalidCostModel,*'
                "$($e.CategoryInfo.Category)" | Should -Be 'InvalidData'
                "$e" | Should -Match ([regex]::Escape($Field))
                (Get-VHost default).CostModel.Name | Should -Be 'Modern' -Because 'nothing is half-changed'
                (Get-ErrorOf { Get-VCostModel -Path $path }).FullyQualifiedErrorId | Should -BeLike 'InvalidCostModel,*'
            } finally { Remove-Item $path }
        }

        It 'refuses malformed JSON with its line and position' {
            $path = Join-Path ([IO.Path]::GetTempPath()) "virtps-bad-$PID.json"
            Set-Content $path "{`n  `"name`": `"x`",`n  `"costs`": { oops }`n}"
            try {
                $e = Get-ErrorOf { Get-VCostModel -Path $path }
                $e.FullyQualifiedErrorId | Should -BeLike 'InvalidCostModel,*'
                "$e" | Should -Match 'line 3, position \d+'
            } finally { Remove-Item $path }
        }

        It 'leaves nothing half-made' {
            $null = Get-ErrorOf { New-VHost -Name half -CostProfile Pentium3 }
            $null = Get-ErrorOf { New-VHost -Name half -PhysicalCpus 0 }
            Get-VHost half -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $null = Get-ErrorOf { Set-VHost -Name default -PhysicalCpus 0 -Type Type2 -CostProfile Pentium4-2006 }
            $h = Get-VHost default
            $h.Type | Should -Be 'Type1'
            $h.CostModel.Name | Should -Be 'Modern' -Because 'a host update is all or nothing'
        }
    }
}

Describe '-VHost parameters' {
    AfterEach {
        Get-VGuest | Remove-VGuest -Confirm:$false
        Get-VHost | Where-Object Name -ne 'default' | Remove-VHost -Confirm:$false
    }

    It 'take host objects, names and wildcard patterns, as arguments or piped' {
        New-VHost -Name cpu1 | Out-Null
        New-VHost -Name cpu2 -PhysicalCpus 2 | Out-Null
        @(Get-VCostModel -VHost cpu*).Count | Should -Be 2
        (Set-VHost -VHost cpu1 -Quantum 1000 -PassThru).Quantum | Should -Be 1000
        (Set-VHost -InputObject (Get-VHost cpu1) -Quantum 3000 -PassThru).Quantum | Should -Be 3000
        ('cpu2' | Set-VHost -Quantum 2000 -PassThru).Name | Should -Be 'cpu2'
        (New-VGuest -Name g1 -VHost (Get-VHost cpu2)).Host.Name | Should -Be 'cpu2'
        (New-VGuest -Name g2 -VHost 'cpu1*').Host.Name | Should -Be 'cpu1'
        (Invoke-VStep -VHost cpu*).Guest.Name | Should -Be @('g2', 'g1')
        @(Get-VTlb -VHost cpu* -Statistics).Count | Should -Be 2     # one per physical CPU the guests ran on
        Get-VGuest | Remove-VGuest
        Remove-VHost -VHost cpu* -PassThru | ForEach-Object Name | Should -Be @('cpu1', 'cpu2')
    }

    It 'select nothing, and write no error, for a pattern that matches no host' {
        Invoke-VStep -VHost 'zz*' -ErrorVariable e | Should -BeNullOrEmpty
        Get-VTlb -VHost 'zz*' -ErrorVariable e2 | Should -BeNullOrEmpty
        @($e) + @($e2) | Should -BeNullOrEmpty
    }

    It 'refuse a pattern that matches several hosts where one is taken (AmbiguousName), making nothing' {
        New-VHost -Name cpu1 | Out-Null
        New-VHost -Name cpu2 | Out-Null
        $err = { New-VGuest -Name g -VHost 'cpu*' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*' -PassThru
        $inner = $err.Exception
        while ($inner -and $inner -isnot [VirtPS.Engine.VirtPSException]) { $inner = $inner.InnerException }
        $inner.ErrorId | Should -Be 'AmbiguousName'
        "$err" | Should -Match 'cpu1, cpu2'
        Get-VGuest | Should -BeNullOrEmpty
    }
}
