namespace VirtPS.Engine.Io.Input;

/// <summary>One key of the PC keyboard: its name and its make code in scancode set 2 (what the keyboard sends) and set 1
/// (what the 8042 translates it to). An extended key sends 0xE0 first in both sets. The break code is 0xF0 then the make
/// code in set 2, the make code with bit 7 set in set 1.</summary>
public readonly record struct KeyCode(string Name, byte Set2, byte Set1, bool Extended = false);
