# The pod sandbox image, named as containerd's sandbox_image (registry.k8s.io/pause:3.10): the
# static pause binary compiled from the Kubernetes release's build/pause/linux/pause.c
# (scripts/cluster/build.sh pause), alone, as the official image has it.
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
