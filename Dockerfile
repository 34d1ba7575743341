# One image for every process of the graph: the command chooses which (see docker-compose.yml).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step to ship.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, at the versions of package-lock.json; argon2's install script picks its
# prebuilt binary. (`npm install`, not `npm ci`: the lock file leaves out optional platform binaries.)
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY platform ./platform
COPY schema ./schema
COPY subgraphs ./subgraphs
COPY gateway ./gateway
COPY embedded ./embedded
USER node
EXPOSE 4000
# Default: the whole graph in one process; docker-compose.yml runs each subgraph and the gateway apart.
CMD ["node", "embedded/main.ts"]
