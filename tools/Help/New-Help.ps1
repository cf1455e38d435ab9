# Generates en-US/VirtPS.dll-Help.xml (MAML). Each part of the help has one source:
#   - every parameter's description is its /// <summary> in the C# source, read from the compiler's documentation
#     file (VirtPS.xml, written by the build next to VirtPS.dll);
#   - every parameter's default value comes from the cmdlet class: a [PSDefaultValue] attribute (Help, else Value)
#     where the default is computed or depends on other parameters, else the property's initial value;
#   - syntax, types, positions, pipeline input, aliases and wildcards come from the cmdlet's metadata;
#   - synopsis, description, inputs, outputs, examples and links come from help-data.ps1, which has no parameter text.
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $OutFile,
    [string] $DocFile = (Join-Path $PSScriptRoot '../../VirtPS/bin/Release/net10.0/VirtPS.xml')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Resolve-Path $Module).ProviderPath
$data = & (Join-Path $PSScriptRoot 'help-data.ps1')
if (-not (Test-Path $DocFile)) { throw "No documentation file at $DocFile; build VirtPS first (dotnet pwsh ./build.ps1)." }
$members = @{}
foreach ($m in ([xml](Get-Content $DocFile -Raw)).doc.members.member) { $members[$m.name] = $m.SelectSingleNode('summary') }
$common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name + 'WhatIf', 'Confirm'
$commonText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
function X([string] $s) { [Security.SecurityElement]::Escape($s) }
function Para([string[]] $ps, [string] $indent) { ($ps | ForEach-Object { "$indent<maml:para>$(X $_)</maml:para>" }) -join "`n" }

function DocText([System.Xml.XmlNode] $summary) {
    # A /// summary as plain paragraphs: <para> separates them; <c>, <see cref>, <see langword> and <paramref> become text.
    $x = $summary.InnerXml
    $x = $x -replace '<see\s+cref="[A-Z]:(?:[\w.`]+\.)?([\w`]+)(?:\([^"]*\))?"\s*/>', '$1'
    $x = $x -replace '<(?:see\s+langword|paramref\s+name|typeparamref\s+name)="([^"]*)"\s*/>', '$1'
    $x = $x -replace '</?para\s*>', "`n`n" -replace '<[^>]+>', ''
    @([System.Net.WebUtility]::HtmlDecode($x) -split '\n\s*\n' | ForEach-Object { ($_ -replace '\s+', ' ').Trim() } | Where-Object { $_ })
}

function ParamText($cmd, $p) {
    if ($commonText.ContainsKey($p.Name)) { return $commonText[$p.Name] }
    $prop = $cmd.ImplementingType.GetProperty($p.Name)
    $key = "P:$($prop.DeclaringType.FullName).$($p.Name)"
    if (-not $members[$key]) { throw "$($cmd.Name) -$($p.Name) has no /// <summary> ($key)." }
    DocText $members[$key]
}

function Show($value) {
    # How a default value reads in help: enums by name, lists joined, numbers in the invariant culture.
    if ($value -is [string]) { return $value }
    if ($value -is [Collections.IEnumerable]) { return (@($value | ForEach-Object { Show $_ }) -join ', ') }
    if ($value -is [IFormattable]) { return $value.ToString($null, [Globalization.CultureInfo]::InvariantCulture) }
    "$value"
}

function DefaultOf($cmd, $instance, $p) {
    if ($commonText.ContainsKey($p.Name)) { return 'False' }
    $prop = $cmd.ImplementingType.GetProperty($p.Name)
    $attr = $prop.GetCustomAttributes([System.Management.Automation.PSDefaultValueAttribute], $true) | Select-Object -First 1
    if ($attr) { return $(if ($attr.Help) { $attr.Help } else { Show $attr.Value }) }
    if ($p.SwitchParameter) { return 'False' }
    if (@($p.ParameterSets.Values | Where-Object { -not $_.IsMandatory }).Count -eq 0) { return 'None' }   # always given
    $value = $prop.GetValue($instance)
    $empty = $null -eq $value -or ($value -is [string] -and $value -eq '') -or
        ($value -is [Array] -and $value.Count -eq 0) -or ($value -is [bool] -and -not $value) -or
        ($value -isnot [Enum] -and $value -is [ValueType] -and $value -eq [Activator]::CreateInstance($value.GetType()))
    if ($empty) { 'None' } else { Show $value }
}

function ParamXml($cmd, $instance, $p, $setName, $indent) {
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
    $aliases = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
    $type = $p.ParameterType
    $isSwitch = $type -eq [System.Management.Automation.SwitchParameter]
    $typeName = if ($isSwitch) { 'SwitchParameter' } else { $type.Name }
    $enum = if ($type.IsEnum) { [Enum]::GetNames($type) } else { @() }
@"
$indent<command:parameter required="$($required.ToString().ToLower())" variableLength="true" globbing="$($glob.ToString().ToLower())" pipelineInput="$pipeText" position="$pos" aliases="$(X $aliases)">
$indent  <maml:name>$($p.Name)</maml:name>
$indent  <maml:description>
$(Para (ParamText $cmd $p) "$indent    ")
$indent  </maml:description>
$(if ($enum) { "$indent  <command:parameterValueGroup>`n" + (($enum | ForEach-Object { "$indent    <command:parameterValue required=`"false`" command:variableLength=`"false`">$_</command:parameterValue>" }) -join "`n") + "`n$indent  </command:parameterValueGroup>" })
$(if (-not ($isSwitch -and $setName)) { "$indent  <command:parameterValue required=`"$((-not $isSwitch).ToString().ToLower())`" variableLength=`"false`">$typeName</command:parameterValue>" })
$indent  <dev:type><maml:name>$($type.FullName)</maml:name><maml:uri /></dev:type>
$indent  <dev:defaultValue>$(X (DefaultOf $cmd $instance $p))</dev:defaultValue>
$indent</command:parameter>
"@ -replace "(?m)^\s*\r?\n", ''
}

$sb = [Text.StringBuilder]::new()
[void]$sb.AppendLine('<?xml version="1.0" encoding="utf-8"?>')
[void]$sb.AppendLine('<helpItems schema="maml" xmlns="http://msh">')
foreach ($name in (Get-Command -Module VirtPS | Sort-Object Noun, Verb).Name) {
    $cmd = Get-Command $name
    $instance = [Activator]::CreateInstance($cmd.ImplementingType)
    $h = $data[$name]
    if (-not $h) { throw "No help text for $name" }
    if ($h.ContainsKey('Parameters')) { throw "help-data.ps1 has parameter text for $name; parameter help comes from the /// comments only." }
    $verb, $noun = $name -split '-', 2
    $params = $cmd.Parameters.Values | Where-Object { $_.Name -notin $common -or $_.Name -in 'WhatIf', 'Confirm' } |
        Where-Object { $_.Name -notin 'WhatIf', 'Confirm' -or $cmd.Parameters.ContainsKey('WhatIf') }
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
            [void]$sb.AppendLine((ParamXml $cmd $instance $cmd.Parameters[$sp.Name] $set.Name '        '))
        }
        [void]$sb.AppendLine('      </command:syntaxItem>')
    }
    [void]$sb.AppendLine("    </command:syntax>`n    <command:parameters>")
    foreach ($p in $params | Sort-Object { $_.Name -in 'WhatIf', 'Confirm' }) {
        [void]$sb.AppendLine((ParamXml $cmd $instance $p $null '      '))
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
