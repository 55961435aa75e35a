# Makefile — the README's two commands and a few helpers.
#
#   make run     install missing Debian packages, build, start the demo server
#                on http://127.0.0.1:8080 (data in ./data; Ctrl-C stops it)
#   make test    install what the tests need, then `make check`
#   make check   clean clang ASan+UBSan build in build-test, run every suite
#   make format  clang-format the C files changed since the last commit
#   make clean   remove the build directories (keeps ./data)

BUILD      ?= build
TEST_BUILD ?= build-test
DATA_DIR   ?= ./data
LISTEN     ?= 127.0.0.1:8080
SANITIZE    = -Db_sanitize=address,undefined -Db_lundef=false --werror

.PHONY: all run build test check format clean distclean

all: build

run:
	sh scripts/deps.sh run
	$(MAKE) build
	./$(BUILD)/server/lessoncast serve --demo --data-dir $(DATA_DIR) --set server.listen=$(LISTEN)

build:
	@if [ ! -f $(BUILD)/build.ninja ]; then meson setup $(BUILD); fi
	ninja -C $(BUILD)

test:
	sh scripts/deps.sh test
	$(MAKE) check

# A build dir configured by another compiler is wiped; a clang one is reconfigured.
check:
	@if [ -f $(TEST_BUILD)/build.ninja ] && grep -q 'C compiler for the host machine: clang' $(TEST_BUILD)/meson-logs/meson-log.txt 2>/dev/null; then \
	  echo "CC=clang meson setup --reconfigure $(TEST_BUILD) $(SANITIZE)"; \
	  CC=clang meson setup --reconfigure $(TEST_BUILD) $(SANITIZE); \
	elif [ -d $(TEST_BUILD) ]; then \
	  echo "CC=clang meson setup --wipe $(TEST_BUILD) $(SANITIZE)"; \
	  CC=clang meson setup --wipe $(TEST_BUILD) $(SANITIZE); \
	else \
	  echo "CC=clang meson setup $(TEST_BUILD) $(SANITIZE)"; \
	  CC=clang meson setup $(TEST_BUILD) $(SANITIZE); \
	fi
	ninja -C $(TEST_BUILD)
	meson test -C $(TEST_BUILD) --print-errorlogs

format:
	sh scripts/format.sh

clean:
	rm -rf $(BUILD) $(TEST_BUILD)

# Also the demo database and the e2e test's node_modules and screenshots.
distclean: clean
	rm -rf $(DATA_DIR) tests/e2e/node_modules tests/e2e/artifacts
