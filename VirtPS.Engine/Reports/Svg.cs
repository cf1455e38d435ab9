using System.Globalization;
using System.Text;

namespace VirtPS.Engine.Reports;

/// <summary>
/// A small SVG 1.1 writer: shapes and text into one <c>&lt;svg&gt;</c> element that is well-formed XML on its own (so it
/// can stand in an HTML page, in an .svg file, or be checked by any XML parser). Coordinates are in CSS pixels.
/// </summary>
public sealed class Svg
{
    readonly StringBuilder _body = new();
    public double Width { get; }
    public double Height { get; }
    public string Title { get; }

    public Svg(double width, double height, string title) { Width = width; Height = height; Title = title; }

    static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Text escaped for XML content and attribute values.</summary>
    public static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&apos;");

    public Svg Rect(double x, double y, double w, double h, string fill, string? tooltip = null, string stroke = "none")
    {
        _body.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(0, w))}\" height=\"{N(Math.Max(0, h))}\" fill=\"{fill}\" stroke=\"{stroke}\"");
        if (tooltip is null) _body.Append("/>");
        else _body.Append($"><title>{Escape(tooltip)}</title></rect>");
        return this;
    }

    public Svg Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        _body.Append($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"");
        if (dash != null) _body.Append($" stroke-dasharray=\"{dash}\"");
        _body.Append("/>");
        return this;
    }

    /// <summary>Text at (x, y) (baseline); anchor start, middle or end.</summary>
    public Svg Text(double x, double y, string text, string anchor = "start", double size = 12, string fill = "#222", bool bold = false)
    {
        _body.Append($"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\" font-size=\"{N(size)}\" fill=\"{fill}\"");
        if (bold) _body.Append(" font-weight=\"bold\"");
        _body.Append($">{Escape(text)}</text>");
        return this;
    }

    public override string ToString() =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{N(Width)}\" height=\"{N(Height)}\" " +
        $"viewBox=\"0 0 {N(Width)} {N(Height)}\" font-family=\"DejaVu Sans, Arial, sans-serif\" role=\"img\">" +
        $"<title>{Escape(Title)}</title><rect x=\"0\" y=\"0\" width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"#ffffff\"/>{_body}</svg>";
}
