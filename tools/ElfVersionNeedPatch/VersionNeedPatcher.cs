using System.Buffers.Binary;
using System.Text;

namespace Scheduler.Tools.ElfVersionNeedPatch;

/// <summary>The file is not the ELF64 little-endian shared object with version needs this tool expects.</summary>
public sealed class ElfLayoutException(string message) : Exception(message);

/// <summary>One Vernaux entry of <c>.gnu.version_r</c>: a symbol version the object needs from <see cref="File"/>.</summary>
public readonly record struct VersionNeed(string File, string Name, uint Hash, ushort Index);

/// <summary>
/// Rewrites a symbol-version need of an ELF64 little-endian shared object in place: every Vernaux entry named
/// <c>from</c> gets its name string (in the string table <c>.gnu.version_r</c> links to) replaced by <c>to</c>
/// (same length) and its <c>vna_hash</c> set to the ELF hash of <c>to</c>. The dynamic loader checks both, so
/// both must change. Nothing else moves. Any surprise in the layout throws <see cref="ElfLayoutException"/>.
/// </summary>
public static class VersionNeedPatcher
{
    private const uint ShtDynamic = 6;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>The SysV ELF hash (System V ABI, "Hash Table"), as stored in vna_hash and vd_hash.</summary>
    public static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (var c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            var g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    /// <summary>Every version need in the object, in file order.</summary>
    public static IReadOnlyList<VersionNeed> ReadNeeds(ReadOnlySpan<byte> elf)
    {
        var layout = Layout.Parse(elf);
        var needs = new List<VersionNeed>();
        foreach (var aux in layout.Auxes)
            needs.Add(new VersionNeed(layout.String(elf, aux.FileName), layout.String(elf, aux.Name),
                U32(elf, aux.Offset), U16(elf, aux.Offset + 6)));
        return needs;
    }

    /// <summary>Patches <paramref name="elf"/> in place; returns how many entries changed (0 when none needs <paramref name="from"/>).</summary>
    public static int Patch(Span<byte> elf, string from, string to)
    {
        if (from.Length != to.Length)
            throw new ArgumentException($"'{from}' and '{to}' differ in length; the string table cannot move");
        var layout = Layout.Parse(elf);
        var fromBytes = Encoding.ASCII.GetBytes(from);
        var fromHash = ElfHash(from);

        var nameOffsets = new HashSet<uint>();
        var patchedAux = new HashSet<long>();
        foreach (var aux in layout.Auxes)
        {
            if (layout.String(elf, aux.Name) != from) continue;
            var hash = U32(elf, aux.Offset);
            if (hash != fromHash)
                throw new ElfLayoutException($"need '{from}' at 0x{aux.Offset:x} has hash 0x{hash:x8}, expected 0x{fromHash:x8}");
            nameOffsets.Add(aux.Name);
            patchedAux.Add(aux.Offset);
        }
        if (patchedAux.Count == 0) return 0;

        // The string is rewritten in place, so nothing but the patched needs may use any byte of it
        // (linkers share string tails: a symbol "xGLIBCXX_3.4.32" would silently be renamed too).
        foreach (var start in nameOffsets)
        {
            var end = start + (uint)fromBytes.Length; // exclusive; the NUL stays
            foreach (var (refOffset, owner) in layout.StringReferences)
            {
                if (owner is long auxOffset && patchedAux.Contains(auxOffset)) continue;
                var refEnd = refOffset + (uint)layout.String(elf, refOffset).Length;
                if (refOffset < end && refEnd > start)
                    throw new ElfLayoutException(
                        $"string '{from}' at .dynstr+0x{start:x} is shared with '{layout.String(elf, refOffset)}' (.dynstr+0x{refOffset:x})");
            }
        }

        var toBytes = Encoding.ASCII.GetBytes(to);
        foreach (var start in nameOffsets)
            toBytes.CopyTo(elf.Slice((int)(layout.DynstrOffset + start), toBytes.Length));
        foreach (var auxOffset in patchedAux)
            BinaryPrimitives.WriteUInt32LittleEndian(elf.Slice((int)auxOffset, 4), ElfHash(to));
        return patchedAux.Count;
    }

    /// <summary>
    /// Patches a file; writes a new file and renames it over the old one, so a hard- or symbolic link into a
    /// package cache is replaced rather than written through. Returns the number of entries changed.
    /// </summary>
    public static int PatchFile(string path, string from, string to)
    {
        var bytes = File.ReadAllBytes(path);
        var patched = Patch(bytes, from, to);
        if (patched == 0) return 0;
        var temp = path + ".patching";
        File.WriteAllBytes(temp, bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
        // Keep the copy's timestamp: MSBuild's incremental copy (size + time) then leaves the patched file alone.
        File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(path));
        File.Move(temp, path, overwrite: true);
        return patched;
    }

    private static ushort U16(ReadOnlySpan<byte> b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(checked((int)at), 2));
    private static uint U32(ReadOnlySpan<byte> b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(checked((int)at), 4));
    private static ulong U64(ReadOnlySpan<byte> b, long at) => BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(checked((int)at), 8));

    private readonly record struct Aux(long Offset, uint FileName, uint Name);

