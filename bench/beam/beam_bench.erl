%% The BEAM side of `npm run bench`: each scenario of bench/scenarios/ written in plain Erlang/OTP,
%% in the same unit, so bench/run.ts can print effect-otp's figure over BEAM's from the same run.
%% bench/lib/beam.ts compiles the three modules of this directory and runs, per scenario,
%%
%%   erl -noshell +S 1 +P 2000000 -pa <dir> -run beam_bench main <id> <reps> <warmups> <size> <warmup size>
%%
%% One scheduler (+S 1): Node runs the processes on one thread, so BEAM gets one core too. Each
%% repetition runs in a fresh process and prints one line, "sample <value>", followed by
%% " <key>=<value>" for its secondary figures.
-module(beam_bench).
-export([main/1]).

main([Id, Reps, Warmups, Size, WarmupSize]) ->
    logger:set_primary_config(level, none), % no crash reports, as the JS sides run with no logger
    setup(Id),
    Run = scenario(Id),
    [in_process(fun() -> Run(list_to_integer(WarmupSize)) end) || _ <- lists:seq(1, list_to_integer(Warmups))],
    [print(in_process(fun() -> Run(list_to_integer(Size)) end)) || _ <- lists:seq(1, list_to_integer(Reps))],
    halt(0).

%% Each scenario: a fun of its size giving its figure, or {Figure, [{Key, Value}]}.
scenario("spawn-1k") -> fun(N) -> spawn_msg_exit(N) / 1000 end;           % ms total
scenario("spawn-100k") -> fun(N) -> spawn_msg_exit(N) / N end;            % µs per process
scenario("oneway-50k") -> fun(N) -> one_way(N) / 1000 end;                % ms total
scenario("oneway-1m") -> fun(N) -> one_way(N) / 1000 end;
scenario("pingpong-200k") -> fun(N) -> ping_pong(N) / N end;              % µs per round trip
scenario("call-200k") -> fun(N) -> calls(N) / N end;                      % µs per call
scenario("cast-1m") -> fun(N) -> casts(N) * 1000 / N end;                 % ns per cast
scenario("wakeup-200k") -> fun(N) -> casts(N) * 1000 / N end;
scenario("restart-10k") -> fun(N) -> restarts(N) / N end;                 % µs per cycle
scenario("memory-100k") -> fun idle_memory/1;                            % bytes per process
scenario("idle-1m") -> fun idle_memory/1;
scenario("fairness") -> fun fairness/1;                                   % µs, p99 round trip
scenario("dynsup-stop-10k") -> fun dynsup_stop/1;                         % ms to stop
scenario("dynsup-stop-100k") -> fun dynsup_stop/1;
scenario("callers-10k") -> fun(K) -> callers(10000, K) end;               % µs, p99 call latency
scenario("broadcast-10k") -> fun(R) -> broadcast(10000, R) end;           % ms per broadcast
scenario("tree-10k") -> fun tree/1;                                       % ms, build + teardown
scenario("dist-pingpong") -> fun(N) -> dist_ping_pong(N) / N end;         % µs per round trip
scenario("dist-call") -> fun(N) -> dist_calls(N) / N end;                 % µs per call
scenario("dist-oneway") -> fun(N) -> dist_one_way(N) / N end.             % µs per message

%% The distribution scenarios ("dist-*") need a second node: bench/lib/beam.ts starts this one
%% distributed (-name, a private epmd port); here a peer node is started on 127.0.0.1, once for
%% all repetitions, with the processes the scenarios talk to (the same as bench/lib/peer.ts's).
setup("dist-" ++ _) ->
    Dir = filename:dirname(code:which(?MODULE)),
    Cookie = atom_to_list(erlang:get_cookie()),
    {ok, _, Node} = peer:start_link(#{name => bench_b, host => "127.0.0.1", longnames => true,
                                      args => ["-setcookie", Cookie, "+S", "1", "-pa", Dir]}),
    ok = erpc:call(Node, logger, set_primary_config, [level, none]),
    {ok, _} = erpc:call(Node, gen_server, start, [{local, counter}, bench_server, 0, []]),
    erpc:call(Node, fun() ->
        register(echo, spawn(fun Echo() -> receive {From, M} -> From ! M, Echo() end end)),
        register(sink, spawn(fun Sink() -> receive {start, From, N} -> count(N), From ! done, Sink() end end))
    end),
    persistent_term:put(peer_node, Node);
