# AWET — the two commands a newcomer needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
AWET := $(BUILD_DIR)/apps/awet/awet
CONFIG ?= config/awet.yaml
DB ?= var/awet.db
ARGS ?=

.PHONY: deps configure build cli demo test bench approve revoke pnl-today pnl-week pnl-save eod \
        train promote list-models positions trades replay clean format

deps:
	@bash scripts/install_deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The CLI alone (what the operations targets below need).
cli: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target awet

demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target awet
	@mkdir -p var
	$(AWET) demo --config config/sandbox.yaml --db var/demo.db $(ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@bash scripts/run_bench.sh $(BUILD_DIR)

# Operations (seed §12.2). They use CONFIG and DB; override e.g. `make pnl-today DB=var/demo.db`.
approve: cli
	$(AWET) approve --config $(CONFIG) --db $(DB)
revoke: cli
	$(AWET) revoke --config $(CONFIG) --db $(DB)
pnl-today: cli
	$(AWET) pnl today --config $(CONFIG) --db $(DB)
pnl-week: cli
	$(AWET) pnl week --config $(CONFIG) --db $(DB)
pnl-save: cli
	$(AWET) pnl save --config $(CONFIG) --db $(DB)
eod: cli
	$(AWET) eod --config $(CONFIG) --db $(DB)
train: cli
	$(AWET) train --model linear --config $(CONFIG) --db $(DB)
promote: cli
	@test -n "$(MODEL_ID)" || (echo "usage: make promote MODEL_ID=<id>" && exit 2)
	$(AWET) models promote $(MODEL_ID) --config $(CONFIG) --db $(DB)
list-models: cli
	$(AWET) models list --config $(CONFIG) --db $(DB)
positions: cli
	$(AWET) positions --config $(CONFIG) --db $(DB)
trades: cli
	$(AWET) trades --config $(CONFIG) --db $(DB)
replay: cli
	$(AWET) replay --config $(CONFIG) --db $(DB) $(ARGS)

format:
	@find src apps tests bench -name '*.hpp' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
