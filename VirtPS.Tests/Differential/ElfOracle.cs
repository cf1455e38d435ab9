using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace VirtPS.Tests.Differential;

/// <summary>What the host CPU did with one program: nasm's code for it (at its address in the ELF, where the engine
/// runs it too) and the final state, or the signal that killed the child while it ran the program.</summary>
internal sealed record HostRun(ulong Address, byte[] Code, MachineState? Output, int Signal)
{
    public string SignalName => Signal switch { 4 => "SIGILL", 5 => "SIGTRAP", 7 => "SIGBUS", 8 => "SIGFPE", 11 => "SIGSEGV", _ => $"signal {Signal}" };
}

/// <summary>
/// The host CPU as an oracle in a child process, as issue 16 asks: a batch of <see cref="RandomProgram"/>s is written
/// as NASM source (<see cref="NasmRenderer"/>) with a small driver, assembled by <c>nasm -f elf64</c>, linked by
/// <c>ld -static</c> with a linker script that puts the data area and stack at <see cref="Layout"/>'s addresses, and run.
/// The driver reads one input record per program from stdin (index, 16 GPRs, RFLAGS, the data buffer, the stack
/// window), loads it, jumps to the program, stores every GPR, RFLAGS and the two memory windows, and writes that
/// record to stdout. A program that faults kills the child: the runs before it are kept, the program is reported with
/// the signal, and a new child continues after it. Programs sit one after another from <see cref="ProgramsBase"/>;
/// the engine runs nasm's bytes at the same addresses, so nasm is the assembler for both sides.
/// </summary>
internal static class ElfOracle
{
    /// <summary>Where the first program starts (the rest follow it unaligned, so code crosses pages anywhere).</summary>
    public const ulong ProgramsBase = 0x100000;
    /// <summary>The table of each program's start and end (two quadwords each), read by the driver and by the parent.</summary>
    public const ulong TableAddr = 0x4000000;

    const int HeaderBytes = 8 + 16 * 8 + 8;
    const int RecordBytes = HeaderBytes + (int)Layout.DataSize + (int)Layout.StackWindowSize;

    /// <summary>How long one child may run before it is killed (a batch of 500 takes well under a second).</summary>
    public static TimeSpan Timeout = TimeSpan.FromSeconds(120);

    static readonly string? Nasm = FindOnPath("nasm"), Ld = FindOnPath("ld");

    /// <summary>Null when the oracle can run here; otherwise why not (for a skip reason).</summary>
    public static readonly string? WhyNot =
        RuntimeInformation.ProcessArchitecture != Architecture.X64 || !OperatingSystem.IsLinux()
            ? $"the host-CPU oracle needs x86-64 Linux (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture})"
        : Nasm == null ? "nasm is not installed or not on PATH (apt-get install nasm)"
        : Ld == null ? "ld (binutils) is not installed or not on PATH (apt-get install binutils)"
        : null;