    /// <summary>Where the version needs and the string table are, and every reference into that string table.</summary>
    private sealed class Layout
    {
        public long DynstrOffset { get; private init; }
        public long DynstrSize { get; private init; }
        public List<Aux> Auxes { get; } = [];
        /// <summary>Offsets into .dynstr and who holds them (the Vernaux file offset for needs, else null).</summary>
        public List<(uint Offset, long? Owner)> StringReferences { get; } = [];

        public string String(ReadOnlySpan<byte> elf, uint offset)
        {
            if (offset >= DynstrSize) throw new ElfLayoutException($"string offset 0x{offset:x} is outside .dynstr");
            var s = elf.Slice((int)(DynstrOffset + offset), (int)(DynstrSize - offset));
            var nul = s.IndexOf((byte)0);
            if (nul < 0) throw new ElfLayoutException($"string at .dynstr+0x{offset:x} is not terminated");
            return Encoding.ASCII.GetString(s[..nul]);
        }

        public static Layout Parse(ReadOnlySpan<byte> elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new ElfLayoutException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1) throw new ElfLayoutException("not ELF64 little-endian");
            var shoff = U64(elf, 0x28);
            var shentsize = U16(elf, 0x3a);
            var shnum = U16(elf, 0x3c);
            if (shoff == 0 || shnum == 0) throw new ElfLayoutException("no section headers");
            if (shentsize != 64) throw new ElfLayoutException($"section header size {shentsize}, expected 64");
            if ((long)shoff + (long)shnum * 64 > elf.Length) throw new ElfLayoutException("section headers run past the end of the file");

            var sections = new (uint Type, long Offset, long Size, uint Link, uint Info)[shnum];
            for (var i = 0; i < shnum; i++)
            {
                var h = (long)shoff + i * 64L;
                var offset = (long)U64(elf, h + 0x18);
                var size = (long)U64(elf, h + 0x20);
                sections[i] = (U32(elf, h + 4), offset, size, U32(elf, h + 0x28), U32(elf, h + 0x2c));
                if (sections[i].Type != 8 /* NOBITS */ && offset + size > elf.Length)
                    throw new ElfLayoutException($"section {i} runs past the end of the file");
            }

            var verneed = Array.FindIndex(sections, s => s.Type == ShtGnuVerneed);
            if (verneed < 0) throw new ElfLayoutException("no .gnu.version_r (SHT_GNU_verneed) section");
            if (Array.FindLastIndex(sections, s => s.Type == ShtGnuVerneed) != verneed)
                throw new ElfLayoutException("more than one SHT_GNU_verneed section");
            var strIndex = sections[verneed].Link;
            if (strIndex == 0 || strIndex >= shnum || sections[strIndex].Type != 3 /* STRTAB */)
                throw new ElfLayoutException(".gnu.version_r does not link to a string table");

            var layout = new Layout { DynstrOffset = sections[strIndex].Offset, DynstrSize = sections[strIndex].Size };
            var vr = sections[verneed];
            long need = vr.Offset;
            for (var n = 0; n < vr.Info; n++)
            {
                if (need + 16 > vr.Offset + vr.Size) throw new ElfLayoutException("Verneed entry runs past .gnu.version_r");
                if (U16(elf, need) != 1) throw new ElfLayoutException($"Verneed version {U16(elf, need)}, expected 1");
                var count = U16(elf, need + 2);
                var file = U32(elf, need + 4);
                layout.StringReferences.Add((file, null));
                var aux = need + U32(elf, need + 8);
                for (var a = 0; a < count; a++)
                {
                    if (aux + 16 > vr.Offset + vr.Size) throw new ElfLayoutException("Vernaux entry runs past .gnu.version_r");
                    var name = U32(elf, aux + 8);
                    layout.Auxes.Add(new Aux(aux, file, name));
                    layout.StringReferences.Add((name, aux));
                    var next = U32(elf, aux + 12);
                    if (next == 0 && a != count - 1) throw new ElfLayoutException("Vernaux chain ends early");
                    aux += next;
                }
                var nextNeed = U32(elf, need + 12);
                if (nextNeed == 0 && n != vr.Info - 1) throw new ElfLayoutException("Verneed chain ends early");
                need += nextNeed;
            }

            // Everything else that names a string in the same table: symbols, DT_NEEDED/SONAME/RPATH/RUNPATH, verdefs.
            foreach (var s in sections)
            {
                if (s.Link != strIndex) continue;
                if (s.Type == ShtDynsym)
                    for (var at = s.Offset; at + 24 <= s.Offset + s.Size; at += 24)
                        layout.StringReferences.Add((U32(elf, at), null));
                else if (s.Type == ShtDynamic)
                    for (var at = s.Offset; at + 16 <= s.Offset + s.Size; at += 16)
                    {
                        var tag = U64(elf, at);
                        if (tag is 1 or 14 or 15 or 29) layout.StringReferences.Add(((uint)U64(elf, at + 8), null));
                    }
                else if (s.Type == ShtGnuVerdef)
                {
                    long def = s.Offset;
                    for (var d = 0; d < s.Info; d++)
                    {
                        var count = U16(elf, def + 6);
                        var aux = def + U32(elf, def + 12);
                        for (var a = 0; a < count; a++)
                        {
                            layout.StringReferences.Add((U32(elf, aux), null));
                            aux += U32(elf, aux + 4);
                        }
                        def += U32(elf, def + 16);
                    }
                }
            }
            return layout;
        }
    }
}
