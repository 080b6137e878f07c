# CoreDNS (the Go module proxy's coredns, static) the way its official image is made: nothing but
# the binary and a CA bundle (from the local Debian base), as distroless' "nonroot" user.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE} AS base
FROM scratch
COPY --from=base /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY coredns /coredns
USER 65532:65532
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
