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

    /// <summary>The guest whose memory is read, as an object or a name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = GuestSet)]
    [GuestTransformation]
    [ArgumentCompleter(typeof(GuestNameCompleter))]
    [ValidateNotNull]
    public Guest? Guest { get; set; }

    /// <summary>An assembled program (from ConvertTo-VProgram).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ProgramSet)]
    [ValidateNotNull]
    public VProgram? Program { get; set; }

    /// <summary>Address of the first instruction (default: the guest's RIP, or the program's origin).</summary>
    [Parameter]
    public ulong Address { get; set; }

    /// <summary>How many instructions to decode, 1 to 10000 (default 10). Fewer come back if the code ends first.</summary>
    [Parameter]
    [ValidateRange(1, 10000)]
    public int Count { get; set; } = 10;

    protected override void ProcessRecord()
    {
        bool hasAddress = MyInvocation.BoundParameters.ContainsKey(nameof(Address));
        byte[] code;
        ulong address;
        if (ParameterSetName == ProgramSet)
        {
            var p = Program!;
            address = hasAddress ? Address : p.Origin;
            if (address < p.Origin || address - p.Origin >= (ulong)p.Size)
            {
                OutOfRange(address, $"the program (0x{p.Origin:X}-0x{p.Origin + (ulong)p.Size:X})", p);
                return;
            }
            code = p.Bytes.AsSpan((int)(address - p.Origin)).ToArray();
        }
        else
        {
            var g = Guest!;
            var mem = g.Machine.Memory;
            address = hasAddress ? Address : g.Machine.Cpu.Rip;
            if (!mem.Contains(address))
            {
                OutOfRange(address, $"guest '{g.Name}' memory (0x{mem.Size:X} bytes)", g);
                return;
            }
            ulong want = (ulong)Count * MaxInstructionBytes;
            code = mem.Read(address, (int)Math.Min(want, mem.Size - address));
        }
        try
        {
            WriteObject(AsmBridge.Disassemble(code, address, Count), enumerateCollection: true);
        }
        catch (VirtPSException e) { WriteError(Errors.From(e)); }
    }

    void OutOfRange(ulong address, string where, object target) =>
        WriteError(Errors.Create("AddressOutOfRange", ErrorKind.InvalidArgument, $"Address 0x{address:X} is outside {where}.", target));
}
