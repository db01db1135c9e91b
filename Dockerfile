# Migrator API and worker image. Build: docker build -t migrator .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile names the workspace packages; npm ci needs their package.json.
COPY packages/api-client/package.json ./packages/api-client/
COPY web/package.json ./web/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY packages ./packages
COPY web ./web
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/api-client/package.json ./packages/api-client/
COPY web/package.json ./web/
# The console's packages are all build-time (devDependencies): only its build ships.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY db ./db
USER node
EXPOSE 8080
CMD ["node", "dist/api/main.js"]
