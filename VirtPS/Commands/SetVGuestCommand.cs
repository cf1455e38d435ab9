using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Guests;
using VirtPS.Engine.Styles;

namespace VirtPS.Commands;

/// <summary>Changes a guest: a hardware-assisted guest's VM-execution controls (which events cause VM exits, by SDM exit
/// reason), any guest's translation hardware (PCID support, the walk caches, the nested TLB, the TLB's geometry) and the
/// engine the simulator runs it with.</summary>
[Cmdlet(VerbsCommon.Set, "VGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(Guest))]
public sealed class SetVGuestCommand : TlbGeometryCommandBase
{
    /// <summary>Guests to change: guest objects (usually piped), names or wildcard patterns. Names complete on Tab.
    /// A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>Exit reasons (Intel SDM numbering) that should cause VM exits from now on; HardwareAssisted guests
    /// only, others give NotHardwareAssisted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public ExitReason[]? ExitOn { get; set; }

    /// <summary>Exit reasons that should no longer cause VM exits; HardwareAssisted guests only.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public ExitReason[]? NoExitOn { get; set; }

    /// <summary>On: CPUID.1:ECX[17] reports PCIDs (the built-in kernel then tags each process's TLB entries); Off:
    /// it does not. Turning it off after the guest set CR4.PCIDE is refused (PcidInUse).</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public OnOff Pcid { get; set; }

    /// <summary>On or Off: the paging-structure caches (PML4E, PDPTE and PDE) of the guest and EPT
    /// dimensions.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public OnOff WalkCache { get; set; }

    /// <summary>On or Off: the nested TLB of guest-physical to host-physical translations.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public OnOff NestedTlb { get; set; }

    /// <summary>Interpreter or Translator: how the simulator runs the guest's code from its next instruction on, stopped
    /// or between steps (both engines leave the same state and counters, so switching changes host time only). Translator
    /// under Emulation is StyleNeedsInterpreter, any engine on a KVM guest EngineNeedsSimulator. A container's engine is its
    /// host's shared kernel's: setting it sets it for every container on that host.</summary>
    [Parameter]
    [PSDefaultValue(Help = "unchanged")]
    public VirtPS.Engine.Cpu.ExecutionEngine Engine { get; set; }

    /// <summary>Writes each changed guest to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var g in Guest)
        {
            if (!SetTranslationHardware(g) || !SetEngine(g)) continue;
            if (ExitOn is null && NoExitOn is null) { if (PassThru) WriteObject(g); continue; }
            if (!g.Vmm.HasExitControls)
            {
                WriteError(Errors.Create(ErrorIds.NotHardwareAssisted, ErrorKind.InvalidOperation,
                    $"Guest '{g.Name}' runs under {g.Style}; exit controls exist only for HardwareAssisted guests.", g));
                continue;
            }
            if (!ShouldProcess(g.Name, "Change VM-execution controls")) continue;
            try { g.Vmm.SetExits(ExitOn ?? [], NoExitOn ?? []); }
            catch (VirtPSException e) { WriteError(Errors.From(e)); continue; }
            if (PassThru) WriteObject(g);
        }
    }

    /// <summary>Applies -Engine; false (with the error written) if the guest's style or backend refuses it.</summary>
    bool SetEngine(Guest g)
    {
        if (!Bound(nameof(Engine))) return true;
        if (!ShouldProcess(g.Name, $"Run the guest's code with the {Engine} engine")) return false;
        try { g.SetEngine(Engine); return true; }
        catch (VirtPSException e) { WriteError(Errors.From(e)); return false; }
    }

    /// <summary>Applies the translation-hardware parameters; false (with the error written) if one is refused. The TLB
    /// geometry is validated before anything changes.</summary>
    bool SetTranslationHardware(Guest g)
    {
        if (!GeometryBound && !Bound(nameof(Pcid)) && !Bound(nameof(WalkCache)) && !Bound(nameof(NestedTlb))) return true;
        if (!ShouldProcess(g.Name, "Change the translation hardware (PCID, walk caches, nested TLB, TLB geometry)")) return false;
        try
        {
            var geometry = Geometry(g.TlbConfiguration);   // validated before anything changes
            if (Bound(nameof(Pcid))) g.Pcid = Pcid == OnOff.On;
            if (geometry is { } c) g.TlbConfiguration = c;
            if (Bound(nameof(WalkCache))) g.WalkCaches = WalkCache == OnOff.On;
            if (Bound(nameof(NestedTlb))) g.NestedTlb = NestedTlb == OnOff.On;
            return true;
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); return false; }
    }
}
