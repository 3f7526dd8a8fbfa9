import { rawEffect, otp, baseline } from "../bench/scenarios/throughput.ts"
for (const n of [50_000, 50_000, 50_000, 1_000_000, 1_000_000]) {
  console.log(
    n,
    "a",
    (await baseline(n)).toFixed(1),
    "b",
    (await rawEffect(n)).toFixed(1),
    "c",
    (await otp(n)).toFixed(1)
  )
}
