namespace VirtPS.Engine;

/// <summary>Exception vectors by their Intel SDM mnemonic (Vol. 3A, Table 6-1).</summary>
public enum ExceptionVector : byte
{
    DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
    TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19,
}
