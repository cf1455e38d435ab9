using Iced.Intel;
using VirtPS.Engine.Cpu;
using Xunit;
using static Iced.Intel.Register;

namespace VirtPS.Tests.Differential;

/// <summary>
/// #DE from DIV/IDIV, engine only: a faulting divide would raise SIGFPE in the test host, so these are
/// checked against the SDM rule instead of the host CPU (Vol. 2, DIV/IDIV "Operation": #DE if the source
/// is 0 or the quotient is too large for the destination; IDIV's quotient range is -2^(n-1) .. 2^(n-1)-1).
/// A fault leaves all state as it was and reports the faulting instruction's RIP.
/// </summary>
public class DivideErrorTests
{
    public sealed record Case(string Name, Code Code, bool Memory, ulong Rax, ulong Rdx, ulong Divisor, bool Faults, ulong ExpectRax = 0, ulong ExpectRdx = 0)
    {
        public override string ToString() => Name;
    }

    static readonly Case[] Cases =
    [
        // divide by zero, every size, register and memory divisor
        new("div bl by 0", Code.Div_rm8, false, 0x1234, 0, 0, true),
        new("div bx by 0", Code.Div_rm16, false, 0x1234, 0, 0, true),
        new("div ebx by 0", Code.Div_rm32, false, 0x1234, 0, 0, true),
        new("div rbx by 0", Code.Div_rm64, false, 0x1234, 0, 0, true),
        new("idiv bl by 0", Code.Idiv_rm8, false, 0x1234, 0, 0, true),
        new("idiv bx by 0", Code.Idiv_rm16, false, 0x1234, 0, 0, true),
        new("idiv ebx by 0", Code.Idiv_rm32, false, 0x1234, 0, 0, true),
        new("idiv rbx by 0", Code.Idiv_rm64, false, 0x1234, 0, 0, true),
        new("div byte [mem] by 0", Code.Div_rm8, true, 0x1234, 0, 0, true),
        new("div qword [mem] by 0", Code.Div_rm64, true, 0x1234, 0, 0, true),
        new("idiv dword [mem] by 0", Code.Idiv_rm32, true, 0x1234, 0, 0, true),
        // divisor 0 in the operand size although the full register is not 0
        new("div bl by 0 (rbx upper bits set)", Code.Div_rm8, false, 0x1234, 0, 0xFFFF_FF00, true),
        new("div ebx by 0 (rbx upper bits set)", Code.Div_rm32, false, 0x1234, 0, 0x1_0000_0000, true),
        // unsigned quotient overflow
        new("div bl: 0x100 / 1", Code.Div_rm8, false, 0x100, 0, 1, true),
        new("div bx: 0x1_0000 / 1", Code.Div_rm16, false, 0, 1, 1, true),
        new("div ebx: 0x1_0000_0000 / 1", Code.Div_rm32, false, 0, 1, 1, true),
        new("div rbx: 2^64 / 1", Code.Div_rm64, false, 0, 1, 1, true),
        new("div rbx: rdx = divisor", Code.Div_rm64, false, 0, 5, 5, true),
        new("div rbx: rdx:rax = max / max", Code.Div_rm64, false, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, true),
        // signed quotient overflow: MIN / -1 and +2^(n-1)
        new("idiv bl: -128 / -1", Code.Idiv_rm8, false, 0xFF80, 0, 0xFF, true),
        new("idiv bl: 128 / 1", Code.Idiv_rm8, false, 0x0080, 0, 1, true),
        new("idiv bx: -32768 / -1", Code.Idiv_rm16, false, 0x8000, 0xFFFF, 0xFFFF, true),
        new("idiv ebx: INT32_MIN / -1", Code.Idiv_rm32, false, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFF, true),
        new("idiv rbx: INT64_MIN / -1", Code.Idiv_rm64, false, 0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue, true),
        new("idiv rbx: 2^63 / 1", Code.Idiv_rm64, false, 0x8000_0000_0000_0000, 0, 1, true),
        new("idiv rbx: -2^63-1 / 1", Code.Idiv_rm64, false, 0x7FFF_FFFF_FFFF_FFFF, ulong.MaxValue, 1, true),
        // boundaries that must NOT fault (the most negative quotient fits)
        new("idiv bl: -128 / 1 = -128", Code.Idiv_rm8, false, 0xFF80, 0, 1, false, ExpectRax: 0x0080),
        new("idiv bl: -127 / -1 = 127", Code.Idiv_rm8, false, 0xFF81, 0, 0xFF, false, ExpectRax: 0x007F),
        new("idiv rbx: INT64_MIN / 1", Code.Idiv_rm64, false, 0x8000_0000_0000_0000, ulong.MaxValue, 1, false, 0x8000_0000_0000_0000, 0),
        new("div rbx: (2^64-2)*2^64 / (2^64-1), the largest quotient that fits", Code.Div_rm64, false, 0, ulong.MaxValue - 1, ulong.MaxValue, false, ulong.MaxValue - 1, ulong.MaxValue - 1),
    ];

