namespace VirtPS.Engine;

/// <summary>What kind of failure an engine error is; the module maps it onto a PowerShell error category.</summary>
public enum ErrorKind
{
    InvalidArgument,
    ObjectNotFound,
    ResourceExists,
    InvalidOperation,
    LimitsExceeded,
    SyntaxError,
    ReadError,
    InvalidData,
    PermissionDenied,
    ResourceBusy,
}
