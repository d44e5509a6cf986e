namespace Gateway.Push.PollAdvice;

/// <summary>How loaded this instance is, for poll advice: 0 idle .. 1 saturated.</summary>
internal interface IInstanceLoad
{
    double Current { get; }
}
