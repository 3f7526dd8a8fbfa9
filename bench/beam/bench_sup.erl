%% The supervisors of the restart, DynamicSupervisor and tree scenarios, and their workers (plain
%% linked processes, as the effect-otp workers are plain processes).
-module(bench_sup).
-behaviour(supervisor).
-export([start_link/1, init/1, idle/0, crasher/0]).

start_link(What) -> supervisor:start_link(?MODULE, What).

%% restart: one permanent worker that crashes on a message; an intensity that never trips
init(restart) ->
    {ok, {#{strategy => one_for_one, intensity => 1000000, period => 1},
          [#{id => worker, start => {?MODULE, crasher, []}, restart => permanent}]}};
%% DynamicSupervisor's equivalent in OTP: simple_one_for_one, children added with start_child/2
init(dynamic) ->
    {ok, {#{strategy => simple_one_for_one, intensity => 3, period => 5},
          [#{id => worker, start => {?MODULE, idle, []}, restart => permanent, shutdown => 5000}]}};
%% a tree: N idle workers started in order by init, stopped in reverse order
init({tree, N}) ->
    {ok, {#{strategy => one_for_one, intensity => 3, period => 5},
          [#{id => I, start => {?MODULE, idle, []}, restart => permanent, shutdown => 5000}
           || I <- lists:seq(1, N)]}}.

idle() -> {ok, spawn_link(fun() -> receive never -> ok end end)}.

crasher() -> {ok, spawn_link(fun() -> receive crash -> exit(crash) end end)}.
