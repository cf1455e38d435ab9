using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtPS;

/// <summary>Completes host names from the current runspace's lab on Tab.</summary>
public sealed class HostNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Complete(wordToComplete, LabState.Current.Hosts.Select(h => (h.Name, $"{h.Name} ({h.Type}, {h.PhysicalCpus} CPU, {h.CostModel.Name})")));
}
