# syntax=docker/dockerfile:1
# The Latch container image (issue 14): `docker build -t latch .` (or `podman build`) at the
# repository root. Three stages on one pinned base image:
#   build    `npm ci` + `npm run build`: the whole workspace compiled (the `latch` command is built
#            into @latch/server's dist/cli/, see apps/cli/tsconfig.json);
#   deps     @latch/server's production dependencies only, from the same lockfile;
#   runtime  those node_modules + @latch/server's package.json, bin/ and dist/, run as `node`.
# Checked by scripts/deploy.test.ts (dockerfile-utils' linter and the rules of README "Container image").
# better-sqlite3 and @node-rs/argon2 load prebuilt Node-API binaries: nothing is compiled, so the
# image needs no compiler and install scripts are skipped (--ignore-scripts).

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
# Manifests first, so that the dependency layer is reused while only sources change. Every
# workspace of the root package.json is listed (npm ci checks them against the lockfile).
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/server/package.json packages/server/
COPY packages/client/package.json packages/client/
COPY packages/resource-server/package.json packages/resource-server/
COPY packages/react/package.json packages/react/
COPY apps/cli/package.json apps/cli/
COPY examples/api/package.json examples/api/
COPY examples/device-cli/package.json examples/device-cli/
COPY examples/service/package.json examples/service/
COPY examples/spa/package.json examples/spa/
COPY examples/web-server/package.json examples/web-server/
COPY bench/package.json bench/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24.22.3-bookworm-slim AS deps
WORKDIR /src
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/client/package.json packages/client/
COPY --from=build /src/packages/resource-server/package.json packages/resource-server/
COPY --from=build /src/packages/react/package.json packages/react/
COPY --from=build /src/apps/cli/package.json apps/cli/
COPY --from=build /src/examples/api/package.json examples/api/
COPY --from=build /src/examples/device-cli/package.json examples/device-cli/
COPY --from=build /src/examples/service/package.json examples/service/
COPY --from=build /src/examples/spa/package.json examples/spa/
COPY --from=build /src/examples/web-server/package.json examples/web-server/
COPY --from=build /src/bench/package.json bench/
# (This stage's npm cache is left behind: the runtime stage copies node_modules only.)
RUN npm ci --omit=dev --ignore-scripts --workspace @latch/server --no-audit --no-fund

FROM node:24.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/latch
COPY --from=deps /src/node_modules node_modules
COPY --from=build /src/packages/server/package.json /src/packages/server/README.md /src/packages/server/LICENSE packages/server/
COPY --from=build /src/packages/server/bin packages/server/bin
COPY --from=build /src/packages/server/dist packages/server/dist
# The default config: every node setting from the environment (LATCH_ISSUER, LATCH_DATABASE_URL,
# LATCH_SECRET, LATCH_REDIS_URL), bound to 0.0.0.0, SQLite in the data volume. Mount your own
# file over it (or pass --config) for clients, users and the rest.
COPY deploy/latch.container.yaml /etc/latch/latch.config.yaml
# The official image's unprivileged user `node` (uid 1000) owns the data directory only.
RUN mkdir -p /var/lib/latch && chown node:node /var/lib/latch \
  && ln -s /opt/latch/packages/server/bin/latch.js /usr/local/bin/latch
VOLUME ["/var/lib/latch"]
WORKDIR /var/lib/latch
USER node
EXPOSE 9000
# Node's fetch, not curl (the slim image has none): healthy when /healthz answers 200 (it does a
# database round trip). PORT is the one Latch listens on when set, else 9000.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 9000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) closes gracefully within 10 s: give `docker stop -t` / stop_grace_period more.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/latch/packages/server/bin/latch.js"]
CMD ["serve", "--config", "/etc/latch/latch.config.yaml"]
