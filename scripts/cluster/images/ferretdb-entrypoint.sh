#!/bin/sh
# /ferretdb in bank-cqrs.local/ferretdb (scripts/cluster/images/ferretdb.Dockerfile): FerretDB's
# FERRETDB_* variables, as its official image reads them (k8s/ferretdb sets them), turned into the
# flags of the project's FerretDB build (tools/go/ferretdb, built on FerretDB's embeddable package:
# it takes flags only), which then runs as PID 1. Arguments come last and win.
#   FERRETDB_LISTEN_ADDR     -listen-addr     (default :27017)
#   FERRETDB_HANDLER         -handler         (default postgresql, as FerretDB's own default)
#   FERRETDB_POSTGRESQL_URL  -postgresql-url  (default postgres://127.0.0.1:5432/ferretdb)
#   FERRETDB_SQLITE_URL      -sqlite-url
#   FERRETDB_LOG_LEVEL       -log-level       (debug, info, warn, error)
# FERRETDB_TELEMETRY and FERRETDB_STATE_DIR need nothing: the embeddable package has no state file
# and never reports telemetry.
set -eu
exec /usr/local/bin/ferretdb \
  -listen-addr="${FERRETDB_LISTEN_ADDR:-:27017}" \
  -handler="${FERRETDB_HANDLER:-postgresql}" \
  -postgresql-url="${FERRETDB_POSTGRESQL_URL:-postgres://127.0.0.1:5432/ferretdb}" \
  ${FERRETDB_SQLITE_URL:+"-sqlite-url=$FERRETDB_SQLITE_URL"} \
  ${FERRETDB_LOG_LEVEL:+"-log-level=$FERRETDB_LOG_LEVEL"} \
  "$@"
