using VirtPS.Engine.Memory;

namespace VirtPS.Engine.Cpu;

/// <summary>Why <see cref="Machine.Run"/> returned.</summary>
public enum RunStop { Budget, Halt, Exception, Cancelled, TripleFault, Event }
