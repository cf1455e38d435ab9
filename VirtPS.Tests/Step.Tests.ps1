# Running guests: steps, registers, measurements, disassembly, progress and Ctrl+C.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $ModulePath = (Get-Module VirtPS).ModuleBase

    # The VirtPS error inside an error record (a binding error wraps it).
    function Get-VirtPSError($Record) {
        $inner = $Record.Exception
        while ($inner -and $inner -isnot [VirtPS.Engine.VirtPSException]) { $inner = $inner.InnerException }
        $inner
    }
    function Get-ErrorOf([scriptblock] $Block) {
        $out = try { & $Block 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }
    # mov ecx, N ; l: dec rcx ; jnz l ; hlt   -> 2N + 2 instructions
    function Get-LoopBytes([int] $N) { [byte[]](@(0xB9) + [BitConverter]::GetBytes($N) + @(0x48, 0xFF, 0xC9, 0x75, 0xFB, 0xF4)) }
    $Answer = [byte[]](0x48, 0xC7, 0xC0, 0x2A, 0, 0, 0, 0xF4)   # mov rax, 42 ; hlt
}

Describe 'VirtPS stepping' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    Describe 'Invoke-VStep' {
        It 'runs -Code to the halt with the right registers' {
            $r = New-VGuest -Name answer -Bare -Code 'mov rax, 42', 'hlt' | Invoke-VStep
            $r.StopReason | Should -Be 'Halt'
            $r.Instructions | Should -Be 2
            $r.Guest.State | Should -Be 'Halted'
            (Get-VRegister -Guest answer).Rax | Should -Be 42
        }

        It 'runs -Bytes to the halt by default' {
            $r = New-VGuest -Name raw -Bare -Bytes $Answer | Invoke-VStep
            $r.StopReason | Should -Be 'Halt'
            $r.Instructions | Should -Be 2
            $r.Cycles | Should -BeGreaterThan 0
            ($r | Get-VRegister).Rax | Should -Be 42
        }

        It 'stops after -Instructions and resumes where it left off' {
            $g = New-VGuest -Name loop -Bare -Bytes (Get-LoopBytes 1000)
            $first = $g | Invoke-VStep -Instructions 501
            $first.StopReason | Should -Be 'InstructionLimit'
            $first.Instructions | Should -Be 501
            $g.State | Should -Be 'Ready'
            (Get-VRegister $g).Rcx | Should -Be 750
            $rest = $g | Invoke-VStep -Until Halt
            $rest.StopReason | Should -Be 'Halt'
            $rest.Instructions | Should -Be (2002 - 501)
            $g.Instructions | Should -Be 2002
            (Get-VRegister $g).Rcx | Should -Be 0
        }

        It 'with -Instructions and -Until Halt stops at whichever comes first' {
            $g = New-VGuest -Name both -Bare -Bytes $Answer
            ($g | Invoke-VStep -Instructions 100 -Until Halt).StopReason | Should -Be 'Halt'
        }

        It 'runs a pipeline of several guests, one result each' {
            $results = 10, 20, 30 | ForEach-Object { New-VGuest -Name "g$_" -Bare -Bytes (Get-LoopBytes $_) } | Invoke-VStep
            $results.Count | Should -Be 3
            $results.Guest.Name | Should -Be @('g10', 'g20', 'g30')
            $results.Instructions | Should -Be @(22, 42, 62)
            $results.StopReason | Should -Be @('Halt', 'Halt', 'Halt')
        }

        It 'runs guests by -Name and by -Guest name' {
            'n1', 'n2' | New-VGuest | Out-Null
            (Invoke-VStep -Name n1).StopReason | Should -Be 'Halt'
            (Invoke-VStep -Guest n2).StopReason | Should -Be 'Halt'
        }

        It 'writes a non-terminating GuestHalted for a halted guest and goes on' {
            $done = New-VGuest -Name done -Bare -Bytes $Answer
            $done | Invoke-VStep | Out-Null
            $fresh = New-VGuest -Name fresh -Bare -Bytes $Answer
            $out = $done, $fresh | Invoke-VStep -ErrorVariable e -ErrorAction SilentlyContinue
            $out.Guest.Name | Should -Be 'fresh'
            $e[0].FullyQualifiedErrorId | Should -BeLike 'GuestHalted,*'
            $e[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        }

        It 'fails binding with a GuestNotFound (ObjectNotFound) error inside for a missing -Name' {
            # -Name is an alias of -Guest, which takes names through the one guest transformation (see Guest.Tests.ps1).
            $e = Get-ErrorOf { Invoke-VStep -Name ghost }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
            $inner = Get-VirtPSError $e
            $inner.ErrorId | Should -Be 'GuestNotFound'
            $inner.Kind | Should -Be 'ObjectNotFound'
            "$e" | Should -Match "No guest named 'ghost'"
        }

        It 'fails only the piped name that matches no guest; the others run' {
            'p1', 'p2' | New-VGuest | Out-Null
            $out = 'p1', 'ghost', 'p2' | Invoke-VStep -ErrorVariable e -ErrorAction SilentlyContinue
            $out.Guest.Name | Should -Be @('p1', 'p2')
            $e.Count | Should -Be 1
            (Get-VirtPSError $e[0]).ErrorId | Should -Be 'GuestNotFound'
        }

        It 'runs every guest a wildcard pattern matches, in name order, and nothing for one that matches none' {
            'w2', 'w1', 'x1' | New-VGuest | Out-Null
            (Invoke-VStep -Guest w*).Guest.Name | Should -Be @('w1', 'w2')
            Invoke-VStep -Guest 'zz*' -ErrorVariable e | Should -BeNullOrEmpty
            $e | Should -BeNullOrEmpty
        }

        It 'runs each piped guest as it arrives: the first result is written before the third guest is read' {
            $log = [System.Collections.Generic.List[string]]::new()
            & {
                foreach ($n in 1..3) {
                    $log.Add("read s$n")
                    New-VGuest -Name "s$n" -Bare -Bytes (Get-LoopBytes 1000)
                }
            } | Invoke-VStep | ForEach-Object { $log.Add("result $($_.Guest.Name)") }
            $log.IndexOf('result s1') | Should -BeGreaterThan -1
            $log.IndexOf('result s1') | Should -BeLessThan $log.IndexOf('read s3')
            $log | Should -Be @('read s1', 'result s1', 'read s2', 'result s2', 'read s3', 'result s3')
        }

        It 'with -CoSchedule collects the piped guests and writes their results after the last is read' {
            $log = [System.Collections.Generic.List[string]]::new()
            $results = @(& {
                    foreach ($n in 1..3) {
                        $log.Add("read c$n")
                        New-VGuest -Name "c$n" -Bare -Bytes (Get-LoopBytes (10 * $n))
                    }
                } | Invoke-VStep -CoSchedule | ForEach-Object { $log.Add("result $($_.Guest.Name)"); $_ })
            $log | Should -Be @('read c1', 'read c2', 'read c3', 'result c1', 'result c2', 'result c3')
            $results.Instructions | Should -Be @(22, 42, 62)
            $results.StopReason | Should -Be @('Halt', 'Halt', 'Halt')
        }

        It 'rejects a non-positive count <Count> at binding' -ForEach @(@{ Count = 0 }, @{ Count = -5 }) {
            New-VGuest -Name c -Bare -Bytes $Answer | Out-Null
            $e = Get-ErrorOf { Invoke-VStep -Name c -Instructions $Count }
            $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            (Get-VGuest c).Instructions | Should -Be 0
        }

        It 'records a guest exception and stops with StopReason Exception' {
            $g = New-VGuest -Name ud -Bare -Bytes 0x0F, 0x0B          # ud2
            $r = $g | Invoke-VStep
            $r.StopReason | Should -Be 'Exception'
            $g.State | Should -Be 'Faulted'
            $g.LastException.Mnemonic | Should -Be '#UD'
            ($g | Invoke-VStep -ErrorAction SilentlyContinue -ErrorVariable e) | Should -BeNullOrEmpty
            $e[0].FullyQualifiedErrorId | Should -BeLike 'GuestFaulted,*'
        }

        It 'writes progress during a long run' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$ModulePath'; New-VGuest -Name long -Bare -Bytes ([byte[]]($((Get-LoopBytes 30000000) -join ','))) | Invoke-VStep")
                $r = $ps.Invoke()
                $r[0].StopReason | Should -Be 'Halt'
                $ps.Streams.Progress.Count | Should -BeGreaterThan 0
                $ps.Streams.Progress[0].Activity | Should -Match 'long'
            } finally { $ps.Dispose() }
        }

        It 'stops promptly on Ctrl+C and leaves the guest resumable' {
            $rs = [runspacefactory]::CreateRunspace()
            $rs.Open()
            try {
                $setup = [powershell]::Create(); $setup.Runspace = $rs
                $null = $setup.AddScript("Import-Module '$ModulePath'; New-VGuest -Name spin -Bare -Bytes 0xEB, 0xFE").Invoke()   # jmp $
                $run = [powershell]::Create(); $run.Runspace = $rs
                $null = $run.AddScript('Invoke-VStep -Name spin')
                $async = $run.BeginInvoke()
                Start-Sleep -Milliseconds 300
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $run.Stop()                                    # what Ctrl+C does
                $sw.Stop()
                $run.InvocationStateInfo.State | Should -Be 'Stopped'
                $sw.ElapsedMilliseconds | Should -BeLessThan 100

                $check = [powershell]::Create(); $check.Runspace = $rs
                $g = $check.AddScript('Get-VGuest spin').Invoke()[0]
                $g.State | Should -Be 'Ready'
                $g.Instructions | Should -BeGreaterThan 0
                $check.Commands.Clear()
                $r = $check.AddScript('Invoke-VStep -Name spin -Instructions 1000').Invoke()[0]
                $r.StopReason | Should -Be 'InstructionLimit'
                $r.Instructions | Should -Be 1000
            } finally { $rs.Dispose() }
        }
    }

    Describe 'Get-VRegister' {
        It 'reads every register and decodes the flags' {
            $g = New-VGuest -Name z -Bare -Bytes 0x31, 0xC0, 0xF4     # xor eax, eax ; hlt
            $g | Invoke-VStep | Out-Null
            $r = Get-VRegister -Guest $g
            foreach ($n in 'Rax', 'Rbx', 'Rcx', 'Rdx', 'Rsi', 'Rdi', 'Rbp', 'Rsp', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15', 'Rip', 'Rflags') {
                $r.PSObject.Properties.Name | Should -Contain $n
            }
            $r.Rsp | Should -Be (64MB)
            $r.Flags -split ' ' | Should -Contain 'ZF'
            $r.Flags -split ' ' | Should -Contain 'PF'
            $r.Flags -split ' ' | Should -Not -Contain 'CF'
        }

        It 'shows registers in hex' {
            $g = New-VGuest -Name h -Bare -Bytes $Answer
            $g | Invoke-VStep | Out-Null
            ($g | Get-VRegister | Out-String) | Should -Match 'Rax\s*:\s*0x000000000000002A'
        }

        It 'names flags from RFLAGS bits' {
            [VirtPS.VRegisters]::DecodeFlags(0x246) | Should -Be 'PF ZF IF'
            [VirtPS.VRegisters]::DecodeFlags(0x3002) | Should -Be 'IOPL=3'
        }
    }

    Describe 'Measure-VGuest' {
        It 'measures a step: instructions, cycles and MIPS > 0' {
            $m = New-VGuest -Name m -Bare -Bytes (Get-LoopBytes 200000) | Invoke-VStep | Measure-VGuest
            $m.Scope | Should -Be 'Step'
            $m.Name | Should -Be 'm'
            $m.Style | Should -Be 'Native'
            $m.Instructions | Should -Be 400002
            $m.Cycles | Should -BeGreaterThan 0
            $m.HostSeconds | Should -BeGreaterThan 0
            $m.Mips | Should -BeGreaterThan 0
        }

        It 'measures a guest over all its steps' {
            $g = New-VGuest -Name total -Bare -Bytes (Get-LoopBytes 1000)
            1..3 | ForEach-Object { $g | Invoke-VStep -Instructions 100 } | Out-Null
            $m = $g | Measure-VGuest
            $m.Scope | Should -Be 'Guest'
            $m.Instructions | Should -Be 300
            $m.Cycles | Should -Be $g.Cycles
        }

        It 'measures each step of a pipeline' {
            $g = New-VGuest -Name each -Bare -Bytes (Get-LoopBytes 1000)
            $ms = 1..2 | ForEach-Object { $g | Invoke-VStep -Instructions 10 } | Measure-VGuest
            $ms.Instructions | Should -Be @(10, 10)
        }
    }

    Describe 'Get-VDisassembly' {
        It 'decodes a guest at RIP' {
            $d = New-VGuest -Name dis -Bare -Bytes $Answer | Get-VDisassembly -Count 2
            $d.Count | Should -Be 2
            $d[0].Address | Should -Be 0x100000
            $d[0].BytesHex | Should -Be '48c7c02a000000'
            $d[0].Text | Should -Match '^mov rax,\s*2Ah$|^mov rax,\s*0x2a$|^mov rax,\s*42$'
            $d[1].Text | Should -Be 'hlt'
        }

        It 'decodes at -Address and after a partial step' {
            $g = New-VGuest -Name dis2 -Bare -Bytes (Get-LoopBytes 5)
            (Get-VDisassembly -Guest $g -Address 0x100005 -Count 1).Text | Should -Match '^dec rcx$'
            $g | Invoke-VStep -Instructions 1 | Out-Null
            (Get-VDisassembly -Guest dis2 -Count 1).Address | Should -Be 0x100005
        }

        It 'writes AddressOutOfRange outside guest memory' {
            $g = New-VGuest -Name small -MemoryMB 2
            $e = Get-ErrorOf { Get-VDisassembly -Guest $g -Address 0x200000 }
            $e.FullyQualifiedErrorId | Should -BeLike 'AddressOutOfRange,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'shows addresses in hex' {
            (New-VGuest -Name hx -Bare -Bytes $Answer | Get-VDisassembly -Count 1 | Out-String) | Should -Match '0x100000\s+48c7c02a000000'
        }
    }
}
