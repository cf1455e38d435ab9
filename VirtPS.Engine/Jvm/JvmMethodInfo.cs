namespace VirtPS.Engine.Jvm;

/// <summary>One method of an Application guest's program (Get-VMethod): where it runs, how often it has been invoked,
/// its bytecode, lowered and compiled sizes and where its compiled code is.</summary>
public sealed record JvmMethodInfo(string Guest, string Class, string Name, string Descriptor, JavaMethodState State, long Invocations,
    int BytecodeSize, int LoweredSize, int CompiledSize, ulong? CompiledAddress);
