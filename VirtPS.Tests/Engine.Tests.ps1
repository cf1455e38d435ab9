# A guest's engine (New-VGuest -Engine): its default, what refuses it, where it shows, and that it changes nothing a guest
# or Measure-VGuest can see.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $ModulePath = (Get-Module VirtPS).ModuleBase
    # What a guest made without -Engine gets where the style allows a choice (build.ps1 Test may set VIRTPS_ENGINE).
    $Default = if ($env:VIRTPS_ENGINE) { $env:VIRTPS_ENGINE } else { 'Translator' }

    function Get-ErrorOf([scriptblock] $Block) {
        $out = try { & $Block 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }

    # Runs a script in a new pwsh with the module and the given environment; returns its output lines.
    function Invoke-Fresh([string] $Script, [hashtable] $Environment) {
        $exe = [Environment]::ProcessPath
        $pre = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $file = Join-Path ([IO.Path]::GetTempPath()) "virtps-engine-$PID.ps1"
        Set-Content $file -Value "Import-Module '$ModulePath'`n$Script"
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try { & $exe @pre -NoProfile -NonInteractive -File $file }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
            Remove-Item $file -ErrorAction Ignore
        }
    }
}

Describe 'Guest engines' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'gives a guest made without -Engine the default, Translator (Interpreter under Emulation)' {
        (New-VGuest -Name n -Workload compute).Engine | Should -Be $Default
        (New-VGuest -Name ha -Workload compute -Style HardwareAssisted).Engine | Should -Be $Default
        (New-VGuest -Name e -Workload compute -Style Emulation).Engine | Should -Be 'Interpreter'
        (New-VGuest -Name i -Workload compute -Engine Interpreter).Engine | Should -Be 'Interpreter'
        (New-VGuest -Name t -Workload compute -Engine Translator).Engine | Should -Be 'Translator'
    }

    It 'refuses -Style Emulation -Engine Translator with StyleNeedsInterpreter and makes nothing' {
        $e = Get-ErrorOf { New-VGuest -Name emu -Workload compute -Style Emulation -Engine Translator }
        $e.FullyQualifiedErrorId | Should -BeLike 'StyleNeedsInterpreter,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-VGuest | Should -BeNullOrEmpty
        $g = New-VGuest -Name emu -Workload compute -Style Emulation
        (Get-ErrorOf { Set-VGuest emu -Engine Translator }).FullyQualifiedErrorId | Should -BeLike 'StyleNeedsInterpreter,*'
        $g.Engine | Should -Be 'Interpreter'
    }

    It 'shows the engine in Get-VGuest''s list view, not its table, and Set-VGuest changes it' {
        New-VGuest -Name shown -Workload compute -Engine Interpreter | Out-Null
        (Get-VGuest shown | Format-List | Out-String) | Should -Match 'Engine\s+:\s+Interpreter'
        (Get-VGuest shown | Format-Table | Out-String) | Should -Not -Match 'Engine'
        Set-VGuest shown -Engine Translator -PassThru | ForEach-Object Engine | Should -Be 'Translator'
        (Get-VGuest shown | Format-List | Out-String) | Should -Match 'Engine\s+:\s+Translator'
    }

    It 'runs compute to the same console and the same Measure-VGuest figures under both engines' {
        $runs = foreach ($e in 'Interpreter', 'Translator') {
            $g = New-VGuest -Name "calc-$e" -Workload compute -Iterations 300000 -Engine $e
            $step = $g | Invoke-VStep
            [pscustomobject]@{
                Stop     = $step.StopReason
                Console  = Receive-VConsole $g -All
                Figures  = $g | Measure-VGuest | Select-Object -Property * -ExcludeProperty Name, HostSeconds, Mips | ConvertTo-Json -Depth 5
                Compiled = $g.Machine.HostTranslator.BlocksCompiled
            }
        }
        $runs[0].Stop | Should -Be 'Halt'
        $runs[1].Console | Should -Be $runs[0].Console
        $runs[1].Figures | Should -Be $runs[0].Figures
        $runs[1].Compiled | Should -BeGreaterThan 0 -Because 'the translator ran the loop compiled'
    }

    It 'takes the default from VIRTPS_ENGINE, and refuses a value it does not know' {
        $out = Invoke-Fresh @'
(New-VGuest -Name a -Workload compute).Engine
(New-VGuest -Name b -Workload compute -Engine Translator).Engine
(New-VGuest -Name c -Workload compute -Style Emulation).Engine
'@ @{ VIRTPS_ENGINE = 'interpreter' }
        $out | Should -Be 'Interpreter', 'Translator', 'Interpreter'
        $bad = Invoke-Fresh @'
try { New-VGuest -Name a -Workload compute -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
(Get-VGuest).Count
(New-VGuest -Name b -Workload compute -Engine Interpreter).Engine
'@ @{ VIRTPS_ENGINE = 'Jit' }
        $bad | Should -Be 'InvalidEngineSetting', '0', 'Interpreter'
    }
}
