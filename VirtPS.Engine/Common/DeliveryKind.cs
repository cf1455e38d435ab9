namespace VirtPS.Engine;

/// <summary>How an event reached the guest's IDT.</summary>
public enum DeliveryKind { Exception, External, Software }