    static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(d => d.Length > 0).Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);

    /// <summary>Runs each program (its first <c>count</c> steps) on the host CPU; one ELF and (unless one faults) one child for all.</summary>
    public static HostRun[] Run(IReadOnlyList<(RandomProgram Program, int Count)> programs)
    {
        if (WhyNot != null) throw new PlatformNotSupportedException(WhyNot);
        var dir = Directory.CreateTempSubdirectory("virtps-oracle-");
        try
        {
            string asm = Path.Combine(dir.FullName, "batch.asm"), obj = Path.Combine(dir.FullName, "batch.o"),
                   script = Path.Combine(dir.FullName, "batch.ld"), elf = Path.Combine(dir.FullName, "batch");
            File.WriteAllText(asm, Source(programs));
            File.WriteAllText(script, LinkerScript);
            Tool(Nasm!, "-f", "elf64", "-o", obj, asm);
            Tool(Ld!, "-static", "-nostdlib", "-T", script, "-o", elf, obj);
            var image = new ElfImage(File.ReadAllBytes(elf));
            var runs = new HostRun[programs.Count];
            var outputs = new MachineState?[programs.Count];
            var signals = new int[programs.Count];
            for (int next = 0; next < programs.Count;)
            {
                int done = RunChild(elf, programs, next, outputs);
                next += done;
                if (next < programs.Count && outputs[next] == null && done >= 0)
                {
                    signals[next] = LastSignal;
                    next++;
                }
            }
            for (int i = 0; i < programs.Count; i++)
            {
                ulong start = image.U64(TableAddr + (ulong)i * 16), end = image.U64(TableAddr + (ulong)i * 16 + 8);
                runs[i] = new HostRun(start, image.Bytes(start, (int)(end - start)), outputs[i], signals[i]);
            }
            return runs;
        }
        finally
        {
            // VIRTPS_ORACLE_KEEP=1 keeps the source, linker script and ELF of every batch for a look by hand.
            if (Environment.GetEnvironmentVariable("VIRTPS_ORACLE_KEEP") is not { Length: > 0 }) try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    [ThreadStatic] static int LastSignal;

    /// <summary>Runs the ELF on programs <paramref name="first"/>.. and returns how many completed before the child
    /// ended; when it ended on a signal (a program faulted), <see cref="LastSignal"/> says which.</summary>
    static int RunChild(string elf, IReadOnlyList<(RandomProgram Program, int Count)> programs, int first, MachineState?[] outputs)
    {
        var psi = new ProcessStartInfo(elf) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var errors = p.StandardError.ReadToEndAsync();
        var writer = Task.Run(() =>
        {
            var s = p.StandardInput.BaseStream;
            var rec = new byte[RecordBytes];
            try
            {
                for (int i = first; i < programs.Count; i++)
                {
                    Encode(rec, i, programs[i].Program.Input);
                    s.Write(rec);
                }
                s.Close();
            }
            catch (IOException) { }   // the child died (a faulting program): the reader sees where
        });
        using var killer = new Timer(_ => { try { p.Kill(); } catch (InvalidOperationException) { } }, null, Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        var output = p.StandardOutput.BaseStream;
        var buf = new byte[RecordBytes];
        int done = 0;
        while (first + done < programs.Count && ReadExactly(output, buf))
        {
            outputs[first + done] = Decode(buf, first + done);
            done++;
        }
        p.WaitForExit();
        writer.Wait();
        if (first + done == programs.Count)
        {
            if (p.ExitCode != 0) throw new InvalidOperationException($"the oracle child exited with {p.ExitCode}: {errors.Result}");
            return done;
        }
        // On Unix, .NET reports a child killed by signal N as exit code 128 + N.
        if (p.ExitCode <= 128) throw new InvalidOperationException($"the oracle child stopped after {done} of {programs.Count - first} programs with exit code {p.ExitCode}: {errors.Result}");
        if (p.ExitCode == 128 + 9) throw new TimeoutException($"the oracle child ran longer than {Timeout.TotalSeconds} s (program #{first + done} runs forever?)");
        LastSignal = p.ExitCode - 128;
        return done;
    }

    static bool ReadExactly(Stream s, byte[] buf)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int n = s.Read(buf, got, buf.Length - got);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }

    static void Encode(byte[] rec, int index, MachineState input)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(rec, (ulong)index);
        for (int r = 0; r < 16; r++) BinaryPrimitives.WriteUInt64LittleEndian(rec.AsSpan(8 + r * 8), input.Gpr[r]);
        BinaryPrimitives.WriteUInt64LittleEndian(rec.AsSpan(8 + 128), input.Rflags);
        input.Data.CopyTo(rec, HeaderBytes);
        input.Stack.CopyTo(rec, HeaderBytes + (int)Layout.DataSize);
    }

    static MachineState Decode(byte[] rec, int index)
    {
        ulong got = BinaryPrimitives.ReadUInt64LittleEndian(rec);
        if (got != (ulong)index) throw new InvalidOperationException($"the oracle child answered for program {got}, expected {index}");
        var s = new MachineState();
        for (int r = 0; r < 16; r++) s.Gpr[r] = BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(8 + r * 8));
        s.Rflags = BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(8 + 128));
        rec.AsSpan(HeaderBytes, (int)Layout.DataSize).CopyTo(s.Data);
        rec.AsSpan(HeaderBytes + (int)Layout.DataSize, (int)Layout.StackWindowSize).CopyTo(s.Stack);
        return s;
    }

    static void Tool(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(exe)} failed ({p.ExitCode}): {stdout.Result}{err}".Trim());
    }

    /// <summary>Data area and stack at <see cref="Layout"/>'s addresses (no file bytes: the driver reads them per
    /// program), programs from <see cref="ProgramsBase"/>, the table at <see cref="TableAddr"/>, the driver after it.</summary>
    const string LinkerScript = """
        ENTRY(_start)
        SECTIONS
        {
          .area 0x80000 (NOLOAD) : { *(.area) }
          .stk 0x90000 (NOLOAD) : { *(.stk) }
          .progs 0x100000 : { *(.progs) }
          .ptab 0x4000000 : { *(.ptab) }
          .text : { *(.text) }
          .bss (NOLOAD) : { *(.bss) }
          /DISCARD/ : { *(.comment) *(.note.gnu.property) }
        }
        """;

    /// <summary>The whole batch as one NASM source: the driver, every program, the table.</summary>
    static string Source(IReadOnlyList<(RandomProgram Program, int Count)> programs)
    {
        var sb = new StringBuilder(programs.Count * 2048);
        // Every GPR, RSP included (the program's stack is the one at Layout.StackTop), in encoding order.
        string loads = string.Join("\n", Layout.GprNames.Select((n, i) => $"    mov {n}, [rel hdr + {8 + i * 8}]"));
        string stores = string.Join("\n", Layout.GprNames.Select((n, i) => $"    mov [rel hdr + {8 + i * 8}], {n}"));
        sb.Append($$"""
            bits 64
            {{NasmRenderer.FoldMacro}}
            %define HDR {{HeaderBytes}}
            %define NPROG {{programs.Count}}

            section .note.GNU-stack noalloc noexec nowrite progbits

            section .area nobits alloc write noexec
            global {{NasmRenderer.AreaLabel}}
            {{NasmRenderer.AreaLabel}}: resb 0x{{Layout.DataSize:x}}

            section .stk nobits alloc write noexec
                resb 0x{{Layout.StackWindowAddr + Layout.StackWindowSize - 0x90000:x}}

            section .bss nobits alloc write noexec
            hdr:      resq 18            ; index, 16 GPRs (RAX..R15 in encoding order), RFLAGS
            host_rsp: resq 1
            entry:    resq 1

            section .text
            global _start
            _start:
                mov [rel host_rsp], rsp
            next:
                lea rsi, [rel hdr]
                mov edx, HDR
                call read_full
                test eax, eax
                jz finish                       ; end of input at a record boundary
                mov esi, 0x{{Layout.DataAddr:x}}
                mov edx, 0x{{Layout.DataSize:x}}
                call read_full
                test eax, eax
                jz truncated
                mov esi, 0x{{Layout.StackWindowAddr:x}}
                mov edx, 0x{{Layout.StackWindowSize:x}}
                call read_full
                test eax, eax
                jz truncated
                mov rax, [rel hdr]
                cmp rax, NPROG
                jae truncated
                shl rax, 4
                lea rcx, [rel ptab]
                mov rax, [rcx + rax]
                mov [rel entry], rax
                push qword [rel hdr + 8 + 128]
                popfq
            {{loads}}
                jmp [rel entry]
            back:
            {{stores}}
                mov rsp, [rel host_rsp]
                pushfq
                pop qword [rel hdr + 8 + 128]
                cld
                lea rsi, [rel hdr]
                mov edx, HDR
                call write_full
                mov esi, 0x{{Layout.DataAddr:x}}
                mov edx, 0x{{Layout.DataSize:x}}
                call write_full
                mov esi, 0x{{Layout.StackWindowAddr:x}}
                mov edx, 0x{{Layout.StackWindowSize:x}}
                call write_full
                jmp next
            finish:
                mov eax, 60
                xor edi, edi
                syscall
            truncated:
                mov eax, 60
                mov edi, 3
                syscall

            ; rsi = buffer, rdx = length. eax = 1 when all was read, 0 at end of input.
            read_full:
                xor eax, eax
                xor edi, edi
                syscall
                test rax, rax
                jle .eof
                add rsi, rax
                sub rdx, rax
                jnz read_full
                mov eax, 1
                ret
            .eof:
                xor eax, eax
                ret

            write_full:
                mov eax, 1
                mov edi, 1
                syscall
                test rax, rax
                jle .fail
                add rsi, rax
                sub rdx, rax
                jnz write_full
                ret
            .fail:
                mov eax, 60
                mov edi, 4
                syscall

            section .progs progbits alloc exec nowrite

            """);
        for (int i = 0; i < programs.Count; i++)
        {
            var (prog, count) = programs[i];
            sb.Append($"p{i}:\n");
            NasmRenderer.Append(sb, prog, count);
            sb.Append($"p{i}_end:\n    jmp back\n");
        }
        sb.Append("\nsection .ptab progbits alloc noexec nowrite align=8\nptab:\n");
        for (int i = 0; i < programs.Count; i++) sb.Append($"    dq p{i}, p{i}_end\n");
        return sb.ToString();
    }

    /// <summary>User and system CPU time of every child process this process has waited for (nasm, ld, the ELFs).</summary>
    public static TimeSpan ChildrenCpu()
    {
        var ru = new long[18];   // struct rusage: ru_utime, ru_stime (timeval: seconds, microseconds), then 14 counters
        if (WhyNot != null || getrusage(-1 /* RUSAGE_CHILDREN */, ru) != 0) return TimeSpan.Zero;
        return TimeSpan.FromSeconds(ru[0] + ru[2]) + TimeSpan.FromMicroseconds(ru[1] + ru[3]);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int getrusage(int who, long[] usage);

    /// <summary>The loadable segments of a static ELF64, read by virtual address.</summary>
    sealed class ElfImage
    {
        readonly byte[] _file;
        readonly List<(ulong Vaddr, ulong Offset, ulong FileSize)> _segments = [];

        public ElfImage(byte[] file)
        {
            _file = file;
            if (file.Length < 64 || BinaryPrimitives.ReadUInt32LittleEndian(file) != 0x464C457F) throw new InvalidDataException("not an ELF file");
            ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0x20));
            int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x36)), phnum = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x38));
            for (int i = 0; i < phnum; i++)
            {
                var ph = file.AsSpan((int)phoff + i * phentsize);
                if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 1) continue;   // PT_LOAD
                _segments.Add((BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]), BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]), BinaryPrimitives.ReadUInt64LittleEndian(ph[32..])));
            }
        }

        public byte[] Bytes(ulong address, int length)
        {
            foreach (var (vaddr, offset, size) in _segments)
                if (address >= vaddr && address + (ulong)length <= vaddr + size)
                    return _file.AsSpan((int)(offset + (address - vaddr)), length).ToArray();
            throw new InvalidDataException($"0x{address:X}+{length} is not in a loaded part of the ELF");
        }

        public ulong U64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(address, 8));
    }
}
