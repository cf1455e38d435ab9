# The built module as a user meets it: the manifest, and help that is complete and whose examples run.
BeforeDiscovery {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $cmdlets = @((Get-Module VirtPS).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
    # Examples that build their input with a real toolchain (javac for Application guests, mingw-w64 for Library ones) skip where it is missing.
    $NoJavac = -not (Get-Command javac -ErrorAction Ignore)
    $examples = foreach ($c in $cmdlets) {
        $i = 0
        foreach ($e in @((Get-Help $c.Name -Full).examples.example)) {
            $i++
            $code = $e.code -join "`n"
            @{ Name = $c.Name; Index = $i; Code = $code; Skip = ($NoJavac -and $code -match '\bjavac\b') -or ($code -match 'x86_64-w64-mingw32-gcc' -and -not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) }
        }
    }
}

BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $ModulePath = (Get-Module VirtPS).ModuleBase
    $Common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name + 'WhatIf', 'Confirm'
}

Describe 'Manifest' {
    It 'exports exactly the listed cmdlets, and nothing else' {
        $m = Test-ModuleManifest (Join-Path $ModulePath 'VirtPS.psd1')
        @($m.ExportedCmdlets.Keys | Sort-Object) | Should -Be @(
            'Add-VDisk', 'Add-VPortForward', 'Add-VRoute', 'Checkpoint-VGuest', 'Clear-VTlb', 'Compare-VBackend', 'Compare-VIoMode', 'Compare-VStyle',
            'Connect-VNetworkAdapter', 'ConvertTo-VProgram', 'Disconnect-VNetworkAdapter', 'Export-VCapture', 'Export-VCheckpoint', 'Export-VLab', 'Export-VReport', 'Get-VCheckpoint', 'Get-VCostModel',
            'Get-VDevice', 'Get-VDisassembly', 'Get-VGuest', 'Get-VHost', 'Get-VImport', 'Get-VIommu', 'Get-VMethod', 'Get-VNatSession', 'Get-VNetwork',
            'Get-VNetworkAdapter', 'Get-VProcess', 'Get-VReachability', 'Get-VRegister', 'Get-VTlb', 'Get-VTranslation', 'Get-VTranslationCache',
            'Get-VVirtqueue', 'Get-VWorkload', 'Import-VCheckpoint', 'Import-VLab', 'Invoke-VStep', 'Measure-VGuest', 'New-VGuest', 'New-VHost', 'New-VNetwork',
            'Receive-VConsole', 'Remove-VCheckpoint', 'Remove-VDevice', 'Remove-VGuest', 'Remove-VHost', 'Remove-VNetwork', 'Remove-VRoute', 'Restore-VGuest',
            'Send-VConsole', 'Send-VInput', 'Send-VPacket', 'Set-VDevice', 'Set-VGuest', 'Set-VHost', 'Set-VInputFocus',
            'Set-VNetwork', 'Start-VCapture', 'Stop-VCapture', 'Test-VConnection')
        $m.ExportedFunctions.Count | Should -Be 0
        $m.ExportedAliases.Count | Should -Be 0
        $m.ExportedVariables.Count | Should -Be 0
        @((Get-Module VirtPS).ExportedCommands.Keys | Sort-Object) | Should -Be @($m.ExportedCmdlets.Keys | Sort-Object)
    }

    It 'declares no wildcards, Core edition, PowerShell 7.6, formats and types' {
        $data = Import-PowerShellDataFile (Join-Path $ModulePath 'VirtPS.psd1')
        foreach ($key in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            @($data[$key]) -join ',' | Should -Not -Match '\*' -Because "$key lists names explicitly"
        }
        $data.CompatiblePSEditions | Should -Be @('Core')
        $data.PowerShellVersion | Should -Be '7.6'
        $data.RootModule | Should -Be 'VirtPS.dll'
        foreach ($f in @($data.FormatsToProcess) + @($data.TypesToProcess)) { Join-Path $ModulePath $f | Should -Exist }
    }

    It 'ships the engine and Iced but not System.Management.Automation' {
        Join-Path $ModulePath 'VirtPS.Engine.dll' | Should -Exist
        Join-Path $ModulePath 'Iced.dll' | Should -Exist
        Join-Path $ModulePath 'System.Management.Automation.dll' | Should -Not -Exist
    }

    It 'has a format view for every output type' {
        $views = ([xml](Get-Content (Join-Path $ModulePath 'VirtPS.Format.ps1xml') -Raw)).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName
        foreach ($c in (Get-Module VirtPS).ExportedCmdlets.Values) {
            # Files (Export-VReport -PassThru) are PowerShell's own to format.
            foreach ($t in $c.OutputType | Where-Object { $_.Type -and -not $_.Type.IsPrimitive -and $_.Type -ne [string] -and $_.Type -ne [IO.FileInfo] }) { $views | Should -Contain $t.Name -Because "$($c.Name) writes $($t.Name)" }
        }
        $views | Should -Contain 'VirtPS.Engine.Guests.GuestMeasurement'
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll { $help = Get-Help $Name -Full; $cmd = Get-Command $Name }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\w+-\w+ \[' -Because 'an auto-generated synopsis is just the syntax'
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter' {
        $documented = @($help.parameters.parameter | Where-Object { ($_.description.Text -join '').Trim() }).name
        foreach ($p in $cmd.Parameters.Keys | Where-Object { $_ -notin $Common -or ($_ -in 'WhatIf', 'Confirm') }) {
            $documented | Should -Contain $p -Because "-$p needs a description"
        }
    }

    It 'has inputs, outputs and at least two examples' {
        $help.inputTypes | Should -Not -BeNullOrEmpty
        $help.returnValues | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }
}

Describe 'Help example <Index> of <Name>' -ForEach $examples {
    # Examples that build with javac or mingw-w64 are skipped where the tool is not installed.
    It 'runs without errors in a fresh runspace' -Skip:$Skip {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`nImport-Module '$ModulePath'`n$Code")
            $out = $ps.Invoke()
            $errors = @($ps.Streams.Error | ForEach-Object { "$_" })
            $errors -join "`n" | Should -BeNullOrEmpty
            $ps.HadErrors | Should -BeFalse
            $out | Should -Not -BeNullOrEmpty -Because 'an example shows something'
        } finally { $ps.Dispose() }
    }
}

