# PostgreSQL 15 from Debian's postgresql-15, FerretDB's backend (k8s/ferretdb/postgres.yaml), with
# the official image's interface: env POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB and PGDATA
# (default /var/lib/postgresql/data); an empty data directory is initialised on first start
# (postgres-entrypoint.sh). User postgres 999:999, made before the package so Debian adopts it;
# Debian's own "main" cluster is not created. Read-only root friendly: only PGDATA and /tmp (the
# unix socket) are written. The binaries (postgres, initdb, pg_isready, psql) are first on PATH.
# Checked here: PostgreSQL 15.20 under --read-only (tmpfs /tmp) --cap-drop ALL, PGDATA a subfolder of
# the volume as k8s/ferretdb sets it: initialised, created the database, refused a wrong password,
# restarted on the same data without initialising again. 379 MB (Debian's postgresql-15 pulls in
# LLVM for its JIT: 107 MB), 12-17 s.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/sh postgres \
 && mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main-cluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /var/lib/postgresql/15 /etc/postgresql/15 \
 && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER 999:999
EXPOSE 5432
# Fast shutdown (SIGTERM would be "smart": wait for every client).
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint"]
