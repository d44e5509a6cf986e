namespace Gateway.Sessions;

/// <summary>How long a session lives: a stream until closed, a long poll until its first batch or wait, a poll at once.</summary>
internal enum SessionMode
{
    Stream,
    LongPoll,
    Poll,
}
