FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BV_BIND_HOST=0.0.0.0 \
    PORT=8000 \
    BV_DATA_DIR=/var/lib/bv

WORKDIR /app
COPY pyproject.toml requirements.lock README.md gunicorn.conf.py Procfile ./
COPY service service
COPY workers workers
COPY schemas schemas
# The pinned, hash-checked set first; then the service itself, adding nothing the lock does not hold.
RUN pip install --require-hashes -r requirements.lock \
    && pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /var/lib/bv --create-home bv
USER bv
EXPOSE 8000
CMD ["gunicorn", "service:create_app()"]
