using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;
using Scheduler.Runtime.Engines;

namespace Scheduler.Cli.Commands;

/// <summary>Decode engines that live outside the runtime assembly.</summary>
public static class EngineFactories
{
    public static IDecodeEngineFactory Torch(ClusterShape shape) =>
        throw new UsageException("the torch engine is not part of this build yet");
}
