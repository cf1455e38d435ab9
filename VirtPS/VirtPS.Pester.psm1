# VirtPS's own Should operators, registered with Pester (Add-ShouldOperator) when Pester is loaded before VirtPS is
# imported, as Invoke-Pester does for every test file. See about_VirtPS_Pester. Each failure message says what was
# measured and what was expected, so a failed experiment reads as a result.

function script:Result([bool] $Succeeded, [string] $Message, [switch] $Negate, [string] $Because) {
    if ($Negate) { $Succeeded = -not $Succeeded }
    if (-not $Succeeded -and $Because) { $Message = "$Message, because $Because" }
    [pscustomobject]@{ Succeeded = $Succeeded; FailureMessage = $(if ($Succeeded) { '' } else { $Message }) }
}

function script:Ratio([double] $Actual, [double] $Of) {
    if ($Of -eq 0) { return [double]::NaN }
    $Actual / $Of
}

# $x | Should -BeWithinFactor 2 -Of 242: $x lies in [242/2, 242*2]. A measured figure against a paper's, where the
# simulated machine is not the paper's but should land within a factor of it.
function script:ShouldBeWithinFactor($ActualValue, $Factor, $Of, [switch] $Negate, [string] $Because) {
    if ($null -eq $Of) { throw [ArgumentException]::new('-BeWithinFactor needs -Of <expected value>.') }
    $f = [double]$Factor
    if (-not ($f -ge 1)) { throw [ArgumentException]::new("-BeWithinFactor takes a factor of 1 or more, not $Factor.") }
    $expected = [double]$Of
    $actual = $ActualValue -as [double]
    $inside = $null -ne $actual -and $actual -ge $expected / $f -and $actual -le $expected * $f
    $ratio = if ($null -ne $actual) { Ratio $actual $expected } else { [double]::NaN }
    $what = if ($null -eq $actual) { "got $(if ($null -eq $ActualValue) { '$null' } else { "'$ActualValue'" }), which is not a number" }
    else { 'got {0:G6}, {1:G3} times {2:G6}' -f $actual, $ratio, $expected }
    $message = if ($Negate) { 'Expected a value outside a factor of {0:G6} of {1:G6} ({2:G6} to {3:G6}), but {4}' -f $f, $expected, ($expected / $f), ($expected * $f), $what }
    else { 'Expected a value within a factor of {0:G6} of {1:G6} ({2:G6} to {3:G6}), but {4}' -f $f, $expected, ($expected / $f), ($expected * $f), $what }
    Result $inside $message -Negate:$Negate -Because $Because
}

# A step result, a measurement or a guest: why its last run stopped.
function script:StopReasonOf($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value.PSObject.Properties['StopReason']) { return $Value.StopReason }
    if ($Value -is [VirtPS.Engine.Guests.Guest]) { return (VirtPS\Measure-VGuest -Guest $Value).StopReason }
    $null
}

# $step | Should -HaveStopReason Halt
function script:ShouldHaveStopReason($ActualValue, $Reason, [switch] $Negate, [string] $Because) {
    $expected = [VirtPS.Engine.StopReason]$Reason
    $actual = StopReasonOf $ActualValue
    $name = if ($ActualValue.PSObject.Properties['Guest'] -and $ActualValue.Guest) { "guest '$($ActualValue.Guest.Name)'" }
    elseif ($ActualValue.PSObject.Properties['Name']) { "guest '$($ActualValue.Name)'" } else { 'the run' }
    $message = if ($Negate) { "Expected $name not to stop on $expected, but it did" }
    else { "Expected $name to stop on $expected, but it stopped on $(if ($null -eq $actual) { 'nothing (no run)' } else { $actual })" }
    Result ($actual -eq $expected) $message -Negate:$Negate -Because $Because
}

# $g | Should -HaveExit IoInstruction -Times 5: VM exits by their Intel SDM basic exit reason (Appendix C). Without -Times,
# at least one. Takes a measurement or a guest (measured now).
function script:ShouldHaveExit($ActualValue, $Reason, $Times, [switch] $Negate, [string] $Because) {
    $m = if ($ActualValue -is [VirtPS.Engine.Guests.Guest]) { VirtPS\Measure-VGuest -Guest $ActualValue }
    elseif ($ActualValue -is [VirtPS.Engine.Guests.StepResult]) { VirtPS\Measure-VGuest -Guest $ActualValue.Guest }
    else { $ActualValue }
    if ($null -eq $m -or -not $m.PSObject.Properties['ExitsByReason']) {
        throw [ArgumentException]::new('-HaveExit takes a guest, a step result or a Measure-VGuest result.')
    }
    $reasonName = [string]([VirtPS.Engine.Styles.ExitReason]$Reason)
    $count = 0L
    if ($m.ExitsByReason.ContainsKey($reasonName)) { $count = $m.ExitsByReason[$reasonName] }
    $seen = if ($m.ExitsByReason.Count) { ($m.ExitsByReason.GetEnumerator() | Sort-Object Value -Descending | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ' } else { 'no exits at all' }
    if ($null -ne $Times) {
        $n = [long]$Times
        $ok = $count -eq $n
        $message = if ($Negate) { "Expected guest '$($m.Name)' not to have exactly $n $reasonName exits, but it had $n" }
        else { "Expected guest '$($m.Name)' to have $n $reasonName exits, but it had $count ($seen)" }
    }
    else {
        $ok = $count -gt 0
        $message = if ($Negate) { "Expected guest '$($m.Name)' to have no $reasonName exits, but it had $count" }
        else { "Expected guest '$($m.Name)' to have $reasonName exits, but it had none ($seen)" }
    }
    Result $ok $message -Negate:$Negate -Because $Because
}

# 'web' | Should -Reach 10.0.2.2 [-Protocol Udp] [-Port 7]: one probe through the simulated networks (Test-VConnection).
function script:ShouldReach($ActualValue, $Target, $Protocol, $Port, [switch] $Negate, [string] $Because) {
    $from = if ($ActualValue -is [VirtPS.Engine.Guests.Guest]) { $ActualValue.Name } else { [string]$ActualValue }
    $probe = @{ From = $from; To = [string]$Target }
    if ($Protocol) { $probe.Protocol = $Protocol }
    if ($Port) { $probe.Port = $Port }
    $r = VirtPS\Test-VConnection @probe
    $via = if ($r.Path.Count) { ' via ' + (($r.Path | ForEach-Object { $_.ToString() }) -join ' > ') } else { '' }
    $message = if ($Negate) { "Expected '$from' not to reach $Target, but it did ($($r.Status) from $($r.ReplySource)$via)" }
    else { "Expected '$from' to reach $Target, but the probe ended in $($r.Status)$via" }
    Result ([bool]$r.Success) $message -Negate:$Negate -Because $Because
}

# Only when Pester is loaded: looking its command up (Get-Command) when it is not searches every module on PSModulePath,
# a large part of Import-Module's time, and where Pester is installed the call that follows would import it.
if (Get-Module Pester) {
    Add-ShouldOperator -Name BeWithinFactor -Test ${function:ShouldBeWithinFactor} -InternalName ShouldBeWithinFactor
    Add-ShouldOperator -Name HaveStopReason -Test ${function:ShouldHaveStopReason} -InternalName ShouldHaveStopReason
    Add-ShouldOperator -Name HaveExit -Test ${function:ShouldHaveExit} -InternalName ShouldHaveExit
    Add-ShouldOperator -Name Reach -Test ${function:ShouldReach} -InternalName ShouldReach
}

Export-ModuleMember -Function @()
