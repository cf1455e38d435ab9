namespace VirtPS.Engine.Io.Input;

/// <summary>The buttons of a PS/2 mouse, as bits 0-2 of its packet's first byte.</summary>
[Flags]
public enum MouseButtons : byte { None = 0, Left = 1, Right = 2, Middle = 4 }
