using VirtPS.Engine.Trace;

namespace VirtPS;

internal static class StepUntilExtensions
{
    /// <summary>The engine's event kinds for a set of -Until values (Halt needs none: every run stops there).</summary>
    public static TraceKind ToTraceKinds(this IEnumerable<StepUntil> until) => until.Aggregate(TraceKind.None, (k, u) => k | u switch
    {
        StepUntil.Exception => TraceKind.Exception,
        StepUntil.Interrupt => TraceKind.Interrupt,
        StepUntil.Syscall => TraceKind.Syscall,
        StepUntil.PageFault => TraceKind.PageFault,
        StepUntil.ContextSwitch => TraceKind.ContextSwitch,
        _ => TraceKind.None,
    });
}
