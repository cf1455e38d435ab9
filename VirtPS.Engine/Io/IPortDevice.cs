namespace VirtPS.Engine.Io;

/// <summary>A device on the IO-port bus (what IN and OUT reach).</summary>
public interface IPortDevice
{
    /// <summary>Reads <paramref name="size"/> bytes (1, 2 or 4) at <paramref name="port"/>.</summary>
    ulong In(ushort port, int size);
    void Out(ushort port, int size, ulong value);
}
