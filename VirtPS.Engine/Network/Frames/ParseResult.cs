namespace VirtPS.Engine.Network.Frames;

/// <summary>The result of parsing bytes: a frame, or the reason the bytes were rejected.</summary>
public readonly record struct ParseResult(EthernetFrame? Frame, string? Error)
{
    public bool Success => Frame is not null;
}
