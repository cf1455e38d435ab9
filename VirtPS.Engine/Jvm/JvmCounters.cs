namespace VirtPS.Engine.Jvm;

/// <summary>
/// What the process VM has done, as its guest runtime reported it to the style's handler: bytecodes run by the
/// interpreter (its dispatch count) and by compiled code (each compiled segment adds its length), methods compiled and
/// the code they took, and the instructions the CPU retired over the program's run (from the runtime's start to its exit),
/// before the first compilation and after the last one. A snapshot: the style builds a new one each time it is asked.
/// </summary>
/// <param name="ProgramInstructions">Instructions retired from the runtime's start to its exit (or to now, while it runs).</param>
/// <param name="InstructionsPerBytecode">Guest instructions per bytecode over the whole run (null until it has exited).</param>
/// <param name="InstructionsPerBytecodeBeforeCompilation">Guest instructions per bytecode from the start to the first
/// compilation (all interpreted); null where the run had no such span or has not exited.</param>
/// <param name="InstructionsPerBytecodeAfterCompilation">From the last compilation to the exit (compiled methods, and
/// whatever stayed below the threshold); null where the run had no such span or has not exited.</param>
public sealed record JvmCounters(
    long BytecodesInterpreted,
    long BytecodesCompiled,
    int MethodsCompiled,
    long CompiledBytes,
    long ProgramInstructions,
    double? InstructionsPerBytecode,
    double? InstructionsPerBytecodeBeforeCompilation,
    double? InstructionsPerBytecodeAfterCompilation,
    bool Exited);
