using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>What an expression needs from the assembler while it is evaluated.</summary>
internal interface IEvalContext
{
    Value Lookup(string name, Token at);
    Value Here { get; }
    Value SectionStart { get; }
    /// <summary>The source line being assembled, for error positions.</summary>
    int Line { get; }
}
