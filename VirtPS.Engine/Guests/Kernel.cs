using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using VirtPS.Engine.Asm;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The built-in guest kernel (<c>Guests/Programs/kernel.asm</c>): assembled by the project's assembler on
/// first use (cached per defines) together with a workload's user program, which the host places at
/// <see cref="UserImageAddress"/> for the kernel to copy into each process.
/// </summary>
public static partial class Kernel
{
    /// <summary>Guest-physical address the user program is placed at for the kernel to copy.</summary>
    public const ulong UserImageAddress = 0x1C0000;
    /// <summary>Largest user program, in bytes.</summary>
    public const int MaxUserProgram = 0x40000;
    /// <summary>Virtual address user programs are linked at and entered at.</summary>
    public const ulong UserCodeAddress = 0x40000000;
    /// <summary>A page each process has mapped read-write at start (the page <c>ptemod</c> flips).</summary>
    public const ulong UserDataAddress = 0x40100000;
    /// <summary>Top of each process's user stack (16 KiB, mapped at start).</summary>
    public const ulong UserStackTop = 0x40200000;
    /// <summary>Where <see cref="KernelSyscall.Mmap"/> hands out demand-paged memory.</summary>
    public const ulong HeapBase = 0x40400000;
    /// <summary>Most processes alive at once.</summary>
    public const int MaxProcesses = 16;
    /// <summary>Default scheduling-tick period, in user instructions (the kernel counts them with IA32_PMC0).</summary>
    public const long DefaultTimerPeriod = 100_000;
    /// <summary>The kernel maps the first 1 GiB; guests running it must not have more.</summary>
    public const int MaxMemoryMB = 1024;

    static readonly ConcurrentDictionary<string, AssembledProgram> Cache = new();

    /// <summary>Text of an embedded program source (kernel.asm or a workload).</summary>
    public static string Source(string file)
    {
        using var s = typeof(Kernel).Assembly.GetManifestResourceStream("VirtPS.Engine.Guests.Programs." + file)
            ?? throw new VirtPSException(ErrorIds.ProgramNotFound, ErrorKind.InvalidArgument, $"No built-in program '{file}'.", file);
        using var r = new StreamReader(s);
        // NASM's %include for the programs' shared pieces (Guests/Programs/Lib): the named file's text in place of the line.
        return IncludeLine().Replace(r.ReadToEnd(), m => Source("Lib." + m.Groups[1].Value));
    }

    /// <summary>Assembles the kernel for this many initial processes, timer period, user program size, memory
    /// and user entry point (default: the first byte of the user program). <paramref name="paravirt"/> builds
    /// the same source with <c>PARAVIRT</c> defined: hypercalls in place of privileged instructions (Xen's ABI,
    /// see <see cref="Styles.Paravirtual"/>).
    /// <paramref name="containers"/> builds it with <c>CONTAINERS</c> defined: the shared kernel of a container host
    /// (<see cref="ContainerHost"/>), which boots with no process and takes containers from the host's request ring.</summary>
    public static AssembledProgram AssembleKernel(int processes, long timerPeriod, int userLength, ulong memoryBytes,
        ulong userEntry = UserCodeAddress, bool paravirt = false, bool containers = false, ulong userBase = UserCodeAddress)
    {
        string key = $"kernel/{processes}/{timerPeriod}/{userLength}/{memoryBytes}/{userEntry}/{(paravirt ? "pv" : "native")}{(containers ? "/ctr" : "")}/{userBase}";
        return Cache.GetOrAdd(key, _ =>
        {
            var defines = new Dictionary<string, long>
            {
                ["NPROC"] = processes, ["TIMER_PERIOD"] = timerPeriod, ["USER_LEN"] = userLength, ["MEM_TOP"] = (long)memoryBytes,
                ["USER_ENTRY"] = (long)userEntry,
            };
            if (paravirt) defines["PARAVIRT"] = 1;
            if (containers) defines["CONTAINERS"] = 1;
            if (userBase != UserCodeAddress) defines["USER_BASE"] = (long)userBase;   // a PE at its ImageBase (Library style)
            return Assembler.Assemble(KernelSource(), defines, Guest.DefaultLoadAddress);
        });
    }

    /// <summary>The kernel's drivers (Guests/Programs/Drivers), in the order they are spliced in.</summary>
    public static IReadOnlyList<string> DriverFiles { get; } = ["io.asm", "virtio.asm", "io_blk.asm", "io_net.asm", "io_input.asm"];

    /// <summary>kernel.asm with its drivers spliced in: each driver's code at <c>; @@DRIVER_CODE@@</c>, its data (after its
    /// <c>; @@DATA@@</c> line) at <c>; @@DRIVER_DATA@@</c>, so driver code stays off the pages the kernel writes.</summary>
    public static string KernelSource()
    {
        var code = new System.Text.StringBuilder();
        var data = new System.Text.StringBuilder();
        foreach (var file in DriverFiles)
        {
            string text = Source("Drivers." + file);
            int split = text.IndexOf("\n; @@DATA@@", StringComparison.Ordinal);
            code.Append(split < 0 ? text : text[..split]).Append('\n');
            if (split >= 0) data.Append(text[split..]).Append('\n');
        }
        return Source("kernel.asm").Replace("; @@DRIVER_CODE@@", code.ToString()).Replace("; @@DRIVER_DATA@@", data.ToString());
    }

    /// <summary>Assembles a workload's user program for <paramref name="iterations"/>, linked at <see cref="UserCodeAddress"/>.</summary>
    public static AssembledProgram AssembleWorkload(Workload workload, long iterations) =>
        Cache.GetOrAdd($"{workload}/{iterations}", _ =>
        {
            var defines = new Dictionary<string, long> { ["ITER"] = iterations };
            foreach (var (k, v) in workload.Parameters) defines[k.ToUpperInvariant()] = v;
            foreach (var (k, v) in workload.Switches) defines[k] = v;
            return Assembler.Assemble(Source(workload.ProgramFile), defines, UserCodeAddress);
        });

    /// <summary>Assembles user code given as text, linked at <see cref="UserCodeAddress"/>.</summary>
    public static AssembledProgram AssembleUser(string source, IReadOnlyDictionary<string, long>? defines = null) =>
        Assembler.Assemble(source, defines, UserCodeAddress);

    [GeneratedRegex(@"^[ \t]*%include[ \t]+""([A-Za-z0-9_.-]+)""[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex IncludeLine();

    [GeneratedRegex(@"virtps: (\d+) processes, (\d+) syscalls, (\d+) page faults, (\d+) context switches, (\d+) ticks \(switches: (\d+) yield, (\d+) timer, (\d+) exit; (\d+) divide errors, (\d+) CR3 loads\)")]
    private static partial Regex SummaryPattern();

    /// <summary>Parses the kernel's summary line from console text, or null if it has not been printed.</summary>
    public static KernelSummary? ParseSummary(string console)
    {
        var m = SummaryPattern().Match(console);
        if (!m.Success) return null;
        long G(int i) => long.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
        return new KernelSummary(G(1), G(2), G(3), G(4), G(5), G(6), G(7), G(8), G(9), G(10));
    }
}
