using VirtPS.Engine.Costs;

namespace VirtPS.Engine.Guests;

public sealed partial class Guest
{
    /// <summary>Where the loader moves a PE whose ImageBase a process cannot have (4 GiB: above the kernel's fixed areas).</summary>
    public const ulong LibraryAlternateBase = 0x1_0000_0000;
    /// <summary>The user addresses a PE may occupy: above the kernel's fixed per-process areas (its data page, stack and
    /// the heap mmap grows from 0x40400000) and below the end of the user half.</summary>
    public const ulong LibraryLowest = 0x8000_0000, LibraryHighest = 0x80_0000_0000;

    /// <summary>For a Library guest: the PE as loaded (its imports and their bindings, where it and the layer are).</summary>
    public Library.PeProcessImage? PeImage => (Vmm as Styles.Library)?.Image;

    /// <summary>For a Library guest whose program has ended: the code it passed to ExitProcess (or returned from its entry
    /// point); null before then and for other guests.</summary>
    public long? ExitCode => Vmm is Styles.Library && State == GuestState.Halted ? (long?)ReadKernelVariable("exit_status") : null;

    /// <summary>Makes a guest that runs the Windows executable <paramref name="pe"/> under <see cref="VirtualizationStyle.Library"/>.</summary>
    public static Guest CreateLibrary(string name, byte[] pe, int memoryMB = GuestSpec.DefaultKernelMemoryMB, CostModel? costs = null,
        long timerPeriod = Kernel.DefaultTimerPeriod) =>
        Create(new GuestSpec { Name = name, Style = VirtualizationStyle.Library, Kind = GuestImageKind.UserProgram, Image = pe,
            MemoryMB = memoryMB, Costs = costs, TimerPeriod = timerPeriod });

    /// <summary>Loads the PE (checked whole before anything is built), then boots the built-in kernel with it as its one
    /// process, mapped at the loader's base and entered in the translation layer's start code.</summary>
    static Guest CreateLibraryCore(GuestSpec spec)
    {
        var pe = Library.PeImage.Parse(spec.Image);
        const ulong StackLimit = Kernel.UserStackTop - 4 * 4096;   // the kernel maps four stack pages
        var image = Library.PeLoader.Load(pe, LibraryLowest, LibraryHighest, LibraryAlternateBase, Kernel.MaxUserProgram, Kernel.UserStackTop, StackLimit);
        var g = CreateKernelCore(spec with { Origin = null, EntryPoint = image.Entry }, image.Bytes, 1, image.Base);
        ((Styles.Library)g.Vmm).Watch(image);
        return g;
    }
}
