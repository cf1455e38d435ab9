using System.Collections;
using VirtPS.Engine.Guests;

namespace VirtPS.Engine.Checkpoints;

/// <summary>
/// A guest's complete state at one instruction: the CPU and its MSRs, local APIC and performance counters, every memory
/// frame it has touched, its TLBs, walk caches and nested TLB, its decoded and translated code, its devices, its VMM (shadow
/// or EPT tables, exit controls, the event ledger) and its counters. Kept in memory, a copy of only what the guest has
/// (a 1 GiB guest that touched 4 MiB costs about 4 MiB); <see cref="Restore"/> rewinds the guest to it, and the guest
/// then runs exactly as it ran from that instruction the first time.
/// </summary>
public sealed class GuestCheckpoint
{
    internal GuestCheckpoint(string name, Guest guest, Guest snapshot, long bytes, bool imported = false)
    {
        Name = name; GuestName = guest.Name; Snapshot = snapshot; Instructions = guest.Instructions; Cycles = guest.Cycles;
        State = guest.State; Bytes = bytes; Imported = imported; Spec = guest.Spec;
    }

    public string Name { get; }
    public string GuestName { get; }
    /// <summary>The guest's retired instructions and cycles when the checkpoint was taken.</summary>
    public long Instructions { get; }
    public long Cycles { get; }
    public GuestState State { get; }
    /// <summary>The memory the checkpoint holds: frames and the machine's state, in bytes.</summary>
    public long Bytes { get; }
    /// <summary>True if it came from a file (Import-VCheckpoint).</summary>
    public bool Imported { get; }
    internal Guest Snapshot { get; }
    internal GuestSpec Spec { get; }

    public override string ToString() => $"{GuestName}/{Name}";

    /// <summary>What belongs to the lab rather than to the guest: its host and lab, the cost models, workload definitions and
    /// specs (immutable), the networks it is plugged into, and stateless comparers and lambda caches.</summary>
    internal static bool Shared(object o) => o switch
    {
        VHost or Lab or Costs.CostModel or Workload or GuestSpec or Asm.AssembledProgram or IEngineDiagnostics => true,
        IEqualityComparer or IComparer when o.GetType().Namespace?.StartsWith("System", StringComparison.Ordinal) == true => true,
        _ => o.GetType() is var t && (t.Name == "<>c"   // the compiler's cache of static lambdas: it holds no state
            || t.Namespace?.StartsWith("VirtPS.Engine.Network", StringComparison.Ordinal) == true
            || t.Namespace?.StartsWith("VirtPS.Engine.Kvm", StringComparison.Ordinal) == true),
    };

    /// <summary>Takes a checkpoint of <paramref name="guest"/> (which must be stopped: between steps). CheckpointNotSupported for
    /// a guest on KVM (its state is in the host's kernel) or with a disk or NIC (their state is a host file's or a network's).</summary>
    public static GuestCheckpoint Capture(Guest guest, string name, bool imported = false)
    {
        CheckSupported(guest);
        var snapshot = (Guest)ObjectGraph.Blank(typeof(Guest));
        var graph = new ObjectGraph(Shared);
        try { graph.Into(guest, snapshot); }
        catch (NotSupportedException e)
        {
            throw new VirtPSException(ErrorIds.CheckpointNotSupported, ErrorKind.InvalidOperation, $"Guest '{guest.Name}' cannot be checkpointed: {e.Message}.", guest.Name);
        }
        return new GuestCheckpoint(name, guest, snapshot, SizeOf(graph.Copies), imported);
    }

    /// <summary>Rewinds <paramref name="guest"/> to this checkpoint; the checkpoint stays, to be restored again.</summary>
    public void Restore(Guest guest)
    {
        if (!string.Equals(guest.Name, GuestName, StringComparison.OrdinalIgnoreCase))
            throw new VirtPSException(ErrorIds.CheckpointNotFound, ErrorKind.ObjectNotFound,
                $"Checkpoint '{Name}' is of guest '{GuestName}', not '{guest.Name}'.", Name);
        new ObjectGraph(Shared).Into(Snapshot, guest);
    }

    internal static void CheckSupported(Guest guest)
    {
        if (guest.Kvm is not null)
            throw new VirtPSException(ErrorIds.CheckpointNotSupported, ErrorKind.InvalidOperation,
                $"Guest '{guest.Name}' runs on KVM: its registers and memory are in the host's kernel, not the engine's.", guest.Name);
        if (guest.Style == VirtualizationStyle.Container)
            throw new VirtPSException(ErrorIds.CheckpointNotSupported, ErrorKind.InvalidOperation,
                $"Guest '{guest.Name}' is a container: its state is its host's shared kernel's, which the other containers share; rewinding it would rewind them.", guest.Name);
        if (guest.Devices.FirstOrDefault(d => d is Io.Block.Disk or Io.Net.NetworkAdapter) is { } device)
            throw new VirtPSException(ErrorIds.CheckpointNotSupported, ErrorKind.InvalidOperation,
                $"Guest '{guest.Name}' has {device.Name} ({device.Class}): its state is partly outside the guest (a host file, a network), which a checkpoint cannot rewind.", guest.Name);
    }

    /// <summary>The bytes the copied objects hold: arrays by their elements, other objects by their fields (8 bytes each) and
    /// header.</summary>
    static long SizeOf(IEnumerable<object> copies)
    {
        long bytes = 0;
        foreach (var o in copies)
        {
            if (o is Array a)
            {
                var e = a.GetType().GetElementType()!;
                bytes += 24 + (long)a.Length * (e.IsPrimitive || e.IsEnum ? ObjectGraph.ElementSize(e) : 8);
            }
            else bytes += 16 + 8L * ObjectGraph.FieldsOf(o.GetType()).Length;
        }
        return bytes;
    }
}
