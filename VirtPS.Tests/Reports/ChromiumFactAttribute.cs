using Xunit;

namespace VirtPS.Tests.Reports;

/// <summary>A fact that runs only where Debian's chromium is installed, and says why it skipped otherwise.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path() is null) Skip = "chromium is not installed (apt-get install chromium)";
    }
}
