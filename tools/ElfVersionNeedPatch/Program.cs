using Scheduler.Tools.ElfVersionNeedPatch;

// Usage: ElfVersionNeedPatch <file> <from-version> <to-version>
// Exit 0 when the file needs no <from-version> afterwards (patched now or already), 1 on any layout surprise.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: ElfVersionNeedPatch <elf-file> <from-version> <to-version>   e.g. libLibTorchSharp.so GLIBCXX_3.4.32 GLIBCXX_3.4.30");
    return 2;
}
var (path, from, to) = (args[0], args[1], args[2]);
try
{
    var patched = VersionNeedPatcher.PatchFile(path, from, to);
    Console.WriteLine(patched > 0
        ? $"ElfVersionNeedPatch: {path}: {patched} need(s) {from} -> {to}"
        : $"ElfVersionNeedPatch: {path}: no {from} need (already patched)");
    return 0;
}
catch (Exception e) when (e is ElfLayoutException or IOException or UnauthorizedAccessException or ArgumentException)
{
    Console.Error.WriteLine($"ElfVersionNeedPatch: error: {path}: {e.Message}");
    return 1;
}
