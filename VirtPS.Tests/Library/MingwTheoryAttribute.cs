using Xunit;

namespace VirtPS.Tests.Library;

/// <summary>A theory that runs only where mingw-w64's gcc is on PATH, and says why it skipped otherwise.</summary>
public sealed class MingwTheoryAttribute : TheoryAttribute
{
    public MingwTheoryAttribute()
    {
        if (Mingw.GccPath is null) Skip = Mingw.SkipReason;
    }
}
