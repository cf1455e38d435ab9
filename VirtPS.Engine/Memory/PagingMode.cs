using System.Buffers.Binary;

namespace VirtPS.Engine.Memory;

/// <summary>The paging controls a walk depends on (CR0.WP, CR4.SMEP, EFER.NXE, CR3) and who is asking.</summary>
public readonly record struct PagingMode(ulong Cr3, bool WriteProtect, bool Smep, bool NoExecute, bool User);
