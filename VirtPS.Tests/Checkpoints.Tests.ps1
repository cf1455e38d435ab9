# Checkpoints through the cmdlets: a guest rewound and run on gives exactly the run it gave the first time (the engine's
# determinism is the oracle), in this runspace and, through a file, in a new one; damaged files change nothing.
BeforeAll {
    $module = if ($env:VIRTPS_MODULE) { $env:VIRTPS_MODULE } else { Join-Path $PSScriptRoot '../out/VirtPS' }
    Import-Module $module -Force
    $script:modulePath = (Get-Module VirtPS).ModuleBase
    $script:dir = Join-Path ([IO.Path]::GetTempPath()) "virtps-checkpoints-$PID"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    # The console, every register and every figure Measure-VGuest gives but host time.
    $script:outcome = {
        param($name)
        (Receive-VConsole -Guest $name -All) + "`n" +
        (Get-VRegister -Guest $name | Select-Object -Property * -ExcludeProperty Name | Format-List | Out-String) +
        (Measure-VGuest -Guest $name | Select-Object -Property * -ExcludeProperty Name, HostSeconds, Mips | ConvertTo-Json -Depth 3 -Compress)
    }
    $script:N = 100000
    # The run never rewound: forkwait stopped at instruction N, where the checkpoint is taken, and run on to its end.
    $null = New-VGuest -Name straight -Workload forkwait -Iterations 60 | Invoke-VStep -Instructions $N
    $null = Invoke-VStep -Guest straight
    $script:expected = & $outcome straight
}
AfterAll { Remove-Item $dir -Recurse -Force -ErrorAction Ignore }

Describe 'Checkpoint-VGuest and Restore-VGuest' {
    It 'rewinds forkwait from its end to instruction N, and it runs on to exactly the same end, twice' {
        $null = New-VGuest -Name fw -Workload forkwait -Iterations 60 | Invoke-VStep -Instructions $N
        $cp = Checkpoint-VGuest -Guest fw -Name before -PassThru
        $cp.Instructions | Should -Be $N
        $null = Invoke-VStep -Guest fw
        & $outcome fw | Should -Be $expected
        foreach ($round in 1, 2) {
            Restore-VGuest -Guest fw -Checkpoint before
            (Get-VGuest fw).Instructions | Should -Be $N
            $null = Invoke-VStep -Guest fw
            & $outcome fw | Should -Be $expected -Because "round $round"
        }
    }

    It 'lists, names uniquely and removes checkpoints' {
        (Get-VCheckpoint -Guest fw).Name | Should -Be 'before'
        Checkpoint-VGuest -Guest fw -Name before -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].FullyQualifiedErrorId | Should -BeLike 'CheckpointNameInUse*'
        Restore-VGuest -Guest fw -Checkpoint nothing -ErrorAction SilentlyContinue -ErrorVariable e2
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'CheckpointNotFound*'
        Get-VCheckpoint -Guest fw | Remove-VCheckpoint -Confirm:$false
        Get-VCheckpoint -Guest fw | Should -BeNullOrEmpty
    }

    It 'refuses a container, whose state is its shared kernel''s' {
        $null = New-VGuest -Name ct -Style Container -Workload syscall -Iterations 10
        Checkpoint-VGuest -Guest ct -Name x -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].FullyQualifiedErrorId | Should -BeLike 'CheckpointNotSupported*'
        Remove-VGuest -Name ct -Confirm:$false
    }

    It 'refuses a guest whose state is partly a host file''s' {
        $g = New-VGuest -Name withdisk -Workload diskread
        Add-VDisk -Guest withdisk -Path (Join-Path $dir 'd.img') -SizeMB 1 -Mode Paravirtual
        Checkpoint-VGuest -Guest withdisk -Name x -ErrorAction SilentlyContinue -ErrorVariable e
        $e[0].FullyQualifiedErrorId | Should -BeLike 'CheckpointNotSupported*'
        Get-VCheckpoint -Guest withdisk | Should -BeNullOrEmpty
    }
}

