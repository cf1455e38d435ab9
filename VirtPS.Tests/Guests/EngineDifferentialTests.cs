using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using VirtPS.Engine;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Io;
using VirtPS.Engine.Network;
using VirtPS.Tests.Jvm;
using VirtPS.Tests.Library;
using Xunit;
using Xunit.Abstractions;

namespace VirtPS.Tests.Guests;

/// <summary>
/// The two engines hold each other to one semantics (issue 16): every built-in workload (and a flag-heavy user program),
/// under every style that runs it,
/// made twice — once with <see cref="ExecutionEngine.Interpreter"/>, once with <see cref="ExecutionEngine.Translator"/> —
/// must end with the same registers, control registers, RFLAGS and RIP, console, stop reason, instructions retired, trace
/// of guest events (each at its instruction), guest memory (a hash of every resident frame), disk image, and every figure
/// Measure-VGuest reports. The interpreter is the reference; the sizes make hot blocks run past
/// <see cref="Machine.HostCompileThreshold"/>, and each style's translator run must have compiled blocks, so the test
/// cannot pass by never running compiled code. Emulation has one engine only (it interprets by definition).
/// </summary>
public sealed class EngineDifferentialTests(ITestOutputHelper output)
{
    /// <summary>Iterations per workload: enough for the hot loops to be compiled, small enough for the whole test to take
    /// seconds. Disk workloads get a 1 MiB disk, network workloads a NIC on a bridge to the LAN's hosts, keys typed input.</summary>
    static readonly Dictionary<string, long> Iterations = new()
    {
        ["compute"] = 200_000, ["syscall"] = 5_000, ["in"] = 10_000, ["cr8wr"] = 10_000, ["callret"] = 10_000, ["pgfault"] = 4_096,
        ["divzero"] = 5_000, ["ptemod"] = 20_000, ["ctxswitch"] = 3_000, ["forkwait"] = 100, ["tlbstride"] = 4, ["tlbswitch"] = 200,
        ["diskread"] = 1, ["diskwrite"] = 1, ["keys"] = 16, ["netping"] = 4, ["netperf"] = 3_000,
    };

    static readonly Dictionary<string, long> NetParameters = new() { ["Target"] = 20 };   // lanhost1, behind the bridge
    const string Typed = "engines agree";
    const long Budget = 200_000_000;
    const int DiskBytes = 1 << 20;

    /// <summary>A user program beside the workloads: a hot loop whose flags are observed the ways compiled code must keep
    /// them (CF carried across INC and DEC into ADC, SBB and SETcc, RFLAGS pushed and folded in), with shifts, IMUL, MOVZX,
    /// PUSH/POP and CALL/RET, its checksum written to the console and left in its data page.</summary>
    const string FlagsProgram = """
        default rel
        DATA equ 0x40100000
        start:
            mov r12, 6000
            xor r13, r13
            mov rbx, 0x9E3779B97F4A7C15
            mov rcx, 1
            xor edx, edx
            mov rdi, 7
        .loop:
            mov rax, rbx
            add rax, rcx
            inc rdx
            adc r13, rax
            pushfq
            pop rax
            xor r13, rax
            sub rcx, rbx
            dec rdi
            sbb r13, 0
            setc al
            movzx esi, al
            add r13, rsi
            mov r8, rcx
            shl r8, 3
            shr rcx, 5
            xor rcx, r8
            imul rcx, rcx, 0x5bd1e995
            push rcx
            call mix
            pop r9
            add r13, r9
            rol r13, 7
            dec r12
            jnz .loop
            mov [DATA], r13
            mov eax, 1
            mov edi, DATA
            mov esi, 8
            syscall
            xor eax, eax
            syscall
        mix:
            lea rcx, [rcx + rdx * 4 + 13]
            ret
        """;

    public static TheoryData<string> Setups => new()
    {
        "Native", "TrapAndEmulate", "BinaryTranslation", "HardwareAssisted/Shadow", "HardwareAssisted/Nested", "Paravirtual", "Container",
    };

