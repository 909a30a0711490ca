# A small production image. Not built in CI (no Docker engine there); see docs/deployment.md.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY accountlens ./accountlens
RUN pip install --no-cache-dir . && useradd --system --uid 10001 accountlens
USER accountlens
ENV ACCOUNTLENS_HOST=0.0.0.0 ACCOUNTLENS_PORT=8000
EXPOSE 8000
CMD ["accountlens", "serve"]
