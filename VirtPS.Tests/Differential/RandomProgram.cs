using Iced.Intel;

namespace VirtPS.Tests.Differential;

/// <summary>
/// A generated straight-line program: an input state (registers, RFLAGS, data area) and a list of
/// <see cref="RandomProgramStep"/>s. Assembled (<see cref="NasmRenderer"/>), every step is followed by the flag fold: the SDM-defined
/// flags of the step's instruction are masked and folded into the accumulator R15, and RFLAGS is then
/// reloaded with only those flags (undefined ones cleared), so no undefined flag reaches a later
/// instruction and a flag bug anywhere shows in the final R15.
/// </summary>
internal sealed class RandomProgram
{
    /// <summary>The data area memory operands point into (4 KiB at the start of the shared data buffer).</summary>
    public const ulong AreaAddr = Layout.DataAddr, AreaSize = 0x1000;
    /// <summary>R14 holds this for the whole program: the base of memory operands.</summary>
    public const ulong AreaMid = AreaAddr + AreaSize / 2;

    public required ulong Seed;
    public required MachineState Input;
    public required List<RandomProgramStep> Steps;

    /// <summary>pushfq; pop r13; and r13, mask; xor r15, r13; rol r15, 7; or r13, 0x202; push r13; popfq.</summary>
    internal static IEnumerable<Instruction> Fold(ulong mask)
    {
        yield return Instruction.Create(Code.Pushfq);
        yield return Instruction.Create(Code.Pop_r64, Register.R13);
        yield return Instruction.Create(Code.And_rm64_imm32, Register.R13, (int)mask);
        yield return Instruction.Create(Code.Xor_rm64_r64, Register.R15, Register.R13);
        yield return Instruction.Create(Code.Rol_rm64_imm8, Register.R15, 7);
        yield return Instruction.Create(Code.Or_rm64_imm32, Register.R13, 0x202);
        yield return Instruction.Create(Code.Push_r64, Register.R13);
        yield return Instruction.Create(Code.Popfq);
    }

    /// <summary>The first <paramref name="count"/> steps as the NASM source the host ran, one per line (setup
    /// instructions included, folds left out; <c>area</c> is <see cref="AreaAddr"/>).</summary>
    public string Listing(int count = -1)
    {
        if (count < 0) count = Steps.Count;
        var lines = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var parts = Steps[i].Instructions.Select(ins => NasmRenderer.Line(ins));
            lines.Add($"    {i + 1,3}: {string.Join("; ", parts)}   [defined flags {FlagRules.Describe(Steps[i].DefinedFlags)}]");
        }
        return string.Join("\n", lines);
    }
}
