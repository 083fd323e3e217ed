# Convenience wrapper around CMake, in the way neovim's Makefile wraps its build.
#   make demo    install missing Debian packages, build, run `airlock demo` (on a terminal;
#                without one, the same demo headless under tmux: ctest integration.demo)
#   make demo-artifact   the plan artifact alone: pack, show, sign, verify, tamper
#   make check   install missing Debian packages, build, run the whole test suite
# Variables: BUILD_DIR (default build), WERROR=1 (warnings are errors), SANITIZE=1
# (ASan+UBSan), CC (compiler), FUZZ_SECONDS (per target, for `make fuzz`).

BUILD_DIR ?= build
WERROR ?= 0
SANITIZE ?= 0
FUZZ_SECONDS ?= 60
FUZZ_DIR ?= build-fuzz
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Everything the build, the tests and the demo use, by Debian 12 package name.
DEB_PACKAGES = build-essential cmake pkg-config clang clang-format \
	libuv1-dev libarchive-dev libcjson-dev libsodium-dev libcmocka-dev \
	libseccomp-dev libncurses-dev minisign libarchive-tools tmux curl python3 \
	bubblewrap hyperfine tinyproxy squid libicu-dev groff-base mandoc man-db

CMAKE_ARGS = -DAIRLOCK_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF) \
	-DAIRLOCK_SANITIZE=$(if $(filter 1,$(SANITIZE)),ON,OFF)

.PHONY: all deps build check demo demo-artifact bench fuzz format format-check lint clean

all: build

# Installs what is missing when run as root; otherwise prints the exact command to run.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "These Debian packages are missing. Install them as root, then run make again:"; \
		echo "  sudo apt-get install -y --no-install-recommends$$missing"; \
		exit 1; \
	fi

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_ARGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake -S . -B $(BUILD_DIR) $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

check: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Interactive on a terminal; otherwise (CI, a pipe) the headless run, so that nothing waits
# for a person who is not there.
demo: build
	@if [ -t 0 ] && [ -t 1 ]; then \
		AIRLOCKD=$(abspath $(BUILD_DIR))/airlockd/airlockd \
		AIRLOCK_TUI=$(abspath $(BUILD_DIR))/ui-tui/airlock-tui \
			$(BUILD_DIR)/airlockd/airlock demo; \
	else \
		echo "make demo: no terminal; running the demo headless (tests/integration/demo.py)"; \
		cd $(BUILD_DIR) && ctest -R '^integration\.demo$$' --output-on-failure; \
	fi

demo-artifact: build
	AIRLOCK=$(BUILD_DIR)/airlockd/airlock sh examples/demo-artifact.sh

bench: build
	cmake --build $(BUILD_DIR) --target bench
	cmake --build $(BUILD_DIR) --target bench-start
	cmake --build $(BUILD_DIR) --target bench-idle

# libFuzzer needs clang; each target runs FUZZ_SECONDS on top of its committed corpus.
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_DIR) -DAIRLOCK_FUZZ=ON -DAIRLOCK_SANITIZE=ON >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

lint: format-check
	sh tests/support/banned.sh

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
