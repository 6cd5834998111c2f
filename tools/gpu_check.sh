#!/usr/bin/env bash
# The GPU checks of harness/load (issue 6), as one short script for a machine with an NVIDIA GPU:
# CUDA vs CPU agreement (load_test's GpuMatchesCpu), then the writer's cost to a real training step
# (`tbfault train`, GPU): async vs every-event, and async with sync-every-step (the loss.item()
# habit), on small-fast and llm-like; and, where /dev/fuse exists, a scenario with the GPU workload.
# Usage: tools/gpu_check.sh BIN_DIR OUT_DIR   (BIN_DIR holds tbfault, load_test, faultfs; the CUDA
# workload is BIN_DIR/../lib/libtbfault_gpu.so, loaded on first use: carry build/lib too)
set -u
bin=$1 out=$2
mkdir -p "$out"
export TBFAULT_PROFILE_DIR=${TBFAULT_PROFILE_DIR:-harness/load/profiles}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "== CUDA vs CPU agreement"
"$bin/load_test" --gtest_filter='WorkloadTest.GpuMatchesCpu' 2>&1 | tail -4
for profile in small-fast llm-like; do
  steps=$([ $profile = small-fast ] && echo 4000 || echo 600)
  for w in "async" "every-event" "async --sync-every-step"; do
    name="$profile-${w// /}"
    echo "== train $profile, writer $w"
    # shellcheck disable=SC2086
    "$bin/tbfault" train --logdir "/tmp/gpu-$name" --profile $profile --device gpu --steps $steps \
      --rounds 3 --writer $w --json > "$out/train-$name.json" 2> "$out/train-$name.err"
    echo "exit $?"; tail -c 1200 "$out/train-$name.json"; echo; tail -2 "$out/train-$name.err"
  done
done
if [ -w /dev/fuse ]; then
  echo "== scenario with the GPU workload through faultfs"
  cat > /tmp/gpu-scenario.textproto <<'EOT'
name: "gpu-llm-like" seed: 4
workload { profile: "llm-like" steps: 300 flush_every: 50 }
writer { specs: "async" specs: "every-event" }
actions { kind: PROCESS_CRASH at_step: 250 }
EOT
  "$bin/tbfault" run /tmp/gpu-scenario.textproto --device gpu --out "$out/run" --quiet 2>&1 | tail -8
else
  echo "== no /dev/fuse here: scenario through faultfs skipped"
fi
