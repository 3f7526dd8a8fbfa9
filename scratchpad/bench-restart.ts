const m = await import("../bench/scenarios/otp-supervisor.ts")
const o = await m.load()
for (const n of [1000, 2000, 5000, 10000]) {
  const ms = await o.cycles(n)
  console.log(n, ms.toFixed(1), "ms", ((ms * 1000) / n).toFixed(2), "µs/cycle")
}
