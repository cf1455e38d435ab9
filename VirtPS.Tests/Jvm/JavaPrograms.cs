namespace VirtPS.Tests.Jvm;

/// <summary>The test programs, compiled by the real javac once per test class (javac starts slowly), with what the real
/// java prints for each.</summary>
public sealed class JavaPrograms : IDisposable
{
    public static readonly Dictionary<string, string> Sources = new()
    {
        ["Fib.java"] = """
            public class Fib {
                static final int N = 20;
                static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
                public static void main(String[] args) {
                    int r = fib(N);
                    System.out.println("fib(" + N + ") = " + r);
                    long big = (1L << 40) + r;
                    System.out.println(big);
                    System.out.print('x');
                    System.out.println(-7 / 2 + " " + (-7 % 2) + " " + (Integer.MIN_VALUE / -1) + " " + (char) ('a' + 2) + " " + (r > 100));
                }
            }
            """,
        ["FibCalls.java"] = """
            public class FibCalls {
                static int calls;
                static int fib(int n) { calls++; return n < 2 ? n : fib(n - 1) + fib(n - 2); }
                public static void main(String[] args) {
                    int r = fib(20);
                    System.out.println("fib(20) = " + r);
                    System.out.println("calls " + calls);
                }
            }
            """,
        ["Sieve.java"] = """
            public class Sieve {
                static int count;
                public static void main(String[] args) {
                    int n = 1000;
                    int[] composite = new int[n + 1];
                    for (int i = 2; i * i <= n; i++)
                        if (composite[i] == 0)
                            for (int j = i * i; j <= n; j += i) composite[j] = 1;
                    for (int i = 2; i <= n; i++) if (composite[i] == 0) count++;
                    System.out.println("primes up to " + n + ": " + count);
                    long[] squares = new long[5];
                    for (int i = 0; i < squares.length; i++) squares[i] = (long) i * i * 1000000000L;
                    System.out.println(squares[4] + squares[3]);
                    byte[] b = new byte[3];
                    b[0] = (byte) 200; b[1] += 7; b[2] = (byte) (b[0] >> 1);
                    System.out.println(b[0] + "," + b[1] + "," + b[2]);
                    int h = 0;
                    for (int i = 0; i < composite.length; i++) h = h * 31 + composite[i] ^ (h >>> 7);
                    System.out.println("hash " + h);
                }
            }
            """,
        ["Shapes.java"] = """
            public class Shapes {
                public static void main(String[] args) {
                    Shape a = new Square(3), b = new Rect(2, 5), c = new Square(4);
                    System.out.println(a.name() + " " + a.area());
                    System.out.println(b.name() + " " + b.area());
                    System.out.println(c.describe());
                    Counter k = new Counter();
                    for (int i = 0; i < 10; i++) k.add(i);
                    System.out.println("total=" + k.total + " sides=" + Shape.made);
                    Shape[] all = { a, b, c, new Rect(7, 1) };
                    int sum = 0;
                    for (Shape s : all) sum += s.area();
                    System.out.println(all.length + " shapes, total area " + sum + ", last " + all[3].describe());
                }
            }
            abstract class Shape {
                static int made;
                Shape() { made++; }
                abstract int area();
                String name() { return "shape"; }
                String describe() { return name() + " of area " + area(); }
            }
            class Rect extends Shape {
                int w, h;
                Rect(int w, int h) { this.w = w; this.h = h; }
                int area() { return w * h; }
                String name() { return "rect"; }
            }
            class Square extends Rect {
                Square(int s) { super(s, s); }
                String name() { return "square"; }
            }
            class Counter { long total; void add(int x) { total += x * 1000000000L; } }
            """,
        ["Deep.java"] = """
            public class Deep {
                static long sum(int n) { return n == 0 ? 0 : n + sum(n - 1); }
                static int forever(int n) { return forever(n + 1) + 1; }
                public static void main(String[] args) {
                    System.out.println(sum(3000));
                    System.out.println(forever(0));
                }
            }
            """,
        ["Arith.java"] = """
            public class Arith {
                static int[] v = { 7, -7, 2, -2, 0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 31, 33, 65 };
                static long big = Long.MIN_VALUE;
                static char c = 'A';
                static boolean flag;
                static int mix(int a, int b) {
                    int r = a + b;
                    r ^= a * b;
                    r += b != 0 ? a / b + a % b : 0;
                    r += (a << (b & 63)) + (a >> b) + (a >>> b);
                    return r;
                }
                static long lmix(long a, long b) {
                    long r = a * b - (a ^ b);
                    if (b != 0) r += a / b + a % b;
                    r += (a << b) + (a >> b) + (a >>> (int) b);
                    return a < b ? r : a == b ? -r : r + 1;
                }
                public static void main(String[] args) {
                    long total = 0;
                    for (int i = 0; i < v.length; i++)
                        for (int j = 0; j < v.length; j++) {
                            int m = mix(v[i], v[j]);
                            long l = lmix((long) v[i] * 1000003L + big * (i & 1), v[j]);
                            total = total * 31 + m + l;
                        }
                    System.out.println("total " + total);
                    int min = v[8];
                    System.out.println(min / -1 + " " + min % -1 + " " + (big / -1) + " " + (big % -1) + " " + big + " " + (-big));
                    System.out.println((byte) v[7] + " " + (short) (v[7] - 5) + " " + (int) (char) v[1] + " " + (int) (big >> 40) + " " + (int) (total >>> 33));
                    c += 2; flag = total < 0;
                    System.out.println(c + "" + (char) (c + 1) + " " + flag + " " + !flag + ' ' + (c > 'B'));
                    System.out.print(total % 1000);
                    System.out.println();
                    System.out.println(Long.MAX_VALUE + " " + Integer.MIN_VALUE + " " + (0x7fffffff + v[5]));
                    StringBuilderless: for (int i = -2; i < 12; i++) {
                        switch (i) {
                            case 0: case 1: System.out.print("low "); break;
                            case 2: System.out.print("two "); continue;
                            case 3: case 4: case 5: System.out.print(i * 10 + " "); break;
                            default: System.out.print("d" + i + " ");
                        }
                        switch (i * 1000) {
                            case -2000: System.out.print("minus "); break;
                            case 7000: System.out.print("seven "); break;
                            case 100000: System.out.print("never "); break;
                            case 11000: break StringBuilderless;
                        }
                    }
                    System.out.println();
                }
            }
            """,
        ["Sync.java"] = """
            public class Sync {
                public static void main(String[] args) {
                    Object o = new Object();
                    synchronized (o) { System.out.println("locked"); }
                }
            }
            """,
        ["Dbl.java"] = """
            public class Dbl {
                public static void main(String[] args) {
                    int x = args.length + 3;
                    System.out.println(x * 1.5);
                }
            }
            """,
    };

    public string Dir { get; }
    readonly Dictionary<string, string> _expected = [];

    public JavaPrograms()
    {
        Dir = JavaToolchain.Available ? JavaToolchain.Compile(Sources) : "";
    }

    /// <summary>The class files of a program: every class its source defines.</summary>
    public IReadOnlyList<(string Source, byte[] Bytes)> ClassFiles(params string[] classes) =>
        classes.Select(c => Path.Combine(Dir, c + ".class")).Select(p => (p, File.ReadAllBytes(p))).ToList();

    /// <summary>What the real java prints for <paramref name="mainClass"/> (run once, then remembered).</summary>
    public string Expected(string mainClass)
    {
        lock (_expected)
            return _expected.TryGetValue(mainClass, out var s) ? s : _expected[mainClass] = JavaToolchain.RunJava(Dir, mainClass);
    }

    public void Dispose()
    {
        if (Dir.Length > 0) try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
