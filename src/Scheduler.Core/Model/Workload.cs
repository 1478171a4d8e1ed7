namespace Scheduler.Core.Model;

/// <summary>An ordered, validated set of requests: ids are 0..N-1 in reveal order and arrivals never
/// decrease. Built once from a reader or a sampler; the simulator and the runtime both consume it.</summary>
public sealed class Workload
{
    private readonly Request[] _requests;

    public Workload(IEnumerable<Request> requests, string source)
    {
        _requests = requests.ToArray();
        Source = source;
        for (var i = 0; i < _requests.Length; i++)
        {
            var r = _requests[i];
            if (r.Id != i)
                throw new ArgumentException($"{source}: request at position {i} has id {r.Id}; ids must be 0..N-1 in order");
            if (r.PromptTokens <= 0)
                throw new ArgumentException($"{source}: request {i} has prompt_tokens {r.PromptTokens}; must be positive");
            if (r.OutputTokens <= 0)
                throw new ArgumentException($"{source}: request {i} has output_tokens {r.OutputTokens}; must be positive");
            if (r.PredictedOutputTokens < 0)
                throw new ArgumentException($"{source}: request {i} has predicted_output_tokens {r.PredictedOutputTokens}; must not be negative");
            if (i > 0 && r.ArrivalSeconds < _requests[i - 1].ArrivalSeconds)
                throw new ArgumentException($"{source}: request {i} arrives before request {i - 1}");
        }
    }

    /// <summary>Where the requests came from (a file path or a generator description).</summary>
    public string Source { get; }

    public int Count => _requests.Length;

    public IReadOnlyList<Request> Requests => _requests;

    public Request this[int id] => _requests[id];

    /// <summary>The same requests with every arrival at t=0 (the reference's backlogged setting).</summary>
    public Workload AsBacklog() =>
        new(_requests.Select(r => r with { ArrivalSeconds = 0.0 }), Source);

    /// <summary>The same requests with the predictor's estimates replaced.</summary>
    public Workload WithPredictions(Func<Request, int> predict) =>
        new(_requests.Select(r => r with { PredictedOutputTokens = predict(r) }), Source);
}
