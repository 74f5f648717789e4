"""Hostile and broken inputs: the case generator (``generate.py``) and property-based fuzzing of the readers."""
