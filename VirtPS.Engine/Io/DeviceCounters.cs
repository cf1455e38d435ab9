namespace VirtPS.Engine.Io;

/// <summary>What one guest device did: the requests the guest made of it and what reaching it cost.</summary>
public sealed class DeviceCounters
{
    /// <summary>Requests completed (a block transfer or flush; a frame sent or received; a key or mouse packet).</summary>
    public long Requests { get; set; }
    /// <summary>Data bytes moved to and from the guest.</summary>
    public long Bytes { get; set; }
    /// <summary>Register accesses the VMM intercepted (VM exits, traps or callouts, by the guest's style).</summary>
    public long Intercepts { get; set; }
    /// <summary>Intercepted accesses by how the VMM was entered: "VmExit:IoInstruction", "Trap", "Callout", "Emulation".</summary>
    public Dictionary<string, long> InterceptsBy { get; } = new(StringComparer.Ordinal);
    /// <summary>Register accesses that reached the device with no VMM involved (an assigned device's, or the bare machine's).</summary>
    public long DirectAccesses { get; set; }
    /// <summary>Available buffer notifications the driver sent (virtio kicks), and the requests that needed none.</summary>
    public long Notifications { get; set; }
    public long NotificationsSuppressed { get; set; }
    /// <summary>Used buffer notifications the device decided to send (virtio: one per completed request unless the driver's
    /// EVENT_IDX or NO_INTERRUPT held it back); several before the driver reads the ISR are one level-triggered interrupt.</summary>
    public long UsedNotifications { get; set; }
    /// <summary>Interrupts raised, and used buffer notifications the driver's suppression saved.</summary>
    public long Interrupts { get; set; }
    public long InterruptsSuppressed { get; set; }
    /// <summary>DMA transfers of an assigned device that went through the IOMMU, and those it blocked.</summary>
    public long IommuTranslations { get; set; }
    public long IommuFaults { get; set; }
    /// <summary>Backend requests handled in a service domain (Hybrid) or the host OS (Hosted): switches there and back.</summary>
    public long DomainSwitches { get; set; }
    public long WorldSwitches { get; set; }

    /// <summary>Counts one intercepted register access, entered as <paramref name="how"/>.</summary>
    public void Intercepted(string how)
    {
        Intercepts++;
        InterceptsBy[how] = InterceptsBy.GetValueOrDefault(how) + 1;
    }
}
