# Library virtualization (Wine's way) from PowerShell: real mingw-w64-built Windows programs under -Style Library, their
# import tables against objdump's, and the bad files the loader refuses. Skipped, with the reason, without mingw-w64.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $script:Gcc = Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue
    if (-not $script:Gcc) { Write-Host 'Library tests skipped: x86_64-w64-mingw32-gcc is not installed (apt-get install gcc-mingw-w64-x86-64)' -ForegroundColor Yellow }
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) "virtps-lib-$PID"
    New-Item -ItemType Directory -Path $script:Dir -Force | Out-Null
    $print = @'
#include <windows.h>
static void put(const char *s, DWORD n) { DWORD w; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, n, &w, NULL); }
static void putu(unsigned long long v) { char b[24]; int i = 24; do { b[--i] = '0' + v % 10; v /= 10; } while (v); put(b + i, 24 - i); }
static void putx(unsigned long long v) { char b[16]; for (int i = 15; i >= 0; i--, v >>= 4) b[i] = "0123456789abcdef"[v & 15]; put(b, 16); }
'@
    # Builds a -nostdlib program entered at start, linked against KERNEL32 only; returns its path.
    function script:Build([string] $Name, [string] $Source, [string[]] $Flags = @()) {
        $c = Join-Path $script:Dir "$Name.c"; $exe = Join-Path $script:Dir "$Name.exe"
        Set-Content -Path $c -Value ($print + "`n" + $Source)
        & x86_64-w64-mingw32-gcc -nostdlib -ffreestanding -fno-builtin -O1 -s -e start @Flags -o $exe $c -lkernel32 2>&1 | Write-Host
        $LASTEXITCODE | Should -Be 0
        $exe
    }
    if ($script:Gcc) {
        $script:Hello = Build hello 'void start(void) { put("hello, library\n", 15); ExitProcess(42); }'
        $script:Beep = Build beep 'void start(void) { put("before\n", 7); Beep(440, 100); put("after\n", 6); ExitProcess(0); }'
        # The cycles-per-iteration program: the compute workload's loop (Guests/Programs/compute.asm) in C, ITER (a -D
        # define) turns, the result printed (16 hex digits: the same console work whatever ITER is) so the loop stays.
        $compute = 'void start(void) { unsigned long long x = 0; for (unsigned long long i = ITER; i; i--) x = ((x + i) * 3) ^ i; put("compute: ", 9); putx(x); put("\n", 1); ExitProcess(0); }'
        $script:Compute1 = Build compute1 $compute '-DITER=1000'
        $script:Compute2 = Build compute2 $compute '-DITER=2000'
    }
}

AfterAll { Remove-Item -Recurse -Force $script:Dir -ErrorAction SilentlyContinue }

