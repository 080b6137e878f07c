# RabbitMQ from Debian's rabbitmq-server (3.10 on Erlang 25 in bookworm) with the management
# plugin enabled, for k8s/rabbitmq: it sets RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS (the
# server itself honours them when it creates its database) and RABBITMQ_NODENAME, mounts the data
# volume on /var/lib/rabbitmq and probes `rabbitmq-diagnostics -q check_port_connectivity`.
# User rabbitmq 999:999, made before the package so Debian adopts it. Debian's /usr/sbin wrappers
# (which write startup logs under /var/log and insist on the user's name) are bypassed: the
# release's own scripts come first on PATH. Everything is written under /var/lib/rabbitmq (the
# Erlang cookie in HOME, the database, the expanded plugins, the upgrade log under log/); the
# log goes to stdout.
# Checked here: under --read-only (tmpfs /tmp) --cap-drop ALL with a volume on /var/lib/rabbitmq and
# RABBITMQ_NODENAME=rabbit@localhost, check_port_connectivity passed after ~8 s, the only user was
# RABBITMQ_DEFAULT_USER (administrator, its password accepted), the management API answered;
# SIGTERM stopped it in 6 s and it started again on the same data. 176 MB, 10-14 s.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
RUN groupadd --system --gid 999 rabbitmq \
 && useradd --system --uid 999 --gid rabbitmq --home-dir /var/lib/rabbitmq --shell /bin/sh rabbitmq \
 && apt-get update \
 && apt-get install -y --no-install-recommends rabbitmq-server \
 && rm -rf /var/lib/apt/lists/* \
 && /usr/lib/rabbitmq/bin/rabbitmq-plugins enable --offline rabbitmq_management \
 && rm -rf /var/lib/rabbitmq/.erlang.cookie /var/lib/rabbitmq/mnesia/* /var/log/rabbitmq/* \
 && chown rabbitmq:rabbitmq /etc/rabbitmq/enabled_plugins
ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/var/lib/rabbitmq \
    RABBITMQ_LOGS=- \
    RABBITMQ_LOG_BASE=/var/lib/rabbitmq/log
WORKDIR /var/lib/rabbitmq
USER 999:999
# AMQP, management, Erlang distribution (epmd and the node).
EXPOSE 5672 15672 4369 25672
CMD ["rabbitmq-server"]
