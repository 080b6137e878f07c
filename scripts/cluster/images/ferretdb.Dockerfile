# FerretDB 1.24 (the MongoDB wire protocol on PostgreSQL) for k8s/ferretdb, which configures it
# the official image's way, with FERRETDB_* variables (FERRETDB_POSTGRESQL_URL,
# FERRETDB_LISTEN_ADDR...). The project's build of it (scripts/tools.sh ferretdb: FerretDB's
# embeddable package behind a small main, tools/go/ferretdb) takes flags instead, so the
# entrypoint /ferretdb is a script that turns the variables into flags and execs the binary
# (/usr/local/bin/ferretdb) as PID 1. User 999:999; nothing is written to the filesystem.
# Checked here: under --read-only --cap-drop ALL on bank-cqrs.local/postgres, a MongoDB client
# authenticated with PostgreSQL's user (authMechanism=PLAIN), inserted and found a document;
# SIGTERM stopped it at once. 108 MB.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
RUN groupadd --system --gid 999 ferretdb \
 && useradd --system --uid 999 --gid ferretdb --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin ferretdb
COPY ferretdb /usr/local/bin/ferretdb
COPY ferretdb-entrypoint.sh /ferretdb
USER 999:999
EXPOSE 27017
ENTRYPOINT ["/ferretdb"]
