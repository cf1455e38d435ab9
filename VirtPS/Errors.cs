using System.Management.Automation;
using VirtPS.Engine;
using VirtPS.Engine.Asm;

namespace VirtPS;

/// <summary>
/// The one place engine errors become PowerShell <see cref="ErrorRecord"/>s: the error id is the engine's
/// stable <see cref="VirtPSException.ErrorId"/>, the category follows its <see cref="ErrorKind"/>.
/// </summary>
internal static class Errors
{
    public static ErrorCategory CategoryOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        ErrorKind.SyntaxError => ErrorCategory.ParserError,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.ResourceBusy => ErrorCategory.ResourceBusy,
        _ => ErrorCategory.NotSpecified,
    };

    public static ErrorRecord From(VirtPSException e) => new(e, e.ErrorId, CategoryOf(e.Kind), e.Target);

    /// <summary>An error raised by the module itself, shaped exactly like an engine error.</summary>
    public static ErrorRecord Create(string errorId, ErrorKind kind, string message, object? target) =>
        From(new VirtPSException(errorId, kind, message, target));

    /// <summary>Assembly source errors: id <c>AssemblyError</c>, category ParserError, line and column in the message.</summary>
    public static ErrorRecord From(AssemblyException e, string? path)
    {
        var record = new ErrorRecord(e, ErrorIds.AssemblyError, ErrorCategory.ParserError, path ?? (object)$"line {e.Line}");
        record.ErrorDetails = new ErrorDetails(
            (path is null ? "" : path + ": ") + $"line {e.Line}, column {e.Column}: {e.Detail}");
        return record;
    }
}
