namespace VirtPS.Engine.Cpu;

/// <summary>
/// How the simulator itself runs guest code on the host: a host-side choice that the guest cannot see. Both engines
/// run the same instruction semantics and leave bit-identical guest state and counters; only host time differs.
/// </summary>
public enum ExecutionEngine
{
    /// <summary>The reference path: each decoded instruction's handler is called in turn.</summary>
    Interpreter,
    /// <summary>Hot blocks are compiled to .NET code (registers in locals, flags computed where read, loops run inside
    /// the compiled code); the rest is interpreted.</summary>
    Translator,
}
