using Scheduler.Tools.ElfVersionNeedPatch;

namespace Scheduler.Decode.Tests.Packaging;

public class VersionNeedPatcherTests
{
    private const string From = "GLIBCXX_3.4.32";
    private const string To = "GLIBCXX_3.4.30";

    [Fact]
    public void Elf_hash_matches_the_values_binutils_writes()
    {
        // Values linkers write (TorchSharpNativeTests checks every need of the real library the same way).
        Assert.Equal(0x09691a75u, VersionNeedPatcher.ElfHash("GLIBC_2.2.5"));
        Assert.Equal(0x08922974u, VersionNeedPatcher.ElfHash("GLIBCXX_3.4"));
        Assert.Equal(0x0297f840u, VersionNeedPatcher.ElfHash(To));
        Assert.Equal(0x0297f842u, VersionNeedPatcher.ElfHash(From));
    }

    [Fact]
    public void Patch_rewrites_the_name_and_the_hash_of_the_need_and_nothing_else()
    {
        var original = SyntheticElf.Build(["GLIBCXX_3.4", From, "CXXABI_1.3"]);
        var elf = (byte[])original.Clone();

        Assert.Equal(1, VersionNeedPatcher.Patch(elf, From, To));

        var needs = VersionNeedPatcher.ReadNeeds(elf);
        Assert.Equal(["GLIBCXX_3.4", To, "CXXABI_1.3"], needs.Select(n => n.Name));
        Assert.All(needs, n => Assert.Equal(VersionNeedPatcher.ElfHash(n.Name), n.Hash));
        Assert.All(needs, n => Assert.Equal("libstdc++.so.6", n.File));
        Assert.Equal([2, 3, 4], needs.Select(n => (int)n.Index));
        // One string byte ('2' -> '0') and one hash byte (0x42 -> 0x40).
        Assert.Equal(2, original.Zip(elf).Count(p => p.First != p.Second));
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        var elf = SyntheticElf.Build([From]);
        VersionNeedPatcher.Patch(elf, From, To);
        var once = (byte[])elf.Clone();

        Assert.Equal(0, VersionNeedPatcher.Patch(elf, From, To));
        Assert.Equal(once, elf);
    }

    [Fact]
    public void Patch_refuses_a_need_string_that_a_symbol_name_shares()
    {
        var elf = SyntheticElf.Build([From], symbolName: "_ZSt4cout" + From);
        var ex = Assert.Throws<ElfLayoutException>(() => VersionNeedPatcher.Patch(elf, From, To));
        Assert.Contains("shared", ex.Message);
    }

    [Fact]
    public void Patch_refuses_a_need_whose_hash_is_not_the_hash_of_its_name()
    {
        var elf = SyntheticElf.Build([From], hashOverride: 0x1234);
        Assert.Throws<ElfLayoutException>(() => VersionNeedPatcher.Patch(elf, From, To));
    }

    [Fact]
    public void Patch_refuses_files_it_does_not_understand()
    {
        Assert.Throws<ElfLayoutException>(() => VersionNeedPatcher.Patch("#!/bin/sh\nexit 0\n"u8.ToArray(), From, To));
        var elf32 = SyntheticElf.Build([From]);
        elf32[4] = 1; // ELFCLASS32
        Assert.Throws<ElfLayoutException>(() => VersionNeedPatcher.Patch(elf32, From, To));
        Assert.Throws<ElfLayoutException>(() => VersionNeedPatcher.Patch(SyntheticElf.Build([From], withVerneed: false), From, To));
        Assert.Throws<ArgumentException>(() => VersionNeedPatcher.Patch(SyntheticElf.Build([From]), From, "GLIBCXX_3.4"));
    }

    [Fact]
    public void Patching_a_file_reached_through_a_link_leaves_the_link_target_alone()
    {
        var dir = Directory.CreateTempSubdirectory("elfpatch-");
        try
        {
            var cached = Path.Combine(dir.FullName, "cache.so");
            File.WriteAllBytes(cached, SyntheticElf.Build([From]));
            var copy = Path.Combine(dir.FullName, "copy.so");
            File.CreateSymbolicLink(copy, cached);

            Assert.Equal(1, VersionNeedPatcher.PatchFile(copy, From, To));

            Assert.Null(new FileInfo(copy).LinkTarget);
            Assert.Equal(To, VersionNeedPatcher.ReadNeeds(File.ReadAllBytes(copy)).Single().Name);
            Assert.Equal(From, VersionNeedPatcher.ReadNeeds(File.ReadAllBytes(cached)).Single().Name);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
