# One computation in four forms, cycles per iteration side by side: the built-in kernel's compute workload (machine code in
# a user process, Native), the same loop in C built by mingw-w64 and run as a Windows PE under Library (Wine's way), and
# the same loop in Java built by javac and run under Application (the JVM's way), interpreted and compiled. Each figure is
# marginal: (cycles at 2N - cycles at N) / N, so start-up, printing and exit cancel out.
# The loop is Guests/Programs/compute.asm's: x = ((x + i) * 3) ^ i for i = N down to 1, in 64-bit arithmetic.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) "virtps-kinds-$PID"
    New-Item -ItemType Directory -Path $Dir -Force | Out-Null
    $script:HaveGcc = [bool](Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)
    $script:HaveJavac = [bool](Get-Command javac -ErrorAction SilentlyContinue)
    if (-not $HaveGcc) { Write-Host 'Kinds: the Library row is skipped: x86_64-w64-mingw32-gcc is not installed (apt-get install gcc-mingw-w64-x86-64)' -ForegroundColor Yellow }
    if (-not $HaveJavac) { Write-Host 'Kinds: the Application rows are skipped: javac is not installed (apt-get install openjdk-17-jdk-headless)' -ForegroundColor Yellow }
    $script:N = 2000

    # The loop's value after n turns, computed here (the independent truth for every form's printed result).
    function script:Expected([int] $count) {
        $x = [System.Numerics.BigInteger]::Zero; $mod = [System.Numerics.BigInteger]::Pow(2, 64)
        for ($i = $count; $i -gt 0; $i--) { $x = [System.Numerics.BigInteger]::op_ExclusiveOr((($x + $i) * 3) % $mod, $i) }
        $x
    }
    # A guest's run to its halt: cycles and instructions.
    function script:Run([scriptblock] $make) { $g = & $make; $null = $g | Invoke-VStep; $m = Measure-VGuest -Guest $g; [pscustomobject]@{ Guest = $g; Cycles = $m.Cycles; Instructions = $m.Instructions } }

    $script:Rows = [System.Collections.Generic.List[object]]::new()
    function script:Row([string] $form, [string] $style, $a, $b) {
        $Rows.Add([pscustomobject]@{ Form = $form; Style = $style
            CyclesPerIteration = [math]::Round(($b.Cycles - $a.Cycles) / $N, 1)
            InstructionsPerIteration = [math]::Round(($b.Instructions - $a.Instructions) / $N, 1) })
    }

    # Native: the compute workload.
    $n1 = Run { New-VGuest -Name native1 -Workload compute -Iterations $N }
    $n2 = Run { New-VGuest -Name native2 -Workload compute -Iterations (2 * $N) }
    Row 'machine code (compute.asm)' Native $n1 $n2

    if ($HaveGcc) {
        foreach ($turns in $N, (2 * $N)) {
            Set-Content (Join-Path $Dir "c$turns.c") @"
#include <windows.h>
static void put(const char *s, DWORD n) { DWORD w; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, n, &w, NULL); }
void start(void) {
    unsigned long long x = 0;
    for (unsigned long long i = $turns; i; i--) x = ((x + i) * 3) ^ i;
    char b[24]; int k = 24; do { b[--k] = '0' + x % 10; x /= 10; } while (x); put(b + k, 24 - k); put("\n", 1);
    ExitProcess(0);
}
"@
            & x86_64-w64-mingw32-gcc -nostdlib -ffreestanding -fno-builtin -O1 -s -e start -o (Join-Path $Dir "c$turns.exe") (Join-Path $Dir "c$turns.c") -lkernel32 2>&1 | Write-Host
        }
        $script:pe1 = Run { New-VGuest -Name pe1 -Style Library -Path (Join-Path $Dir "c$N.exe") }
        $script:pe2 = Run { New-VGuest -Name pe2 -Style Library -Path (Join-Path $Dir "c$(2 * $N).exe") }
        Row 'C, mingw-w64 gcc -O1, Windows PE' Library $pe1 $pe2
    }
    if ($HaveJavac) {
        foreach ($turns in $N, (2 * $N)) {
            Set-Content (Join-Path $Dir "Compute$turns.java") @"
public class Compute$turns {
    public static void main(String[] args) {
        long x = 0;
        for (long i = $turns; i > 0; i--) x = ((x + i) * 3) ^ i;
        System.out.println(x);
    }
}
"@
        }
        & javac -d $Dir (Join-Path $Dir "Compute$N.java") (Join-Path $Dir "Compute$(2 * $N).java") 2>&1 | Write-Host
        foreach ($tier in @(@{ Name = 'interpreted'; Threshold = [long]::MaxValue }, @{ Name = 'compiled'; Threshold = 0 })) {
            $j1 = Run { New-VGuest -Name "j1$($tier.Name)" -Style Application -Path (Join-Path $Dir "Compute$N.class") -JitThreshold $tier.Threshold }
            $j2 = Run { New-VGuest -Name "j2$($tier.Name)" -Style Application -Path (Join-Path $Dir "Compute$(2 * $N).class") -JitThreshold $tier.Threshold }
            Set-Variable -Scope Script -Name "java_$($tier.Name)" -Value @($j1, $j2)
            Row "Java, javac, $($tier.Name)" Application $j1 $j2
        }
    }
    $native = $Rows[0].CyclesPerIteration
    foreach ($r in $Rows) { $r | Add-Member RatioToNative ([math]::Round($r.CyclesPerIteration / $native, 2)) }
    Write-Host ("The same loop in four forms, cycles per iteration ({0} and {1} iterations, Modern cost model):`n{2}" -f $N, (2 * $N),
        ($Rows | Format-Table Form, Style, CyclesPerIteration, InstructionsPerIteration, RatioToNative -AutoSize | Out-String -Width 160))
}
AfterAll { Remove-Item -Recurse -Force $Dir -ErrorAction SilentlyContinue }

Describe 'One computation as machine code, a Windows PE and Java' {
    It 'the PE under Library prints the loop''s value and costs what machine code costs, give or take code generation' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        ((Receive-VConsole -Guest pe1 -All) -split "`n") | Should -Contain (Expected $N).ToString()
        # No traps, no exits: the program runs directly; only its few layer calls are translated.
        (Measure-VGuest -Guest pe1).Exits | Should -Be 0
        ($Rows | Where-Object Style -eq Library).CyclesPerIteration | Should -BeWithinFactor 1.5 -Of $Rows[0].CyclesPerIteration
    }

    It 'Java prints the same value interpreted and compiled, and compiling brings it near machine code' -Skip:(-not (Get-Command javac -ErrorAction SilentlyContinue)) {
        # Java's long is signed: the same 64 bits, printed as a two's-complement value.
        $x = Expected $N
        $two63 = [System.Numerics.BigInteger]::Pow(2, 63)
        $signed = if ($x -ge $two63) { $x - 2 * $two63 } else { $x }
        foreach ($g in $java_interpreted[0].Guest, $java_compiled[0].Guest) { $g.ProgramOutput.Trim() | Should -Be $signed.ToString() }
        $interpreted = ($Rows | Where-Object Form -like '*interpreted').CyclesPerIteration
        $compiled = ($Rows | Where-Object Form -like '*compiled').CyclesPerIteration
        $compiled | Should -BeLessThan ($interpreted / 3)
        $compiled | Should -BeGreaterThan $Rows[0].CyclesPerIteration
    }
}
