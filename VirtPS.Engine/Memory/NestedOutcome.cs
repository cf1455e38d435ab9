namespace VirtPS.Engine.Memory;

/// <summary>How a two-dimensional walk ended.</summary>
public enum NestedOutcome { Translated, PageFault, EptExit }
