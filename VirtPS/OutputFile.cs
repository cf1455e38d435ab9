using System.Management.Automation;
using VirtPS.Engine;

namespace VirtPS;

/// <summary>The file an Export- cmdlet writes: its PowerShell path resolved (Temp: works), in a folder that must exist.</summary>
internal static class OutputFile
{
    /// <summary>The file-system path of <paramref name="path"/>, or null with <paramref name="error"/> (id
    /// <paramref name="errorId"/>, ObjectNotFound) when its folder does not exist, so nothing is written.</summary>
    public static string? Resolve(PSCmdlet cmdlet, string path, string errorId, out ErrorRecord? error)
    {
        string file = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        error = Path.GetDirectoryName(file) is { Length: > 0 } dir && !Directory.Exists(dir)
            ? Errors.Create(errorId, ErrorKind.ObjectNotFound, $"The folder '{dir}' does not exist; nothing was written.", path)
            : null;
        return error is null ? file : null;
    }
}