    /// <summary>Every workload under one style (a container per workload on a host of its own for Container), both engines.</summary>
    [Theory]
    [MemberData(nameof(Setups))]
    public void EveryWorkloadEndsTheSameUnderBothEngines(string setup)
    {
        var parts = setup.Split('/');
        var style = Enum.Parse<VirtualizationStyle>(parts[0]);
        MemoryVirtualization? paging = parts.Length > 1 ? Enum.Parse<MemoryVirtualization>(parts[1]) : null;
        var dir = Directory.CreateTempSubdirectory("virtps-engines");
        try
        {
            var runs = Workload.All.Select(w => w.Name).Append("flags")
                .SelectMany(w => new[] { ExecutionEngine.Interpreter, ExecutionEngine.Translator }.Select(e => (Name: w, e))).ToList();
            var outcomes = new Outcome[runs.Count];
            var sw = Stopwatch.StartNew();
            Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 },
                i => outcomes[i] = RunWorkload(runs[i].Name, runs[i].e, style, paging, dir.FullName));
            var problems = new List<string>();
            long compiled = 0;
            for (int i = 0; i < runs.Count; i += 2)
            {
                var (a, b) = (outcomes[i], outcomes[i + 1]);
                output.WriteLine($"{setup} {a.Case}: {a.Stop} after {a.Instructions:N0} instructions; interpreter {a.Seconds:F2} s, translator {b.Seconds:F2} s, {b.Compiled} blocks compiled");
                compiled += b.Compiled;
                problems.AddRange(Differences(a, b).Select(d => $"{setup} {a.Case}: {d}"));
            }
            output.WriteLine($"{setup}: {runs.Count} runs in {sw.Elapsed.TotalSeconds:F1} s, {compiled} blocks compiled");
            Assert.True(problems.Count == 0, string.Join("\n", problems));
            // Not vacuous: the translator ran compiled code under this style, and the compute loop (all user code) was compiled.
            Assert.True(compiled > 0, $"{setup}: the translator compiled no block");
            Assert.True(outcomes[runs.FindIndex(r => r.Name == "compute" && r.e == ExecutionEngine.Translator)].Compiled > 0,
                $"{setup}: compute's loop was not compiled");
        }
        finally { dir.Delete(true); }
    }

    /// <summary>A Windows program under Library: mingw's C runtime start-up, printf through the translation layer in a
    /// loop, and a sieve; the layer's code and the program's both get hot.</summary>
    [MingwFact]
    public void ALibraryGuestEndsTheSameUnderBothEngines()
    {
        const string source = """
            #include <stdio.h>
            int main(void)
            {
                static char composite[20000];
                int primes = 0;
                for (int i = 2; i < 20000; i++)
                {
                    if (composite[i]) continue;
                    primes++;
                    for (int j = i * 2; j < 20000; j += i) composite[j] = 1;
                    if (primes % 4 == 0) printf("%d %x|", i, i * 7);
                }
                printf("\nprimes=%d\n", primes);
                return primes & 0x7F;
            }
            """;
        var pe = Mingw.Build(source, "-D__USE_MINGW_ANSI_STDIO=0 -fno-builtin -O1 -s");
        Compare("Library", e => Guest.Create(new GuestSpec
        {
            Name = "win", Style = VirtualizationStyle.Library, Kind = GuestImageKind.UserProgram, Image = pe, Engine = e,
        }));
    }

    /// <summary>A Java program under Application: the guest's bytecode interpreter, then its baseline compiler writing x86-64
    /// into guest memory (code the engines must see change), and the compiled methods' loops.</summary>
    [JavaFact]
    public void AnApplicationGuestEndsTheSameUnderBothEngines()
    {
        const string source = """
            public class Churn {
                static int step(int x) { return x * 1103515245 + 12345; }
                static int sum(int[] a) { int s = 0; for (int i = 0; i < a.length; i++) s += a[i]; return s; }
                public static void main(String[] args) {
                    int[] a = new int[64];
                    int x = 1;
                    for (int r = 0; r < 400; r++) {
                        for (int i = 0; i < a.length; i++) { x = step(x); a[i] = x >>> 7; }
                        if (r % 100 == 0) System.out.println("round " + r + " sum " + sum(a));
                    }
                    System.out.println("done " + sum(a));
                }
            }
            """;
        string classes = JavaToolchain.Compile(new Dictionary<string, string> { ["Churn.java"] = source });
        try
        {
            var files = new[] { Path.Combine(classes, "Churn.class") }.Select(p => (p, File.ReadAllBytes(p))).ToList();
            Compare("Application", e => Guest.Create(new GuestSpec
            {
                Name = "java", Style = VirtualizationStyle.Application, Kind = GuestImageKind.ClassFiles, ClassFiles = files, Engine = e,
            }));
        }
        finally { Directory.Delete(classes, true); }
    }

    void Compare(string what, Func<ExecutionEngine, Guest> make)
    {
        var runs = new[] { ExecutionEngine.Interpreter, ExecutionEngine.Translator }.AsParallel().AsOrdered()
            .Select(e => Run(what, e, make(e), trace: true)).ToArray();
        var (a, b) = (runs[0], runs[1]);
        output.WriteLine($"{what}: {a.Stop} after {a.Instructions:N0} instructions; interpreter {a.Seconds:F2} s, translator {b.Seconds:F2} s, {b.Compiled} blocks compiled");
        var d = Differences(a, b);
        Assert.True(d.Count == 0, string.Join("\n", d.Select(x => $"{what}: {x}")));
        Assert.Equal(StopReason.Halt, a.Stop);
        Assert.True(b.Compiled > 0, $"{what}: the translator compiled no block");
    }

    /// <summary>One workload guest, made and run with <paramref name="engine"/>: a container on a lab of its own, or a
    /// guest with what its workload needs (a disk image of its own, a NIC on a world of its own, typed keys).</summary>
    static Outcome RunWorkload(string workload, ExecutionEngine engine, VirtualizationStyle style, MemoryVirtualization? paging, string dir)
    {
        var spec = workload == "flags"
            ? new GuestSpec
            {
                Name = $"{workload}-{engine}", Style = style, Paging = paging, Kind = GuestImageKind.UserProgram,
                Image = VirtPS.Engine.Guests.Kernel.AssembleUser(FlagsProgram).Bytes, Engine = engine,
            }
            : new GuestSpec
            {
                Name = $"{workload}-{engine}", Style = style, Paging = paging, Kind = GuestImageKind.Workload, Workload = workload,
                Iterations = Iterations[workload], Engine = engine,
                WorkloadParameters = workload is "netping" or "netperf" ? NetParameters : null,
            };
        if (style == VirtualizationStyle.Container)
        {
            var lab = new Lab();
            lab.AddHost("h");
            var c = lab.Create(spec with { Host = "h", HostName = workload });   // its uts name is in kernel memory: the same for both
            return Run(workload, engine, c, trace: false);
        }
        var g = Guest.Create(spec);
        // The IO mode follows the style, so every device model runs under some style.
        var mode = style switch
        {
            VirtualizationStyle.HardwareAssisted when paging == MemoryVirtualization.Nested => IoMode.Passthrough,
            VirtualizationStyle.HardwareAssisted or VirtualizationStyle.Paravirtual => IoMode.Paravirtual,
            _ => IoMode.Emulated,
        };
        string? image = null;
        try
        {
            if (workload is "diskread" or "diskwrite")
            {
                image = Path.Combine(dir, $"{workload}-{engine}.img");
                var bytes = new byte[DiskBytes];
                new Random(16).NextBytes(bytes);
                File.WriteAllBytes(image, bytes);
                g.AddDisk(image, null, mode);
            }
            if (workload is "netping" or "netperf")
            {
                var world = new NetworkWorld();
                world.NewNetwork("br", NetworkMode.Bridge);
                g.AddNetworkAdapter(world, "br", mode);
            }
            if (workload == "keys")
            {
                var k = g.Devices.OfType<Engine.Io.Input.Keyboard>().Single();
                k.Type(Typed);
                k.Press("Escape");
            }
            var o = Run(workload, engine, g, trace: true);
            g.CloseDevices();
            return image is null ? o : o with { Disk = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(image))) };
        }
        finally { g.CloseDevices(); }
    }

    /// <summary>Runs <paramref name="g"/> to its end (or the budget) and takes everything the engines must agree on.</summary>
    static Outcome Run(string name, ExecutionEngine engine, Guest g, bool trace)
    {
        Assert.Equal(engine, g.Engine);
        using var events = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long traced = 0;
        Action<Engine.Trace.TraceEvent>? tracer = trace ? e =>
        {
            traced++;
            events.AppendData(Encoding.UTF8.GetBytes(e.ToString() + "\n"));
        } : null;
        var sw = Stopwatch.StartNew();
        var r = g.Step(Budget, trace: tracer);
        sw.Stop();
        var m = g.Machine;
        var cpu = m.Cpu;
        var regs = new StringBuilder();
        foreach (var gpr in Enum.GetValues<Gpr>()) regs.Append(CultureInfo.InvariantCulture, $"{gpr}={cpu.GetGpr(gpr):X} ");
        regs.Append(CultureInfo.InvariantCulture,
            $"rip={cpu.Rip:X} rflags={cpu.Rflags:X} cr0={cpu.Cr0:X} cr2={cpu.Cr2:X} cr3={cpu.Cr3:X} cr4={cpu.Cr4:X} cr8={cpu.Cr8:X} efer={cpu.Efer:X} cpl={cpu.Cpl}");
        return new Outcome(name, r.StopReason, r.Instructions, g.Instructions, cpu.Retired, regs.ToString(),
            g.Console.Output, m.Console.Output, traced, trace ? Convert.ToHexString(events.GetHashAndReset()) : "",
            Figures(g.Measure()), MemoryHash(m), g.State, m.HostTranslator?.BlocksCompiled ?? 0, sw.Elapsed.TotalSeconds);
    }

    sealed record Outcome(string Case, StopReason Stop, long Instructions, long GuestInstructions, long Retired, string Registers,
        string Console, string MachineConsole, long Events, string EventHash, List<string> Figures, string Memory, GuestState State,
        long Compiled, double Seconds)
    {
        public string? Disk { get; init; }
    }

    static List<string> Differences(Outcome a, Outcome b)
    {
        var d = new List<string>();
        void Check<T>(string what, T x, T y) { if (!EqualityComparer<T>.Default.Equals(x, y)) d.Add($"{what}: interpreter {x}, translator {y}"); }
        Check("stop reason", a.Stop, b.Stop);
        Check("state", a.State, b.State);
        Check("instructions in the step", a.Instructions, b.Instructions);
        Check("instructions of the guest", a.GuestInstructions, b.GuestInstructions);
        Check("instructions retired by the CPU", a.Retired, b.Retired);
        Check("registers", a.Registers, b.Registers);
        Check("trace events", a.Events, b.Events);
        Check("trace (SHA-256 of every event with its instruction)", a.EventHash, b.EventHash);
        Check("memory (SHA-256 of every resident frame)", a.Memory, b.Memory);
        Check("disk image (SHA-256)", a.Disk, b.Disk);
        if (a.Console != b.Console) d.Add($"console: interpreter\n{Tail(a.Console)}\ntranslator\n{Tail(b.Console)}");
        if (a.MachineConsole != b.MachineConsole) d.Add("the machine's console differs");
        var fa = a.Figures.ToHashSet();
        var fb = b.Figures.ToHashSet();
        foreach (var x in a.Figures.Where(x => !fb.Contains(x))) d.Add($"Measure-VGuest interpreter {x}");
        foreach (var x in b.Figures.Where(x => !fa.Contains(x))) d.Add($"Measure-VGuest translator  {x}");
        return d;
    }

    static string Tail(string s) => s.Length <= 400 ? s : "..." + s[^400..];

    /// <summary>Host time, and the names of what was measured (the guests' names differ by engine), are not the guest's.</summary>
    static readonly HashSet<string> NotFigures = ["HostSeconds", "Mips", "MicrosecondsPerExit", "Name", "Guest"];

    /// <summary>Every figure of a measurement as "path=value" lines: its properties, and the properties of what they hold
    /// (the events priced, the devices, the counts by exit reason, hypercall and API), found by reflection so a figure
    /// added later is compared too.</summary>
    static List<string> Figures(object measurement)
    {
        var lines = new List<string>();
        void Walk(object? o, string path, int depth)
        {
            switch (o)
            {
                case null: lines.Add($"{path}=null"); return;
                case string or Enum or bool or char or decimal: lines.Add($"{path}={o}"); return;
                case IFormattable f when o.GetType().IsPrimitive: lines.Add($"{path}={f.ToString(null, CultureInfo.InvariantCulture)}"); return;
                case IDictionary dict:
                    foreach (var k in dict.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal)) Walk(dict[k], $"{path}[{k}]", depth + 1);
                    return;
                case IEnumerable list:
                    int i = 0;
                    foreach (var x in list) Walk(x, $"{path}[{i++}]", depth + 1);
                    lines.Add($"{path}.Count={i}");
                    return;
            }
            Assert.True(depth < 6, $"{path}: nested too deep");
            foreach (var p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                if (p.GetIndexParameters().Length == 0 && !NotFigures.Contains(p.Name)) Walk(p.GetValue(o), $"{path}.{p.Name}", depth + 1);
        }
        Walk(measurement, "", 0);
        return lines;
    }

    /// <summary>Every resident guest frame, by frame number and contents.</summary>
    static string MemoryHash(Machine m)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var mem = m.Memory;
        ulong frames = mem.Size >> Engine.Memory.PhysicalMemory.PageShift;
        Span<byte> pfn = stackalloc byte[8];
        for (ulong f = 0; f < frames; f++)
        {
            if (!mem.IsResident(f)) continue;
            BitConverter.TryWriteBytes(pfn, f);
            h.AppendData(pfn);
            h.AppendData(mem.Frame(f));
        }
        return Convert.ToHexString(h.GetHashAndReset());
    }
}
