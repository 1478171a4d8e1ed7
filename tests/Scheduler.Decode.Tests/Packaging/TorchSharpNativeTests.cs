using Scheduler.Tools.ElfVersionNeedPatch;
using TorchSharp;

namespace Scheduler.Decode.Tests.Packaging;

/// <summary>What the build did to this test project's own output (build/TorchSharpNative.targets).</summary>
public class TorchSharpNativeTests
{
    private static readonly string NativePath = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");

    [Fact]
    public void The_copied_LibTorchSharp_needs_no_GLIBCXX_3_4_32()
    {
        var needs = VersionNeedPatcher.ReadNeeds(File.ReadAllBytes(NativePath));

        Assert.DoesNotContain(needs, n => n.Name == "GLIBCXX_3.4.32");
        Assert.Contains(needs, n => n.Name == "GLIBCXX_3.4.30" && n.File == "libstdc++.so.6");
        Assert.All(needs, n => Assert.Equal(VersionNeedPatcher.ElfHash(n.Name), n.Hash));
    }

    [Fact]
    public void Torch_loads_the_patched_library_from_the_output_folder_and_computes()
    {
        using var a = torch.arange(4, dtype: torch.float32);
        using var b = a * a;
        using var sum = b.sum();
        Assert.Equal(14f, sum.item<float>());

        var maps = File.ReadAllLines("/proc/self/maps");
        var loaded = maps.Where(l => l.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal))
            .Select(l => l[l.IndexOf('/')..]).Distinct().ToList();
        Assert.Equal([Path.GetFullPath(NativePath)], loaded);
    }
}
