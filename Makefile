# Karat: the two commands a user needs are `make run` and `make test`.
# Everything goes through CMake + Ninja; scripts/bootstrap installs what is missing.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= multipart json_bodies image xlsx_template config doc_expr ocr_text scene doc_order market
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:8000
DATA       ?= ./var

.PHONY: all bootstrap build run test test-fast lint fuzz fuzz-build bench format clean

all: build

bootstrap:
	@sh scripts/bootstrap

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKARAT_SANITIZE=ON

build: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/karat serve --listen $(LISTEN) --data $(DATA)

$(FUZZ_BUILD)/build.ninja:
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_C_COMPILER=clang -DKARAT_FUZZ=ON

# Every test through ctest: the optimised build, the same suite under ASan+UBSan,
# then each libFuzzer target for ~20 s (tests/fuzz, clang).
test: build lint $(ASAN_BUILD)/build.ninja $(FUZZ_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE nosan
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS) -L fuzz

# The code's habits (scripts/lint: banned calls, sizes, symbol prefixes, documented config).
lint: build
	python3 scripts/lint --self-test
	python3 scripts/lint $(BUILD)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz-build: bootstrap $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Each fuzz target for FUZZ_SECONDS over its corpus (the corpus is not changed);
# crashes land in $(FUZZ_BUILD)/fuzz-artifacts/TARGET/. Fails if any target failed.
fuzz: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
	    sh tests/fuzz/run.sh $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_SECONDS) $(FUZZ_BUILD)/fuzz-artifacts \
	        || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi; echo "fuzz: all clean"

bench: build
	sh bench/run.sh

format:
	clang-format -i $$(find src tests bench -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
