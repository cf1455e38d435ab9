using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VirtPS.Tests.Hosting;

/// <summary>
/// PowerShell hosted in the test process (Microsoft.PowerShell.SDK): a runspace with the module's cmdlets imported from
/// the assembly the test project references, so a cmdlet-level test costs a runspace, not a fresh pwsh. The module's
/// state is per runspace, so each shell has a lab of its own.
/// </summary>
internal sealed class InProcessShell : IDisposable
{
    public Runspace Runspace { get; }

    public InProcessShell()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule([typeof(VirtPS.Commands.NewVGuestCommand).Assembly.Location]);
        Runspace = RunspaceFactory.CreateRunspace(iss);
        Runspace.Open();
    }

    /// <summary>A PowerShell over this shell's runspace with <paramref name="script"/> added.</summary>
    public PowerShell Script(string script)
    {
        var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript(script);
        return ps;
    }

    /// <summary>Runs <paramref name="script"/> and returns its output; errors stay in the returned shell's streams.</summary>
    public (List<PSObject> Output, List<ErrorRecord> Errors) Run(string script)
    {
        using var ps = Script(script);
        var output = ps.Invoke().ToList();
        return (output, ps.Streams.Error.ToList());
    }

    public void Dispose() => Runspace.Dispose();
}
