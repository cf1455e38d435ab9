# Guests: creating, finding, removing; error ids and categories; runspaces; Tab completion.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $ModulePath = (Get-Module VirtPS).ModuleBase
    # mov rax, 42 ; hlt
    $Answer = [byte[]](0x48, 0xC7, 0xC0, 0x2A, 0, 0, 0, 0xF4)

    function Get-ErrorOf([scriptblock] $Block) {
        # Runs $Block and returns the first error it wrote (non-terminating) or threw.
        $out = try { & $Block 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }
}

Describe 'VirtPS guests' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    Describe 'New-VGuest' {
        It 'creates a guest from -Bytes and writes it' {
            $g = New-VGuest -Name raw -Bare -Bytes $Answer -MemoryMB 16
            $g.Name | Should -Be 'raw'
            $g.Style | Should -Be 'Native'
            $g.State | Should -Be 'Ready'
            $g.MemoryMB | Should -Be 16
            $g.Machine.Cpu.Rip | Should -Be 0x100000
            (Get-VGuest).Name | Should -Be 'raw'
        }

        It 'creates an empty machine (a single HLT) when given no code' {
            $g = New-VGuest -Name empty
            $g.MemoryMB | Should -Be 64
            $g.Machine.Memory.Read(0x100000, 1) | Should -Be 0xF4
        }

        It 'creates one guest per name piped in' {
            'p1', 'p2', 'p3' | New-VGuest | Out-Null
            (Get-VGuest).Name | Should -Be @('p1', 'p2', 'p3')
        }

        It 'creates a guest from -Code' {
            $g = New-VGuest -Name answer -Bare -Code 'mov rax, 42', 'hlt'
            $g.Machine.Memory.Read(0x100000, 6) | Should -Be ([byte[]](0xB8, 0x2A, 0, 0, 0, 0xF4))   # as nasm: mov eax, 42 ; hlt
        }

        It 'creates a guest from a program, at its origin and entry point' {
            $p = ConvertTo-VProgram -Text 'nop', '_start: hlt' -Origin 0x200000
            $g = New-VGuest -Name prog -Bare -Program $p
            $g.Machine.Cpu.Rip | Should -Be ($p.EntryPoint)
            $p.EntryPoint | Should -Be 0x200001
        }

        It 'supports -WhatIf and creates nothing' {
            New-VGuest -Name maybe -WhatIf | Should -BeNullOrEmpty
            Get-VGuest | Should -BeNullOrEmpty
        }
    }

    Describe 'New-VGuest errors leave nothing behind' {
        It '<Id> (<Category>) for <Case>' -ForEach @(
            @{ Case = 'a duplicate name'; Id = 'GuestExists'; Category = 'ResourceExists'; Setup = { New-VGuest -Name dup | Out-Null }; Block = { New-VGuest -Name DUP -Bytes $Answer }; Left = 1 }
            @{ Case = 'a program larger than memory'; Id = 'ProgramTooLarge'; Category = 'LimitsExceeded'; Setup = {}; Block = { New-VGuest -Name big -Bare -Bytes ([byte[]]::new(2MB)) -MemoryMB 2 }; Left = 0 }
            @{ Case = 'a bad name'; Id = 'InvalidGuestName'; Category = 'InvalidArgument'; Setup = {}; Block = { New-VGuest -Name 'no spaces' }; Left = 0 }
            @{ Case = 'too much memory'; Id = 'InvalidMemorySize'; Category = 'InvalidArgument'; Setup = {}; Block = { New-VGuest -Name huge -MemoryMB 5000 }; Left = 0 }
            @{ Case = 'bad source'; Id = 'AssemblyError'; Category = 'ParserError'; Setup = {}; Block = { New-VGuest -Name bad -Code 'mov rax, 1', 'frobnicate rax' }; Left = 0 }
            @{ Case = 'a bad define'; Id = 'InvalidDefine'; Category = 'InvalidArgument'; Setup = {}; Block = { New-VGuest -Name def -Code 'mov rax, N', 'hlt' -Define @{ N = 'many' } }; Left = 0 }
        ) {
            & $Setup
            $e = Get-ErrorOf $Block
            $e | Should -Not -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $e.CategoryInfo.Category | Should -Be $Category
            @(Get-VGuest).Count | Should -Be $Left
        }

        It 'reports the line and column of an assembly error' {
            $e = Get-ErrorOf { New-VGuest -Name bad -Code 'mov rax, 1', 'frobnicate rax' }
            "$e" | Should -Match 'line 2, column \d+'
        }
    }

    Describe 'Get-VGuest' {
        BeforeEach { 'web1', 'web2', 'db1' | New-VGuest | Out-Null }

        It 'lists every guest in name order' { (Get-VGuest).Name | Should -Be @('db1', 'web1', 'web2') }
        It 'matches wildcards, without case' { (Get-VGuest -Name WEB*).Name | Should -Be @('web1', 'web2') }
        It 'writes nothing and no error for a wildcard that matches nothing' {
            Get-VGuest -Name 'zz*' -ErrorVariable e | Should -BeNullOrEmpty
            $e | Should -BeNullOrEmpty
        }
        It 'writes a non-terminating GuestNotFound for a missing name and goes on' {
            $found = Get-VGuest -Name nope, db1 -ErrorVariable e -ErrorAction SilentlyContinue
            $found.Name | Should -Be 'db1'
            $e[0].FullyQualifiedErrorId | Should -BeLike 'GuestNotFound,*'
            $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Describe 'Remove-VGuest' {
        BeforeEach { 'a1', 'a2', 'b1' | New-VGuest | Out-Null }

        It 'leaves the guest with -WhatIf' {
            Remove-VGuest -Name a1 -WhatIf
            (Get-VGuest).Name | Should -Contain 'a1'
        }
        It 'removes by name, silently' {
            Remove-VGuest -Name a1 | Should -BeNullOrEmpty
            (Get-VGuest).Name | Should -Be @('a2', 'b1')
        }
        It 'removes piped guests and passes them through with -PassThru' {
            $removed = Get-VGuest a* | Remove-VGuest -PassThru
            $removed.Name | Should -Be @('a1', 'a2')
            (Get-VGuest).Name | Should -Be @('b1')
        }
        It 'removes piped names' {
            'a1', 'b1' | Remove-VGuest
            (Get-VGuest).Name | Should -Be @('a2')
        }
        It 'frees the name for reuse' {
            Remove-VGuest a1
            { New-VGuest -Name a1 -ErrorAction Stop } | Should -Not -Throw
        }
        It 'writes GuestNotFound for a missing name' {
            $e = Get-ErrorOf { Remove-VGuest -Name zz }
            $e.FullyQualifiedErrorId | Should -BeLike 'GuestNotFound,*'
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
        It 'lets the guest and its memory go, though it ran co-scheduled on its host and sat on a network' {
            # Made and run in a script block of their own, so no variable or pipeline of this test holds them; then only
            # what the lab, its hosts and networks keep could keep them alive.
            New-VNetwork -Name gone-lan -Mode Nat | Out-Null
            try {
                $refs = & {
                    $g = 'gone-1', 'gone-2' | ForEach-Object { New-VGuest -Name $_ -Workload compute -Iterations 100 -Style HardwareAssisted }
                    Connect-VNetworkAdapter -Guest gone-1 -Network gone-lan | Out-Null
                    Invoke-VStep -Guest $g -CoSchedule | Out-Null
                    $g | ForEach-Object { [WeakReference]::new($_); [WeakReference]::new($_.Machine) }
                }
                Remove-VGuest gone-1, gone-2
                [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
                @($refs | Where-Object IsAlive).Count | Should -Be 0
            } finally { Remove-VNetwork -Name gone-lan -Confirm:$false }
        }
    }

    Describe '-Guest parameters take names' {
        It 'resolves a name to the guest' {
            New-VGuest -Name named -Bare -Bytes $Answer | Out-Null
            (Get-VRegister -Guest named).Name | Should -Be 'named'
        }
        It 'fails binding with a GuestNotFound inner error for an unknown name' {
            $e = Get-ErrorOf { Get-VRegister -Guest nosuch }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $inner = $e.Exception
            while ($inner -and $inner -isnot [VirtPS.Engine.VirtPSException]) { $inner = $inner.InnerException }
            $inner.ErrorId | Should -Be 'GuestNotFound'
            "$e" | Should -Match "No guest named 'nosuch'"
        }
        It 'takes names, wildcard patterns and objects, as arguments or piped, in every form' {
            'w2', 'w1', 'x1' | New-VGuest -Bare -Bytes $Answer | Out-Null
            (Get-VRegister -Guest w*).Name | Should -Be @('w1', 'w2')
            (Get-VRegister -Guest x1, (Get-VGuest w2)).Name | Should -Be @('x1', 'w2')
            ('w1', 'x*' | Measure-VGuest).Name | Should -Be @('w1', 'x1')
            (Set-VGuest -Guest w* -NestedTlb Off -PassThru).Name | Should -Be @('w1', 'w2')
            @(Get-VDisassembly -Guest w* -Count 1).Count | Should -Be 2
            Remove-VGuest -Guest 'w*'
            (Get-VGuest).Name | Should -Be @('x1')
        }
        It 'selects nothing, and writes no error, for a pattern that matches no guest' {
            New-VGuest -Name only | Out-Null
            Get-VRegister -Guest 'zz*' -ErrorVariable e | Should -BeNullOrEmpty
            Clear-VTlb -Guest 'zz*' -PassThru -ErrorVariable e2 | Should -BeNullOrEmpty
            @($e) + @($e2) | Should -BeNullOrEmpty
        }
        It 'is the one transformation on -Guest (and -VHost) in every cmdlet that targets guests (and hosts)' {
            # Parameters that name a guest but are no target: the endpoints the network engine resolves itself (a guest,
            # 'host', a simulated machine or an address), and the forward's destination of Add-VPortForward.
            $endpoints = 'Add-VPortForward/Guest', 'Add-VRoute/Node', 'Remove-VRoute/Node', 'Test-VConnection/From',
                'Test-VConnection/To', 'Send-VPacket/From', 'Send-VPacket/To'
            # The guest and host nouns' own -Name filters (a plain name that matches nothing is a non-terminating NotFound).
            $filters = 'Get-VGuest/Name', 'Remove-VGuest/Name', 'Get-VHost/Name', 'Set-VHost/Name', 'Remove-VHost/Name'
            $checked = 0
            foreach ($c in (Get-Module VirtPS).ExportedCmdlets.Values) {
                foreach ($p in $c.Parameters.Values) {
                    $key = "$($c.Name)/$($p.Name)"
                    $completer = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Type
                    $kind = if ($p.Name -eq 'Guest' -or $completer -contains [VirtPS.GuestNameCompleter]) { 'Guest' }
                        elseif ($p.Name -eq 'VHost' -or $completer -contains [VirtPS.HostNameCompleter]) { 'VHost' }
                    if (-not $kind -or $key -in $endpoints -or $key -in $filters) { continue }
                    $p.Name | Should -Be $kind -Because "$key targets a $kind"
                    $transform = if ($kind -eq 'Guest') { [VirtPS.GuestTransformationAttribute] } else { [VirtPS.HostTransformationAttribute] }
                    @($p.Attributes | Where-Object { $_ -is $transform }).Count | Should -Be 1 -Because "$key takes its argument through $($transform.Name)"
                    @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count | Should -Be 1 -Because "$key takes patterns"
                    if ($kind -eq 'Guest') { $p.ParameterType | Should -Be ([VirtPS.Engine.Guests.Guest[]]) -Because "$key takes several guests" }
                    $checked++
                }
            }
            $checked | Should -BeGreaterThan 20
        }
    }

    Describe 'Per-runspace labs' {
        It 'gives every ForEach-Object -Parallel runspace its own guests' {
            New-VGuest -Name outer | Out-Null
            $seen = 1..3 | ForEach-Object -Parallel {
                Import-Module $using:ModulePath
                $before = @(Get-VGuest).Count
                New-VGuest -Name inner | Out-Null     # the same name in each runspace: no GuestExists
                [pscustomobject]@{ Before = $before; After = @(Get-VGuest).Name -join ',' }
            } -UseNewRunspace -ThrottleLimit 3
            $seen.Before | Should -Be @(0, 0, 0)
            $seen.After | Should -Be @('inner', 'inner', 'inner')
            (Get-VGuest).Name | Should -Be @('outer')
        }
    }

    Describe 'Tab completion' {
        BeforeEach { 'comp-alpha', 'comp-beta', 'other' | New-VGuest | Out-Null }

        It 'completes guest names for <Command> -<Parameter>' -ForEach @(
            @{ Command = 'Get-VGuest'; Parameter = 'Name' }
            @{ Command = 'Remove-VGuest'; Parameter = 'Name' }
            @{ Command = 'Invoke-VStep'; Parameter = 'Guest' }
            @{ Command = 'Invoke-VStep'; Parameter = 'Name' }
            @{ Command = 'Get-VRegister'; Parameter = 'Guest' }
            @{ Command = 'Get-VDisassembly'; Parameter = 'Guest' }
            @{ Command = 'Measure-VGuest'; Parameter = 'Guest' }
        ) {
            $line = "$Command -$Parameter comp"
            $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            @($r.CompletionMatches.CompletionText | Sort-Object) | Should -Be @('comp-alpha', 'comp-beta')
        }
    }
}
