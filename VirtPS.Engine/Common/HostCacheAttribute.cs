namespace VirtPS.Engine;

/// <summary>
/// Marks a field that holds a host-side cache of what the guest state already determines and whose refilling the guest's
/// counters do not see (a block's translation into .NET code): a checkpoint file writes it empty (null, or an empty
/// collection) and the engine rebuilds it as the guest runs. In-memory checkpoints copy it like any other field.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class HostCacheAttribute : Attribute;
