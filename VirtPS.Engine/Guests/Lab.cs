using VirtPS.Engine.Costs;
using VirtPS.Engine.Io.Input;

namespace VirtPS.Engine.Guests;

/// <summary>
/// The guests and hosts one session works with. Names are unique, compared without case,
/// as PowerShell users expect. There is always a host named <see cref="DefaultHostName"/>.
/// </summary>
public sealed class Lab
{
    public const string DefaultHostName = "default";
    readonly Dictionary<string, Guest> _guests = new(StringComparer.OrdinalIgnoreCase);
    readonly List<Guest> _order = new();
    readonly Dictionary<string, VHost> _hosts = new(StringComparer.OrdinalIgnoreCase);
    readonly List<VHost> _hostOrder = new();
    readonly object _gate = new();

    public Lab()
    {
        DefaultHost = new VHost(this, DefaultHostName, HypervisorType.Type1, 1, CostModel.Default);
        _hosts.Add(DefaultHostName, DefaultHost);
        _hostOrder.Add(DefaultHost);
    }

    /// <summary>The host every guest is on unless placed elsewhere; it cannot be removed.</summary>
    public VHost DefaultHost { get; }

    /// <summary>Hosts in the order they were added, the default first.</summary>
    public IReadOnlyList<VHost> Hosts { get { lock (_gate) return _hostOrder.ToList(); } }

    /// <summary>Makes and adds a host after checking every argument, so a failure adds nothing.</summary>
    public VHost AddHost(string name, HypervisorType type = HypervisorType.Type1, int physicalCpus = 1, CostModel? costModel = null)
    {
        Guest.ValidateName(name, "InvalidHostName", "Host");
        VHost.ValidateType(type);
        VHost.ValidatePhysicalCpus(physicalCpus);
        lock (_gate)
        {
            if (_hosts.ContainsKey(name))
                throw new VirtPSException(ErrorIds.HostNameInUse, ErrorKind.ResourceExists, $"A host named '{name}' already exists.", name);
            var h = new VHost(this, name, type, physicalCpus, costModel ?? CostModel.Default);
            _hosts.Add(name, h);
            _hostOrder.Add(h);
            return h;
        }
    }

    public bool TryGetHost(string name, out VHost host)
    {
        lock (_gate) return _hosts.TryGetValue(name, out host!);
    }

    /// <summary>The host named <paramref name="name"/>; throws HostNotFound if there is none.</summary>
    public VHost GetHost(string name) => TryGetHost(name, out var h) ? h
        : throw new VirtPSException(ErrorIds.HostNotFound, ErrorKind.ObjectNotFound, $"No host named '{name}' exists.", name);

    /// <summary>Removes a host; the default host and hosts with guests are refused.</summary>
    public bool RemoveHost(VHost host)
    {
        if (ReferenceEquals(host, DefaultHost))
            throw new VirtPSException(ErrorIds.DefaultHostCannotBeRemoved, ErrorKind.InvalidOperation,
                $"The host '{DefaultHostName}' is always present and cannot be removed.", host);
        lock (_gate)
        {
            if (!_hosts.TryGetValue(host.Name, out var h) || !ReferenceEquals(h, host)) return false;
            var guests = _order.Where(g => ReferenceEquals(g.Host, host)).Select(g => g.Name).ToList();
            if (guests.Count > 0)
                throw new VirtPSException(ErrorIds.HostHasGuests, ErrorKind.InvalidOperation,
                    $"Host '{host.Name}' still has guests ({string.Join(", ", guests)}); remove them first.", host);
            _hosts.Remove(host.Name);
            _hostOrder.Remove(host);
            return true;
        }
    }

    /// <summary>Guests in the order they were added.</summary>
    public IReadOnlyList<Guest> Guests { get { lock (_gate) return _order.ToList(); } }

    /// <summary>Builds the guest <paramref name="spec"/> describes and adds it to this lab on its host: the name, the host
    /// and the whole spec are checked before anything is built, so a failure leaves nothing behind.</summary>
    public Guest Create(GuestSpec spec, IEngineDiagnostics? diagnostics = null)
    {
        Guest.ValidateName(spec.Name);
        EnsureNameFree(spec.Name);
        VHost? host = spec.Host is { } name ? VHost.Find(Hosts, name)
            ?? throw new VirtPSException(ErrorIds.HostNotFound, ErrorKind.ObjectNotFound, $"No host named '{name}' exists.", name) : null;
        ContainerHost.CheckKernelBuild(host ?? DefaultHost, spec.Style);
        var guest = spec.Style == VirtualizationStyle.Container ? ContainerHost.CreateOn(host ?? DefaultHost, spec) : Guest.Create(spec);
        Add(guest, host);
        if (guest.Vpid == 0)
            diagnostics?.Warning("VpidSpaceExhausted", $"Host '{guest.Host!.Name}' has given out all 65,535 VPIDs; guest '{guest.Name}' runs untagged (its TLB entries are flushed on every VM entry and exit), as KVM does.");
        return guest;
    }

