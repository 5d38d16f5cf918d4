# GraphiQL's assets: installed from the npm registry, pinned by package-lock.json.
FROM node:22-slim AS graphiql
WORKDIR /src/graphiql
COPY graphiql/package.json graphiql/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/cadenza
COPY pyproject.toml README.md ./
COPY app ./app
COPY schema ./schema
COPY jobs ./jobs
RUN pip install --no-cache-dir .
COPY --from=graphiql /src/graphiql/node_modules ./graphiql/node_modules
ENV CADENZA_GRAPHIQL_ASSETS=/srv/cadenza/graphiql/node_modules
RUN useradd --system --uid 10001 cadenza
USER cadenza
EXPOSE 8000
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
