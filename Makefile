# tandem: the two commands a fresh machine needs are `make run` and `make test`.
PORT ?= 8080
DB ?= var/tandem.db
JOBS ?= $(shell nproc)

.PHONY: all deps build run test unit integration test-deps bench clean fuzz

all: build

deps:
	@scripts/deps.sh build

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTANDEM_TESTS=OFF >/dev/null
	cmake --build build -j$(JOBS)

run: build
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then ./build/tandem init --demo --db $(DB); fi
	./build/tandem serve --port $(PORT) --db $(DB) --web-root web

test-deps:
	@scripts/deps.sh test
	@cd tests && if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then npm install --no-audit --no-fund --silent && touch node_modules; fi

# Tests are built with AddressSanitizer and UBSan.
build-test: test-deps
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=ON >/dev/null
	cmake --build build-test -j$(JOBS)

test: build-test
	scripts/check-banned.sh
	cd build-test && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS)
	scripts/fuzz.sh 20

bench:
	@scripts/deps.sh bench
	@echo "see bench/*/README.md"

clean:
	rm -rf build build-test build-fuzz
