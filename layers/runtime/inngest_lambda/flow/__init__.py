"""Flow control and cron: Inngest's function options, enforced with DynamoDB conditional writes.

One module per option; `admission` (run creation), `gate` (before SDK requests) and `messages`
(the message kinds below) are the only entry points the runtime calls. State lives in the run
table under its own partition-key prefixes, all written conditionally so any number of
concurrent Lambda invocations agree:

    F#<fn>#rate#<key> / G                 rate limit GCRA state (tat)
    F#<fn>#throttle#<key> / G             throttle GCRA state (tat)
    F#<fn>#singleton#<key> / L            singleton lock (run_id of the active run)
    F#<fn>#debounce#<key> / D             pending debounce (run_id, event_id, due_at, ver)
    F#<fn>#batch#<key> / B                open batch (batch_id, count)
    FB#<batch_id> / E#<event id>          events of a batch
    F#<fn>#conc<i>#<key> / C              concurrency slot holders (+ `#W` waiting list;
                                          `#s<n>`: further shards of a limit over 20)
    F#~<scope>#conc#<key> / C             env/account-scoped concurrency, shared by functions
    R#<run_id> / R  flow_started_at, flow_timed_out   the start-timeout race (timeouts)
    R#<run_id> / R  conc_shards           the shard of each sharded concurrency key it chose

`<key>` is a digest of the option's CEL key evaluated on the event. Message kinds on the work
queue: `debounce`, `batch`, `timeout`, `cron` (see `messages`).
"""
