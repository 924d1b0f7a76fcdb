# Event-driven commerce — developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node 24 LTS: the machine's when new enough, else installed from the npm registry into .tools/.
NODE_BIN := $(shell scripts/ensure-node.sh)
ifeq ($(NODE_BIN),)
$(error could not find or install Node 24 (see scripts/ensure-node.sh))
endif
export PATH := $(NODE_BIN):$(PATH)

DOCKER_ENGINE := $(shell docker info >/dev/null 2>&1 && echo yes)

.PHONY: help install up down ps logs test lint typecheck format schemas-check infra-up infra-down \
        cluster-up cluster-down check chaos demo

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json package.json packages/platform/package.json services/*/package.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## install npm dependencies (npm ci) when the lockfile changed

up: install ## start infrastructure and the four services (only what is not running); waits for /health/ready
ifeq ($(DOCKER_ENGINE),yes)
	docker compose up -d --build --wait
else
	infra/local/infra.sh start
	infra/local/services.sh start
endif
	@scripts/print-urls.sh

down: ## stop everything `make up` started
ifeq ($(DOCKER_ENGINE),yes)
	docker compose down
else
	infra/local/services.sh stop
	infra/local/infra.sh stop
endif

ps: ## list each running part with its pid or container
ifeq ($(DOCKER_ENGINE),yes)
	@docker compose ps
else
	@infra/local/infra.sh status
	@infra/local/services.sh status
endif

logs: ## follow the logs of the services (and Kafka/registry without Docker)
ifeq ($(DOCKER_ENGINE),yes)
	docker compose logs -f
else
	tail -n 50 -F .run/services/*.log .run/logs/kafka.log .run/logs/registry.log
endif

infra-up: ## start only Kafka, the schema registry (and check MariaDB/Redis)
	infra/local/infra.sh start

infra-down: ## stop Kafka and the schema registry
	infra/local/infra.sh stop

cluster-up: ## start the three-broker KRaft cluster (ports 19092-19094) for fault-tolerance tests
	infra/local/infra.sh cluster-start

cluster-down: ## stop the three-broker cluster
	infra/local/infra.sh cluster-stop

lint: install ## eslint (type-aware) and prettier --check
	npx eslint .
	npx prettier --check .

typecheck: install ## tsc --noEmit
	npx tsc --noEmit -p tsconfig.json

format: install ## prettier --write
	npx prettier --write .

schemas-check: install ## check schemas/*.avsc for BACKWARD compatibility (registry, else git HEAD)
	node scripts/schemas-check.ts

check: install ## consistency checker: every CONTRACT.md invariant on the running system (npm run check)
	npm run --silent check -- $(CHECK_ARGS)

demo: install ## with `make up` running: the seeds' scenarios, each order's saga timeline as it unfolds
	node scripts/demo.ts

CHAOS_MINUTES ?= 10
CHAOS_RATE ?= 20
chaos: install infra-up ## long fault-injection run (CHAOS_MINUTES=10 CHAOS_RATE=20): crashes every part under load, then checks
	node scripts/chaos.ts --minutes $(CHAOS_MINUTES) --rate $(CHAOS_RATE)

test: install ## lint, type-check, schema gate, every test and a short chaos run (starts local infra if needed)
	scripts/test.sh

.PHONY: bench
bench: install ## load bench against the running system (make up): ceilings, 200/s, max-throughput ramp, 1000/s; report in bench/results/latest/
	bench/run.sh
