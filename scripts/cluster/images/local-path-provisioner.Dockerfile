# Rancher's local-path-provisioner (the Go module proxy's, static) on the local Debian base, on
# PATH as in its official image (scripts/cluster/addons/local-path.yaml runs
# `local-path-provisioner --debug start --config ...`). It only talks to the API server (its
# helper pods, bank-cqrs.local/debian, touch the disk), so it runs as a non-root user.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
COPY local-path-provisioner /usr/bin/local-path-provisioner
USER 65532:65532
ENTRYPOINT ["local-path-provisioner"]
