using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtPS;

/// <summary>Completes guest names from the current runspace's lab on Tab.</summary>
public sealed class GuestNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Complete(wordToComplete, LabState.Current.Guests.Select(g => (g.Name, $"{g.Name} ({g.Style}, {g.State})")));
}
