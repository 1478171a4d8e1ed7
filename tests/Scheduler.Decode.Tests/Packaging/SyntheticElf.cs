using System.Buffers.Binary;
using System.Text;

namespace Scheduler.Decode.Tests.Packaging;

/// <summary>
/// A minimal ELF64 little-endian object with a string table, one Verneed (libstdc++.so.6) with the given
/// needs and, optionally, one dynamic symbol: just what the patcher reads, nothing a loader would accept.
/// </summary>
internal static class SyntheticElf
{
    public const int ShtStrtab = 3;
    public const int ShtDynsym = 11;
    public const uint ShtGnuVerneed = 0x6ffffffe;

    /// <param name="needs">Version names; each gets its correct ELF hash unless <paramref name="hashOverride"/> is given.</param>
    /// <param name="symbolName">A dynamic symbol; if it ends with a need's name the string table shares the tail.</param>
    public static byte[] Build(string[] needs, string? symbolName = null, uint? hashOverride = null, bool withVerneed = true)
    {
        // .dynstr: "\0libstdc++.so.6\0<needs...>\0" and the symbol (its tail shared with a need when it ends with one).
        var strtab = new List<byte> { 0 };
        int Add(string s)
        {
            var at = strtab.Count;
            strtab.AddRange(Encoding.ASCII.GetBytes(s));
            strtab.Add(0);
            return at;
        }
        var file = Add("libstdc++.so.6");
        var symbolAt = -1;
        var names = new int[needs.Length];
        for (var i = 0; i < needs.Length; i++)
        {
            if (symbolName is not null && symbolAt < 0 && symbolName.EndsWith(needs[i], StringComparison.Ordinal))
            {
                symbolAt = Add(symbolName);
                names[i] = symbolAt + symbolName.Length - needs[i].Length;
            }
            else names[i] = Add(needs[i]);
        }
        if (symbolName is not null && symbolAt < 0) symbolAt = Add(symbolName);

        var verneed = new byte[16 + 16 * needs.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(verneed.AsSpan(0), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(verneed.AsSpan(2), (ushort)needs.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(verneed.AsSpan(4), (uint)file);
        BinaryPrimitives.WriteUInt32LittleEndian(verneed.AsSpan(8), 16);
        for (var i = 0; i < needs.Length; i++)
        {
            var a = verneed.AsSpan(16 + 16 * i);
            var hash = hashOverride ?? Scheduler.Tools.ElfVersionNeedPatch.VersionNeedPatcher.ElfHash(needs[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(a, hash);
            BinaryPrimitives.WriteUInt16LittleEndian(a[6..], (ushort)(2 + i));
            BinaryPrimitives.WriteUInt32LittleEndian(a[8..], (uint)names[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(a[12..], i == needs.Length - 1 ? 0u : 16u);
        }

        var dynsym = new byte[symbolName is null ? 24 : 48]; // entry 0 is the null symbol
        if (symbolName is not null) BinaryPrimitives.WriteUInt32LittleEndian(dynsym.AsSpan(24), (uint)symbolAt);

        var body = new List<byte>(new byte[64]);
        var strOff = body.Count; body.AddRange(strtab);
        var vnOff = body.Count; body.AddRange(verneed);
        var symOff = body.Count; body.AddRange(dynsym);
        var shOff = body.Count;
        var sections = new List<(uint Type, long Off, long Size, uint Link, uint Info)>
        {
            (0, 0, 0, 0, 0),
            (ShtStrtab, strOff, strtab.Count, 0, 0),
            (ShtDynsym, symOff, dynsym.Length, 1, 1),
        };
        if (withVerneed) sections.Add((ShtGnuVerneed, vnOff, verneed.Length, 1, 1));
        foreach (var s in sections)
        {
            var h = new byte[64];
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), s.Type);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(0x18), (ulong)s.Off);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(0x20), (ulong)s.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(0x28), s.Link);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(0x2c), s.Info);
            body.AddRange(h);
        }

        var elf = body.ToArray();
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2; // ELFCLASS64
        elf[5] = 1; // ELFDATA2LSB
        elf[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x10), 3); // ET_DYN
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)shOff);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3a), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3c), (ushort)sections.Count);
        return elf;
    }
}
