using System.Text;

namespace Esrs.Tests.Support;

/// <summary>Reads a data folder byte for byte, as someone with the disk would: for tests of what is (not) stored.</summary>
internal static class DataFiles
{
    /// <summary>Whether any file under <paramref name="directory"/> holds <paramref name="text"/> as UTF-8 or UTF-16.</summary>
    public static bool Contain(string directory, string text)
    {
        byte[][] needles = [Encoding.UTF8.GetBytes(text), Encoding.Unicode.GetBytes(text)];
        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Any(file =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0);
        });
    }
}
