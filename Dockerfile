FROM python:3.11-slim

# SECBOT_PORT is set so that `secbot serve` answers HTTP (/healthz, /calendar.ics, /charts/…) even
# before chat credentials are configured; with a terminal attached (`docker compose run --rm secbot`)
# it also opens the shell door.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SECBOT_DATA_DIR=/data \
    SECBOT_PORT=3000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY secbot ./secbot
RUN pip install --no-cache-dir . && useradd --create-home secbot && mkdir -p /data && chown secbot /data
# The digest schedules (SECBOT_SCHEDULES_FILE defaults to config/schedules.yaml, read from /app).
COPY config ./config
USER secbot
VOLUME ["/data"]
EXPOSE 3000
# The image has no curl; Python's standard library asks /healthz (503 while the database is down).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SECBOT_PORT', '3000'), timeout=4)"
ENTRYPOINT ["secbot"]
CMD ["serve"]
