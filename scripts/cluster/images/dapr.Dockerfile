# Dapr 1.18 for the local cluster: ONE image tagged six times, as Dapr's Helm chart names them
# with global.registry=bank-cqrs.local/dapr and global.tag=<version> (daprd, operator, injector,
# sentry, placement, scheduler). The chart runs /operator, /injector, /sentry, /placement and
# /scheduler as commands; the injector gives sidecars the daprd image and runs /daprd.
# /dapr-control-plane is one multi-call binary (tools/go/dapr-control-plane): it runs the entry
# point named by the link it is called through. daprd is linked against glibc (cgo: Debian's base
# has it); the control plane is static. Both come from the Go module proxy (scripts/tools.sh
# daprd, scripts/cluster/build.sh dapr-control-plane); the base carries Debian's CA bundle.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
COPY daprd /daprd
COPY dapr-control-plane /dapr-control-plane
RUN for c in operator injector sentry placement scheduler; do ln -s dapr-control-plane "/$c"; done
# Dapr's own images run as distroless' "nonroot".
USER 65532:65532
CMD ["/daprd", "--version"]
