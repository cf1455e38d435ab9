using System.Text;
using VirtPS.Engine.Cpu;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>A snapshot of a guest's registers: general purpose, RIP, RFLAGS, and the system state (CPL, control registers, EFER, descriptor tables).</summary>
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
        Cpl = cpu.Cpl; Cs = cpu.Cs; Ss = cpu.Ss; Tr = cpu.Tr;
        Cr0 = cpu.Cr0; Cr2 = cpu.Cr2; Cr3 = cpu.Cr3; Cr4 = cpu.Cr4; Cr8 = cpu.Cr8; Efer = cpu.Efer;
        Gdtr = cpu.Gdtr; Idtr = cpu.Idtr;
        ProcessId = guest.CurrentProcessId;
    }

    /// <summary>The pid of the process the built-in kernel is running (empty for guests without it).</summary>
    public long? ProcessId { get; }

    // The system state a kernel sets up (Intel SDM Vol. 3A, ch. 2).
    /// <summary>Current privilege level (CS.RPL).</summary>
    public int Cpl { get; }
    public ushort Cs { get; } public ushort Ss { get; } public ushort Tr { get; }
    public ulong Cr0 { get; } public ulong Cr2 { get; } public ulong Cr3 { get; } public ulong Cr4 { get; } public ulong Cr8 { get; }
    public ulong Efer { get; }
    public TableRegister Gdtr { get; } public TableRegister Idtr { get; }

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