Describe 'Help has one source' {
    It 'shows the default of -Paging and -TimerPeriod in Get-Help New-VGuest' {
        (Get-Help New-VGuest -Parameter Paging).defaultValue | Should -Match '^Nested\b'
        (Get-Help New-VGuest -Parameter Paging | Out-String) | Should -Match 'Default value\s+Nested'
        (Get-Help New-VGuest -Parameter TimerPeriod).defaultValue | Should -Be '100000'
        (Get-Help New-VGuest -Parameter MemoryMB).defaultValue | Should -Match '64.*128'
    }

    It 'shows a default for every parameter that has one, in every cmdlet' {
        # A parameter has a default if its property starts with a value (an enum always has one), carries
        # [PSDefaultValue], or its description says what the default is. Switches default to False; parameters that
        # are mandatory in every parameter set never use theirs.
        $missing = foreach ($c in (Get-Module VirtPS).ExportedCmdlets.Values) {
            $instance = [Activator]::CreateInstance($c.ImplementingType)
            $help = @((Get-Help $c.Name -Full).parameters.parameter)
            foreach ($p in $c.Parameters.Values | Where-Object { $_.Name -notin $Common -and -not $_.SwitchParameter }) {
                if (@($p.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0) { continue }
                $prop = $c.ImplementingType.GetProperty($p.Name)
                $value = $prop.GetValue($instance)
                $hasValue = $value -is [Enum] -or ($null -ne $value -and "$value" -ne '' -and "$value" -ne '0' -and
                    -not ($value -is [Array] -and $value.Count -eq 0))
                $attr = $prop.GetCustomAttributes([System.Management.Automation.PSDefaultValueAttribute], $true)
                $h = $help | Where-Object name -eq $p.Name
                $says = ($h.description.Text -join ' ') -match '\bdefault\b'
                if (-not ($hasValue -or $attr -or $says)) { continue }
                $shown = "$($h.defaultValue)".Trim()
                if (-not $shown -or $shown -eq 'None') { "$($c.Name) -$($p.Name)" }
                elseif ($hasValue -and -not $attr -and $value -is [Enum] -and $shown -ne "$value") { "$($c.Name) -$($p.Name) shows '$shown', not '$value'" }
            }
        }
        @($missing) | Should -BeNullOrEmpty
    }

    It 'is what New-Help.ps1 makes from the /// comments and help-data.ps1, which holds no parameter text' {
        $root = Join-Path $PSScriptRoot '..'
        $data = & (Join-Path $root 'tools/Help/help-data.ps1')
        @($data.Keys | Where-Object { $data[$_].ContainsKey('Parameters') }) | Should -BeNullOrEmpty
        $doc = Join-Path $root 'VirtPS/bin/Release/net10.0/VirtPS.xml'
        $doc | Should -Exist -Because 'the build writes the /// comments there'
        $fresh = Join-Path ([IO.Path]::GetTempPath()) "virtps-help-$PID.xml"
        try {
            & (Join-Path $root 'tools/Help/New-Help.ps1') -Module $ModulePath -OutFile $fresh -DocFile $doc | Out-Null
            (Get-Content $fresh -Raw) | Should -Be (Get-Content (Join-Path $ModulePath 'en-US/VirtPS.dll-Help.xml') -Raw) -Because 'en-US/VirtPS.dll-Help.xml is regenerated with tools/Help/New-Help.ps1 after a help change'
        } finally { Remove-Item $fresh -ErrorAction Ignore }
    }
}

Describe 'about_VirtPS' {
    It 'and each of its topics is found by Get-Help: <_>' -ForEach @('about_VirtPS_Pester', 'about_VirtPS_LabFormat', 'about_VirtPS_Sweeps') {
        (Get-Help $_ | Out-String) | Should -Match "TOPIC\s+$_|$_"
        Get-ChildItem (Join-Path $ModulePath 'en-US') -Filter "$_.help.txt" | Should -Not -BeNullOrEmpty
    }

    It 'is found by Get-Help' {
        (Get-Help about_VirtPS | Out-String) | Should -Match 'GuestNotFound'
    }

    It 'lists every error id the module raises (the ErrorIds constants)' {
        $about = Get-Content (Join-Path $ModulePath 'en-US/about_VirtPS.help.txt') -Raw
        $ids = [VirtPS.Engine.ErrorIds].GetFields() | Where-Object IsLiteral | ForEach-Object { $_.GetRawConstantValue() }
        $ids.Count | Should -BeGreaterThan 10
        foreach ($id in $ids) { $about | Should -Match "(?m)^\s+$id\s" -Because "$id is an error id of the module" }
    }
}
