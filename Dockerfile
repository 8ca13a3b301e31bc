# One image for every Vigil service; the command picks which (see docker-compose.yml).
FROM node:22-bookworm-slim
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH NODE_ENV=production
RUN npm install -g pnpm@9.15.9
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY packages ./packages
COPY services ./services
COPY infra ./infra
COPY config ./config
COPY tsconfig.base.json tsconfig.json ./
RUN pnpm install --frozen-lockfile --prod=false
USER node
CMD ["pnpm", "start"]
