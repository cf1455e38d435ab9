using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Asm;
using VirtPS.Engine.Guests;

namespace VirtPS.Commands;

/// <summary>Disassembles instructions from a guest's memory (default: at RIP) or from a program (default: at its origin).</summary>
[Cmdlet(VerbsCommon.Get, "VDisassembly", DefaultParameterSetName = GuestSet)]
[OutputType(typeof(DisassembledInstruction))]
public sealed class GetVDisassemblyCommand : PSCmdlet
{
    const string GuestSet = "Guest";
    const string ProgramSet = "Program";
    const int MaxInstructionBytes = 15;

    /// <summary>The guests whose memory to decode: guest objects (usually piped), names or wildcard patterns, one after
    /// another. A name that matches no guest fails parameter binding with a GuestNotFound error inside.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [SupportsWildcards]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public Guest[] Guest { get; set; } = [];

    /// <summary>An assembled program from ConvertTo-VProgram.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ProgramSet)]
    [ValidateNotNull]
    public VProgram? Program { get; set; }

    /// <summary>The address of the first instruction. The default is the guest's RIP or the program's origin.</summary>
    [Parameter]
    [PSDefaultValue(Help = "the guest's RIP, or the program's origin")]
    public ulong Address { get; set; }

    /// <summary>How many instructions to decode, 1 to 10000. The default is 10. Fewer are written when the code ends first.</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int Count { get; set; } = 10;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ProgramSet) FromProgram(Program!);
        else foreach (var g in Guest) FromGuest(g);
    }

    void FromProgram(VProgram p)
    {
        ulong address = Bound(nameof(Address)) ? Address : p.Origin;
        if (address < p.Origin || address - p.Origin >= (ulong)p.Size)
        {
            OutOfRange(address, $"the program (0x{p.Origin:X}-0x{p.Origin + (ulong)p.Size:X})", p);
            return;
        }
        Write(p.Bytes.AsSpan((int)(address - p.Origin)).ToArray(), address);
    }

    void FromGuest(Guest g)
    {
        var mem = g.Machine.Memory;
        ulong address = Bound(nameof(Address)) ? Address : g.Machine.Cpu.Rip;
        if (!mem.Contains(address))
        {
            OutOfRange(address, $"guest '{g.Name}' memory (0x{mem.Size:X} bytes)", g);
            return;
        }
        ulong want = (ulong)Count * MaxInstructionBytes;
        Write(mem.Read(address, (int)Math.Min(want, mem.Size - address)), address);
    }

    void Write(byte[] code, ulong address)
    {
        try { WriteObject(AsmBridge.Disassemble(code, address, Count), enumerateCollection: true); }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    void OutOfRange(ulong address, string where, object target) =>
        WriteError(Errors.Create(ErrorIds.AddressOutOfRange, ErrorKind.InvalidArgument, $"Address 0x{address:X} is outside {where}.", target));
}
