namespace VirtPS;

/// <summary>
/// The error ids the module itself raises, in one place: every <see cref="Errors.Create"/> and every
/// <c>VirtPSException</c> the module throws names its id from here, and about_VirtPS lists each one (a Pester test
/// holds the two together). The engine's own ids come with its exceptions (<c>VirtPSException.ErrorId</c>).
/// </summary>
public static class ErrorIds
{
    // Lookups: a name that matches nothing, or a pattern that matches more than a parameter takes.
    public const string GuestNotFound = nameof(GuestNotFound);
    public const string HostNotFound = nameof(HostNotFound);
    public const string AmbiguousName = nameof(AmbiguousName);
    public const string NetworkNotFound = nameof(NetworkNotFound);
    public const string AdapterNotFound = nameof(AdapterNotFound);
    public const string RouteNotFound = nameof(RouteNotFound);
    public const string WorkloadNotFound = nameof(WorkloadNotFound);
    public const string FileNotFound = nameof(FileNotFound);

    // Running and inspecting guests.
    public const string GuestHalted = nameof(GuestHalted);
    public const string GuestFaulted = nameof(GuestFaulted);
    public const string AddressOutOfRange = nameof(AddressOutOfRange);
    public const string NoTranslationCache = nameof(NoTranslationCache);
    public const string NotHardwareAssisted = nameof(NotHardwareAssisted);
    public const string InvalidWorkloadParameter = nameof(InvalidWorkloadParameter);

    // Source and arguments.
    public const string AssemblyError = nameof(AssemblyError);
    public const string InvalidDefine = nameof(InvalidDefine);
    public const string ConflictingCostParameters = nameof(ConflictingCostParameters);
    public const string InvalidCostModelArgument = nameof(InvalidCostModelArgument);

    // Networks and captures.
    public const string FrameTooShort = nameof(FrameTooShort);
    public const string AmbiguousCapture = nameof(AmbiguousCapture);
    public const string CaptureWriteFailed = nameof(CaptureWriteFailed);
}
