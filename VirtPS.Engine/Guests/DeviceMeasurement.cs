using VirtPS.Engine.Io;

namespace VirtPS.Engine.Guests;

/// <summary>
/// What one device of a guest did over the guest's life (<c>Measure-VGuest</c>'s Devices): requests and bytes, how the
/// guest reached it (intercepted register accesses by how the VMM was entered), notifications each way and what
/// suppression saved, interrupts, the IOMMU's work for an assigned device, the driver model's switches, and the guest's
/// cycles per KiB the device moved.
/// </summary>
public sealed class DeviceMeasurement
{
    internal DeviceMeasurement(Guest guest, GuestDevice d)
    {
        d.SyncCounters();
        var c = d.Counters;
        Guest = guest.Name; Name = d.Name; Class = d.Class; Mode = d.Mode; Model = d.Model;
        Requests = c.Requests; Bytes = c.Bytes;
        Intercepts = c.Intercepts;
        InterceptsBy = new Dictionary<string, long>(c.InterceptsBy);
        Notifications = c.Notifications; NotificationsSuppressed = c.NotificationsSuppressed;
        UsedNotifications = c.UsedNotifications;
        Interrupts = c.Interrupts; InterruptsSuppressed = c.InterruptsSuppressed;
        IommuTranslations = c.IommuTranslations; IommuFaults = c.IommuFaults;
        DomainSwitches = c.DomainSwitches; WorldSwitches = c.WorldSwitches;
        double kib = c.Bytes / 1024.0;
        CyclesPerKiB = kib > 0 ? Math.Round(guest.Cycles / kib, 1) : 0;
        InterceptsPerRequest = c.Requests > 0 ? Math.Round((double)c.Intercepts / c.Requests, 3) : 0;
        InterruptsPerRequest = c.Requests > 0 ? Math.Round((double)c.Interrupts / c.Requests, 3) : 0;
        NotificationsPerRequest = c.Requests > 0 ? Math.Round((double)(c.Notifications + c.UsedNotifications) / c.Requests, 3) : 0;
    }

    public string Guest { get; }
    public string Name { get; }
    public DeviceClass Class { get; }
    public IoMode Mode { get; }
    public string Model { get; }
    public long Requests { get; }
    public long Bytes { get; }
    /// <summary>Register accesses the VMM intercepted: VM exits, traps or callouts by the guest's style.</summary>
    public long Intercepts { get; }
    public IReadOnlyDictionary<string, long> InterceptsBy { get; }
    public double InterceptsPerRequest { get; }
    /// <summary>Driver-to-device notifications (virtio kicks; the ATA Command register write) and the requests that needed none.</summary>
    public long Notifications { get; }
    public long NotificationsSuppressed { get; }
    /// <summary>Device-to-driver used buffer notifications the device decided to send.</summary>
    public long UsedNotifications { get; }
    /// <summary>Notifications both ways per request.</summary>
    public double NotificationsPerRequest { get; }
    public long Interrupts { get; }
    public long InterruptsSuppressed { get; }
    public double InterruptsPerRequest { get; }
    public long IommuTranslations { get; }
    public long IommuFaults { get; }
    public long DomainSwitches { get; }
    public long WorldSwitches { get; }
    /// <summary>The guest's cycles (its whole run, priced by its cost model) per KiB this device moved.</summary>
    public double CyclesPerKiB { get; }
}
