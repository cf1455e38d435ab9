namespace VirtPS.Engine.Jvm;

/// <summary>
/// What the process VM has done, as its guest runtime reported it to the style's handler: bytecodes run by the
/// interpreter (its dispatch count) and by compiled code (each compiled segment adds its length), methods compiled and
/// the code they took, and the instructions the CPU retired over the program's run (from the runtime's start to its exit),
/// before the first compilation and after the last one.
/// </summary>
public sealed class JvmCounters
{
    public long BytecodesInterpreted { get; internal set; }
    public long BytecodesCompiled { get; internal set; }
    public int MethodsCompiled { get; internal set; }
    public long CompiledBytes { get; internal set; }
    /// <summary>Bytecodes the compiler translated (the compile work charged through the cost model).</summary>
    public long BytecodesTranslated { get; internal set; }
    /// <summary>Instructions retired from the runtime's start to its exit (or to now, while it runs).</summary>
    public long ProgramInstructions { get; internal set; }
    /// <summary>Guest instructions per bytecode over the whole run.</summary>
    public double? InstructionsPerBytecode { get; internal set; }
    /// <summary>Guest instructions per bytecode from the start to the first compilation (all interpreted), and from the last
    /// compilation to the exit (compiled methods, and whatever stayed below the threshold); null where the run had no such span.</summary>
    public double? InstructionsPerBytecodeBeforeCompilation { get; internal set; }
    public double? InstructionsPerBytecodeAfterCompilation { get; internal set; }
    public bool Exited { get; internal set; }
}
