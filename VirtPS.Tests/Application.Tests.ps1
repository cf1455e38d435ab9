# -Style Application: javac-built class files run by the process VM, interpreted and compiled, against the real java.
BeforeDiscovery {
    $NoJdk = -not ((Get-Command javac -ErrorAction Ignore) -and (Get-Command java -ErrorAction Ignore))
}

BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $NoJdk = -not ((Get-Command javac -ErrorAction Ignore) -and (Get-Command java -ErrorAction Ignore))
    if ($NoJdk) { Write-Host 'Application tests skipped: javac/java (OpenJDK 17) are not installed (apt-get install openjdk-17-jdk-headless)' -ForegroundColor Yellow }

    function Get-ErrorOf([scriptblock] $Block) {
        $out = try { & $Block 2>&1 } catch { $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }

    # The computation the cycles-per-iteration table compares, as Java: N iterations of a small integer loop. Two builds
    # (N and 2N) let the difference cancel what runs once (kernel boot, runtime start, printing).
    function Get-LoopSource([string] $Class, [int] $N) {
        "public class $Class { public static void main(String[] a) { long s = 0; for (int i = 0; i < $N; i++) s += (i ^ (i >> 3)) & 1023; System.out.println(s); } }"
    }

    $Classes = Join-Path $TestDrive classes
    if (-not $NoJdk) {
        $src = Join-Path $TestDrive src
        $null = New-Item -ItemType Directory -Force $src, $Classes
        Set-Content "$src/Fib.java" 'public class Fib { static int calls; static int fib(int n) { calls++; return n < 2 ? n : fib(n - 1) + fib(n - 2); } public static void main(String[] a) { int r = fib(18); System.out.println("fib(18) = " + r); System.out.println("calls " + calls); } }'
        Set-Content "$src/Sync.java" 'public class Sync { public static void main(String[] a) { synchronized (a) { System.out.println(1); } } }'
        Set-Content "$src/Loop1.java" (Get-LoopSource Loop1 20000)
        Set-Content "$src/Loop2.java" (Get-LoopSource Loop2 40000)
        javac --release 17 -d $Classes (Get-ChildItem $src -Filter *.java).FullName
        $FibExpected = (java -cp $Classes Fib) -join "`n"
        $FibCalls = [long]([regex]::Match($FibExpected, '(?m)^calls (\d+)$').Groups[1].Value)   # the program counts its own calls
        $LoopExpected = (java -cp $Classes Loop1) -join "`n"
    }
}

