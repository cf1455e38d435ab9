using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace VirtPS;

/// <summary>Completes virtual network names from the current runspace's network world on Tab.</summary>
public sealed class NetworkNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(WildcardPattern.Escape(prefix) + "*", WildcardOptions.IgnoreCase);
        foreach (var n in LabState.Network.Networks.OrderBy(n => n.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (!pattern.IsMatch(n.Name)) continue;
            string text = Regex.IsMatch(n.Name, @"^[\w.\-]+$") ? n.Name : "'" + n.Name.Replace("'", "''") + "'";
            yield return new CompletionResult(text, n.Name, CompletionResultType.ParameterValue, n.ToString());
        }
    }
}
