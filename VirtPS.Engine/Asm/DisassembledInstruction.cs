namespace VirtPS.Engine.Asm;

/// <summary>One decoded instruction: where it is, its bytes and its text in NASM syntax.</summary>
public sealed record DisassembledInstruction(ulong Address, byte[] Bytes, string Text)
{
    public string BytesHex => Convert.ToHexString(Bytes).ToLowerInvariant();
}
