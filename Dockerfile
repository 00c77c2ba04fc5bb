# The ledger service (and the device simulator, from the same image). Two stages: the first
# compiles with every dev dependency, the second carries only dist/ and production packages.
# Node 20: the version the toolchain is pinned to and tested on (shared TOOLCHAIN.md).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing we compile with needs an install script (the one native dev package,
# @parcel/watcher, ships prebuilt), and unreviewed scripts should not run in a build.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded store (LEDGER_STORE=pglite, the default) writes under ./data; give the
# unprivileged user a place to do so. docker-compose.yml uses EventStoreDB and PostgreSQL.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Liveness only: readiness (/health/ready) depends on the broker and stores, and an orchestrator
# should not restart a healthy process because its database is away.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/ledger/src/main.js"]
