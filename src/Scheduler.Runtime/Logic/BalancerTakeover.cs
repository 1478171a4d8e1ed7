using Scheduler.Runtime.Messages;

namespace Scheduler.Runtime.Logic;

/// <summary>
/// A balancer's takeover from a lost one, rank by rank: first every rank lists what it decodes (<see cref="ActiveListed"/>),
/// then, once all have and the balancer adopted their requests, every rank that held any confirms it renamed them
/// (<see cref="ActiveAdopted"/>). Until both are done the balancer runs no step; what has not answered is asked again.
/// </summary>
public sealed class BalancerTakeover(int ranks, long epoch)
{
    private readonly ActiveListed?[] _listed = new ActiveListed?[ranks];
    private readonly bool[] _adopted = new bool[ranks];
    private int _listedCount;
    private int _adoptedCount;

    public long Epoch => epoch;

    public bool AllListed => _listedCount == ranks;

    public bool Done => AllListed && _adoptedCount == ranks;

    /// <summary>Records a rank's list (the first for this epoch); returns whether it was new.</summary>
    public bool Listed(ActiveListed listed)
    {
        if (listed.Epoch != epoch || (uint)listed.Rank >= (uint)ranks || _listed[listed.Rank] is not null) return false;
        _listed[listed.Rank] = listed;
        _listedCount++;
        return true;
    }

    /// <summary>Every rank's list, by rank (once <see cref="AllListed"/>).</summary>
    public ActiveListed Listing(int rank) => _listed[rank] ?? throw new InvalidOperationException($"rank {rank} has not listed its requests");

    /// <summary>The rank renamed its requests (or held none, so had none to rename); returns whether it was new.</summary>
    public bool Adopted(int rank, long adoptedEpoch)
    {
        if (adoptedEpoch != epoch || (uint)rank >= (uint)ranks || _adopted[rank]) return false;
        _adopted[rank] = true;
        _adoptedCount++;
        return true;
    }

    /// <summary>Ranks still to list what they hold.</summary>
    public IEnumerable<int> Unlisted()
    {
        for (var g = 0; g < ranks; g++)
            if (_listed[g] is null) yield return g;
    }

    /// <summary>Ranks listed but not yet confirmed adopted.</summary>
    public IEnumerable<int> Unadopted()
    {
        for (var g = 0; g < ranks; g++)
            if (_listed[g] is not null && !_adopted[g]) yield return g;
    }
}
