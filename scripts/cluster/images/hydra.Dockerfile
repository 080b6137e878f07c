# Ory Hydra 2.3.0 (the OpenID Connect provider of charts/bank-cqrs, values "hydra"): the project's
# build of it (scripts/tools.sh hydra: Hydra's own main through tools/go/hydra, with cgo for its
# SQLite driver, so it needs the C library the Debian base has). The chart runs it as
# `hydra migrate sql up -e --yes` (init container), `hydra serve all --config ...` and, in the
# client registration Job, `/bin/sh register-clients.sh` with the hydra CLI. User 1000:1000 (the
# chart's pod user); nothing is written but the volume (/var/lib/hydra, its SQLite store) and /tmp.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
RUN groupadd --system --gid 1000 hydra \
 && useradd --system --uid 1000 --gid hydra --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin hydra \
 && install -d -o hydra -g hydra -m 0750 /var/lib/hydra
COPY hydra /usr/local/bin/hydra
USER 1000:1000
EXPOSE 4444 4445
ENTRYPOINT ["/usr/local/bin/hydra"]
