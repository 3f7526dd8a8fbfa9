%% The counter server of the call, cast and callers scenarios: `gen_server`'s equivalent of the
%% effect-otp GenServer in bench/scenarios/otp-genserver.ts.
-module(bench_server).
-behaviour(gen_server).
-export([start/0, init/1, handle_call/3, handle_cast/2]).

start() -> gen_server:start(?MODULE, 0, []).

init(Count) -> {ok, Count}.

handle_call(get, _From, Count) -> {reply, Count, Count};
handle_call(incr, _From, Count) -> {reply, Count + 1, Count + 1}.

handle_cast(incr, Count) -> {noreply, Count + 1}.
