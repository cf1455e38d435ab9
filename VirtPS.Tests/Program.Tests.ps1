# Assembling programs: text, files, defines, origins, listings, errors and disassembly of a program.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force

    function Get-ErrorOf([scriptblock] $Block) {
        $out = try { & $Block 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }
}

Describe 'VirtPS programs' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    Describe 'ConvertTo-VProgram' {
        It 'assembles text at 0x100000' {
            $p = ConvertTo-VProgram -Text "mov rax, 42`nhlt"
            $p | Should -BeOfType VirtPS.VProgram
            $p.Origin | Should -Be 0x100000
            $p.EntryPoint | Should -Be 0x100000
            $p.Bytes | Should -Be ([byte[]](0xB8, 0x2A, 0, 0, 0, 0xF4))   # as nasm: mov eax, 42 ; hlt
            $p.Size | Should -Be 6
        }

        It 'joins piped lines into one program' {
            $p = 'mov rax, 42', 'hlt' | ConvertTo-VProgram
            @($p).Count | Should -Be 1
            $p.Size | Should -Be 6
        }

        It 'applies -Define and -Origin, and lists symbols and lines' {
            $p = ConvertTo-VProgram -Text 'start: mov ecx, N', 'l: dec rcx', 'jnz l', 'hlt' -Define @{ N = 7 } -Origin 0x400000
            $p.Origin | Should -Be 0x400000
            $p.Symbols['l'] | Should -Be 0x400005
            $p.Listing.Count | Should -BeGreaterOrEqual 4
            ($p.Listing | Where-Object Line -EQ 1).Bytes | Should -Be ([byte[]](0xB9, 7, 0, 0, 0))
        }

        It 'reads -Path through PowerShell paths' {
            Set-Content -Path TestDrive:/answer.asm -Value 'mov rax, 42', 'hlt'
            $p = ConvertTo-VProgram -Path TestDrive:/answer.asm
            $p.Size | Should -Be 6
            $p.Path | Should -Be (Join-Path (Get-PSDrive TestDrive).Root 'answer.asm')
        }

        It 'writes FileNotFound (ObjectNotFound) for a missing file' {
            $e = Get-ErrorOf { ConvertTo-VProgram -Path TestDrive:/missing.asm }
            $e.FullyQualifiedErrorId | Should -BeLike 'FileNotFound,*'
            $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'writes AssemblyError (ParserError) with the line and column' {
            $e = Get-ErrorOf { ConvertTo-VProgram -Text 'nop', 'nop', 'mov rax, [' }
            $e.FullyQualifiedErrorId | Should -BeLike 'AssemblyError,*'
            $e.CategoryInfo.Category | Should -Be 'ParserError'
            "$e" | Should -Match 'line 3, column \d+'
            $e.Exception.Line | Should -Be 3
        }

        It 'names the file in an assembly error from -Path' {
            Set-Content -Path TestDrive:/bad.asm -Value 'bogus'
            "$(Get-ErrorOf { ConvertTo-VProgram -Path TestDrive:/bad.asm })" | Should -Match 'bad\.asm: line 1, column \d+'
        }

        It 'writes InvalidDefine for a value that is not an integer' {
            $e = Get-ErrorOf { ConvertTo-VProgram -Text 'mov ecx, N' -Define @{ N = 'lots' } }
            $e.FullyQualifiedErrorId | Should -BeLike 'InvalidDefine,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
    }

    Describe 'Get-VDisassembly -Program' {
        BeforeAll { $P = ConvertTo-VProgram -Text 'mov ecx, 3', 'l: dec rcx', 'jnz l', 'hlt' }

        It 'decodes from the origin and stops at the end of the image' {
            $d = $P | Get-VDisassembly -Count 10
            $d.Count | Should -Be 4
            $d[0].Address | Should -Be 0x100000
            $d[1].Text | Should -Be 'dec rcx'
            $d[3].Text | Should -Be 'hlt'
        }

        It 'decodes from -Address' {
            (Get-VDisassembly -Program $P -Address 0x100005 -Count 1).Text | Should -Be 'dec rcx'
        }

        It 'writes AddressOutOfRange outside the image' {
            $e = Get-ErrorOf { Get-VDisassembly -Program $P -Address 0x200000 }
            $e.FullyQualifiedErrorId | Should -BeLike 'AddressOutOfRange,*'
        }

        It 'round-trips: a program, a guest, the same bytes at RIP' {
            $g = New-VGuest -Name rt -Bare -Program $P
            (Get-VDisassembly -Guest $g -Count 4).Text | Should -Be ($P | Get-VDisassembly).Text
        }
    }
}
