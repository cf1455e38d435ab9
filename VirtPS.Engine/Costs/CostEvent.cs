namespace VirtPS.Engine.Costs;

/// <summary>The primitive events a cost model prices (placeholder until the cost-model branch lands).</summary>
public enum CostEvent
{
    Instruction, Syscall, Sysret, ExceptionDelivery, Iret, Cr8Write, Cr3Load, Invlpg, Cpuid, MsrAccess, PortAccess,
    PageWalkReference, InterpretedInstruction, SoftMmuLookup, TranslatedInstruction, TranslateInstruction, Callout,
    IndirectBranchLookup, Trap, EmulateInstruction, VmExit, Hypercall, HypercallBatchEntry, WorldSwitch,
    InterruptInjection, ShadowUpdate,
}
