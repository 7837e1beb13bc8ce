# Airflow image with the pipeline installed (used by docker-compose.yml).
#   docker build -t yonhap-pipeline .                        # LocalExecutor
#   docker build --build-arg WITH_CELERY=true -t yonhap-pipeline .   # + CeleryExecutor support
FROM apache/airflow:3.3.2-python3.11

USER airflow
WORKDIR /opt/yonhap

# Dependencies first (cached layer): the exact pins, resolved against our own constraints
# (apache-airflow is pinned to the image's version there, so pip never swaps Airflow out).
COPY --chown=airflow:root requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -r requirements.txt

# The celery profile of docker-compose.yml needs the Celery provider (requirements-celery.txt,
# pinned in the same constraints); single-machine images leave it out.
COPY --chown=airflow:root requirements-celery.txt ./
ARG WITH_CELERY=false
RUN if [ "$WITH_CELERY" = "true" ]; then \
      pip install --no-cache-dir -c constraints.txt -r requirements-celery.txt; \
    fi

# The project itself (no dependency resolution: everything is already pinned above).
COPY --chown=airflow:root pyproject.toml README.md ./
COPY --chown=airflow:root ground ./ground
COPY --chown=airflow:root scrapers ./scrapers
COPY --chown=airflow:root transforms ./transforms
COPY --chown=airflow:root expectations ./expectations
COPY --chown=airflow:root storage ./storage
COPY --chown=airflow:root pipeline ./pipeline
COPY --chown=airflow:root devtools ./devtools
RUN pip install --no-cache-dir --no-deps .

COPY --chown=airflow:root dags /opt/airflow/dags
WORKDIR /opt/airflow