Describe 'New-VGuest -Style Application' -Skip:$NoJdk {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'prints what the real java prints, with -JitThreshold <Threshold>' -TestCases @(
        @{ Threshold = [long]::MaxValue; State = 'Interpreted' }, @{ Threshold = 0; State = 'Compiled' }, @{ Threshold = 50; State = 'Compiled' }) {
        $g = New-VGuest -Name fib -Style Application -Path (Join-Path $Classes Fib.class) -JitThreshold $Threshold
        $g | Invoke-VStep | Select-Object -ExpandProperty StopReason | Should -Be 'Halt'
        $g.ProgramOutput.TrimEnd("`n") | Should -Be $FibExpected
        $fib = Get-VMethod fib -Name fib
        $fib.State | Should -Be $State
        $FibCalls | Should -BeGreaterThan 0
        $fib.Invocations | Should -Be $FibCalls
        $fib.Descriptor | Should -Be '(I)I'
    }

    It 'reports bytecodes and instructions per bytecode before and after compilation' {
        $g = New-VGuest -Name tiered -Style Application -Path (Join-Path $Classes Loop1.class), (Join-Path $Classes Fib.class) -MainClass Fib -JitThreshold 100
        $g | Invoke-VStep | Out-Null
        $m = $g | Measure-VGuest
        $m.Style | Should -Be 'Application'
        $m.MethodsCompiled | Should -Be 1
        $m.BytecodesInterpreted | Should -BeGreaterThan 0
        $m.BytecodesCompiled | Should -BeGreaterThan $m.BytecodesInterpreted
        $m.InstructionsPerBytecodeBeforeCompilation | Should -BeGreaterThan (5 * $m.InstructionsPerBytecodeAfterCompilation)
        Write-Host ("Fib under Application, -JitThreshold 100: {0:N2} guest instructions per bytecode interpreted, {1:N2} after fib was compiled" -f
            $m.InstructionsPerBytecodeBeforeCompilation, $m.InstructionsPerBytecodeAfterCompilation)
    }

    It 'prints Java''s cycles per iteration, interpreted and compiled' {
        $rows = foreach ($t in @{ Name = 'interpreted'; Threshold = [long]::MaxValue }, @{ Name = 'compiled'; Threshold = 0 }) {
            $one = New-VGuest -Name "loop1-$($t.Name)" -Style Application -Path (Join-Path $Classes Loop1.class) -JitThreshold $t.Threshold | Invoke-VStep | ForEach-Object Guest
            $two = New-VGuest -Name "loop2-$($t.Name)" -Style Application -Path (Join-Path $Classes Loop2.class) -JitThreshold $t.Threshold | Invoke-VStep | ForEach-Object Guest
            $one.ProgramOutput.TrimEnd("`n") | Should -Be $LoopExpected
            [pscustomobject]@{
                Computation = "Java, $($t.Name)"
                CyclesPerIteration = [math]::Round(($two.Cycles - $one.Cycles) / 20000, 1)
                InstructionsPerIteration = [math]::Round(($two.Instructions - $one.Instructions) / 20000, 1)
                InstructionsPerBytecode = ($two | Measure-VGuest).InstructionsPerBytecode
            }
        }
        Write-Host ($rows | Format-Table | Out-String)
        $rows[0].CyclesPerIteration | Should -BeGreaterThan (3 * $rows[1].CyclesPerIteration)
    }

    It 'gives <Id> for <Case>, leaving no guest' -TestCases @(
        @{ Case = 'a file that is not a class file'; Id = 'ClassFileBadMagic'; Make = { param($p) Set-Content $p 'public class X {}' } }
        @{ Case = 'class-file version 62'; Id = 'ClassFileVersionUnsupported'; Make = { param($p) $b = [IO.File]::ReadAllBytes((Join-Path $Classes Fib.class)); $b[7] = 62; [IO.File]::WriteAllBytes($p, $b) } }
        @{ Case = 'a truncated class file'; Id = 'ClassFileTruncated'; Make = { param($p) $b = [IO.File]::ReadAllBytes((Join-Path $Classes Fib.class)); [IO.File]::WriteAllBytes($p, $b[0..99]) } }
        @{ Case = 'a synchronized block'; Id = 'BytecodeUnsupported'; Make = { param($p) Copy-Item (Join-Path $Classes Sync.class) $p } }
        @{ Case = 'a missing file'; Id = 'ClassFileNotFound'; Make = { param($p) } }) {
        $path = Join-Path $TestDrive "bad-$Id.class"
        & $Make $path
        $e = Get-ErrorOf { New-VGuest -Name bad -Style Application -Path $path }
        $e.FullyQualifiedErrorId | Should -Be "$Id,VirtPS.Commands.NewVGuestCommand"
        @(Get-VGuest).Count | Should -Be 0
    }

    It 'names the opcode it refuses' {
        (Get-ErrorOf { New-VGuest -Name bad -Style Application -Path (Join-Path $Classes Sync.class) }).Exception.Message | Should -Match 'monitorenter'
    }
}

Describe 'The Application style runs class files only' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'refuses <Case> with <Id>' -TestCases @(
        @{ Case = 'a workload'; Id = 'StyleNeedsClassFiles,VirtPS.Commands.NewVGuestCommand'; Block = { New-VGuest -Name w -Style Application -Workload compute } }
        @{ Case = 'Compare-VStyle'; Id = 'StyleNeedsClassFiles,VirtPS.Commands.CompareVStyleCommand'; Block = { Compare-VStyle -Workload compute -Style Application -Iterations 10 } }
        @{ Case = 'Get-VMethod on a Native guest'; Id = 'NotApplicationGuest,VirtPS.Commands.GetVMethodCommand'; Block = { New-VGuest -Name n -Workload compute -Iterations 10 | Get-VMethod } }) {
        (Get-ErrorOf $Block).FullyQualifiedErrorId | Should -Be $Id
    }

    It 'is left out of Compare-VStyle''s default set' {
        $rows = Compare-VStyle -Workload compute -Iterations 200
        $rows.Style | Should -Not -Contain 'Application'
    }
}
