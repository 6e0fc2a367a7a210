namespace Esrs.Cleaning;

/// <summary>
/// The events a user's dedupe window took since its state was last stored (<see cref="DedupeWindow.TakeAdds"/>, in order),
/// for a storage that writes the window as what changed instead of whole (not persisted itself). Incomplete when what
/// came before is unknown to it: a state just made rather than read, or more adds than the window holds; the storage
/// then writes the window whole.
/// </summary>
public sealed class DedupeAdds
{
    private byte[] _bytes = [];
    private int _length;

    /// <summary>Whether <see cref="Bytes"/> holds every add since the state was last read or written by such a storage.</summary>
    public bool Complete { get; private set; }

    /// <summary>The adds, packed 20 bytes each, oldest first.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, _length);

    public int Length => _length;

    /// <summary>Appends adds taken from the window (null: more than it kept), up to <paramref name="maxBytes"/> in all.</summary>
    public void Append(byte[]? adds, int maxBytes)
    {
        if (!Complete)
        {
            return;
        }

        if (adds is null || _length + adds.Length > maxBytes)
        {
            (_bytes, _length, Complete) = ([], 0, false);
            return;
        }

        if (_length + adds.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_length + adds.Length, _bytes.Length * 2));
        }

        adds.CopyTo(_bytes.AsSpan(_length));
        _length += adds.Length;
    }

    /// <summary>
    /// What is stored now holds the first <paramref name="stored"/> bytes of the adds (all of them when nothing was appended
    /// since they were written): they are dropped, and the rest are complete again.
    /// </summary>
    public void Stored(int stored)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stored, _length);
        if (!Complete || stored == _length)
        {
            _length = 0;
            if (_bytes.Length > 4096)
            {
                _bytes = [];
            }
        }
        else
        {
            _bytes.AsSpan(stored, _length - stored).CopyTo(_bytes);
            _length -= stored;
        }

        Complete = true;
    }
}
