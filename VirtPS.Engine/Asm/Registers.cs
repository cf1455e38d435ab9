using Iced.Intel;

namespace VirtPS.Engine.Asm;

/// <summary>Register names as NASM spells them, taken from Iced's <see cref="Register"/> enum.</summary>
internal static class Registers
{
    static readonly Dictionary<string, Register> ByName = Build();

    static Dictionary<string, Register> Build()
    {
        var map = new Dictionary<string, Register>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in Enum.GetValues<Register>())
        {
            string name = r.ToString();
            if (r is Register.None or Register.RIP or Register.EIP || name.StartsWith("DontUse", StringComparison.Ordinal)) continue;
            map[name] = r;
        }
        // NASM calls the low bytes of r8..r15 "r8b" (Iced: R8L); it accepts "r8l" too.
        for (int i = 8; i <= 15; i++) map[$"r{i}b"] = Register.R8L + (i - 8);
        return map;
    }

    public static bool TryParse(string name, out Register reg) => ByName.TryGetValue(name, out reg);
}
