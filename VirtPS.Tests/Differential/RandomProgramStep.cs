using Iced.Intel;

namespace VirtPS.Tests.Differential;

/// <summary>
/// One step of a <see cref="RandomProgram"/>: the instruction under test, preceded by any setup that keeps it
/// in bounds (an index register, a shift count in CL, a divisor that cannot fault, string pointers), none of
/// which changes flags; and the status flags the SDM defines after it (<see cref="FlagRules"/>).
/// </summary>
internal sealed record RandomProgramStep(List<Instruction> Instructions, ulong DefinedFlags);
