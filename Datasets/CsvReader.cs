using System.Text;

namespace Esrs.Datasets;

/// <summary>
/// A streaming RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks.
/// Reads record by record into one reused field list, so large files never sit in memory.
/// </summary>
public sealed class CsvReader(TextReader reader)
{
    private readonly StringBuilder _field = new();

    /// <summary>The fields of the last record read; reused by the next <see cref="Read"/>.</summary>
    public List<string> Fields { get; } = new(16);

    /// <summary>Physical line number the last record started on (1-based).</summary>
    public long LineNumber { get; private set; }

    private long _nextLine = 1;

    /// <summary>Reads the next record; false at end of input.</summary>
    public bool Read()
    {
        Fields.Clear();
        _field.Clear();
        LineNumber = _nextLine;
        var c = reader.Read();
        if (c < 0)
        {
            return false;
        }

        var quoted = false;
        var afterQuote = false;
        while (true)
        {
            if (c < 0)
            {
                if (quoted)
                {
                    throw new FormatException($"Line {LineNumber}: quoted field not closed before end of file.");
                }

                Fields.Add(_field.ToString());
                return true;
            }

            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        _field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        _nextLine++;
                    }

                    _field.Append(ch);
                }
            }
            else if (ch == ',')
            {
                Fields.Add(_field.ToString());
                _field.Clear();
                afterQuote = false;
            }
            else if (ch == '\r' || ch == '\n')
            {
                if (ch == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }

                _nextLine++;
                Fields.Add(_field.ToString());
                return true;
            }
            else if (ch == '"' && _field.Length == 0 && !afterQuote)
            {
                quoted = true;
            }
            else
            {
                _field.Append(ch);
            }

            c = reader.Read();
        }
    }
}
