using System.Collections;
using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Asm;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>
/// Creates a guest in the current runspace's lab from a program, source code or raw bytes. With none of
/// them the guest holds a single HLT: an empty machine that halts on its first instruction.
/// </summary>
[Cmdlet(VerbsCommon.New, "VGuest", DefaultParameterSetName = EmptySet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Guest))]
public sealed class NewVGuestCommand : PSCmdlet
{
    const string EmptySet = "Empty";
    const string ProgramSet = "Program";
    const string CodeSet = "Code";
    const string BytesSet = "Bytes";
    const string WorkloadSet = "Workload";

    /// <summary>The guest's name: 1–64 letters, digits, '_', '-' or '.'; unique in the lab (case-insensitive).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>An assembled program (from ConvertTo-VProgram); loaded at its origin, started at its entry point.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ProgramSet)]
    public VProgram? Program { get; set; }

    /// <summary>Source text to assemble at 0x100000 and load; several strings are joined as lines.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CodeSet)]
    public string[] Code { get; set; } = [];

    /// <summary>Raw machine code loaded at 0x100000 and started at its first byte.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BytesSet)]
    public byte[] Bytes { get; set; } = [];

    /// <summary>Boot the built-in kernel running this workload (see Get-VWorkload): compute, syscall, in, cr8wr, callret, pgfault, divzero, ptemod, ctxswitch, forkwait.</summary>
    [Parameter(Mandatory = true, ParameterSetName = WorkloadSet)]
    [ArgumentCompleter(typeof(WorkloadNameCompleter))]
    public string Workload { get; set; } = "";

    /// <summary>The workload's iteration count (default: the workload's own).</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(1, 1L << 40)]
    public long Iterations { get; set; }

    /// <summary>How many user processes run the workload, 1 to 16 (default: the workload's own).</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(1, 16)]
    public int Processes { get; set; }

    /// <summary>Instructions between the kernel's timer ticks (default 100000); 0 turns preemption off.</summary>
    [Parameter(ParameterSetName = WorkloadSet)]
    [ValidateRange(0, long.MaxValue)]
    public long TimerPeriod { get; set; } = Engine.Guests.Kernel.DefaultTimerPeriod;

    /// <summary>How the guest's CPU is virtualized (default Native).</summary>
    [Parameter]
    public VirtualizationStyle Style { get; set; } = VirtualizationStyle.Native;

    /// <summary>Guest-physical memory in MB, 1 to 4096 (default 64; 128 with -Workload). Frames are backed only when touched.</summary>
    [Parameter]
    public int MemoryMB { get; set; } = 64;

    /// <summary>Symbols for assembling -Code, like <c>nasm -D</c>: <c>@{ N = 10 }</c>.</summary>
    [Parameter(ParameterSetName = CodeSet)]
    public Hashtable? Define { get; set; }

    static readonly byte[] Hlt = [0xF4];

    protected override void ProcessRecord()
    {
        var lab = LabState.Current;
        try
        {
            // Everything is checked before the guest exists, so a failure leaves nothing behind.
            Guest.ValidateName(Name);
            lab.EnsureNameFree(Name);
            if (ParameterSetName == WorkloadSet)
            {
                if (!ShouldProcess(Name, $"Create a {Style} guest booting the kernel with workload '{Workload}'")) return;
                var bound = MyInvocation.BoundParameters;
                var wg = Guest.CreateWorkload(Name, Workload,
                    bound.ContainsKey(nameof(Iterations)) ? Iterations : null,
                    bound.ContainsKey(nameof(Processes)) ? Processes : null,
                    bound.ContainsKey(nameof(MemoryMB)) ? MemoryMB : 128, TimerPeriod);
                lab.Add(wg);
                WriteObject(wg);
                return;
            }
            (byte[] image, ulong load, ulong? entry) = ParameterSetName switch
            {
                ProgramSet => (Program!.Bytes, Program.Origin, Program.EntryPoint),
                CodeSet => FromCode(),
                BytesSet => (Bytes, Guest.DefaultLoadAddress, (ulong?)null),
                _ => (Hlt, Guest.DefaultLoadAddress, (ulong?)null),
            };
            if (!ShouldProcess(Name, $"Create {Style} guest with {MemoryMB} MB and a {image.Length}-byte image")) return;
            var guest = Guest.Create(Name, Style, MemoryMB, image, load, entry);
            lab.Add(guest);
            WriteObject(guest);
        }
        catch (AssemblyException e) { WriteError(Errors.From(e, null)); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    (byte[], ulong, ulong?) FromCode()
    {
        var p = AsmBridge.Assemble(string.Join('\n', Code), AsmBridge.Defines(Define), Guest.DefaultLoadAddress);
        return (p.Bytes, p.Origin, p.EntryPoint);
    }
}
