using System.Text;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>A snapshot of a guest's general-purpose registers, RIP and RFLAGS.</summary>
public sealed class VRegisters
{
    internal VRegisters(Guest guest)
    {
        var cpu = guest.Machine.Cpu;
        Name = guest.Name;
        Rax = cpu.GetGpr(Gpr.Rax); Rcx = cpu.GetGpr(Gpr.Rcx); Rdx = cpu.GetGpr(Gpr.Rdx); Rbx = cpu.GetGpr(Gpr.Rbx);
        Rsp = cpu.GetGpr(Gpr.Rsp); Rbp = cpu.GetGpr(Gpr.Rbp); Rsi = cpu.GetGpr(Gpr.Rsi); Rdi = cpu.GetGpr(Gpr.Rdi);
        R8 = cpu.GetGpr(Gpr.R8); R9 = cpu.GetGpr(Gpr.R9); R10 = cpu.GetGpr(Gpr.R10); R11 = cpu.GetGpr(Gpr.R11);
        R12 = cpu.GetGpr(Gpr.R12); R13 = cpu.GetGpr(Gpr.R13); R14 = cpu.GetGpr(Gpr.R14); R15 = cpu.GetGpr(Gpr.R15);
        Rip = cpu.Rip; Rflags = cpu.Rflags; FsBase = cpu.FsBase; GsBase = cpu.GsBase;
        Flags = DecodeFlags(Rflags);
    }

    /// <summary>The guest the registers were read from.</summary>
    public string Name { get; }
    public ulong Rax { get; } public ulong Rbx { get; } public ulong Rcx { get; } public ulong Rdx { get; }
    public ulong Rsi { get; } public ulong Rdi { get; } public ulong Rbp { get; } public ulong Rsp { get; }
    public ulong R8 { get; } public ulong R9 { get; } public ulong R10 { get; } public ulong R11 { get; }
    public ulong R12 { get; } public ulong R13 { get; } public ulong R14 { get; } public ulong R15 { get; }
    public ulong Rip { get; }
    public ulong Rflags { get; }
    public ulong FsBase { get; }
    public ulong GsBase { get; }
    /// <summary>The set RFLAGS bits by name, lowest bit first, e.g. <c>PF ZF IF</c>.</summary>
    public string Flags { get; }

    static readonly (RFlags Bit, string Name)[] Named =
    [
        (RFlags.CF, "CF"), (RFlags.PF, "PF"), (RFlags.AF, "AF"), (RFlags.ZF, "ZF"), (RFlags.SF, "SF"),
        (RFlags.TF, "TF"), (RFlags.IF, "IF"), (RFlags.DF, "DF"), (RFlags.OF, "OF"), (RFlags.NT, "NT"),
        (RFlags.RF, "RF"), (RFlags.VM, "VM"), (RFlags.AC, "AC"), (RFlags.VIF, "VIF"), (RFlags.VIP, "VIP"),
        (RFlags.ID, "ID"),
    ];

    /// <summary>Names the set flags of an RFLAGS value (IOPL as <c>IOPL=n</c> when not zero).</summary>
    public static string DecodeFlags(ulong rflags)
    {
        var sb = new StringBuilder();
        foreach (var (bit, name) in Named)
        {
            if ((rflags & (ulong)bit) == 0) continue;
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(name);
            if (bit == RFlags.OF && ((rflags >> 12) & 3) != 0) sb.Append(" IOPL=").Append((rflags >> 12) & 3);
        }
        if ((rflags & (ulong)RFlags.OF) == 0 && ((rflags >> 12) & 3) != 0)
            sb.Append(sb.Length > 0 ? " " : "").Append("IOPL=").Append((rflags >> 12) & 3);
        return sb.ToString();
    }
}
