# node:<version>-bookworm-slim without a registry: the local Debian base plus THIS machine's Node
# (its binary and its npm), laid out like the official image (/usr/local/bin/node, npm and npx
# linking into /usr/local/lib/node_modules/npm), with the user "node" 1000:1000. The services'
# Dockerfiles start FROM it by its official name (ARG NODE_IMAGE), so they build unchanged.
# Built by scripts/cluster/images.sh; the context (node, npm/, ca-certificates.crt) is staged
# from the machine under ~/.cache/bank-cqrs-tools/images/context/node.
ARG BASE=bank-cqrs.local/debian:bookworm
FROM ${BASE}
ARG NODE_VERSION
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# The machine's CA bundle: npm (in the services' `npm ci`) reaches the registry only with it
# (the machine's egress presents its own CA; without it npm fails with "self-signed certificate
# in certificate chain"). Node, and so npm, reads it through NODE_EXTRA_CA_CERTS.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
ENV NODE_VERSION=${NODE_VERSION} NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
