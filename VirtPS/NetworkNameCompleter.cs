using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtPS;

/// <summary>Completes virtual network names from the current runspace's network world on Tab.</summary>
public sealed class NetworkNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Complete(wordToComplete, LabState.Network.Networks.Select(n => (n.Name, n.ToString())));
}