setup(_) -> ok.

in_process(F) ->
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Self ! {self(), F()} end),
    receive {Pid, Result} -> receive {'DOWN', Ref, _, _, _} -> Result end;
            {'DOWN', Ref, _, _, Reason} -> erlang:error({scenario_failed, Reason})
    end.

print({Value, Extra}) ->
    io:format("sample ~s~s~n", [num(Value), [[" ", K, "=", num(V)] || {K, V} <- Extra]]);
print(Value) -> print({Value, []}).

num(X) -> io_lib:format("~.6f", [float(X)]).

now_us() -> erlang:monotonic_time(microsecond).

elapsed_us(T0) -> now_us() - T0.

%% 1. spawn N processes blocked in receive, send each one message, wait until all have exited
spawn_msg_exit(N) ->
    T0 = now_us(),
    Procs = [spawn_monitor(fun() -> receive go -> ok end end) || _ <- lists:seq(1, N)],
    [Pid ! go || {Pid, _} <- Procs],
    downs(N),
    elapsed_us(T0).

%% N 'DOWN's, in whatever order they come (a receive of each one's ref in turn could scan the queue)
downs(0) -> ok;
downs(N) -> receive {'DOWN', _, process, _, _} -> downs(N - 1) end.

%% 2. one process sends N messages to another, which counts them and exits at the last
one_way(N) ->
    T0 = now_us(),
    {Receiver, Ref} = spawn_monitor(fun() -> count(N) end),
    spawn(fun() -> send_n(Receiver, N) end),
    receive {'DOWN', Ref, _, _, _} -> ok end,
    elapsed_us(T0).

count(0) -> ok;
count(N) -> receive _ -> count(N - 1) end.

send_n(_, 0) -> ok;
send_n(Pid, N) -> Pid ! N, send_n(Pid, N - 1).

%% 3. two processes bounce a message N times
ping_pong(N) ->
    Ponger = spawn(fun Loop() -> receive {From, M} -> From ! M, Loop(); stop -> ok end end),
    T0 = now_us(),
    ping(Ponger, N),
    Elapsed = elapsed_us(T0),
    Ponger ! stop,
    Elapsed.

ping(_, 0) -> ok;
ping(Ponger, N) -> Ponger ! {self(), N}, receive N -> ping(Ponger, N - 1) end.

%% distribution: the same over loopback, to the processes of the peer node (by their names)
dist_ping_pong(N) ->
    Echo = {echo, persistent_term:get(peer_node)},
    T0 = now_us(),
    ping(Echo, N),
    elapsed_us(T0).

dist_calls(N) ->
    Counter = {counter, persistent_term:get(peer_node)},
    T0 = now_us(),
    [gen_server:call(Counter, incr) || _ <- lists:seq(1, N)],
    elapsed_us(T0).

dist_one_way(N) ->
    Sink = {sink, persistent_term:get(peer_node)},
    T0 = now_us(),
    Sink ! {start, self(), N},
    send_n(Sink, N),
    receive done -> ok end,
    elapsed_us(T0).

%% 4. gen_server:call, N times; N casts then one call
calls(N) ->
    {ok, Server} = bench_server:start(),
    T0 = now_us(),
    [gen_server:call(Server, incr) || _ <- lists:seq(1, N)],
    Elapsed = elapsed_us(T0),
    gen_server:stop(Server),
    Elapsed.

casts(N) ->
    {ok, Server} = bench_server:start(),
    T0 = now_us(),
    [gen_server:cast(Server, incr) || _ <- lists:seq(1, N)],
    N = gen_server:call(Server, get),
    Elapsed = elapsed_us(T0),
    gen_server:stop(Server),
    Elapsed.

%% 5. crash the supervisor's child N times, each time waiting for the restarted child
restarts(N) ->
    {ok, Sup} = bench_sup:start_link(restart),
    First = child(Sup),
    T0 = now_us(),
    Last = restart_cycles(Sup, First, N),
    Elapsed = elapsed_us(T0),
    true = is_process_alive(Last),
    stop(Sup),
    Elapsed.

restart_cycles(_, Child, 0) -> Child;
restart_cycles(Sup, Child, N) ->
    Ref = monitor(process, Child),
    Child ! crash,
    receive {'DOWN', Ref, _, _, _} -> ok end,
    case child(Sup) of
        Child -> erlang:error(not_restarted);
        Next -> restart_cycles(Sup, Next, N - 1)
    end.

child(Sup) -> [{_, Pid, _, _}] = supervisor:which_children(Sup), Pid.

%% Stops a supervisor linked to the caller, as its parent does, and waits until it is gone.
stop(Sup) ->
    unlink(Sup),
    Ref = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, _, _, _} -> ok end.

