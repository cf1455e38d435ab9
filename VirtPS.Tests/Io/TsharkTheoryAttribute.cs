using VirtPS.Tests.Network;
using Xunit;

namespace VirtPS.Tests.Io;

/// <summary>A theory that runs only where tshark is on PATH, and says why it skipped otherwise.</summary>
public sealed class TsharkTheoryAttribute : TheoryAttribute
{
    public TsharkTheoryAttribute()
    {
        if (TsharkTests.TsharkPath() is null) Skip = "tshark is not installed (apt-get install tshark)";
    }
}
