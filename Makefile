# AWET — the two commands a newcomer needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
AWET := $(BUILD_DIR)/apps/awet/awet
CONFIG ?= config/awet.yaml
# The operations targets share one database: var/awet.db once there is one (ingested data of
# your own), else the demo's var/demo.db (so `make demo` then `make trades` shows the demo's).
DB ?= $(if $(wildcard var/awet.db),var/awet.db,var/demo.db)
ARGS ?=
MODEL ?= linear
# `make eval`: the TFT against its baselines on the real 1-minute bars (issue 3). SPY has extra
# sessions, so the seven stocks only: 12 sessions, the first 8 to train, the last 4 to test.
EVAL_DATA ?= ../shared/data/bars/1min
EVAL_SYMBOLS ?= AAPL,AMZN,GOOG,META,MSFT,NVDA,TSLA
EVAL_ARGS ?=

.PHONY: help deps configure build cli cli-tft awet-bin demo test bench eval approve revoke backfill \
        reconcile pnl-today pnl-week pnl-save eod train promote list-models export-onnx positions \
        trades replay clean format fuzz test-asan

help:
	@echo "AWET make targets (DB=$(DB), CONFIG=$(CONFIG); override either, e.g. make trades DB=var/x.db)"
	@echo "  demo          the demo sandbox: train the baseline, trade the next sessions (var/demo.db)"
	@echo "  test          build everything and run every test"
	@echo "  bench         the benchmarks, figures to bench/RESULTS.md"
	@echo "  eval          the TFT against its baselines on the real 1-minute bars"
	@echo "  trades positions pnl-today pnl-week pnl-save eod list-models   read and report"
	@echo "  train [MODEL=linear|tft] promote MODEL_ID=.. export-onnx MODEL_ID=..   models"
	@echo "  replay [ARGS=..] reconcile [ARGS=--venue URL]   runs and the broker"
	@echo "  backfill VENDOR=yahoo|polygon|alpaca SYMBOLS=.. FROM=.. TO=..   historical bars"
	@echo "  approve revoke   the approval file (safety layer 3)"
	@echo "  deps configure build cli cli-tft   install and build steps"
	@echo "  fuzz test-asan format clean   development"

deps:
	@bash scripts/install_deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The CLI alone (what the operations targets below need).
cli: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target awet

# The CLI for the operations targets: brought up to date in an existing build, without running the
# install again; a fresh checkout goes through `cli` (install, configure, build).
awet-bin:
	@if [ -f $(BUILD_DIR)/build.ninja ]; then cmake --build $(BUILD_DIR) -j $(JOBS) --target awet; \
	else $(MAKE) --no-print-directory cli; fi

# The CLI and the TFT module it loads (libtorch: ~1 minute to build on 2 cores).
cli-tft: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target awet awet_tft

demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target awet
	@mkdir -p var
	$(AWET) demo --db var/demo.db $(ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@bash scripts/run_bench.sh $(BUILD_DIR)

# Fuzzing (issue 11; fuzz/README.md): the libFuzzer targets of every decoder of outside input,
# built with clang-14 and ASan+UBSan in their own dir (no torch, tests or benches), each run for
# FUZZ_SECONDS with its corpus kept in var/fuzz/<name>; FUZZ_TARGETS picks some ("csv_bars yahoo").
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 180
FUZZ_TARGETS ?=
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DAWET_FUZZ=ON -DAWET_BUILD_TESTS=OFF -DAWET_BUILD_BENCH=OFF \
	  -DAWET_BUILD_TFT=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_targets
	@bash scripts/run_fuzz.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The unit tests under AddressSanitizer + UBSan (GCC, build-asan; no TFT module, no benches).
ASAN_BUILD_DIR ?= build-asan
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DAWET_BUILD_BENCH=OFF -DAWET_BUILD_TFT=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
	  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 1200 -LE tft

# Trains a TFT on the first 8 sessions, scores it, the linear and empirical-quantile baselines and
# the zero forecast on the last 4; table on stdout, JSON in var/eval.json, and the table with the
# machine and date in bench/EVAL.md (which `make bench` copies into bench/RESULTS.md). Tune with
# EVAL_ARGS, e.g. `make eval EVAL_ARGS="--epochs 5 --threads 2"`.
eval: cli-tft
	@mkdir -p var
	@bash scripts/run_eval.sh $(AWET) --data $(EVAL_DATA) --symbols $(EVAL_SYMBOLS) \
	  --train-sessions 8 --test-sessions 4 --model-dir var/eval-models --json var/eval.json \
	  --no-progress $(EVAL_ARGS)

# Operations (seed §12.2). They use CONFIG and DB (see DB above; `make help` says which).
approve: awet-bin
	$(AWET) approve --config $(CONFIG) --db $(DB)
revoke: awet-bin
	$(AWET) revoke --config $(CONFIG) --db $(DB)
pnl-today: awet-bin
	$(AWET) pnl today --config $(CONFIG) --db $(DB)
pnl-week: awet-bin
	$(AWET) pnl week --config $(CONFIG) --db $(DB)
pnl-save: awet-bin
	$(AWET) pnl save --config $(CONFIG) --db $(DB)
eod: awet-bin
	$(AWET) eod --config $(CONFIG) --db $(DB)
# MODEL=linear (default) or MODEL=tft; TFT options through ARGS, e.g. ARGS="--epochs 5".
train: $(if $(filter tft,$(MODEL)),cli-tft,awet-bin)
	$(AWET) train --model $(MODEL) --config $(CONFIG) --db $(DB) $(ARGS)
promote: awet-bin
	@test -n "$(MODEL_ID)" || (echo "usage: make promote MODEL_ID=<id>" && exit 2)
	$(AWET) models promote $(MODEL_ID) --config $(CONFIG) --db $(DB)
list-models: awet-bin
	$(AWET) models list --config $(CONFIG) --db $(DB)
export-onnx: cli-tft
	@test -n "$(MODEL_ID)" || (echo "usage: make export-onnx MODEL_ID=<id>" && exit 2)
	$(AWET) models export-onnx $(MODEL_ID) --config $(CONFIG) --db $(DB)
positions: awet-bin
	$(AWET) positions --config $(CONFIG) --db $(DB)
trades: awet-bin
	$(AWET) trades --config $(CONFIG) --db $(DB)
replay: awet-bin
	$(AWET) replay --config $(CONFIG) --db $(DB) $(ARGS)

# Open orders in trades and positions against the broker (execution.broker), read-only:
#   make reconcile [ARGS=--venue http://127.0.0.1:8009]
reconcile: awet-bin
	$(AWET) reconcile --config $(CONFIG) --db $(DB) $(ARGS)

# Historical bars from a vendor into the store, resumable (backfill_checkpoints):
#   make backfill VENDOR=polygon SYMBOLS=AAPL,MSFT FROM=2026-03-02 TO=2026-03-06 [ARGS=--interval 1d]
VENDOR ?= yahoo
backfill: awet-bin
	$(AWET) ingest $(VENDOR) --symbols $(SYMBOLS) --from $(FROM) --to $(TO) --config $(CONFIG) --db $(DB) $(ARGS)

format:
	@bash scripts/check_format.sh --fix

clean:
	rm -rf $(BUILD_DIR)