%% 6. memory: bytes per idle process (processes' memory, the pid list included as in the JS sides)
idle_memory(N) ->
    erlang:garbage_collect(),
    Before = erlang:memory(processes),
    Pids = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    After = erlang:memory(processes),
    [exit(Pid, kill) || Pid <- Pids],
    {(After - Before) / N, [{"heap_MB", (After - Before) / 1048576}]}.

%% 7. fairness: a process spinning beside a ping-pong pair: the pair's p99 round trip (µs)
fairness(N) ->
    Spinner = spawn(fun() -> spin(1) end),
    Ponger = spawn(fun Loop() -> receive {From, M} -> From ! M, Loop(); stop -> ok end end),
    Rtts = [rtt(Ponger, I) || I <- lists:seq(1, N)],
    exit(Spinner, kill),
    Ponger ! stop,
    {quantile(Rtts, 0.99), [{"p50_us", quantile(Rtts, 0.5)}]}.

spin(X) -> spin((X * 1103515245 + 12345) band 16#ffffffff).

rtt(Ponger, I) ->
    T0 = now_us(),
    Ponger ! {self(), I},
    receive I -> elapsed_us(T0) end.

quantile(Xs, Q) ->
    Sorted = lists:sort(Xs),
    Rank = max(1, min(length(Sorted), ceil(Q * length(Sorted)))),
    lists:nth(Rank, Sorted).

%% scale: stop a DynamicSupervisor's equivalent with N children (ms)
dynsup_stop(N) ->
    {ok, Sup} = bench_sup:start_link(dynamic),
    [{ok, _} = supervisor:start_child(Sup, []) || _ <- lists:seq(1, N)],
    T0 = now_us(),
    stop(Sup),
    elapsed_us(T0) / 1000.

%% scale: C processes call one server K times each, at once: latency p99 (µs), p50, calls per second
callers(C, K) ->
    {ok, Server} = bench_server:start(),
    Self = self(),
    T0 = now_us(),
    Pids = [spawn(fun() -> Self ! {self(), [timed_call(Server) || _ <- lists:seq(1, K)]} end)
            || _ <- lists:seq(1, C)],
    Latencies = lists:append([receive {Pid, Ls} -> Ls end || Pid <- Pids]),
    Elapsed = elapsed_us(T0),
    gen_server:stop(Server),
    {quantile(Latencies, 0.99), [{"p50_us", quantile(Latencies, 0.5)}, {"calls_per_s", C * K / (Elapsed / 1.0e6)}]}.

timed_call(Server) ->
    T0 = now_us(),
    gen_server:call(Server, incr),
    elapsed_us(T0).

%% scale: broadcast to C subscribers of a process group (pg, OTP's equivalent of a duplicate-key
%% Registry), each answering; R rounds: ms per round
broadcast(C, R) ->
    Name = list_to_atom("bench_pg_" ++ integer_to_list(erlang:unique_integer([positive]))),
    {ok, Scope} = pg:start_link(Name),
    Self = self(),
    Subscribers = [spawn(fun() -> pg:join(Name, topic, self()), Self ! joined, subscriber() end)
                   || _ <- lists:seq(1, C)],
    [receive joined -> ok end || _ <- Subscribers],
    T0 = now_us(),
    [begin
         [Pid ! {news, Self} || Pid <- pg:get_members(Name, topic)],
         [receive ack -> ok end || _ <- Subscribers]
     end || _ <- lists:seq(1, R)],
    Elapsed = elapsed_us(T0),
    [exit(Pid, kill) || Pid <- Subscribers],
    stop(Scope),
    Elapsed / 1000 / R.

subscriber() -> receive {news, From} -> From ! ack, subscriber() end.

%% scale: a one_for_one supervisor with N workers, built then torn down (ms); both figures apart
tree(N) ->
    T0 = now_us(),
    {ok, Sup} = bench_sup:start_link({tree, N}),
    Build = elapsed_us(T0) / 1000,
    T1 = now_us(),
    stop(Sup),
    Teardown = elapsed_us(T1) / 1000,
    {Build + Teardown, [{"build_ms", Build}, {"teardown_ms", Teardown}]}.
