namespace VirtPS.Engine.Styles;

/// <summary>
/// The VM-execution controls of the VMCS this model honours (SDM Vol. 3C, 25.6: pin-based and primary
/// processor-based controls), named as the SDM names them. CPUID, VMCALL, INVD and triple faults exit
/// whatever these say.
/// </summary>
[Flags]
public enum VmExecutionControls
{
    None = 0,
    ExternalInterruptExiting = 1 << 0,
    HltExiting = 1 << 1,
    InvlpgExiting = 1 << 2,
    RdtscExiting = 1 << 3,
    Cr3LoadExiting = 1 << 4,
    Cr3StoreExiting = 1 << 5,
    Cr8LoadExiting = 1 << 6,
    Cr8StoreExiting = 1 << 7,
    UseTprShadow = 1 << 8,
    UnconditionalIoExiting = 1 << 9,
    UseIoBitmaps = 1 << 10,
    UseMsrBitmaps = 1 << 11,
    WbinvdExiting = 1 << 12,
}
