using System.Collections.Concurrent;

namespace VirtPS.Engine;

/// <summary>Diagnostics collected from any thread (a guest runs on a worker), for a caller to drain on its own (a
/// cmdlet's pipeline thread, where <c>WriteWarning</c> must be called).</summary>
public sealed class DiagnosticsQueue : IEngineDiagnostics
{
    readonly ConcurrentQueue<(string? Id, string Message)> _items = new();

    public void Warning(string id, string message) => _items.Enqueue((id, message));
    public void Verbose(string message) => _items.Enqueue((null, message));

    /// <summary>Takes what has arrived so far: warnings with their id, verbose notes with none.</summary>
    public IEnumerable<(string? Id, string Message)> Drain()
    {
        while (_items.TryDequeue(out var item)) yield return item;
    }
}
