# Redis from Debian's redis-server (7.0 in bookworm) for k8s/redis on the local cluster, which
# runs `sh -c "exec redis-server --appendonly yes --dir /data --requirepass ..."` and probes
# `redis-cli ping`. The user redis is 999:999 (the StatefulSet's runAsUser/fsGroup), made before
# the package so Debian's postinst adopts it. Read-only root friendly: nothing is written but
# /data (the volume).
# Checked here: redis-server 7.0.15 under --read-only --cap-drop ALL as 999:999 with a volume on
# /data answered `redis-cli ping` (REDISCLI_AUTH) and wrote its AOF files there. 90 MB, 3 s.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
RUN groupadd --system --gid 999 redis \
 && useradd --system --uid 999 --gid redis --home-dir /var/lib/redis --shell /usr/sbin/nologin redis \
 && apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis -m 0750 /data
WORKDIR /data
USER 999:999
EXPOSE 6379
CMD ["redis-server", "--dir", "/data"]
