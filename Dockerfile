# One image for every Vigil service; the command picks which (docker-compose.yml, deploy/kubernetes/).
#   docker build -t vigil .
#   docker run --rm vigil vigil --help
# Stage 1 builds the bundle (services/vigil/build.ts) and `pnpm deploy`s the production package: dist/ and
# only the npm packages dist/ imports. Stage 2 is Node 24 with that, tini as PID 1, and a non-root user.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN npm install -g pnpm@9.15.9
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
COPY infra ./infra
COPY patches ./patches
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @vigil/vigil build \
 && pnpm --filter @vigil/vigil deploy --prod /out

FROM ${NODE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    INGEST_HOST=0.0.0.0 \
    API_HOST=0.0.0.0 \
    ADMIN_HOST=0.0.0.0 \
    PATH=/app/bin:$PATH
WORKDIR /app
COPY --from=build /out /app
# Example configuration (no secrets: those are named by variable); mount your own over /app/config.
# config/dev.env, whose secrets are public, is deliberately not copied.
COPY config/*.example.yaml /app/config/
RUN mkdir -p /app/bin && ln -s /app/dist/vigil.js /app/bin/vigil && chmod +x /app/dist/vigil.js
USER node
EXPOSE 8080 8081
# tini is PID 1 and forwards SIGTERM to node, which drains (SHUTDOWN_TIMEOUT_MS) and exits 0.
ENTRYPOINT ["/usr/bin/tini", "--"]
# All four services in one process; compose and Kubernetes run one service each (node dist/<service>.js).
# Refuses to start (exit 2) while a variable holds a public development secret of config/dev.env.
CMD ["node", "dist/vigil.js", "start"]
# The api and ingest answer on /livez (docs/operations.md); a Kafka-only service has its admin port instead.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "const p=process.env.VIGIL_HEALTH_URL||'http://127.0.0.1:'+(process.env.API_PORT||8081)+'/livez';fetch(p).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
