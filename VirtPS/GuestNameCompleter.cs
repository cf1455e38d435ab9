using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace VirtPS;

/// <summary>Completes guest names from the current runspace's lab on Tab.</summary>
public sealed class GuestNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = WildcardPattern.Get(WildcardPattern.Escape(prefix) + "*", WildcardOptions.IgnoreCase);
        foreach (var guest in LabState.Current.Guests.OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase))
        {
            if (!pattern.IsMatch(guest.Name)) continue;
            string text = Regex.IsMatch(guest.Name, @"^[\w.\-]+$") ? guest.Name : "'" + guest.Name.Replace("'", "''") + "'";
            yield return new CompletionResult(text, guest.Name, CompletionResultType.ParameterValue,
                $"{guest.Name} ({guest.Style}, {guest.State})");
        }
    }
}
