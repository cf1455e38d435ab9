using System.Diagnostics;

namespace VirtPS.Tests.Reports;

/// <summary>Headless Chromium, the real browser a report is opened in.</summary>
internal static class Chromium
{
    public static string? Path() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>Renders <paramref name="page"/> and writes a PNG screenshot of the given size.</summary>
    public static byte[] Screenshot(string page, int width, int height)
    {
        string dir = Directory.CreateTempSubdirectory("virtps-chromium-").FullName;
        try
        {
            string png = System.IO.Path.Combine(dir, "shot.png");
            var psi = new ProcessStartInfo(Path()!)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            // --no-sandbox: CI runs as root; a fresh profile directory keeps runs independent.
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--user-data-dir={dir}/profile",
                         $"--window-size={width},{height}", $"--screenshot={png}", new Uri(page).AbsoluteUri })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEndAsync();
            var err = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 60 s"); }
            if (!File.Exists(png)) throw new InvalidOperationException($"chromium wrote no screenshot (exit {p.ExitCode}): {err.Result}");
            return File.ReadAllBytes(png);
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    }
}
