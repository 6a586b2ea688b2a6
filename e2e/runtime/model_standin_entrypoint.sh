#!/bin/sh
# Runs e2e/runtime/model_standin.py for an image local.chatchat.io/model-standin; the container's
# args are the stand-in's own (--port, --llm-model, --embedding-model, --delay-ms).
exec python "$RUNTIME_DIR/model_standin.py" --host 0.0.0.0 "$@"
