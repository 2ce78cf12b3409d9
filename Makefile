# Karat: the two commands a user needs are `make run` and `make test`.
# Everything goes through CMake + Ninja; scripts/bootstrap installs what is missing.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:8000
DATA       ?= ./var

.PHONY: all bootstrap build run test test-fast bench format clean

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

# Every test through ctest: the optimised build, then the same suite under ASan+UBSan.
test: build $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE nosan

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	sh bench/run.sh

format:
	clang-format -i $$(find src tests bench -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