    /// <summary>Adds a guest; throws GuestExists if the name is taken.</summary>
    public void Add(Guest guest, VHost? host = null)
    {
        lock (_gate)
        {
            if (host is not null && !_hostOrder.Contains(host))
                throw new VirtPSException(ErrorIds.HostNotFound, ErrorKind.ObjectNotFound, $"Host '{host.Name}' is not in this lab.", host.Name);
            if (_guests.ContainsKey(guest.Name))
                throw new VirtPSException(ErrorIds.GuestExists, ErrorKind.ResourceExists,
                    $"A guest named '{guest.Name}' already exists.", guest.Name);
            _guests.Add(guest.Name, guest);
            _order.Add(guest);
            guest.Host ??= host ?? DefaultHost;
            if (guest.Vpid == 0) guest.Vpid = guest.Host.AssignVpid();
        }
    }

    /// <summary>Throws GuestExists if <paramref name="name"/> is taken; lets callers check before building.</summary>
    public void EnsureNameFree(string name)
    {
        lock (_gate)
            if (_guests.ContainsKey(name))
                throw new VirtPSException(ErrorIds.GuestExists, ErrorKind.ResourceExists,
                    $"A guest named '{name}' already exists.", name);
    }

    public bool TryGet(string name, out Guest guest)
    {
        lock (_gate) return _guests.TryGetValue(name, out guest!);
    }

    /// <summary>The guest named <paramref name="name"/>; throws GuestNotFound if there is none.</summary>
    public Guest Get(string name) => TryGet(name, out var g) ? g
        : throw new VirtPSException(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, $"No guest named '{name}' exists.", name);

    public bool Remove(Guest guest)
    {
        lock (_gate)
        {
            if (!_guests.TryGetValue(guest.Name, out var g) || !ReferenceEquals(g, guest)) return false;
            _guests.Remove(guest.Name);
            _order.Remove(guest);
            if (ReferenceEquals(_focus, guest)) _focus = null;
        }
        guest.CloseDevices();   // image files closed, passthrough devices free for another guest
        if (guest.ContainerHost is { } shared)
        {
            if (guest.State == GuestState.Ready) shared.Stop(guest);   // its processes end in the shared kernel
            // The shared kernel goes with the host's last container: the host may then run other builds (Paravirtual).
            if (!shared.Host.Guests.Any(g => ReferenceEquals(g.ContainerHost, shared))) shared.Host.ContainerKernel = null;
        }
        // The host's CPUs let go of it (the one that ran last, the processor their caches report to), so the guest and
        // its memory can be collected; a container's processor is its host kernel's, released with the last container.
        guest.Host?.Release(guest, processorInUse: guest.ContainerHost is { } k && ReferenceEquals(k.Host.ContainerKernel, k));
        return true;
    }

    // ---- input focus: the host's one keyboard and mouse belong to one guest at a time ----

    Guest? _focus;

    /// <summary>The guest the host's keyboard and mouse belong to (the article's input focus), or null: what
    /// <see cref="SendText"/>, <see cref="SendKey"/> and <see cref="SendMouse"/> send reaches its keyboard device and no other.</summary>
    public Guest? InputFocus { get { lock (_gate) return _focus; } }

    /// <summary>Gives the keyboard and mouse to <paramref name="guest"/>, which must be in this lab (GuestNotFound) and have
    /// an input device (NoInputDevice: a guest gets one with a workload that reads keys, or by <see cref="Guest.AddDevice"/>).</summary>
    public void SetInputFocus(Guest guest)
    {
        KeyboardOf(guest);
        lock (_gate)
        {
            if (!_guests.TryGetValue(guest.Name, out var g) || !ReferenceEquals(g, guest))
                throw new VirtPSException(ErrorIds.GuestNotFound, ErrorKind.ObjectNotFound, $"Guest '{guest.Name}' is not in this lab.", guest.Name);
            _focus = guest;
        }
    }

    /// <summary>Takes the focus away: input then reaches no guest.</summary>
    public void ClearInputFocus() { lock (_gate) _focus = null; }

    /// <summary>Types <paramref name="text"/> on the focused guest's keyboard; returns that guest. NoInputFocus if no guest
    /// has the focus; InputNotTypeable (nothing typed) for a character the keyboard has no key for.</summary>
    public Guest SendText(string text) => Send(k => k.Type(text));

    /// <summary>Presses and releases the key called <paramref name="key"/> (Enter, Escape, F1, Up, "a", ...) on the focused guest's keyboard.</summary>
    public Guest SendKey(string key) => Send(k => k.Press(key));

    /// <summary>Moves the focused guest's mouse by (<paramref name="dx"/>, <paramref name="dy"/>) counts, right and up positive.</summary>
    public Guest SendMouse(int dx, int dy, MouseButtons buttons = MouseButtons.None) => Send(k => k.MoveMouse(dx, dy, buttons));

    Guest Send(Action<Keyboard> deliver)
    {
        var g = InputFocus ?? throw new VirtPSException(ErrorIds.NoInputFocus, ErrorKind.InvalidOperation,
            "No guest has the input focus, so the keyboard and mouse reach nobody; give it to one with Set-VInputFocus -Guest <name>.", null);
        deliver(KeyboardOf(g));
        return g;
    }

    static Keyboard KeyboardOf(Guest guest) =>
        guest.Devices.OfType<Keyboard>().FirstOrDefault() ?? throw new VirtPSException(ErrorIds.NoInputDevice, ErrorKind.InvalidOperation,
            $"Guest '{guest.Name}' has no keyboard or mouse to give the input focus to. A guest of a workload that reads keys (keys) has one; add one before it first runs with Guest.AddDevice(new Keyboard()).", guest.Name);
}
