# pqgen: one non-recursive Makefile. `make help` lists the targets.
#
#   make            build/pqgen and build/libpqg.a
#   make test       install missing packages, build with ASan/UBSan, run unit, golden,
#                   generated-code drift and integration tests (throwaway PostgreSQL)
#   make demo       generate, build and run examples/assistant against a throwaway PostgreSQL
#
# SAN=1 builds with AddressSanitizer and UBSan into build/asan instead of build/.

CC      ?= cc
SAN     ?= 0
ifeq ($(SAN),tsan)
BUILD   ?= build/tsan
SANFLAGS = -fsanitize=thread -fno-omit-frame-pointer
OPT      = -O1
else ifeq ($(SAN),1)
BUILD   ?= build/asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      = -O1
else
BUILD   ?= build
SANFLAGS =
OPT      = -O2
endif

PG_INC  := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I$(PG_INC) -Iruntime $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
# No -lpq: pqgen loads libpq with dlopen when vet runs (generator/vet_libpq.c).
GEN_LIBS = -lpg_query -ljansson -lpthread -ldl
RT_LIBS  = -lpq -lpthread -lm

GEN_SRC  := $(sort $(wildcard generator/*.c))
# The default templates are compiled into pqgen, so the binary works from any directory.
TEMPLATES := $(sort $(wildcard templates/*.mustache))
# The migration checksums come from the runtime's SHA-256, so both sides compute them alike.
GEN_OBJ  := $(GEN_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/templates_data.o $(BUILD)/runtime/sha256.o
GEN_LIB_OBJ := $(filter-out $(BUILD)/generator/main.o,$(GEN_OBJ))
RT_SRC   := $(sort $(wildcard runtime/*.c))
RT_OBJ   := $(RT_SRC:%.c=$(BUILD)/%.o)
GENERATED_SRC := $(sort $(wildcard generated/*.c))
GENERATED_OBJ := $(GENERATED_SRC:%.c=$(BUILD)/%.o)

UNIT_GEN_SRC := $(sort $(wildcard tests/unit/generator/test_*.c))
UNIT_RT_SRC  := $(sort $(wildcard tests/unit/runtime/test_*.c))
INTEG_SRC    := $(sort $(wildcard tests/integration/test_*.c))
UNIT_GEN_BIN := $(UNIT_GEN_SRC:tests/unit/generator/%.c=$(BUILD)/tests/unit/gen_%)
UNIT_RT_BIN  := $(UNIT_RT_SRC:tests/unit/runtime/%.c=$(BUILD)/tests/unit/rt_%)
INTEG_BIN    := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/integration/%)

.PHONY: all help deps test test-build unit golden golden-update check-generated generate example \
        cli-test check-sql vet-test integration tsan demo bench asan valgrind clean

all: $(BUILD)/pqgen $(BUILD)/libpqg.a

help:
	@echo "make [all]            build $(BUILD)/pqgen and $(BUILD)/libpqg.a"
	@echo "make generate         regenerate generated/ from schema/ and queries/"
	@echo "make check-generated  fail when generated/ is stale (pqgen diff)"
	@echo "make unit             cmocka unit tests (no database)"
	@echo "make golden           golden model/diagnostic/output tests"
	@echo "make cli-test         the pqgen command line end to end"
	@echo "make golden-update    rewrite the golden expectations"
	@echo "make check-sql        the example app's migrations and queries on a real server"
	@echo "make vet-test         pqgen vet against live servers"
	@echo "make integration      integration tests against a throwaway PostgreSQL"
	@echo "make test             all of the above under ASan/UBSan, then tsan (installs packages)"
	@echo "make tsan             threaded runtime tests under ThreadSanitizer"
	@echo "make valgrind         unit and integration tests under valgrind memcheck"
	@echo "make demo             run examples/assistant against a throwaway PostgreSQL"
	@echo "make bench            benchmarks (not part of make test)"
	@echo "make clean            remove build/"

deps:
	@bash scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/templates_data.c: $(TEMPLATES) scripts/embed-templates.sh
	@mkdir -p $(dir $@)
	bash scripts/embed-templates.sh $(TEMPLATES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/templates_data.o: $(BUILD)/gen/templates_data.c
	$(CC) $(CFLAGS) -Igenerator -c $< -o $@

$(BUILD)/pqgen: $(GEN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(GEN_LIBS)

$(BUILD)/libpqg.a: $(RT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/unit/gen_%: tests/unit/generator/%.c $(GEN_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Igenerator -o $@ $^ $(LDFLAGS) $(GEN_LIBS) -lcmocka

$(BUILD)/tests/unit/rt_%: tests/unit/runtime/%.c $(BUILD)/libpqg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libpqg.a $(LDFLAGS) $(RT_LIBS) -ljansson -lcmocka

$(BUILD)/tests/integration/%: tests/integration/%.c $(GENERATED_OBJ) $(BUILD)/libpqg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Igenerated -o $@ $< $(GENERATED_OBJ) $(BUILD)/libpqg.a $(LDFLAGS) \
	    $(RT_LIBS) -ljansson -lcmocka

$(BUILD)/generated/%.o: generated/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pedantic -Igenerated -MMD -MP -c $< -o $@

unit: $(UNIT_GEN_BIN) $(UNIT_RT_BIN)
	@bash scripts/run-tests.sh unit $^

golden: $(BUILD)/pqgen
	@bash tests/golden/run.sh $(BUILD)/pqgen

# The command line end to end: init, generate twice (mtimes kept), diff after a rename.
cli-test: $(BUILD)/pqgen
	@bash tests/cli/run.sh $(BUILD)/pqgen

golden-update: $(BUILD)/pqgen
	@bash tests/golden/run.sh --update $(BUILD)/pqgen

generate: $(BUILD)/pqgen
	$(BUILD)/pqgen generate

check-generated: $(BUILD)/pqgen
	$(BUILD)/pqgen diff

integration: $(INTEG_BIN) $(BUILD)/pqgen
	@bash scripts/with-pg.sh bash scripts/run-tests.sh integration $(INTEG_BIN)

# pqgen vet on its own cases (wrong inference, server rejection, seq scan + hypopg advice) and on
# the example application, which must pass clean.
vet-test: $(BUILD)/pqgen
	@bash tests/vet/run.sh $(BUILD)/pqgen

# The example application's migrations (up, down, up) and every query PREPAREd on a real server.
check-sql:
	@bash scripts/with-pg.sh bash tests/sql/check_example_sql.sh

test-build: all $(UNIT_GEN_BIN) $(UNIT_RT_BIN) $(INTEG_BIN) $(BUILD)/examples/assistant

# The README's test command: everything, under ASan/UBSan.
test: deps
	@$(MAKE) --no-print-directory SAN=1 test-build
	@$(MAKE) --no-print-directory SAN=1 unit golden cli-test check-generated check-sql vet-test integration example
	@$(MAKE) --no-print-directory tsan

# The threaded runtime tests under ThreadSanitizer (pool, statement cache, transactions,
# reliability with killed backends and a restart), and pqgen's analysis worker thread.
TSAN_TESTS = test_runtime_db test_runtime_reliability test_slowlog_metrics
tsan: deps
	@$(MAKE) --no-print-directory SAN=tsan build/tsan/pqgen \
	    $(TSAN_TESTS:%=build/tsan/tests/integration/%)
	@TSAN_OPTIONS=halt_on_error=1 build/tsan/pqgen -j 2 diff >/dev/null && \
	    echo "tsan: pqgen -j 2 diff of generated/: no race"
	@TSAN_OPTIONS=halt_on_error=1 build/tsan/pqgen -j 2 \
	    -f tests/golden/emit_user_templates/pqgen.json diff >/dev/null && \
	    echo "tsan: pqgen -j 2 diff with user templates reading lazy model members: no race"
	@rm -rf build/tsan/app && mkdir -p build/tsan/app && \
	    sed -e 's|"schema"\]|"../../../schema"]|' -e 's|"queries"\]|"../../../queries"]|' \
	    pqgen.json >build/tsan/app/pqgen.json && \
	    TSAN_OPTIONS=halt_on_error=1 build/tsan/pqgen -j 2 -f build/tsan/app/pqgen.json \
	    generate 2>/dev/null && \
	    echo "tsan: pqgen -j 2 generate (threaded writer) into a new folder: no race"
	@TSAN_OPTIONS=halt_on_error=1 bash scripts/with-pg.sh bash scripts/run-tests.sh tsan \
	    $(TSAN_TESTS:%=build/tsan/tests/integration/%)

valgrind: deps
	@$(MAKE) --no-print-directory test-build
	@VALGRIND=1 bash scripts/run-tests.sh unit $(UNIT_GEN_BIN) $(UNIT_RT_BIN)
	@VALGRIND=1 bash scripts/with-pg.sh bash scripts/run-tests.sh integration $(INTEG_BIN)

demo: deps all
	$(BUILD)/pqgen generate
	@$(MAKE) --no-print-directory $(BUILD)/examples/assistant
	@bash scripts/with-pg.sh $(BUILD)/examples/assistant

$(BUILD)/examples/assistant: examples/assistant.c $(GENERATED_OBJ) $(BUILD)/libpqg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Igenerated -o $@ $< $(GENERATED_OBJ) $(BUILD)/libpqg.a $(LDFLAGS) $(RT_LIBS) -ljansson

# The demo program (examples/assistant) on a throwaway server: it migrates and runs every part of
# the example application's API, and must exit 0.
example: $(BUILD)/examples/assistant
	@bash scripts/with-pg.sh $(BUILD)/examples/assistant >$(BUILD)/example.log 2>&1 || \
	    { cat $(BUILD)/example.log; exit 1; }
	@echo "example: examples/assistant ran ($$(wc -l <$(BUILD)/example.log) lines of output)"

bench: all
	@bash tests/bench/run.sh

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
