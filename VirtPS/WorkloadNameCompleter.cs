using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>Completes the names of the built-in kernel's workloads, with what each stresses as the tooltip.</summary>
public sealed class WorkloadNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Complete(wordToComplete, Workload.All.Select(w => (w.Name, w.Description)));
}
