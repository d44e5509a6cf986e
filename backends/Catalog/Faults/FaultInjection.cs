namespace Backends.Catalog.Faults;

/// <summary>Failures and delays the tests switch on through /admin, to see how the gateway copes.</summary>
internal sealed class FaultInjection
{
    private readonly Lock _lock = new();
    private FaultState _state = FaultState.None;

    public FaultState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public FaultState Fail(int status, int count)
    {
        lock (_lock)
        {
            return _state = _state with { Status = status, Remaining = status == 0 ? 0 : count > 0 ? count : -1 };
        }
    }

    public FaultState Delay(int milliseconds)
    {
        lock (_lock)
        {
            return _state = _state with { DelayMs = Math.Max(0, milliseconds) };
        }
    }

    public FaultState Clear()
    {
        lock (_lock)
        {
            return _state = FaultState.None;
        }
    }

    /// <summary>The status this request is to fail with (0: none), using up one of a limited count.</summary>
    public int TakeFailure()
    {
        lock (_lock)
        {
            if (_state.Status == 0)
            {
                return 0;
            }

            var status = _state.Status;
            if (_state.Remaining > 0)
            {
                _state = _state.Remaining == 1 ? _state with { Status = 0, Remaining = 0 } : _state with { Remaining = _state.Remaining - 1 };
            }

            return status;
        }
    }
}
