namespace VirtPS.Engine;

/// <summary>How an event reached the guest's IDT. Device: a guest device's interrupt, which the monitor already injected
/// (or hardware posted) when the device raised it, so only the IDT delivery itself remains.</summary>
public enum DeliveryKind { Exception, External, Software, Device }
