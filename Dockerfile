FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SECBOT_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY secbot ./secbot
RUN pip install --no-cache-dir . && useradd --create-home secbot && mkdir -p /data && chown secbot /data
USER secbot
VOLUME ["/data"]
ENTRYPOINT ["secbot"]
CMD ["serve"]
