FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
# The client package (a workspace) is the main app's, not the server's: not installed or built here.
RUN npm ci --no-audit --no-fund --workspaces=false
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --workspaces=false

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY drizzle ./drizzle
USER node
CMD ["node", "dist/api/main.js"]
