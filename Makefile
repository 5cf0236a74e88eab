# Swaz - the two commands of the README, plus the benchmark and fuzzing entry points.
#   make run    install what is missing, build, start swaz on http://127.0.0.1:4533
#   make test   install what is missing, run every test, end with "N passed, N failed"
#   (both build the web player into web/dist with scripts/build-web.sh)
.PHONY: run test build bench fuzz clean

BUILD ?= build

run:
	@scripts/deps.sh run
	@scripts/build.sh $(BUILD) release
	@scripts/build-web.sh
	@scripts/run.sh $(BUILD)/swaz

build:
	@scripts/deps.sh run
	@scripts/build.sh $(BUILD) release
	@scripts/build-web.sh

test:
	@scripts/deps.sh test
	@scripts/test.sh

bench:
	@scripts/deps.sh bench
	@scripts/build.sh $(BUILD) release
	@bench/run.sh $(BUILD)/swaz

fuzz:
	@scripts/deps.sh test
	@scripts/build.sh build-fuzz fuzz
	@echo "fuzzers: build-fuzz/fuzz/fuzz_*  (e.g. build-fuzz/fuzz/fuzz_http_range fuzz/corpus/http_range)"

clean:
	rm -rf build build-test build-clang build-fuzz .test-out
