DATABASE_URL ?= pglite:./.parley/db

.PHONY: run-server demo migrate doctor test

# The seed's users type `make run-server`.
run-server:
	node bin/parley.js serve --database-url "$(DATABASE_URL)"

demo:
	node bin/parley.js demo --database-url "$(DATABASE_URL)"

migrate:
	node bin/parley.js migrate --database-url "$(DATABASE_URL)"

doctor:
	node bin/parley.js doctor --database-url "$(DATABASE_URL)"

test:
	npm test
