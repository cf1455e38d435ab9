using VirtPS.Engine.Jvm;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>
    /// An Application guest: the class files read, verified and linked (every error before anything is built), the
    /// guest runtime built around them (<see cref="GuestRuntime"/>) and run as the one user process of the built-in kernel.
    /// </summary>
    static Guest CreateApplicationCore(GuestSpec spec)
    {
        var program = JavaProgram.Load(spec.ClassFiles!, spec.MainClass);
        var image = GuestRuntime.Build(program, spec.JitThreshold, Kernel.UserCodeAddress, Kernel.Source("Lib.strings.asm"));
        var g = CreateKernelCore(spec with { Origin = null, EntryPoint = image.EntryPoint }, image.Bytes, 1);
        ((Styles.Application)g.Vmm).Attach(program, image);
        return g;
    }

    /// <summary>The process VM's counters, for an Application guest; null otherwise.</summary>
    public JvmCounters? Jvm => (Vmm as Styles.Application)?.Counters;

    /// <summary>The program's methods, their state and counters (Get-VMethod); NotApplicationGuest for another style.</summary>
    public IEnumerable<JvmMethodInfo> JavaMethods() => Vmm is Styles.Application a ? a.MethodsOf(Name)
        : throw new VirtPSException(ErrorIds.NotApplicationGuest, ErrorKind.InvalidOperation,
            $"Guest '{Name}' runs under {Style}; only Application guests run Java methods.", this);

    /// <summary>The console without the built-in kernel's own lines (<c>virtps: ...</c>): what the program printed.</summary>
    public string ProgramOutput => string.Join('\n', Machine.Console.Output.Split('\n')
        .Where(l => !l.StartsWith("virtps: ", StringComparison.Ordinal) && !l.StartsWith("virtps kernel: ", StringComparison.Ordinal)));
}
