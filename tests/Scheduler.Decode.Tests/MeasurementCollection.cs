namespace Scheduler.Decode.Tests;

/// <summary>
/// Tests that measure the process (RSS) or the machine (step times) run here, one at a time and after the
/// parallel ones: other tests decoding beside them would move their numbers.
/// </summary>
[CollectionDefinition(nameof(MeasurementCollection), DisableParallelization = true)]
public sealed class MeasurementCollection;
