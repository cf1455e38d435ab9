using System.Text;

namespace VirtPS.Engine.Asm;

internal enum TokenKind { Identifier, Number, String, Punct, End }
