namespace VirtPS.Engine.Guests;

/// <summary>Where a guest is in its life.</summary>
public enum GuestState
{
    /// <summary>Created or stopped part-way; can be stepped.</summary>
    Ready,
    /// <summary>Executed HLT; stepping it again is an error.</summary>
    Halted,
    /// <summary>Raised an exception it could not handle; see <see cref="Guest.LastException"/>.</summary>
    Faulted,
}