Describe 'Export-VCheckpoint and Import-VCheckpoint' {
    BeforeAll {
        $null = New-VGuest -Name src -Workload forkwait -Iterations 60 | Invoke-VStep -Instructions $N
        $script:file = Join-Path $dir 'src.vpscheckpoint'
        Checkpoint-VGuest -Guest src -Name mid -PassThru | Export-VCheckpoint -Path $file
    }

    It 'carries the guest into a new runspace, where it runs on to exactly the same end' {
        $rs = [runspacefactory]::CreateRunspace(); $rs.Open()
        try {
            $ps = [powershell]::Create($rs)
            $null = $ps.AddScript("Import-Module '$modulePath'; `$g = Import-VCheckpoint -Path '$file' -Name straight; `$g.Instructions; `$null = Invoke-VStep -Guest straight").Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $ps.Commands.Clear()
            $outcomeThere = $ps.AddScript("& { $($outcome.ToString()) } straight").Invoke()
            $outcomeThere | Should -Be $expected
        } finally { $rs.Dispose() }
    }

    It 'is compressed and holds about what the guest touched' {
        $touched = (Measure-VGuest -Guest src).ResidentBytes
        (Get-Item $file).Length | Should -BeLessThan $touched
    }

    Context 'a damaged file' {
        BeforeAll {
            $script:bytes = [IO.File]::ReadAllBytes($file)
            function Write-Damaged([string] $name, [byte[]] $content) { $p = Join-Path $dir $name; [IO.File]::WriteAllBytes($p, $content); $p }
            # The payload unpacked, changed, packed again and given a correct checksum: only the change is wrong.
            function Edit-Payload([scriptblock] $change) {
                $in = [IO.Compression.GZipStream]::new([IO.MemoryStream]::new($bytes, 44, $bytes.Length - 44), [IO.Compression.CompressionMode]::Decompress)
                $text = [IO.StreamReader]::new($in).ReadToEnd()
                $text = & $change $text
                $out = [IO.MemoryStream]::new()
                $gz = [IO.Compression.GZipStream]::new($out, [IO.Compression.CompressionLevel]::Fastest, $true)
                $raw = [Text.Encoding]::UTF8.GetBytes($text); $gz.Write($raw, 0, $raw.Length); $gz.Dispose()
                $payload = $out.ToArray()
                $header = $bytes[0..11] + [Security.Cryptography.SHA256]::HashData($payload)
                [byte[]]($header + $payload)
            }
        }

        It 'is refused with <Id>, and nothing in the runspace changes (<Damage>)' -TestCases @(
            @{ Damage = 'truncated'; Id = 'CheckpointChecksumMismatch' }
            @{ Damage = 'header only, cut short'; Id = 'CheckpointFileInvalid' }
            @{ Damage = 'a flipped payload byte'; Id = 'CheckpointChecksumMismatch' }
            @{ Damage = 'version 9'; Id = 'CheckpointVersionNotSupported' }
            @{ Damage = 'not a checkpoint'; Id = 'CheckpointFileInvalid' }
            @{ Damage = 'a field of the wrong type'; Id = 'CheckpointFieldInvalid' }
        ) {
            $content = switch ($Damage) {
                'truncated' { $bytes[0..($bytes.Length / 2)] }
                'header only, cut short' { $bytes[0..20] }
                'a flipped payload byte' { $c = $bytes.Clone(); $c[100] = $c[100] -bxor 0xFF; $c }
                'version 9' { $c = $bytes.Clone(); $c[8] = 9; $c }
                'not a checkpoint' { [Text.Encoding]::UTF8.GetBytes('{ "format": "VirtPS.Lab" }' + (' ' * 60)) }
                'a field of the wrong type' { Edit-Payload { param($t) $t -replace '"<Instructions>k__BackingField":\d+', '"<Instructions>k__BackingField":"many"' } }
            }
            $path = Write-Damaged "damaged.bin" ([byte[]]$content)
            $before = (Get-VGuest | Out-String) + (Get-VCheckpoint | Out-String)
            Import-VCheckpoint -Path $path -Name copy -ErrorAction SilentlyContinue -ErrorVariable e
            $e[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            if ($Id -eq 'CheckpointFieldInvalid') { $e[0].Exception.Message | Should -BeLike '*<Instructions>k__BackingField*' }
            (Get-VGuest | Out-String) + (Get-VCheckpoint | Out-String) | Should -Be $before
        }
    }
}

Describe 'Checkpoints of foreign programs' {
    BeforeAll {
        $script:fdir = Join-Path $dir 'foreign'
        New-Item -ItemType Directory -Path $fdir -Force | Out-Null
        # Run to the end straight, then again from a checkpoint at instruction 300,000 (in memory, then through a file).
        function script:Test-Rewind([scriptblock] $make, [string] $kind) {
            $s = & $make "$kind-s"; $null = $s | Invoke-VStep -Instructions 300000; $null = $s | Invoke-VStep
            $expected = & $outcome "$kind-s"
            $g = & $make "$kind-g"; $null = $g | Invoke-VStep -Instructions 300000
            Checkpoint-VGuest -Guest $g -Name mid -PassThru | Export-VCheckpoint -Path (Join-Path $fdir "$kind.ckpt")
            $null = $g | Invoke-VStep
            Restore-VGuest -Guest $g -Checkpoint mid; $null = $g | Invoke-VStep
            & $outcome "$kind-g" | Should -Be $expected -Because 'restored in memory'
            $null = Import-VCheckpoint -Path (Join-Path $fdir "$kind.ckpt") -Name "$kind-i" | Invoke-VStep
            & $outcome "$kind-i" | Should -Be $expected -Because 'read from a file'
        }
    }

    It 'a Java program under Application, half-compiled' -Skip:(-not (Get-Command javac -ErrorAction SilentlyContinue)) {
        Set-Content (Join-Path $fdir 'Fib.java') 'public class Fib { static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); } public static void main(String[] a) { for (int i = 0; i < 20; i++) System.out.println("fib " + i + " = " + fib(i)); } }'
        & javac -d $fdir (Join-Path $fdir 'Fib.java') 2>&1 | Write-Host
        Test-Rewind { param($n) New-VGuest -Name $n -Style Application -Path (Join-Path $fdir 'Fib.class') -JitThreshold 50 } jvm
    }

    It 'a Windows program under Library' -Skip:(-not (Get-Command x86_64-w64-mingw32-gcc -ErrorAction SilentlyContinue)) {
        Set-Content (Join-Path $fdir 'hello.c') '#include <windows.h>', 'void start(void) { DWORD n; for (int i = 0; i < 200; i++) WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "hello\n", 6, &n, NULL); ExitProcess(7); }'
        & x86_64-w64-mingw32-gcc -nostdlib -ffreestanding -O1 -s -e start -o (Join-Path $fdir 'hello.exe') (Join-Path $fdir 'hello.c') -lkernel32 2>&1 | Write-Host
        Test-Rewind { param($n) New-VGuest -Name $n -Style Library -Path (Join-Path $fdir 'hello.exe') } pe
        (Measure-VGuest -Guest pe-i).ExitCode | Should -Be 7
    }
}
