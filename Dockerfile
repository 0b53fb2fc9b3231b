# Acorn EDI gateway on Debian's python-slim. The install step is .ci/install, the same script CI runs.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ACORN_VENV=/opt/acorn/venv \
    ACORN_DATA_DIR=/var/lib/acorn \
    ACORN_PARTNERS_DIR=/etc/acorn/partners \
    ACORN_MAPS_DIR=/opt/acorn/maps \
    PATH=/opt/acorn/venv/bin:$PATH

WORKDIR /opt/acorn
COPY pyproject.toml README.md ./
COPY .ci/install ./.ci/install
COPY gateway ./gateway
COPY maps ./maps
COPY partners /etc/acorn/partners
RUN bash .ci/install \
    && rm -rf gateway build *.egg-info \
    && useradd --system --uid 10001 --home-dir /var/lib/acorn acorn \
    && mkdir -p /var/lib/acorn /etc/acorn/keys \
    && chown -R acorn /var/lib/acorn

USER acorn
VOLUME ["/var/lib/acorn", "/etc/acorn/partners", "/etc/acorn/keys"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["acorn"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
