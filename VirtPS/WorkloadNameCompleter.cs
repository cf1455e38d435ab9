using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtPS.Engine.Guests;

namespace VirtPS;

/// <summary>Completes the names of the built-in kernel's workloads, with what each stresses as the tooltip.</summary>
public sealed class WorkloadNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        foreach (var w in Workload.All)
            if (pattern.IsMatch(w.Name))
                yield return new CompletionResult(w.Name, w.Name, CompletionResultType.ParameterValue, w.Description);
    }
}