    public static IEnumerable<object[]> All() => Cases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(All))]
    public void Divide_error_follows_the_SDM(Case c)
    {
        int bits = c.Code.ToOpCode().Op0Kind switch
        {
            OpCodeOperandKind.r8_or_mem => 8, OpCodeOperandKind.r16_or_mem => 16, OpCodeOperandKind.r32_or_mem => 32, _ => 64,
        };
        ulong mem = Layout.DataMid;
        var ins = c.Memory
            ? Instruction.Create(c.Code, new MemoryOperand(RSI, Register.None, 1, 0, 0))
            : Instruction.Create(c.Code, Catalog.Sized(RBX, bits));
        byte[] code = Catalog.EncodeAt(ins, Layout.CodeAddr);

        var m = new Machine(Layout.GuestMemory);
        m.Memory.Write(Layout.CodeAddr, code);
        m.Memory.Write(mem, BitConverter.GetBytes(c.Divisor));
        ulong[] regs = new ulong[16];
        for (int r = 0; r < 16; r++) regs[r] = Layout.DefaultGpr(r);
        regs[0] = c.Rax; regs[2] = c.Rdx; regs[6] = mem;
        regs[3] = c.Memory ? 0x1111 : c.Divisor;
        for (int r = 0; r < 16; r++) m.Cpu.SetGpr((Gpr)r, regs[r]);
        m.Cpu.Rip = Layout.CodeAddr;
        m.Cpu.Rflags = 0x202 | 0x8D5;
        var result = m.Run(1);
        string text = $"{c.Name} [{Convert.ToHexString(code).ToLowerInvariant()}]";

        if (c.Faults)
        {
            Assert.True(result.Stop == RunStop.Exception, $"{text}: expected #DE, got {result.Stop} (retired {result.Retired}, rax=0x{m.Cpu.GetGpr(Gpr.Rax):X}, rdx=0x{m.Cpu.GetGpr(Gpr.Rdx):X})");
            Assert.Equal(0, result.Retired);
            Assert.NotNull(m.LastException);
            Assert.Equal(ExceptionVector.DE, m.LastException!.Vector);
            Assert.Equal(Layout.CodeAddr, m.LastException.Rip);
            Assert.Null(m.LastException.ErrorCode);
            Assert.Equal(Layout.CodeAddr, m.Cpu.Rip);
            for (int r = 0; r < 16; r++)
                Assert.True(regs[r] == m.Cpu.GetGpr((Gpr)r), $"{text}: {Layout.GprNames[r]} changed by a faulting divide: 0x{regs[r]:X} -> 0x{m.Cpu.GetGpr((Gpr)r):X}");
            Assert.Equal(0x202UL | 0x8D5, m.Cpu.Rflags);
        }
        else
        {
            Assert.True(result.Stop == RunStop.Budget && result.Retired == 1, $"{text}: expected no fault, got {result.Stop} {m.LastException}");
            ulong mask = bits == 8 ? 0xFFFF : bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
            Assert.Equal(c.ExpectRax & mask, m.Cpu.GetGpr(Gpr.Rax) & mask);
            if (bits > 8) Assert.Equal(c.ExpectRdx & mask, m.Cpu.GetGpr(Gpr.Rdx) & mask);
        }
    }
}
