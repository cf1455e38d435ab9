namespace VirtPS.Engine;

/// <summary>
/// An error the engine reports to its caller (never one raised by guest code: those are guest events).
/// <see cref="ErrorId"/> is stable: scripts and tests may match on it.
/// </summary>
public class VirtPSException : Exception
{
    public VirtPSException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    { ErrorId = errorId; Kind = kind; Target = target; }
    public string ErrorId { get; }
    public ErrorKind Kind { get; }
    public object? Target { get; }
}
