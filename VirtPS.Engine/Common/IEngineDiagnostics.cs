namespace VirtPS.Engine;

/// <summary>
/// How the engine tells its caller what is worth knowing but is not an error — as PSScriptAnalyzer's engine reports
/// through an interface of its own, never through PowerShell: a warning (something the user probably did not intend,
/// with a stable id) or a verbose note (what the engine decided on the way).
/// </summary>
public interface IEngineDiagnostics
{
    void Warning(string id, string message);
    void Verbose(string message);
}