Describe 'Library style (-Style Library)' {
    AfterEach { Get-VGuest | Remove-VGuest -Confirm:$false }

    It 'runs a mingw-w64-built PE: its output, then its exit code' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        $g = New-VGuest -Name hello -Style Library -Path $script:Hello
        $g.Style | Should -Be 'Library'
        $g | Invoke-VStep | Out-Null
        (Receive-VConsole -Guest hello -All) -join "`n" | Should -Match 'hello, library'
        $m = Measure-VGuest hello
        $m.ExitCode | Should -Be 42
        $m.TranslatedCalls['KERNEL32.dll.WriteFile'] | Should -Be 1
        $m.TranslatedCalls['KERNEL32.dll.ExitProcess'] | Should -Be 1
        $m.TranslationLayerCycles | Should -BeGreaterThan 0
        $m.Exits | Should -Be 0
    }

    It 'runs a C program with main, printf and mingw-w64''s C runtime start-up' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        $c = Join-Path $script:Dir 'main.c'; $exe = Join-Path $script:Dir 'main.exe'
        Set-Content -Path $c -Value '#include <stdio.h>', 'int main(int argc, char **argv) { printf("%s has %d argument, %05.1d%%\n", argv[0], argc, 42); return 9; }'
        & x86_64-w64-mingw32-gcc -O1 -s -o $exe $c 2>&1 | Write-Host
        New-VGuest -Name crt -Style Library -Path $exe | Invoke-VStep | Out-Null
        (Receive-VConsole -Guest crt -All) -join "`n" | Should -Match 'program\.exe has 1 argument,    42%'   # a precision turns the 0 flag off (C17 7.21.6.1)
        $m = Measure-VGuest crt
        $m.ExitCode | Should -Be 9
        $m.TranslatedCalls['msvcrt.dll.__getmainargs'] | Should -Be 1
        (Get-VImport crt | Where-Object Dll -eq 'msvcrt.dll').Count | Should -BeGreaterThan 10
    }

    It 'runs the same PE given as -Bytes' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        New-VGuest -Name bytes -Style Library -Bytes ([IO.File]::ReadAllBytes($script:Hello)) | Invoke-VStep | Out-Null
        (Measure-VGuest bytes).ExitCode | Should -Be 42
    }

    It 'lists the real import table (objdump -p is the truth)' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        New-VGuest -Name imp -Style Library -Path $script:Beep | Out-Null
        $truth = @(); $dll = $null
        foreach ($line in (& x86_64-w64-mingw32-objdump -p $script:Beep)) {
            if ($line -match '^\s*DLL Name: (\S+)') { $dll = $Matches[1] }
            elseif ($dll -and $line -match '^\t[0-9a-f]+\t\s*\d+\s+(\S+)\s*$') { $truth += "$dll!$($Matches[1])" }
        }
        $imports = Get-VImport -Guest imp
        @($imports | ForEach-Object { "$($_.Dll)!$($_.Name)" }) | Should -Be $truth
        ($imports | Where-Object Name -eq 'Beep').Binding | Should -Be 'unimplemented'
        ($imports | Where-Object Name -eq 'WriteFile').Binding | Should -Be 'kernel32_WriteFile'
        ($imports | Out-String) | Should -Match '0x[0-9a-f]+'
    }

    It 'stops a program at an unimplemented import, naming it' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        New-VGuest -Name beep -Style Library -Path $script:Beep | Invoke-VStep | Out-Null
        $console = (Receive-VConsole -Guest beep -All) -join "`n"
        $console | Should -Match 'before\s+virtps: call to unimplemented function KERNEL32\.dll\.Beep, aborting'
        $console | Should -Not -Match 'after'
        (Measure-VGuest beep).ExitCode | Should -Be 3221225785   # 0xC0000139, STATUS_ENTRYPOINT_NOT_FOUND
    }

    It 'refuses bad files with specific error ids, leaving no guest' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        $bytes = [IO.File]::ReadAllBytes($script:Hello)
        $lfanew = [BitConverter]::ToInt32($bytes, 0x3C)
        $i386 = $bytes.Clone(); $i386[$lfanew + 4] = 0x4C; $i386[$lfanew + 5] = 0x01
        $arm64 = $bytes.Clone(); $arm64[$lfanew + 4] = 0x64; $arm64[$lfanew + 5] = 0xAA
        $cases = @(
            @{ Bytes = $bytes[0..($bytes.Length / 2)]; Id = 'PeTruncated' }
            @{ Bytes = $bytes[0..($lfanew + 10)]; Id = 'PeTruncated' }
            @{ Bytes = $i386; Id = 'PeMachineNotSupported' }
            @{ Bytes = $arm64; Id = 'PeMachineNotSupported' }
            @{ Bytes = [Text.Encoding]::ASCII.GetBytes("not a program`n"); Id = 'NotPortableExecutable' }
        )
        foreach ($case in $cases) {
            $path = Join-Path $script:Dir 'bad.exe'
            [IO.File]::WriteAllBytes($path, [byte[]]$case.Bytes)
            New-VGuest -Name bad -Style Library -Path $path -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike "$($case.Id)*"
            $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
            @(Get-VGuest).Count | Should -Be 0
        }
        New-VGuest -Name none -Style Library -Path (Join-Path $script:Dir 'missing.exe') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FileNotFound*'
        @(Get-VGuest).Count | Should -Be 0
    }

    It 'runs no built-in workload: LibraryNeedsPe, and Compare-VStyle leaves Library out by default' {
        New-VGuest -Name w -Style Library -Workload compute -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LibraryNeedsPe*'
        @(Get-VGuest).Count | Should -Be 0
        Compare-VStyle -Workload compute -Style Library -Iterations 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LibraryNeedsPe*'
        @(Compare-VStyle -Workload compute -Iterations 10).Style | Should -Not -Contain 'Library'
        New-VGuest -Name n -Workload compute -Iterations 10 | Out-Null
        Get-VImport -Guest n -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotLibraryGuest*'
    }

    It 'prints the PE''s cycles per iteration beside the native workload''s (the Library row of native vs PE vs Java)' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        # Two builds, ITER 1000 and 2000: the difference is 1000 iterations of the loop alone (start-up, printing and
        # the layer's calls are the same in both). The same for the built-in compute workload, the same loop in assembly.
        $a = New-VGuest -Name c1 -Style Library -Path $script:Compute1 | Invoke-VStep | Measure-VGuest
        $b = New-VGuest -Name c2 -Style Library -Path $script:Compute2 | Invoke-VStep | Measure-VGuest
        $a.ExitCode | Should -Be 0
        # The printed value is the loop's, computed here independently (64-bit wrap-around).
        $x = [System.Numerics.BigInteger]::Zero; $mod = [System.Numerics.BigInteger]::Pow(2, 64)
        for ($i = 1000; $i -gt 0; $i--) { $x = [System.Numerics.BigInteger]::op_ExclusiveOr((($x + $i) * 3) % $mod, $i) }
        (Receive-VConsole -Guest c1 -All) -join "`n" | Should -Match ("compute: " + $x.ToString('x').TrimStart('0').PadLeft(16, '0'))
        $pe = ($b.Cycles - $a.Cycles) / 1000
        # The layer did the same work in both: the loop makes no calls.
        $a.TranslationLayerCycles | Should -Be $b.TranslationLayerCycles
        $n1 = New-VGuest -Name n1 -Workload compute -Iterations 1000 | Invoke-VStep | Measure-VGuest
        $n2 = New-VGuest -Name n2 -Workload compute -Iterations 2000 | Invoke-VStep | Measure-VGuest
        $native = ($n2.Cycles - $n1.Cycles) / 1000
        Write-Host ("cycles per iteration: Native (compute.asm) {0}; Library (mingw-w64 PE, gcc -O1) {1} ({2} instructions); the PE's translation layer: {3} cycles in {4} calls" -f
            $native, $pe, (($b.Instructions - $a.Instructions) / 1000), $a.TranslationLayerCycles, ($a.TranslatedCalls.Values | Measure-Object -Sum).Sum)
        # The program's own code runs on the bare machine: gcc's loop costs what the hand-written one does, give or take
        # an instruction or two of code generation.
        [Math]::Abs($pe - $native) | Should -BeLessOrEqual 2
    }
}
