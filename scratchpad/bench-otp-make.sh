#!/bin/sh
# Makes the prototype copies of effect-otp in build/bench-otp/ (git-ignored, outside tsc's scope):
#   head/     packages/otp/src and test as committed at HEAD
#   patched/  the same with scratchpad/bench-otp-patch.py applied
# Then: node --import ./scratchpad/bench-redirect.ts bench/run.ts ...   (BENCH_OTP_DIR=build/bench-otp/<v>/src)
#       BENCH_OTP_ROOT=$PWD/build/bench-otp/<v> npx vitest run --config scratchpad/bench-otp.vitest.config.ts
set -e
cd "$(dirname "$0")/.."
rev=${1:-HEAD}
rm -rf build/bench-otp/head build/bench-otp/patched
mkdir -p build/bench-otp/head build/bench-otp/patched
git archive "$rev" packages/otp/src packages/otp/test | tar -x -C build/bench-otp/head --strip-components=2
git archive "$rev" packages/otp/src packages/otp/test | tar -x -C build/bench-otp/patched --strip-components=2
python3 scratchpad/bench-otp-patch.py build/bench-otp/patched/src
diff -ru build/bench-otp/head/src build/bench-otp/patched/src > scratchpad/bench-otp.patch || true
echo "made build/bench-otp/{head,patched} from $rev; diff in scratchpad/bench-otp.patch"
