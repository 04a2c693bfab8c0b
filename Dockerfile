# The netmon image: the agent (`netmon up`), `netmon migrate` and the compose demo's traffic.
# Node code runs through tsx as it does in development (bin/netmon.mjs), so there is no compile
# step; the Grafana plugin is built on the host (`npm run build`) and mounted into Grafana.
FROM node:20-bookworm-slim

# bpftrace: capture (bookworm's 0.17 is the minimum the agent accepts). conntrack: Service IP
# backends from conntrack events. util-linux: setpriv ties bpftrace and conntrack to the agent's
# life. iproute2: `tc netem` for the demo's lossy link. ca-certificates: https ClickHouse URLs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bpftrace conntrack util-linux iproute2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/netmon
COPY package.json package-lock.json ./
# Runtime dependencies only: webpack, Jest and the Grafana toolchain stay out of the image. npm
# install rather than npm ci for the reason .ci/run gives (the lock omits other platforms'
# optional packages).
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY bpf ./bpf
COPY sql ./sql
COPY src ./src
COPY docker ./docker
COPY tsconfig.node.json ./

ENTRYPOINT ["node", "/opt/netmon/bin/netmon.mjs"]
CMD ["--help"]
