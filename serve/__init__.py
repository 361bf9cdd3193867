"""The HTTP service: FastAPI app (:func:`serve.app.create_app`), its engine, routing, limits and metrics.

Start it with ``python -m serve``; see ``docs/serving.md``. Importing this package loads nothing heavy.
"""
