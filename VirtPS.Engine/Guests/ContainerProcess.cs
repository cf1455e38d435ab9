namespace VirtPS.Engine.Guests;

/// <summary>One process of a container host's shared kernel as the host sees it: its global pid, the container it
/// belongs to and the pid it has in that container's pid namespace (what its getpid returns), its state and slot.</summary>
public sealed record ContainerProcess(string Host, long HostPid, string Container, int ContainerId, long NamespacePid, string State, int Slot);
