using System.Runtime.CompilerServices;
using VirtPS.Engine.Guests;

namespace VirtPS.Engine.Checkpoints;

/// <summary>Each guest's checkpoints, by name (compared without case), in the order taken. They live as long as the guest.</summary>
public static class GuestCheckpoints
{
    static readonly ConditionalWeakTable<Guest, List<GuestCheckpoint>> Table = new();

    static List<GuestCheckpoint> Of(Guest g) => Table.GetValue(g, _ => []);

    public static IReadOnlyList<GuestCheckpoint> For(Guest guest) { var l = Of(guest); lock (l) return l.ToList(); }

    /// <summary>Takes a checkpoint named <paramref name="name"/>: CheckpointNameInUse if the guest has one by that name.</summary>
    public static GuestCheckpoint Take(Guest guest, string name)
    {
        ValidateName(name);
        var list = Of(guest);
        lock (list)
        {
            if (list.Any(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                throw new VirtPSException(ErrorIds.CheckpointNameInUse, ErrorKind.ResourceExists, $"Guest '{guest.Name}' already has a checkpoint named '{name}'.", name);
            var cp = GuestCheckpoint.Capture(guest, name);
            list.Add(cp);
            return cp;
        }
    }

    /// <summary>Adds a checkpoint made elsewhere (read from a file) to <paramref name="guest"/>'s.</summary>
    internal static void Add(Guest guest, GuestCheckpoint checkpoint)
    {
        var list = Of(guest);
        lock (list) list.Add(checkpoint);
    }

    public static GuestCheckpoint Get(Guest guest, string name) =>
        For(guest).FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new VirtPSException(ErrorIds.CheckpointNotFound, ErrorKind.ObjectNotFound, $"Guest '{guest.Name}' has no checkpoint named '{name}'.", name);

    public static bool Remove(Guest guest, GuestCheckpoint checkpoint)
    {
        var list = Of(guest);
        lock (list) return list.Remove(checkpoint);
    }

    static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64 || name.Any(char.IsControl))
            throw new VirtPSException(ErrorIds.InvalidCheckpointName, ErrorKind.InvalidArgument, "A checkpoint's name is 1 to 64 printable characters.", name);
    }

    /// <summary>Reads a checkpoint file into a new guest (named <paramref name="name"/>, else as in the file) that the caller
    /// adds to its lab: built from the file's specification, then given its state; the checkpoint comes with it.</summary>
    public static Guest Import(byte[] file, string origin, string? name = null)
    {
        using var contents = CheckpointFile.Read(file, origin);
        var spec = name is null ? contents.Spec : contents.Spec with { Name = name };
        var guest = Guest.Create(spec);
        try
        {
            CheckpointFile.Load(contents, guest);
            Add(guest, GuestCheckpoint.Capture(guest, contents.Name, imported: true));
            return guest;
        }
        catch { guest.CloseDevices(); throw; }
    }
}
