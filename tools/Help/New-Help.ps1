# Generates en-US/VirtPS.dll-Help.xml (MAML) from help-data.ps1 and the cmdlets' own metadata.
param([string] $Module, [string] $OutFile)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$data = & (Join-Path $PSScriptRoot 'help-data.ps1')
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name + 'WhatIf', 'Confirm'
function X([string] $s) { [Security.SecurityElement]::Escape($s) }
function Para([string[]] $ps, [string] $indent) { ($ps | ForEach-Object { "$indent<maml:para>$(X $_)</maml:para>" }) -join "`n" }

function ParamXml($cmd, $p, $setName, $indent, $text) {
    $attr = if ($setName) { $p.ParameterSets[$setName] } else { $null }
    if (-not $attr) { $attr = $p.ParameterSets.Values | Select-Object -First 1 }
    $required = ($p.ParameterSets.Values | ForEach-Object IsMandatory) -contains $true
    if ($setName) { $required = $attr.IsMandatory }
    $pipe = @()
    if ($attr.ValueFromPipeline) { $pipe += 'ByValue' }
    if ($attr.ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
    $pipeText = if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }
    $pos = if ($attr.Position -ge 0) { $attr.Position } else { 'named' }
    $glob = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $type = $p.ParameterType
    $typeName = if ($type -eq [System.Management.Automation.SwitchParameter]) { 'SwitchParameter' } else { $type.Name }
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $default = switch ("$($cmd.Name)/$($p.Name)") {
        'ConvertTo-VProgram/Origin' { '0x100000' } 'New-VGuest/Style' { 'Native' } 'New-VGuest/MemoryMB' { '64' }
        'Get-VDisassembly/Count' { '10' } 'Invoke-VStep/Until' { 'Halt' } default { 'None' } }
    $enum = if ($type.IsEnum) { [Enum]::GetNames($type) } else { @() }
@"
$indent<command:parameter required="$($required.ToString().ToLower())" variableLength="true" globbing="$($glob.ToString().ToLower())" pipelineInput="$pipeText" position="$pos" aliases="none">
$indent  <maml:name>$($p.Name)</maml:name>
$indent  <maml:description>
$(Para $text "$indent    ")
$indent  </maml:description>
$(if ($enum) { "$indent  <command:parameterValueGroup>`n" + (($enum | ForEach-Object { "$indent    <command:parameterValue required=`"false`" command:variableLength=`"false`">$_</command:parameterValue>" }) -join "`n") + "`n$indent  </command:parameterValueGroup>" })
$(if (-not ($isSwitch -and $setName)) { "$indent  <command:parameterValue required=`"$((-not $isSwitch).ToString().ToLower())`" variableLength=`"false`">$typeName</command:parameterValue>" })
$indent  <dev:type><maml:name>$($type.FullName)</maml:name><maml:uri /></dev:type>
$indent  <dev:defaultValue>$default</dev:defaultValue>
$indent</command:parameter>
"@ -replace "(?m)^\s*\r?\n", ''
}

$sb = [Text.StringBuilder]::new()
[void]$sb.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
[void]$sb.AppendLine('<helpItems schema="maml" xmlns="http://msh">')
foreach ($name in (Get-Command -Module VirtPS | Sort-Object Noun, Verb).Name) {
    $cmd = Get-Command $name
    $h = $data[$name]
    if (-not $h) { throw "No help text for $name" }
    $verb, $noun = $name -split '-', 2
    $params = $cmd.Parameters.Values | Where-Object { $_.Name -notin $common -or $_.Name -in 'WhatIf', 'Confirm' } |
        Where-Object { $_.Name -notin 'WhatIf', 'Confirm' -or $cmd.Parameters.ContainsKey('WhatIf') }
    if (-not $h.Parameters['WhatIf']) { $h.Parameters['WhatIf'] = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
    if (-not $h.Parameters['Confirm']) { $h.Parameters['Confirm'] = 'Prompts you for confirmation before running the cmdlet.' }
    foreach ($p in $params) { if (-not $h.Parameters[$p.Name]) { throw "No text for $name -$($p.Name)" } }
    [void]$sb.AppendLine(@"
  <command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">
    <command:details>
      <command:name>$name</command:name>
      <command:verb>$verb</command:verb>
      <command:noun>$noun</command:noun>
      <maml:description>
        <maml:para>$(X $h.Synopsis)</maml:para>
      </maml:description>
    </command:details>
    <maml:description>
$(Para $h.Description '      ')
    </maml:description>
    <command:syntax>
"@)
    foreach ($set in $cmd.ParameterSets) {
        [void]$sb.AppendLine("      <command:syntaxItem>`n        <maml:name>$name</maml:name>")
        foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common -or ($_.Name -in 'WhatIf', 'Confirm') }) {
            $p = $cmd.Parameters[$sp.Name]
            [void]$sb.AppendLine((ParamXml $cmd $p $set.Name '        ' $h.Parameters[$p.Name]))
        }
        [void]$sb.AppendLine('      </command:syntaxItem>')
    }
    [void]$sb.AppendLine("    </command:syntax>`n    <command:parameters>")
    foreach ($p in $params | Sort-Object { $_.Name -in 'WhatIf', 'Confirm' }) {
        [void]$sb.AppendLine((ParamXml $cmd $p $null '      ' $h.Parameters[$p.Name]))
    }
    [void]$sb.AppendLine("    </command:parameters>`n    <command:inputTypes>")
    foreach ($i in $h.Inputs) { [void]$sb.AppendLine("      <command:inputType>`n        <dev:type><maml:name>$($i.Type)</maml:name></dev:type>`n        <maml:description><maml:para>$(X $i.Text)</maml:para></maml:description>`n      </command:inputType>") }
    [void]$sb.AppendLine("    </command:inputTypes>`n    <command:returnValues>")
    foreach ($o in $h.Outputs) { [void]$sb.AppendLine("      <command:returnValue>`n        <dev:type><maml:name>$($o.Type)</maml:name></dev:type>`n        <maml:description><maml:para>$(X $o.Text)</maml:para></maml:description>`n      </command:returnValue>") }
    [void]$sb.AppendLine("    </command:returnValues>`n    <maml:alertSet>`n      <maml:alert>`n        <maml:para>Guests belong to the runspace that created them. See about_VirtPS for the error ids and what they mean.</maml:para>`n      </maml:alert>`n    </maml:alertSet>`n    <command:examples>")
    $n = 0
    foreach ($e in $h.Examples) {
        $n++
        [void]$sb.AppendLine("      <command:example>`n        <maml:title>-------------------------- Example ${n}: $(X $e.Title) --------------------------</maml:title>`n        <dev:code>$(X $e.Code)</dev:code>`n        <dev:remarks>`n          <maml:para>$(X $e.Remarks)</maml:para>`n        </dev:remarks>`n      </command:example>")
    }
    [void]$sb.AppendLine("    </command:examples>`n    <command:relatedLinks>")
    foreach ($l in $h.Links) { [void]$sb.AppendLine("      <maml:navigationLink>`n        <maml:linkText>$l</maml:linkText>`n        <maml:uri />`n      </maml:navigationLink>") }
    [void]$sb.AppendLine("    </command:relatedLinks>`n  </command:command>")
}
[void]$sb.AppendLine('</helpItems>')
[IO.File]::WriteAllText($OutFile, $sb.ToString())
([xml](Get-Content $OutFile -Raw)) | Out-Null
"wrote $OutFile"
