namespace VirtPS.Engine.Guests;

/// <summary>
/// The set of guests one session works with. Names are unique, compared without case,
/// as PowerShell users expect.
/// </summary>
public sealed class Lab
{
    readonly Dictionary<string, Guest> _guests = new(StringComparer.OrdinalIgnoreCase);
    readonly List<Guest> _order = new();
    readonly object _gate = new();

    /// <summary>Guests in the order they were added.</summary>
    public IReadOnlyList<Guest> Guests { get { lock (_gate) return _order.ToList(); } }

    /// <summary>Adds a guest; throws GuestExists if the name is taken.</summary>
    public void Add(Guest guest)
    {
        lock (_gate)
        {
            if (_guests.ContainsKey(guest.Name))
                throw new VirtPSException("GuestExists", ErrorKind.ResourceExists,
                    $"A guest named '{guest.Name}' already exists.", guest.Name);
            _guests.Add(guest.Name, guest);
            _order.Add(guest);
        }
    }

    /// <summary>Throws GuestExists if <paramref name="name"/> is taken; lets callers check before building.</summary>
    public void EnsureNameFree(string name)
    {
        lock (_gate)
            if (_guests.ContainsKey(name))
                throw new VirtPSException("GuestExists", ErrorKind.ResourceExists,
                    $"A guest named '{name}' already exists.", name);
    }

    public bool TryGet(string name, out Guest guest)
    {
        lock (_gate) return _guests.TryGetValue(name, out guest!);
    }

    /// <summary>The guest named <paramref name="name"/>; throws GuestNotFound if there is none.</summary>
    public Guest Get(string name) => TryGet(name, out var g) ? g
        : throw new VirtPSException("GuestNotFound", ErrorKind.ObjectNotFound, $"No guest named '{name}' exists.", name);

    public bool Remove(Guest guest)
    {
        lock (_gate)
        {
            if (!_guests.TryGetValue(guest.Name, out var g) || !ReferenceEquals(g, guest)) return false;
            _guests.Remove(guest.Name);
            _order.Remove(guest);
            return true;
        }
    }
}
